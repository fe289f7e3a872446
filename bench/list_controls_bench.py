"""The list controls and "Warum nicht diese Stelle?" in process, through MatchService: a claimant's
list unnarrowed and narrowed (permanent, no temp agency, at most 30 minutes), one filter's excluded
vacancies (the page's first 50) and a search by a title word. Vectors are character-trigram hashes
(dim 384, as in ``lookup_bench``); no scorer (fit only), so the figures are the controls' own cost
on top of filters and search, not a full lookup's.

    .venv/bin/python bench/list_controls_bench.py [--vacancies 10000] [--claimants 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.lookup_bench import _Encoder, trigram
from matcher.bootstrap import assemble_service
from matcher.domain import Contract
from matcher.geo import load_directory
from matcher.index import FaissIndex
from matcher.list_filters import ListFilter
from matcher.settings import Settings
from matcher.text import render_vacancy
from training.synthetic import generate_region


def _ms(times: list[float]) -> str:
    a = np.array(times) * 1000
    return f"p50 {np.percentile(a, 50):.1f} ms, p99 {np.percentile(a, 99):.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vacancies", type=int, default=10_000)
    ap.add_argument("--claimants", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    settings = Settings()
    geo = load_directory()
    region = generate_region(a.seed, a.claimants, a.vacancies, placements=1)
    vs = [v for v in region.vacancies if not v.filled]
    index = FaissIndex.build(trigram([render_vacancy(v) for v in vs]), [v.id for v in vs], "trigram-384")
    service = assemble_service(
        claimants=None,  # type: ignore[arg-type]
        vacancies=vs, index=index, encoder=_Encoder(region.claimants), geo=geo, scorer=None, grounder=None,
        commute=settings.commute, ranking=settings.ranking, household=settings.household,
        today=region.reference_date,
    )  # fmt: skip
    narrow = ListFilter(contract=Contract.PERMANENT, temp_agency=False, max_commute=30.0)
    t = time.perf_counter()
    service.suggest_for(region.claimants[0], 10, narrow)  # builds the catalog's contract/agency arrays
    first_narrowed = time.perf_counter() - t
    t = time.perf_counter()
    service.find_for(region.claimants[0], "helfer", limit=20)  # folds every title once
    first_title = time.perf_counter() - t
    plain, narrowed, excluded, title = [], [], [], []
    for c in region.claimants:
        for out, call in (
            (plain, lambda c=c: service.suggest_for(c, 10)),
            (narrowed, lambda c=c: service.suggest_for(c, 10, narrow)),
            (excluded, lambda c=c: service.excluded_by(c, "commute", limit=50)),
            (title, lambda c=c: service.find_for(c, "lager", limit=20)),
        ):
            t = time.perf_counter()
            call()
            out.append(time.perf_counter() - t)
    print(f"{len(vs)} vacancies, {len(region.claimants)} claimants")
    print(f"suggestions k=10: {_ms(plain)}; narrowed (permanent, no temp agency, ≤ 30 min): {_ms(narrowed)}")
    print(f"first narrowed list (builds the arrays): {first_narrowed * 1000:.1f} ms")
    print(f"excluded by commute, first 50: {_ms(excluded)}")
    print(
        f"why-not by title 'lager' (20 shown): {_ms(title)}; "
        f"first call (folds every title): {first_title * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
