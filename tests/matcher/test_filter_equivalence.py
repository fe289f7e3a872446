"""The lookup's filters by place and per-requirement masks (``MatchService.filter_vacancies``) give
exactly what ``evaluate`` over every vacancy gave (``filter_vacancies_plain``): the same masks, the
same commute minutes, limits and distances bit for bit, on a seeded region whose vacancies sit at
shared places, at places of their own, at an unknown place, and whose claimants have their own
limits, coordinates and modes; and the same lists."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import numpy as np
import pytest

from matcher.catalog import ClaimantCatalog, Places, VacancyCatalog
from matcher.geo import load_directory
from matcher.index import FaissIndex
from matcher.service import ClaimantsInMemory, MatchService
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.fakes import TrigramEmbedder
from training.synthetic import generate_region

TODAY = date(2026, 11, 1)


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.uint64)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    region = generate_region(seed=11, claimants=250, vacancies=600, placements=1000, reference_date=TODAY)
    rnd = random.Random(3)
    vacancies = []
    for i, v in enumerate(sorted(region.vacancies, key=lambda v: v.id)):
        if i % 3 == 1 and v.lat is not None:  # a place of its own, a few km off the shared one
            v = dataclasses.replace(v, lat=v.lat + rnd.uniform(-0.2, 0.2), lon=v.lon + rnd.uniform(-0.2, 0.2))
        elif i % 97 == 5:  # no coordinates: fails the commute filter
            v = dataclasses.replace(v, lat=None, lon=None)
        vacancies.append(v)
    claimants = []
    for i, c in enumerate(region.claimants):
        if i % 4 == 1:
            c = dataclasses.replace(c, max_commute_minutes=rnd.choice([15, 30, 45, 60, 90]))
        if i % 5 == 2 and c.lat is not None:
            c = dataclasses.replace(c, lat=c.lat + 0.05, lon=c.lon - 0.05)
        if i % 7 == 3 and c.has_car:  # by public transport (a car needs class B, so only this way)
            c = dataclasses.replace(c, has_car=False)
        claimants.append(c)
    encoder = RecordEncoder(
        TrigramEmbedder(), EmbeddingCache(tmp_path_factory.mktemp("emb"), "trigram-64", 64)
    )
    index = FaissIndex.build(encoder.encode_vacancies(vacancies), [v.id for v in vacancies], encoder.model_id)
    geo = load_directory()
    by_id = {v.id: v for v in vacancies}
    service = MatchService(
        claimants=ClaimantsInMemory(claimants),
        vacancies=VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo),
        index=index,
        encoder=encoder,
        geo=geo,
        today=TODAY,
    )
    return claimants, service


def test_places_hold_each_vacancys_own_numbers(setup) -> None:
    _, service = setup
    cat = service.vacancies
    places = cat.places
    assert 48 < len(places) < len(cat)  # shared places and places of their own
    assert np.array_equal(bits(places.lat[places.of]), bits(cat.table.lat))
    assert np.array_equal(bits(places.lon[places.of]), bits(cat.table.lon))
    assert np.array_equal(bits(places.rurality[places.of]), bits(cat.rurality))
    assert np.isnan(cat.table.lat).sum() == 5


def test_places_keep_nan_as_one_place_and_signed_zeros_apart() -> None:
    nan = float("nan")
    p = Places.of_table(
        np.array([nan, 0.0, -0.0, nan, 51.5]),
        np.array([nan, 9.9, 9.9, nan, 9.9]),
        np.array([1.0, 0.2, 0.2, 1.0, 0.2]),
    )
    assert len(p) == 4
    assert p.of[0] == p.of[3]
    assert p.of[1] != p.of[2]


def test_filters_match_the_plain_computation_bit_for_bit(setup) -> None:
    claimants, service = setup
    eligible_total = 0
    for _ in range(2):  # the second round reads the masks the first one cached
        for c in claimants:
            fast, dist = service.filter_vacancies(c)
            plain, plain_dist = service.filter_vacancies_plain(c)
            assert list(fast.passes) == list(plain.passes)
            for name in plain.passes:
                assert np.array_equal(fast.passes[name], plain.passes[name]), (c.id, name)
            assert np.array_equal(bits(fast.commute_minutes), bits(plain.commute_minutes)), c.id
            assert np.array_equal(bits(fast.commute_limit), bits(plain.commute_limit)), c.id
            assert np.array_equal(bits(dist), bits(plain_dist)), c.id
            assert fast.excluded_counts() == plain.excluded_counts()
            assert np.array_equal(fast.eligible, plain.eligible)
            eligible_total += int(fast.eligible.sum())
    # The region leaves something to find and something to exclude for each filter.
    assert 0 < eligible_total < 2 * len(claimants) * len(service.vacancies)
    excluded = plain.excluded_counts()
    assert set(excluded) == {"open", "commute", "hours", "shifts", "licence", "german", "health"}


def test_lists_are_those_of_the_plain_filters(setup) -> None:
    claimants, service = setup
    plain = service.with_encoder(service.encoder)
    plain.filter_vacancies = plain.filter_vacancies_plain  # type: ignore[method-assign]
    for c in claimants[:40]:
        assert service.suggest_for(c, 10) == plain.suggest_for(c, 10), c.id


def test_reverse_filters_match_the_plain_computation_bit_for_bit(setup) -> None:
    claimants, service = setup
    vectors = np.stack([service.encoder.encode_claimant(c) for c in claimants]).astype(np.float32)
    cc = ClaimantCatalog.build(claimants, vectors, service.geo, codes=[() for _ in claimants])
    assert 1 < len(cc.places) < len(cc)
    rev = service.with_claimants(cc)
    for pos in range(0, len(service.vacancies), 7):
        fast, dist = rev.filter_claimants(cc, pos)
        plain, plain_dist = rev.filter_claimants_plain(cc, pos)
        for name in plain.passes:
            assert np.array_equal(fast.passes[name], plain.passes[name]), (pos, name)
        assert np.array_equal(bits(fast.commute_minutes), bits(plain.commute_minutes)), pos
        assert np.array_equal(bits(fast.commute_limit), bits(plain.commute_limit)), pos
        assert np.array_equal(bits(dist), bits(plain_dist)), pos
    plain_service = rev.with_encoder(rev.encoder)
    plain_service.filter_claimants = plain_service.filter_claimants_plain  # type: ignore[method-assign]
    for vid in service.vacancies.ids[::37].tolist():
        assert rev.candidates(vid, 10) == plain_service.candidates(vid, 10), vid


def test_a_catalog_with_its_masks_pickles(setup) -> None:
    import pickle

    claimants, service = setup
    service.filter_vacancies(claimants[0])  # the masks and places are built
    cat = pickle.loads(pickle.dumps(service.vacancies))
    again = service.with_vacancies(cat)
    for c in claimants[:5]:
        a, _ = again.filter_vacancies(c)
        b, _ = service.filter_vacancies_plain(c)
        assert all(np.array_equal(a.passes[n], b.passes[n]) for n in b.passes)


def test_the_top_m_are_the_first_m_of_the_full_sort() -> None:
    from matcher.service import _top

    rnd = np.random.default_rng(8)
    scores = rnd.integers(0, 40, 500).astype(np.float32) / 40  # many ties
    ids = np.array([f"K{i:05d}" for i in rnd.permutation(500)])
    full = np.lexsort((ids, -scores))
    for m in (1, 17, 216, 499, 500, 600):
        assert np.array_equal(_top(scores, ids, m), full[:m]), m
