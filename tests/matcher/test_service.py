"""MatchService with small fakes for the index and encoder (the real ones: tests/test_integration.py)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest

from matcher.catalog import ClaimantCatalog, VacancyCatalog
from matcher.domain import Claimant, Employer, SizeBand
from matcher.errors import UnknownClaimant, UnknownVacancy
from matcher.geo import load_directory
from matcher.service import MatchService, claimant_codes
from tests.factories import make_claimant, make_vacancy

DIM = 4


class ExactIndex:
    """Brute-force inner product over a matrix: the behaviour FaissIndex must match."""

    model_id = "fake"
    version = "v-test"

    def __init__(self, ids: list[str], vectors: np.ndarray) -> None:
        self._ids = np.array(ids, dtype=str)
        self._vectors = vectors.astype(np.float32)

    @property
    def ids(self) -> np.ndarray:
        return self._ids

    def search_positions(self, queries, k, allowed=None):
        sims = queries @ self._vectors.T
        allowed = np.ones(len(self._ids), bool) if allowed is None else allowed
        out_s, out_p = [], []
        for row in sims:
            cand = np.flatnonzero(allowed)
            order = cand[np.lexsort((self._ids[cand], -row[cand]))][:k]
            out_s.append(row[order])
            out_p.append(order)
        return np.array(out_s, dtype=np.float32), np.array(out_p, dtype=np.int64)

    def search(self, queries, k, allowed=None):
        sims, pos = self.search_positions(queries, k, allowed)
        return sims, [[str(self._ids[j]) for j in row] for row in pos]

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        pos = {v: i for i, v in enumerate(self._ids)}
        return self._vectors[[pos[i] for i in ids]]

    def vectors_at(self, positions) -> np.ndarray:
        return self._vectors[np.asarray(positions, dtype=np.intp)]


class AxisEncoder:
    """Claimant K<n> points along axis n % DIM."""

    model_id = "fake-encoder"

    def encode_claimant(self, c: Claimant) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        v[int(c.id[1:]) % DIM] = 1.0
        return v


class Store:
    def __init__(self, claimants: list[Claimant]) -> None:
        self.by_id = {c.id: c for c in claimants}

    def get_claimant(self, claimant_id: str) -> Claimant:
        if claimant_id not in self.by_id:
            raise UnknownClaimant(claimant_id)
        return self.by_id[claimant_id]


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def service() -> MatchService:
    agency = Employer(id="ZA", name="Zeitarbeit AG", size_band=SizeBand.LARGE, sector="N", temp_agency=True)
    vacancies = [
        make_vacancy(id="V1", employer=agency),
        make_vacancy(id="V2", employer=agency),
        make_vacancy(id="V3", employer=agency),
        make_vacancy(id="V4", employer=agency),
        make_vacancy(id="V5"),
        make_vacancy(id="V6", hours_per_week=45.0),  # more hours than the claimant has
        # Osterode am Harz: too far by public transport from Göttingen
        make_vacancy(id="V7", postcode="37520", municipality="Osterode am Harz", lat=51.7286, lon=10.2522),
    ]
    vectors = np.stack(
        [unit(1, 0.1, 0, 0), unit(1, 0.2, 0, 0), unit(1, 0.3, 0, 0), unit(1, 0.4, 0, 0),
         unit(1, 0.5, 0, 0), unit(1, 0, 0, 0), unit(1, 0, 0, 0)]
    )  # fmt: skip
    geo = load_directory()
    claimants = [make_claimant(id="K0"), make_claimant(id="K4", available_hours=45.0)]
    index = ExactIndex([v.id for v in vacancies], vectors)
    return MatchService(
        claimants=Store(claimants),
        vacancies=VacancyCatalog.build(vacancies, geo),
        index=index,
        encoder=AxisEncoder(),
        geo=geo,
        claimant_catalog=ClaimantCatalog.build(
            claimants,
            np.stack([unit(1, 0, 0, 0), unit(1, 0, 0, 0)]),
            geo,
            codes=[claimant_codes(c, None) for c in claimants],
        ),
        today=date(2026, 11, 1),
    )


def test_suggestions_respect_filters_and_employer_cap(service: MatchService) -> None:
    out = service.suggest("K0", k=5)
    assert [m.vacancy_id for m in out.items] == ["V1", "V2", "V3", "V5"]  # at most 3 from Zeitarbeit AG
    assert out.eligible == 5
    assert out.excluded["hours"] == 1 and out.excluded["commute"] == 1
    assert all(m.commute_minutes <= m.commute_limit for m in out.items)
    assert out.items[0].match_depth == 5 and out.items[0].rank == 1
    assert out.kind == "suggestions" and out.index_version == "v-test"


def test_unknown_ids_raise_domain_errors(service: MatchService) -> None:
    with pytest.raises(UnknownClaimant):
        service.suggest("K9", k=3)
    with pytest.raises(UnknownVacancy):
        service.candidates("V99", k=3)


def test_candidates_apply_the_same_filters(service: MatchService) -> None:
    out = service.candidates("V6", k=5)
    assert [m.claimant_id for m in out.items] == ["K4"]  # K0 can work 39 hours only
    assert out.excluded["hours"] == 1


class _NoGrounding:
    def codes_for(self, titles: object) -> list[str]:
        raise AssertionError("a reverse lookup grounded a wish text")


def test_candidates_read_the_catalogs_codes_and_ground_nothing(service: MatchService) -> None:
    """Issue 13, item 13: the candidates' codes were grounded when they were written (the
    catalog's ``codes``); a reverse lookup reads them and never asks the grounder."""
    cc = service.claimant_catalog
    assert cc is not None
    geo = load_directory()

    def depths(codes: list[tuple[str, ...]]) -> list[tuple[str, int]]:
        catalog = ClaimantCatalog.build(cc.claimants, cc.vectors, geo, codes=codes)
        no_grounder = copy.copy(service.with_claimants(catalog))
        no_grounder.grounder = _NoGrounding()
        return [(m.claimant_id, m.match_depth) for m in no_grounder.candidates("V6", k=5).items]

    # V6 is coded 51311: the catalog's codes decide the depth, not a grounding at request time.
    assert depths([(), ("51311",)]) == [("K4", 5)]
    assert depths([(), ("51312",)]) == [("K4", 4)]
    assert depths([(), ()]) == [("K4", 0)]
    assert cc.codes == tuple(tuple(claimant_codes(c, None)) for c in cc.claimants)
