"""Hand-computed households: SGB II need, net pay, §11b allowances and the verdict.

Every expected value below is worked out by hand in the comments from the rules stated in
matcher/household.py (2026 values). Contributions are compared to the cent; wage tax and what follows
from it within a euro, as the issue asks (the hand values happen to agree to the cent).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.domain import Household
from matcher.errors import ValidationError
from matcher.household import (
    allowances,
    assess,
    assess_effects,
    assess_many,
    assess_vacancy,
    contributions,
    countable_income,
    income_tax,
    kindergeld_counted,
    need,
    net_income,
    single_parent_mehrbedarf,
    wage_tax,
)
from matcher.settings import HouseholdSettings, PayrollSettings
from tests.factories import make_vacancy

S = HouseholdSettings()
P = S.payroll

SINGLE = Household(adults=1)
SINGLE_RENT = Household(adults=1, rent=450.0)
COUPLE_2_KIDS = Household(adults=2, children_0_5=1, children_6_13=1, rent=750.0)  # children 4 and 9
SINGLE_PARENT = Household(adults=1, children_0_5=1, rent=550.0)  # one child under 6

# Übergangsbereich: the employee's base at 1,800 € = 2000 / (2000 − 603) × (1800 − 603)
#   = 2000 / 1397 × 1197 = 1713.6722 €.


def test_need_by_hand() -> None:
    # single: RBS1 = 563
    assert need(SINGLE, S) == 563.0
    # single with rent: 563 + 450 = 1013
    assert need(SINGLE_RENT, S) == 1013.0
    # couple, children 4 and 9: 2 × 506 + 357 (RBS6) + 390 (RBS5) + 750 = 2509
    assert need(COUPLE_2_KIDS, S) == 2509.0
    # single parent, child under 6: 563 + 357 + Mehrbedarf 36 % × 563 = 202.68 + 550 = 1672.68
    assert need(SINGLE_PARENT, S) == pytest.approx(1672.68, abs=0.001)
    # three adults: 2 × 506 + 451 (RBS3) = 1463
    assert need(Household(adults=3), S) == 1463.0


def test_kindergeld_counts_per_minor_child() -> None:
    assert kindergeld_counted(SINGLE, S) == 0.0
    assert kindergeld_counted(COUPLE_2_KIDS, S) == 518.0  # 2 × 259
    assert kindergeld_counted(SINGLE_PARENT, S) == 259.0
    # Never more than the child's own Regelbedarf: 400 € Kindergeld counts as 357 for an infant.
    assert kindergeld_counted(SINGLE_PARENT, HouseholdSettings(kindergeld=400.0)) == 357.0


@pytest.mark.parametrize(
    ("household", "share"),
    [
        (Household(adults=1, children_0_5=1), 0.36),  # a child under 7
        (Household(adults=1, children_14_17=1), 0.12),  # one older child: 12 %
        (Household(adults=1, children_6_13=2), 0.36),  # two under 16 (24 % < 36 %)
        (Household(adults=1, children_6_13=3), 0.36),  # three under 16 (36 %)
        (Household(adults=1, children_6_13=4), 0.48),  # four: 4 × 12 % beats 36 %
        (Household(adults=1, children_0_5=2, children_6_13=4), 0.60),  # 72 % capped at 60 %
        (Household(adults=1, children_14_17=2), 0.24),  # 14-17 not taken as under 16 (cautious)
        (Household(adults=2, children_0_5=1), 0.0),  # couples get no single-parent Mehrbedarf
    ],
)
def test_single_parent_mehrbedarf(household: Household, share: float) -> None:
    assert single_parent_mehrbedarf(household, S) == pytest.approx(share * 563, abs=0.006)


def test_contributions_by_hand() -> None:
    # Minijob: none.
    assert contributions(603.0, P) == 0.0
    # 1,800 € childless, reduced base 1713.6722:
    #   pension 9.3 % = 159.3715 -> 159.37; unemployment 1.3 % = 22.2777 -> 22.28;
    #   health 7.3 + 1.45 = 8.75 % = 149.9463 -> 149.95; care 1.8 + 0.6 = 2.4 % = 41.1281 -> 41.13
    #   total 372.73
    assert contributions(1800.0, P) == pytest.approx(372.73, abs=0.005)
    # with a child: care 1.8 % = 30.8461 -> 30.85; total 159.37 + 22.28 + 149.95 + 30.85 = 362.45
    assert contributions(1800.0, P, parent=True) == pytest.approx(362.45, abs=0.005)
    # 2,800 € full rates: 260.40 + 36.40 + 245.00 + care 2.4 % 67.20 = 609.00 (parent: 50.40 -> 592.20)
    assert contributions(2800.0, P) == pytest.approx(609.00, abs=0.005)
    assert contributions(2800.0, P, parent=True) == pytest.approx(592.20, abs=0.005)
    # The Übergangsbereich joins both ends: almost nothing just above 603 €, full rates at 2,000 €.
    assert contributions(603.01, P) < 0.01
    assert contributions(2000.0, P) == pytest.approx(2000 * 0.2175, abs=0.005)  # 435.00
    # Beitragsbemessungsgrenzen: health/care stop at 5,812.50, pension/unemployment at 8,450.
    assert contributions(10_000.0, P) == pytest.approx(8450 * 0.106 + 5812.5 * 0.1115, abs=0.01)


def test_income_tax_tariff_2026() -> None:
    assert income_tax(12_348, P) == 0.0  # Grundfreibetrag
    assert income_tax(17_799, P) == 1034.0  # (914.51 × 0.5451 + 1400) × 0.5451 = 1034.87
    assert income_tax(69_878, P) == 18_213.0  # zone 3 at its end: 18,213.06
    assert income_tax(69_879, P) == 18_213.0  # 0.42 × 69,879 − 11,135.63 = 18,213.55
    assert income_tax(300_000, P) == 115_529.0  # 0.45 × 300,000 − 19,470.38 = 115,529.62
    # Continuous at every zone limit: one euro more never costs more than one euro of tax.
    for limit in (P.grundfreibetrag, P.tariff_zone2_end, P.tariff_zone3_end, P.tariff_zone4_end):
        assert 0 <= income_tax(limit + 1, P) - income_tax(limit, P) <= 1


@pytest.mark.parametrize(
    ("household", "gross", "tax", "net"),
    [
        # Minijob: no employee contributions, the employer pays the flat-rate tax.
        (SINGLE, 603.0, 0.0, 603.0),
        # Single, 1,800 €: Vorsorgepauschale on the full wage (21,600 a year):
        #   pension 9.3 % = 2008.80; health 7.0 + 1.45 + care 2.4 = 10.85 % = 2343.60 (> 1,900, so no
        #   unemployment part); sum 4352.40 -> 4353.
        #   zvE = 21,600 − 1,230 − 36 − 4,353 = 15,981; y = 0.3633;
        #   tax = (914.51 × 0.3633 + 1400) × 0.3633 = 629.32 -> 629 a year -> 52.41 a month.
        #   net = 1800 − 372.73 − 52.41 = 1374.86
        (SINGLE, 1800.0, 52.41, 1374.86),
        # Single, 2,800 € (33,600 a year): Vorsorge 3124.80 + 10.85 % × 33,600 = 3645.60 -> 6771;
        #   zvE = 33,600 − 1,266 − 6,771 = 25,563; z = 0.7764;
        #   tax = (173.10 × 0.7764 + 2397) × 0.7764 + 1034.87 = 3000.24 -> 3000 -> 250.00 a month.
        #   net = 2800 − 609.00 − 250.00 = 1941.00
        (SINGLE, 2800.0, 250.00, 1941.00),
        # Couple's earner (class IV, with children: care 1.8 %), 1,800 €:
        #   Vorsorge 2008.80 + 10.25 % × 21,600 = 2214.00 -> 4223; zvE = 21,600 − 1,266 − 4,223 = 16,111;
        #   tax = (914.51 × 0.3763 + 1400) × 0.3763 = 656.32 -> 656 -> 54.66. net = 1800 − 362.45 − 54.66
        (COUPLE_2_KIDS, 1800.0, 54.66, 1382.89),
        # Couple's earner, 2,800 €: Vorsorge 3124.80 + 10.25 % × 33,600 = 3444 -> 6569;
        #   zvE = 33,600 − 1,266 − 6,569 = 25,765; z = 0.7966;
        #   tax = (173.10 × 0.7966 + 2397) × 0.7966 + 1034.87 = 3054.16 -> 3054 -> 254.50.
        #   net = 2800 − 592.20 − 254.50 = 1953.30
        (COUPLE_2_KIDS, 2800.0, 254.50, 1953.30),
        # Single parent (class II: Entlastungsbetrag 4,260), 1,800 €:
        #   zvE = 21,600 − 1,266 − 4,223 − 4,260 = 11,851 < 12,348: no tax. net = 1800 − 362.45
        (SINGLE_PARENT, 1800.0, 0.0, 1437.55),
        # Single parent, 2,800 €: zvE = 33,600 − 1,266 − 6,569 − 4,260 = 21,505; z = 0.3706;
        #   tax = (173.10 × 0.3706 + 2397) × 0.3706 + 1034.87 = 1946.97 -> 1946 -> 162.16.
        #   net = 2800 − 592.20 − 162.16 = 2045.64
        (SINGLE_PARENT, 2800.0, 162.16, 2045.64),
    ],
)
def test_wage_tax_and_net_by_hand(household: Household, gross: float, tax: float, net: float) -> None:
    assert wage_tax(gross, S, household) == pytest.approx(tax, abs=1.0)
    assert net_income(gross, S, household) == pytest.approx(net, abs=1.0)


def test_allowances_11b() -> None:
    assert allowances(50.0, False, S) == 50.0  # never more than the wage
    # 603: 100 + 20 % × 420 = 84 + 30 % × 83 = 24.90 -> 208.90
    assert allowances(603.0, False, S) == pytest.approx(208.90, abs=0.005)
    # 1,800 without a child: 100 + 84 + 30 % × 480 = 144 + 10 % × 200 = 20 -> 348
    assert allowances(1800.0, False, S) == pytest.approx(348.0, abs=0.005)
    # with a child the last band reaches 1,500: 100 + 84 + 144 + 10 % × 500 = 50 -> 378
    assert allowances(1800.0, True, S) == pytest.approx(378.0, abs=0.005)
    assert allowances(5000.0, True, S) == pytest.approx(378.0, abs=0.005)
    assert countable_income(1800.0, 1374.86, False, S) == pytest.approx(1026.86, abs=0.005)
    assert countable_income(80.0, 80.0, False, S) == 0.0


@pytest.mark.parametrize(
    ("household", "gross", "remaining", "text"),
    [
        # need 563; countable 603 − 208.90 = 394.10; 563 − 394.10 = 168.90
        (SINGLE, 603.0, 168.90, "verringert den Bedarf um 394 € im Monat (Restbedarf 169 €)"),
        # countable 1374.86 − 348 = 1026.86; 563 − 1026.86 = −463.86
        (SINGLE, 1800.0, -463.86, "beendet die Hilfebedürftigkeit (Überschuss 464 € im Monat)"),
        # 1941.00 − 348 = 1593.00; 563 − 1593 = −1030
        (SINGLE, 2800.0, -1030.0, "beendet die Hilfebedürftigkeit (Überschuss 1.030 € im Monat)"),
        # 1013 − 394.10 = 618.90
        (SINGLE_RENT, 603.0, 618.90, "verringert den Bedarf um 394 € im Monat (Restbedarf 619 €)"),
        # 1013 − 1026.86 = −13.86: just enough
        (SINGLE_RENT, 1800.0, -13.86, "beendet die Hilfebedürftigkeit (Überschuss 14 € im Monat)"),
        # need 2509 − Kindergeld 518 = 1991; 1991 − 394.10 = 1596.90
        (COUPLE_2_KIDS, 603.0, 1596.90, "verringert den Bedarf um 394 € im Monat (Restbedarf 1.597 €)"),
        # countable 1382.89 − 378 = 1004.89; 1991 − 1004.89 = 986.11
        (COUPLE_2_KIDS, 1800.0, 986.11, "verringert den Bedarf um 1.005 € im Monat (Restbedarf 986 €)"),
        # countable 1953.30 − 378 = 1575.30; 1991 − 1575.30 = 415.70 (Kinderzuschlag/Wohngeld ignored)
        (COUPLE_2_KIDS, 2800.0, 415.70, "verringert den Bedarf um 1.575 € im Monat (Restbedarf 416 €)"),
        # need 1672.68 − 259 = 1413.68; 1413.68 − 394.10 = 1019.58
        (SINGLE_PARENT, 603.0, 1019.58, "verringert den Bedarf um 394 € im Monat (Restbedarf 1.020 €)"),
        # countable 1437.55 − 378 = 1059.55; 1413.68 − 1059.55 = 354.13
        (SINGLE_PARENT, 1800.0, 354.13, "verringert den Bedarf um 1.060 € im Monat (Restbedarf 354 €)"),
        # countable 2045.64 − 378 = 1667.64; 1413.68 − 1667.64 = −253.96
        (SINGLE_PARENT, 2800.0, -253.96, "beendet die Hilfebedürftigkeit (Überschuss 254 € im Monat)"),
    ],
)
def test_assess_by_hand(household: Household, gross: float, remaining: float, text: str) -> None:
    e = assess(household, gross, S)
    assert e.need == need(household, S)
    assert e.remaining_need == pytest.approx(remaining, abs=1.0)
    assert e.ends_need is (remaining <= 0)
    assert e.text_de == text
    before = e.need - e.kindergeld
    assert e.reduction == pytest.approx(min(e.countable, before), abs=0.005)
    assert e.remaining_need == pytest.approx(before - e.countable, abs=0.005)


@pytest.mark.parametrize(
    "household",
    [
        Household(),
        Household(adults=2, children_0_5=1, children_6_13=2, rent=820.0),
        Household(1, 1, 0, 0, 600.0),
    ],
)
def test_household_effects_equal_assess(household: Household) -> None:
    wages = np.array([0.0, 450.0, 603.0, 1200.0, 2100.0, 3400.0, 5200.0])
    for w, eff in zip(wages, assess_effects(household, wages, S), strict=True):
        ref = assess(household, float(w), S)
        assert eff.text_de == ref.text_de and eff.ends_need == ref.ends_need
        assert eff.remaining_need == ref.remaining_need and eff.need == ref.need
        assert eff == ref


def test_settings_are_used_not_constants() -> None:
    s = HouseholdSettings(rbs1_single=600.0, payroll=PayrollSettings(minijob_limit=700.0))
    assert need(SINGLE, s) == 600.0
    assert contributions(650.0, s.payroll) == 0.0  # a Minijob under the raised limit
    assert contributions(650.0, P) > 0.0


def test_yearly_values_can_be_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.settings import Settings

    monkeypatch.setenv("PASSGENAU_HOUSEHOLD__KINDERGELD", "265")
    monkeypatch.setenv("PASSGENAU_HOUSEHOLD__PAYROLL__GRUNDFREIBETRAG", "12600")
    s = Settings().household
    assert s.kindergeld == 265.0
    assert s.payroll.grundfreibetrag == 12_600.0
    with pytest.raises(ValueError, match="midijob_upper"):
        PayrollSettings(midijob_upper=500.0)


def test_scalar_and_vectorised_paths_agree() -> None:
    wages = np.array(
        [0.0, 99.0, 450.0, 603.0, 603.01, 900.0, 1234.56, 1800.0, 2000.0, 2800.0, 6000.0, 9000.0]
    )
    for h in (SINGLE, SINGLE_RENT, COUPLE_2_KIDS, SINGLE_PARENT, Household(adults=3, children_14_17=2)):
        many = assess_many(h, wages, S)
        nets = net_income(wages, S, h)
        for i, g in enumerate(wages):
            one = assess(h, float(g), S)
            assert one.net == many["net"][i] == nets[i] == net_income(float(g), S, h)
            assert one.countable == many["countable"][i]
            assert one.remaining_need == many["remaining_need"][i]
            assert one.reduction == many["reduction"][i]
            assert one.ends_need == bool(many["ends_need"][i])


def test_ends_need_iff_no_remaining_need() -> None:
    wages = np.linspace(0.0, 6000.0, 2401)
    for h in (SINGLE, SINGLE_RENT, COUPLE_2_KIDS, SINGLE_PARENT):
        r = assess_many(h, wages, S)
        assert np.array_equal(r["ends_need"], r["remaining_need"] <= 0)
        # Both verdicts occur on this range: no wage leaves the need, 6,000 € ends it for everyone.
        assert not r["ends_need"][0]
        assert r["ends_need"][-1]


@settings(max_examples=300, deadline=None)
@given(
    g1=st.floats(0.0, 10_000.0),
    delta=st.floats(0.0, 5_000.0),
    which=st.sampled_from([SINGLE, SINGLE_RENT, COUPLE_2_KIDS, SINGLE_PARENT]),
)
def test_more_gross_never_lowers_net_nor_raises_remaining_need(
    g1: float, delta: float, which: Household
) -> None:
    r = assess_many(which, np.array([g1, g1 + delta]), S)
    net, remaining = r["net"], r["remaining_need"]
    if delta >= 1.0:
        assert net[1] >= net[0]
        assert remaining[1] <= remaining[0]
    # Within a euro the payroll roundings (cents, whole-euro tax) may move net by at most 10 cents.
    assert net[1] >= net[0] - 0.10
    assert remaining[1] <= remaining[0] + 0.10


def test_vacancy_wage_is_scaled_by_hours() -> None:
    v = make_vacancy(wage=14.5, hours_per_week=39.0)  # 14.50 × 39 × 52 / 12 = 2450.50 a month
    assert assess_vacancy(SINGLE_RENT, v, S) == assess(SINGLE_RENT, 2450.5, S)


def test_bad_wage_is_rejected() -> None:
    with pytest.raises(ValidationError):
        net_income(-1.0, S)
    with pytest.raises(ValidationError):
        assess_many(SINGLE, np.array([1000.0, np.nan]), S)
