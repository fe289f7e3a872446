"""Lookup latency with scoring: one claimant against 10,000 vacancies, through MatchService.

Filters, exact index search among the eligible, ModelScorer (both models, explanations), ranking
with the employer cap. The vectors are character-trigram hashes of the rendered texts (dim 384,
like e5-small): the search cost depends on the dimension, not on the model, and embedding 10,000
texts with e5 on this CPU would take minutes. The claimant's vector is computed before timing
(the service reads it from the cache in production).

    .venv/bin/python bench/lookup_bench.py [--vacancies 10000] [--lookups 200]
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Sequence

import numpy as np

from matcher.bootstrap import assemble_service
from matcher.domain import Claimant
from matcher.geo import load_directory
from matcher.index import FaissIndex
from matcher.settings import Settings
from matcher.text import render_claimant, render_vacancy
from models.pair_scorer import ModelScorer
from training.dataset import FeatureContext
from training.synthetic import generate_region
from training.train import train_from_records

DIM = 384


def trigram(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for r, t in enumerate(texts):
        p = f"  {t.casefold()} "
        for i in range(len(p) - 2):
            out[r, zlib.crc32(p[i : i + 3].encode()) % DIM] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class _Encoder:
    model_id = "trigram-384"

    def __init__(self, claimants: Sequence[Claimant]) -> None:
        self._vec = dict(
            zip((c.id for c in claimants), trigram([render_claimant(c) for c in claimants]), strict=True)
        )

    def encode_claimant(self, c: Claimant) -> np.ndarray:
        return self._vec[c.id]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vacancies", type=int, default=10_000)
    ap.add_argument("--lookups", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    settings = Settings()
    geo = load_directory()
    region = generate_region(a.seed, a.lookups, a.vacancies, placements=6000)
    ctx = FeatureContext(geo, None, settings.commute, settings.household)
    res = train_from_records(
        region.outcomes,
        region.proposals,
        region.history_claimants,
        region.history_vacancies,
        ctx,
        compare=False,
    )
    vs = [v for v in region.vacancies if not v.filled]
    index = FaissIndex.build(trigram([render_vacancy(v) for v in vs]), [v.id for v in vs], "trigram-384")
    service = assemble_service(
        claimants=None,  # type: ignore[arg-type]
        vacancies=vs,
        index=index,
        encoder=_Encoder(region.claimants),
        geo=geo,
        scorer=ModelScorer(
            res.match,
            res.sustain,
            household=settings.household,
            model_version="bench",
            employers=res.employers,
        ),
        grounder=None,
        commute=settings.commute,
        ranking=settings.ranking,
        household=settings.household,
        today=region.reference_date,
    )
    for c in region.claimants[:5]:
        service.suggest_for(c, 10)  # warm-up
    times, score_times, candidates = [], [], []
    scorer = service.scorer
    real_score = scorer.score

    def timed_score(pairs, *, explain=True):  # type: ignore[no-untyped-def]
        # Every scorer call of the lookup counts (once for all candidates; trees before 2026-12-02
        # scored the k shown a second time, with explanations); the first call's size is reported.
        t = time.perf_counter()
        out = real_score(pairs, explain=explain)
        if len(candidates) < len(score_times):
            candidates.append(len(pairs.vacancies))
        score_times[-1] += time.perf_counter() - t
        return out

    scorer.score = timed_score  # type: ignore[method-assign]
    for c in region.claimants:
        score_times.append(0.0)
        t = time.perf_counter()
        service.suggest_for(c, 10)
        times.append(time.perf_counter() - t)
        if len(candidates) < len(score_times):
            score_times.pop()  # nothing eligible: nothing scored
    ms = np.array(times) * 1000
    sc = np.array(score_times) * 1000
    print(
        f"{len(vs)} vacancies, {len(ms)} lookups (k=10, ~{np.mean(candidates):.0f} candidates scored): "
        f"lookup p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms; "
        f"of which scoring p50 {np.percentile(sc, 50):.1f} ms, p99 {np.percentile(sc, 99):.1f} ms"
    )


if __name__ == "__main__":
    main()
