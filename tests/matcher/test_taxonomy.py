from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.errors import ImportRejected
from matcher.taxonomy import (
    TitleEntry,
    TitleGrounder,
    read_crosswalk_csv,
    read_kldb_csv,
    read_titles,
    write_titles,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
KLDB = SHARED / "kldb" / "kldb2010_v2020_gliederung.csv"
CROSSWALK = SHARED / "crosswalk" / "esco_kldb_occupations_DE_mapping_18.05.22.csv"
needs_shared = pytest.mark.skipif(not KLDB.exists(), reason="../shared/data is not beside the repository")


@needs_shared
def test_official_kldb_titles() -> None:
    entries = read_kldb_csv(KLDB)
    codes = {e.code for e in entries}
    assert len(codes) == 1301  # all five-digit Berufsgattungen of KldB 2010 (revision 2020)
    assert TitleEntry("51311", "Berufe in der Lagerwirtschaft – Helfer-/Anlerntätigkeiten", "kldb") in entries


@needs_shared
def test_crosswalk_titles_carry_kldb_codes() -> None:
    entries = read_crosswalk_csv(CROSSWALK)
    assert len({e.code for e in entries}) == 1211
    assert all(len(e.code) == 5 and e.code.isdigit() for e in entries)
    assert TitleEntry("51312", "Fachkraft für Lagerlogistik", "ba") in entries


def test_bad_files_are_refused_with_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "kldb.csv"
    bad.write_text(
        "Schlüssel KldB 2010, V. 2020;Ebene;Titel;Kurztitel\n5131x;5;Lager;Lager\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as info:
        read_kldb_csv(bad)
    assert info.value.errors[0].line == 2 and info.value.errors[0].field == "Schlüssel"
    other = tmp_path / "other.csv"
    other.write_text("a;b\n", encoding="utf-8")
    with pytest.raises(ImportRejected):
        read_kldb_csv(other)


def test_titles_round_trip(tmp_path: Path) -> None:
    entries = [TitleEntry("51311", "Lagerhelfer", "curated"), TitleEntry("52122", "Berufskraftfahrer", "ba")]
    write_titles(entries, tmp_path / "t" / "titles.tsv")
    assert read_titles(tmp_path / "t" / "titles.tsv") == entries


def test_grounder_returns_codes_of_nearest_titles_above_the_floor() -> None:
    entries = [
        TitleEntry("51311", "Lagerhelfer", "curated"),
        TitleEntry("51311", "Kommissionierer", "curated"),
        TitleEntry("52122", "Berufskraftfahrer", "curated"),
        TitleEntry("81302", "Pflegefachkraft", "curated"),
    ]
    vecs = np.eye(4, dtype=np.float32)
    table = {
        "Lagerarbeiter": [0.95, 0.3, 0.0, 0.0],
        "LKW-Fahrer": [0.0, 0.0, 0.9, 0.1],
        "Koch": [0.6, 0, 0, 0.7],
    }

    def encode(texts):
        out = np.array([table[t] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    g = TitleGrounder(entries, vecs, encode, min_similarity=0.8, per_text=2)
    assert g.codes_for(["Lagerarbeiter", "LKW-Fahrer"]) == ["51311", "52122"]
    assert g.codes_for(["Koch"]) == []  # nothing close enough
    assert g.nearest("Lagerarbeiter")[0][:2] == ("51311", "Lagerhelfer")
