from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.domain import CEFR, PhysicalLoad, Shifts
from matcher.filters import (
    FILTERS,
    ClaimantTable,
    VacancyTable,
    default_commute_limit,
    evaluate,
    licence_bits,
)
from matcher.settings import CommuteSettings
from tests.factories import make_claimant, make_vacancy

TODAY = date(2026, 11, 1)
COMMUTE = CommuteSettings()


def run(claimant, vacancies, minutes):
    return evaluate(
        ClaimantTable.from_claimants([claimant]),
        VacancyTable.from_vacancies(vacancies),
        np.asarray(minutes, dtype=float),
        today=TODAY,
        commute=COMMUTE,
    )


def test_section_140_default_limits() -> None:
    limits = default_commute_limit(np.array([39.0, 30.0, 30.5, 20.0]), COMMUTE)
    # > 6 h a day: 150 min round trip; ≤ 6 h a day: 120 min.
    assert limits.tolist() == [75.0, 60.0, 75.0, 60.0]


def test_each_filter_excludes_with_its_reason() -> None:
    c = make_claimant(
        available_hours=30.0,
        shifts_ok=False,
        german_level=CEFR.A2,
        health_max_load=PhysicalLoad.MEDIUM,
        licences=frozenset({"B"}),
    )
    vs = [
        make_vacancy(id="ok", hours_per_week=30.0),
        make_vacancy(id="filled", hours_per_week=30.0, filled=True),
        make_vacancy(id="expired", hours_per_week=30.0, expires=date(2026, 10, 31)),
        make_vacancy(id="far", hours_per_week=30.0),
        make_vacancy(id="hours", hours_per_week=39.0),
        make_vacancy(id="shifts", hours_per_week=30.0, shifts=Shifts.NIGHT),
        make_vacancy(id="licence", hours_per_week=30.0, licences=frozenset({"CE"})),
        make_vacancy(id="german", hours_per_week=30.0, german_level=CEFR.B2),
        make_vacancy(id="health", hours_per_week=30.0, physical_load=PhysicalLoad.HIGH),
    ]
    minutes = [20, 20, 20, 61, 20, 20, 20, 20, 20]  # 30 h = 6 h a day: 60 min one way allowed
    result = run(c, vs, minutes)
    assert result.eligible.tolist() == [True] + [False] * 8
    assert [result.failed(i) for i in range(9)] == [
        [],
        ["open"],
        ["open"],
        ["commute"],
        ["hours"],
        ["shifts"],
        ["licence"],
        ["german"],
        ["health"],
    ]
    counts = result.excluded_counts()
    assert set(counts) == set(FILTERS)
    assert counts == {n: (2 if n == "open" else 1) for n in FILTERS}


def test_own_commute_limit_overrides_default_and_unknown_place_fails() -> None:
    c = make_claimant(max_commute_minutes=30)
    result = run(c, [make_vacancy(id="a"), make_vacancy(id="b"), make_vacancy(id="c")], [30, 31, np.nan])
    assert result.passes["commute"].tolist() == [True, False, False]


def test_licence_classes_include_lower_ones() -> None:
    ce_holder = licence_bits(frozenset({"CE"}), with_included=True)
    for needed in ("C", "C1", "BE", "B", "CE"):
        assert licence_bits(frozenset({needed}), with_included=False) & ~ce_holder == 0
    b_holder = licence_bits(frozenset({"B"}), with_included=True)
    assert licence_bits(frozenset({"C1"}), with_included=False) & ~b_holder != 0


@settings(max_examples=200, deadline=None)
@given(
    hours=st.lists(st.sampled_from([10.0, 20.0, 30.0, 39.0, 40.0]), min_size=1, max_size=12),
    avail=st.sampled_from([15.0, 25.0, 30.0, 40.0]),
    german=st.sampled_from(list(CEFR)),
    load=st.sampled_from([None, *PhysicalLoad]),
    shifts_ok=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_no_eligible_pair_breaks_a_filter(hours, avail, german, load, shifts_ok, seed) -> None:
    rng = np.random.default_rng(seed)
    c = make_claimant(available_hours=avail, german_level=german, health_max_load=load, shifts_ok=shifts_ok)
    vs = [
        make_vacancy(
            id=f"V{i}",
            hours_per_week=h,
            german_level=CEFR(int(rng.integers(1, 7))),
            physical_load=PhysicalLoad(int(rng.integers(1, 4))),
            shifts=[Shifts.DAY, Shifts.NIGHT][int(rng.integers(0, 2))],
            licences=frozenset([["B"], ["C"], []][int(rng.integers(0, 3))]),
            filled=bool(rng.random() < 0.1),
        )
        for i, h in enumerate(hours)
    ]
    minutes = rng.uniform(0, 120, len(vs))
    result = run(c, vs, minutes)
    for i in np.flatnonzero(result.eligible):
        v = vs[i]
        assert v.hours_per_week <= c.available_hours
        assert c.german_level >= v.german_level
        assert v.physical_load <= (c.health_max_load or PhysicalLoad.HIGH)
        assert c.shifts_ok or v.shifts is Shifts.DAY
        assert "C" not in v.licences
        assert not v.filled
        assert minutes[i] <= (75 if v.hours_per_week > 30 else 60)
