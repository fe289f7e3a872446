"""Every claimant of a generated region: no suggestion ever breaks a hard filter, and k come back
whenever k eligible vacancies exist. The filter rules are re-derived here from the records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matcher.catalog import VacancyCatalog
from matcher.domain import Claimant, Shifts, Vacancy
from matcher.filters import _INCLUDES
from matcher.geo import load_directory
from matcher.index import FaissIndex
from matcher.service import MatchService
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.fakes import TrigramEmbedder
from training.synthetic import generate_region

TODAY = date(2026, 11, 1)


class Claimants:
    def __init__(self, cs: list[Claimant]) -> None:
        self.by_id = {c.id: c for c in cs}

    def get_claimant(self, claimant_id: str) -> Claimant:
        return self.by_id[claimant_id]


def holds(c: Claimant) -> set[str]:
    out = set(c.licences)
    for lic in c.licences:
        out |= set(_INCLUDES.get(lic, ()))
    return out


def breaks(c: Claimant, v: Vacancy, minutes: float) -> list[str]:
    why = []
    if v.filled or (v.expires is not None and v.expires < TODAY):
        why.append("open")
    if v.hours_per_week > c.available_hours:
        why.append("hours")
    if v.shifts is not Shifts.DAY and not c.shifts_ok:
        why.append("shifts")
    if not set(v.licences) <= holds(c):
        why.append("licence")
    if c.german_level < v.german_level:
        why.append("german")
    if c.health_max_load is not None and v.physical_load > c.health_max_load:
        why.append("health")
    limit = c.max_commute_minutes or (75 if v.hours_per_week / 5 > 6 else 60)
    if minutes > limit:
        why.append("commute")
    return why


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    region = generate_region(seed=5, claimants=300, vacancies=400, placements=1000, reference_date=TODAY)
    encoder = RecordEncoder(
        TrigramEmbedder(), EmbeddingCache(tmp_path_factory.mktemp("emb"), "trigram-64", 64)
    )
    vs = sorted(region.vacancies, key=lambda v: v.id)
    index = FaissIndex.build(encoder.encode_vacancies(vs), [v.id for v in vs], encoder.model_id)
    geo = load_directory()
    by_id = {v.id: v for v in vs}
    service = MatchService(
        claimants=Claimants(region.claimants),
        vacancies=VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo),
        index=index,
        encoder=encoder,
        geo=geo,
        today=TODAY,
    )
    return region, service


def test_no_suggestion_breaks_a_filter_and_k_come_back(setup) -> None:
    region, service = setup
    k = 15
    total = full = 0
    for c in region.claimants:
        result = service.suggest(c.id, k)
        assert len(result.items) <= min(k, result.eligible)
        if result.eligible >= 3 * k:  # enough employers that the cap of 3 each cannot cut the list
            assert len(result.items) == k, c.id
            full += 1
        for m in result.items:
            v = service.vacancies.vacancies[service.vacancies.position[m.vacancy_id]]
            assert breaks(c, v, m.commute_minutes) == [], (c.id, v.id, breaks(c, v, m.commute_minutes))
        assert len({m.vacancy_id for m in result.items}) == len(result.items)
        total += len(result.items)
    assert total > 300 * 5  # the region is not so strict that lists are empty
    assert full > 100


def test_filter_counts_add_up(setup) -> None:
    region, service = setup
    c = region.claimants[0]
    result, _ = service.filter_vacancies(c)
    independent = np.array(
        [
            not breaks(c, v, float(mins))
            for v, mins in zip(service.vacancies.vacancies, result.commute_minutes, strict=True)
        ]
    )
    assert np.array_equal(result.eligible, independent)


def test_k_results_under_a_restrictive_filter(setup, tmp_path: Path) -> None:
    region, service = setup
    counts = []
    for c in region.claimants[:60]:
        r = service.suggest(c.id, 5)
        counts.append((r.eligible, len(r.items)))
    # With 1-4 eligible vacancies all of them come back (the employer cap allows 3 per employer).
    for eligible, got in counts:
        if eligible <= 3:
            assert got == eligible
