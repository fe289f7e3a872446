"""A small synthetic region in a store, with the fast trigram embedder, for the nightly tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from matcher.bootstrap import Services
from matcher.cli.base import locator
from matcher.cli.demo import REGION_FILES
from matcher.importer import import_file
from matcher.pairs import LogitTerms, PairBatch, PairScores
from matcher.settings import Settings
from matcher.store import Store
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.fakes import TrigramEmbedder
from training.synthetic import generate_region, write_region

AS_OF = date(2026, 11, 2)


def settings_for(data_dir: Path, **nightly: object) -> Settings:
    return Settings(data_dir=data_dir, as_of=AS_OF, nightly=nightly)  # type: ignore[arg-type]


def fake_encoder(data_dir: Path) -> RecordEncoder:
    emb = TrigramEmbedder()
    return RecordEncoder(emb, EmbeddingCache(data_dir / "embeddings", emb.model_id, emb.dim))


def build_region(data_dir: Path, *, seed: int = 11, claimants: int = 240, vacancies: int = 160) -> Store:
    region = generate_region(seed=seed, claimants=claimants, vacancies=vacancies, placements=400)
    write_region(region, data_dir / "region")
    store = Services(Settings(data_dir=data_dir)).store()
    locate = locator()
    for kind, name in REGION_FILES:
        if kind in ("claimants", "vacancies") and not name.startswith("history"):
            import_file(store, data_dir / "region" / name, kind, locate=locate, error_limit=10)
    return store


class TermsScorer:
    """A small deterministic scorer with explanations (the trained one takes ~25 s to fit)."""

    model_version = "terms-test"

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        p_match = np.clip(pairs.similarity, 0.0, 1.0)
        ratio = np.asarray(pairs.commute_minutes) / np.asarray(pairs.commute_limit)
        depth = np.asarray(pairs.depth, dtype=np.float64)
        # An additive score with two terms, so that the explanations carry drivers (the commute's
        # term by its share of the limit, shown as its minutes: a feature the card has words for).
        terms = np.column_stack([0.1 * depth, -0.2 * np.clip(ratio, 0, 1)])
        p_sustain = 0.3 + terms.sum(axis=1)
        minutes = np.asarray(pairs.commute_minutes, dtype=np.float64)
        explained = LogitTerms(
            ("kldb_depth", "commute_minutes"), np.column_stack([depth, minutes]), terms, p_sustain, 0.3
        )
        return PairScores(p_match, p_sustain, self.model_version, explained if explain else None)
