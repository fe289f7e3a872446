from __future__ import annotations

import dataclasses

import numpy as np

from matcher.domain import (
    CEFR,
    Claimant,
    Contract,
    Employer,
    Household,
    PhysicalLoad,
    ProtectedAttributes,
    Shifts,
    SizeBand,
    SkillLevel,
)
from matcher.settings import HouseholdSettings
from models.features import FEATURES, PairInputs, build_features
from tests.factories import make_claimant, make_vacancy

PROTECTED_WORDS = (
    "sex",
    "gender",
    "geschlecht",
    "nation",
    "citizen",
    "age",
    "alter",
    "birth",
    "disab",
    "behind",
)


def row(c, v, sim=0.8, depth=5, minutes=30.0, limit=75.0) -> dict[str, float]:
    x = build_features(PairInputs([c], [v], [sim], [depth], [minutes], [limit]), HouseholdSettings())
    return dict(zip(FEATURES, x[0].tolist(), strict=True))


def test_no_protected_attribute_is_a_feature() -> None:
    protected = {f.name for f in dataclasses.fields(ProtectedAttributes)} - {"claimant_id"}
    # The records the features are built from do not hold protected attributes at all ...
    assert not protected & {f.name for f in dataclasses.fields(Claimant)}
    assert not protected & {f.name for f in dataclasses.fields(Household)}
    # ... and no feature is named after one.
    for name in FEATURES:
        assert not any(
            w in name.lower() for w in PROTECTED_WORDS if w != "age" or "age" in name.split("_")
        ), name
    assert not any(p in name for p in protected for name in FEATURES)


def test_feature_values_for_a_hand_built_pair() -> None:
    agency = Employer(id="ZA", name="Zeitarbeit AG", size_band=SizeBand.LARGE, sector="N", temp_agency=True)
    c = make_claimant(
        household=Household(adults=1, children_0_5=1, rent=550.0), available_hours=30.0, has_car=False
    )
    v = make_vacancy(
        employer=agency, shifts=Shifts.TWO_SHIFT, hours_per_week=30.0, contract=Contract.FIXED_TERM,
        contract_months=6, wage=15.0,
    )  # fmt: skip
    f = row(c, v, minutes=45.0, limit=60.0)
    assert f["no_car"] == 1.0 and f["commute_no_car"] == 45.0 and f["commute_over_limit"] == 0.0
    # Plain inputs, no graded clash: one child under 6, none of school age, a single parent, 30 hours.
    assert (f["young_children"], f["school_children"], f["single_parent"]) == (1.0, 0.0, 1.0)
    assert (f["hours_per_week"], f["hours_over_available"]) == (30.0, 0.0)
    assert (f["shift_work"], f["shift_not_possible"], f["health_strain"]) == (1.0, 0.0, 0.0)
    assert f["fixed_term"] == 1.0 and f["contract_months"] == 6.0 and f["temp_agency"] == 1.0
    assert f["experience_years"] == 3.0 and f["kldb_depth"] == 5.0 and f["employer_size"] == 3.0
    # The factory's claimant has German B1 against the job's A2: above the requirement is no shortfall.
    assert (f["german_shortfall"], f["skill_under"], f["skill_over"]) == (0.0, 0.0, 0.0)
    assert f["hourly_wage"] == 15.0 and f["ends_need"] == 0.0 and 0.0 < f["need_covered"] < 1.0
    assert not {"childcare_clash", "single_parent_clash", "hours_ratio", "german_gap", "commute_ratio"} & set(
        FEATURES
    )
    # 70 minutes against a 60-minute limit: 10 beyond it.
    assert row(c, v, minutes=70.0, limit=60.0)["commute_over_limit"] == 10.0


def test_shortfalls_are_one_sided() -> None:
    couple = Household(adults=2, children_0_5=1, children_6_13=2, rent=700.0)
    c = make_claimant(
        household=couple, health_max_load=PhysicalLoad.LOW, available_hours=30.0, shifts_ok=False,
        german_level=CEFR.A2, skill_level=SkillLevel.SKILLED,
    )  # fmt: skip
    job = make_vacancy(
        hours_per_week=40.0, shifts=Shifts.THREE_SHIFT, physical_load=PhysicalLoad.HIGH,
        german_level=CEFR.B2, skill_level=SkillLevel.SPECIALIST,
    )  # fmt: skip
    f = row(c, job)
    assert (f["young_children"], f["school_children"], f["single_parent"]) == (1.0, 2.0, 0.0)
    assert (f["hours_per_week"], f["hours_over_available"]) == (40.0, 10.0)
    assert (f["shift_work"], f["shift_not_possible"]) == (1.0, 1.0)
    assert f["health_strain"] == float(PhysicalLoad.HIGH - PhysicalLoad.LOW)
    assert (f["german_shortfall"], f["skill_under"], f["skill_over"]) == (2.0, 1.0, 0.0)
    # The same claimant in a helper's part-time day job below her levels: nothing falls short, and
    # German above the requirement is not a column at all.
    easy = make_vacancy(
        hours_per_week=20.0, shifts=Shifts.DAY, physical_load=PhysicalLoad.LOW,
        german_level=CEFR.A1, skill_level=SkillLevel.HELPER,
    )  # fmt: skip
    g = row(c, easy)
    assert (g["hours_over_available"], g["shift_not_possible"], g["health_strain"]) == (0.0, 0.0, 0.0)
    assert (g["german_shortfall"], g["skill_under"], g["skill_over"]) == (0.0, 0.0, 1.0)
    # More hours or German above the job's change no column: the measure that gives them moves no score.
    more = dataclasses.replace(c, available_hours=40.0, shifts_ok=True, german_level=CEFR.B1)
    assert row(more, easy) == g


def test_ends_need_for_a_single_without_rent_at_a_decent_wage() -> None:
    c = make_claimant(household=Household(adults=1, rent=0.0))
    f = row(c, make_vacancy(wage=2800.0, wage_unit="month", hours_per_week=39.0))
    assert f["ends_need"] == 1.0 and f["need_covered"] > 1.0


def test_shape_and_empty() -> None:
    x = build_features(PairInputs([], [], [], [], [], []), HouseholdSettings())
    assert x.shape == (0, len(FEATURES))
    c, v = make_claimant(), make_vacancy()
    x = build_features(
        PairInputs([c, c], [v, v], [0.5, 0.6], [5, 4], [10, 20], [75, 75]), HouseholdSettings()
    )
    assert x.shape == (2, len(FEATURES)) and np.isfinite(x).all()
