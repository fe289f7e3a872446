"""matcher.pairs on hand-made records: codes, commute by mode, limits, match depth, measurement."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from matcher.domain import CommuteMode, Household, Shifts
from matcher.geo import haversine_km, load_directory
from matcher.occupation import vacancy_digits
from matcher.pairs import (
    PairBatch,
    PairScores,
    childcare_clash,
    claimant_codes,
    claimant_commute,
    commute_for,
    experience_years,
    fetch_size,
    match_depths,
    measure_pairs,
)
from matcher.settings import CommuteSettings
from tests.factories import make_claimant, make_vacancy


class CountingGrounder:
    """Grounds every wish to 81302 and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def codes_for(self, titles: Sequence[str]) -> list[str]:
        self.calls += 1
        return ["81302"] if titles else []


def test_claimant_codes_join_wishes_experience_and_grounded_texts() -> None:
    c = make_claimant(desired_kldb=("51311",), experience=(("52122", 12), ("51311", 6)))
    assert claimant_codes(c, None) == ["51311", "52122"]
    assert claimant_codes(c, CountingGrounder()) == ["51311", "52122", "81302"]
    assert claimant_codes(make_claimant(desired_occupations=()), CountingGrounder()) == ["51311"]


def test_commute_by_car_with_a_car_else_by_public_transport() -> None:
    dist, rur = np.array([3.0, 12.0, 30.0]), np.array([0.0, 0.5, 1.0])
    car, public = commute_for(CommuteMode.CAR, dist, rur), commute_for(CommuteMode.PUBLIC, dist, rur)
    assert not np.allclose(car, public)
    assert np.array_equal(claimant_commute(True, dist, rur), car)
    assert np.array_equal(claimant_commute(False, dist, rur), public)
    mixed = claimant_commute(np.array([True, False, True]), dist, rur)
    assert mixed.tolist() == [car[0], public[1], car[2]]


def test_match_depths_by_hand_and_codes_once_per_claimant() -> None:
    a = make_claimant(id="A", desired_kldb=("51311",), experience=(), desired_occupations=())
    b = make_claimant(id="B", desired_kldb=(), experience=(), desired_occupations=("Koch",))
    digits = vacancy_digits(["51311", "51312", "51411", "61311", None, "81302"])
    grounder = CountingGrounder()
    depth = match_depths([a, a, a, a, a, b], digits, grounder)
    assert depth.dtype == np.int8
    assert depth.tolist() == [5, 4, 2, 0, 0, 5]
    assert grounder.calls == 1  # A has no wish texts; B's are grounded once


def test_fetch_size() -> None:
    assert fetch_size(50, 20) == 50
    assert fetch_size(10_000, 5) == 200
    assert fetch_size(10_000, 30) == 300
    assert fetch_size(0, 10) == 0


def test_measure_pairs_by_the_claimants_mode_and_limit() -> None:
    geo = load_directory()
    walker = make_claimant(id="A", has_car=False, max_commute_minutes=None)
    driver = make_claimant(id="B", has_car=True, max_commute_minutes=30)
    near = make_vacancy(id="V1", hours_per_week=39.0)  # same coordinates as the claimants
    far = make_vacancy(id="V2", hours_per_week=20.0, lat=51.80, lon=10.30, kldb="51312")
    pairs = measure_pairs(
        [walker, walker, driver], [near, far, far], geo=geo, grounder=None, commute=CommuteSettings()
    )
    dist = haversine_km(
        np.full(3, 51.5333), np.full(3, 9.9333), [51.5333, 51.80, 51.80], [9.9333, 10.30, 10.30]
    )
    assert np.allclose(pairs.distance_km, dist)
    assert pairs.distance_km[0] == 0.0 and pairs.distance_km[1] > 30
    # §140(4) SGB III: 150 min round trip for more than 6 h a day, 120 min otherwise; else one's own.
    assert pairs.commute_limit.tolist() == [75.0, 60.0, 30.0]
    assert pairs.depth.tolist() == [5, 4, 4]
    assert pairs.similarity.tolist() == [0.0, 0.0, 0.0]
    rur = np.maximum(
        geo.lookup("37073").rurality, [geo.lookup(v.postcode).rurality for v in (near, far, far)]
    )
    public = commute_for(CommuteMode.PUBLIC, pairs.distance_km, rur)
    car = commute_for(CommuteMode.CAR, pairs.distance_km, rur)
    assert pairs.commute_minutes.tolist() == [public[0], public[1], car[2]]
    with pytest.raises(ValueError, match="aligned"):
        measure_pairs([walker], [], geo=geo, grounder=None, commute=CommuteSettings())


def test_an_unknown_place_has_no_commute() -> None:
    c = make_claimant(postcode="00000", lat=None, lon=None)
    pairs = measure_pairs(
        [c], [make_vacancy()], geo=load_directory(), grounder=None, commute=CommuteSettings()
    )
    assert np.isnan(pairs.commute_minutes[0]) and np.isnan(pairs.distance_km[0])


def test_take_keeps_the_pairs_aligned() -> None:
    vs = [make_vacancy(id=f"V{i}") for i in range(3)]
    pairs = PairBatch(
        claimants=[make_claimant()] * 3,
        vacancies=vs,
        similarity=np.array([0.1, 0.2, 0.3]),
        depth=np.array([1, 2, 3], dtype=np.int8),
        commute_minutes=np.array([10.0, 20.0, 30.0]),
        commute_limit=np.array([60.0, 60.0, 75.0]),
        distance_km=np.array([1.0, 2.0, 3.0]),
    )
    two = pairs.take([2, 0])
    assert [v.id for v in two.vacancies] == ["V2", "V0"]
    assert two.depth.tolist() == [3, 1] and two.commute_limit.tolist() == [75.0, 60.0]
    assert len(PairScores(np.zeros(2), np.ones(2), "v")) == 2


def test_experience_years_and_childcare_clash_by_hand() -> None:
    parent = make_claimant(household=Household(children_0_5=1, children_6_13=2), experience=(("51311", 18),))
    single = make_claimant(household=Household())
    day40 = make_vacancy(hours_per_week=40.0)
    day25 = make_vacancy(hours_per_week=25.0, kldb="61311")
    shifts = make_vacancy(hours_per_week=25.0, shifts=Shifts.TWO_SHIFT)
    cs, vs = [parent, parent, parent, single], [day40, day25, shifts, day40]
    assert experience_years(cs, vs).tolist() == [1.5, 0.0, 1.5, 3.0]
    # care = min(1 + 0.5 × 2, 2) = 2; clash = max(h − 25, 0) / 15 + 0.8 × shift work
    assert childcare_clash(cs, vs).tolist() == pytest.approx([2.0, 0.0, 1.6, 0.0])
