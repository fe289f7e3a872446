"""Does this wage end the household's SGB II need? (pure: standard library and numpy only)

From a gross monthly wage we estimate the earner's net pay, subtract the earned-income allowances of
§11b SGB II, add the Kindergeld as the children's income, and compare the result with the need of the
Bedarfsgemeinschaft (Regelbedarfe + single-parent Mehrbedarf + housing costs). The answer is either
"ends the need" (with the monthly surplus) or "reduces the need by X € a month" (with what is left).

All yearly values (2026) are settings: ``HouseholdSettings`` and its ``payroll`` section in
``matcher.settings``. There is a scalar API (``need``, ``net_income``, ``countable_income``,
``assess``) and a vectorised one over many wages for one household (``assess_many`` as arrays,
``assess_effects`` as records); all run the same numpy code and write the same text
(``effect_text``), so they cannot drift apart.

Simplifications, stated so that nobody reads more precision into the answer than there is:

- **No priority benefits.** Wohngeld and Kinderzuschlag are not considered. In reality they take
  precedence over SGB II (§12a SGB II) and often end a family's need at wages well below the point
  where this module says "ends the need"; for families the answer here is on the cautious side.
  Unterhalt / Unterhaltsvorschuss for the children of single parents is not counted either (the
  claimant record does not hold it).
- **One earner.** Only the claimant's own wage counts; a partner is assumed to have no income, and
  no other income or assets of the household are considered. Monthly averages throughout (no
  one-off payments, no Weihnachtsgeld, no fluctuating hours).
- **Need.** One adult: RBS1; two adults: 2 × RBS2 (assumed partners); each further adult RBS3.
  Children by the record's age bands 0-5 / 6-13 / 14-17: RBS6 / RBS5 / RBS4. Housing costs (KdU) as
  recorded, taken as fully recognised. No other Mehrbedarfe (dezentrale Warmwasserbereitung,
  pregnancy, disability, costly diet), no Bildung und Teilhabe.
- **Single-parent Mehrbedarf (§21(3) SGB II)** from the age bands: 36 % of RBS1 with a child under 7
  (approximated by "a child aged 0-5": a six-year-old is missed) or with two or three children under
  16 (approximated by "aged 0-13": children of 14 and 15 are missed); otherwise, or if higher, 12 %
  of RBS1 per child; at most 60 %. Both approximations can only understate the Mehrbedarf.
- **Kindergeld** (per child in the 0-17 bands) counts as the child's income, at most up to the child's
  Regelbedarf (§11(1) SGB II); adults of 18-24 may receive Kindergeld too, which is not counted.
- **Social contributions (employee share).** Minijob (gross ≤ the Geringfügigkeitsgrenze, 603 €):
  no employee contributions (assumed exempt from the optional pension contribution) and no wage tax
  (the employer's flat-rate tax). Übergangsbereich (Midijob, up to 2,000 €): the employee's share is
  computed on the reduced base of §20(2a) SGB IV, ``2000 / (2000 − 603) × (gross − 603)``, linear
  from 0 at 603 € to the full gross at 2,000 €. Above: the full rates (pension 9.3 %, unemployment
  1.3 %, health 7.3 % + half the average Zusatzbeitrag 2.9 %, care 1.8 % + 0.6 % for the childless)
  up to the Beitragsbemessungsgrenzen. The earner counts as a parent iff the household has a child
  (and as over 23 otherwise); no care-insurance discount for several children; Saxony's different
  care split is ignored. Each contribution is rounded to the cent.
- **Wage tax.** Tax class I for singles, II (= I plus the Entlastungsbetrag of §24b EStG: 4,260 € a
  year, 240 € for each further child) for single parents, and IV for the earner of a couple (IV uses
  the same tariff as I). A one-earner couple would usually choose III/V and pay less; the annual
  assessment (splitting) would refund the difference later, but SGB II counts the pay received each
  month, so IV is the cautious assumption. Annual taxable income: 12 × gross − Arbeitnehmer-
  Pauschbetrag 1,230 € − Sonderausgaben-Pauschbetrag 36 € − Vorsorgepauschale − Entlastungsbetrag,
  rounded down to the euro; income tax by the **2026 tariff of §32a EStG** (Grundfreibetrag 12,348 €,
  zone limits 17,799 / 69,878 / 277,825 €, coefficients 914.51/1,400, 173.10/2,397/1,034.87,
  0.42/11,135.63, 0.45/19,470.38 as enacted by the Steuerfortentwicklungsgesetz; the formula is
  continuous at every zone limit, which the tests check), rounded down to the euro; monthly tax is a
  twelfth, rounded down to the cent. The Vorsorgepauschale follows the 2026 payroll rules as far as
  known here: pension share on the full wage, health at the reduced rate 7.0 % + half the
  Zusatzbeitrag, care at the employee rate, and the unemployment share only insofar as health, care
  and unemployment together stay within 1,900 € a year; the Übergangsbereich is ignored for it, and
  the sum is rounded up to the euro. This is not checked against the official Programmablaufplan:
  expect a wage tax within a few euro a month of a real payslip. Solidaritätszuschlag: none (due only
  above an annual income tax of about 20,000 €, i.e. gross wages far above those seen here); no
  church tax; no Kinderfreibetrag (it affects only Soli and church tax).
- **§11b SGB II allowances** from the gross wage: Grundabsetzbetrag 100 € (no higher costs shown),
  20 % of the gross between 100 and 520 €, 30 % between 520 and 1,000 €, 10 % between 1,000 and
  1,200 € (1,500 € with a minor child in the household). Countable income = net − allowances, ≥ 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt

from matcher.errors import ValidationError

if TYPE_CHECKING:
    from matcher.domain import Household, Vacancy
    from matcher.settings import HouseholdSettings, PayrollSettings

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HouseholdEffect:
    """What one gross monthly wage does to the household's SGB II need (euro a month)."""

    gross: float
    need: float  # Regelbedarfe + Mehrbedarf + housing costs
    kindergeld: float  # counted as the children's income
    net: float  # the earner's net pay
    countable: float  # net minus the §11b allowances
    remaining_need: float  # need − Kindergeld − countable; negative: surplus
    ends_need: bool  # remaining_need <= 0
    reduction: float  # how much the wage lowers the benefit
    text_de: str


# --- need -------------------------------------------------------------------------------------------


def regelbedarf(household: Household, s: HouseholdSettings) -> float:
    """Sum of the Regelbedarfe of the Bedarfsgemeinschaft by its composition."""
    if household.adults == 1:
        adults = s.rbs1_single
    else:
        adults = 2 * s.rbs2_partner + (household.adults - 2) * s.rbs3_adult_in_household
    children = (
        household.children_0_5 * s.rbs6_infant
        + household.children_6_13 * s.rbs5_child
        + household.children_14_17 * s.rbs4_teen
    )
    return adults + children


def single_parent_mehrbedarf(household: Household, s: HouseholdSettings) -> float:
    """§21(3) SGB II Mehrbedarf for single parents, approximated from the age bands (see module doc)."""
    if not household.single_parent:
        return 0.0
    share = s.single_parent_share_per_child * household.children
    under_7 = household.children_0_5  # 0-5 stands in for "under 7"
    under_16 = household.children_0_5 + household.children_6_13  # 0-13 stands in for "under 16"
    if under_7 >= 1 or 2 <= under_16 <= 3:
        share = max(share, s.single_parent_share_high)
    share = min(share, s.single_parent_share_max)
    return _cents(share * s.rbs1_single)


def need(household: Household, s: HouseholdSettings) -> float:
    """Monthly SGB II need of the Bedarfsgemeinschaft: Regelbedarfe + Mehrbedarf + housing costs."""
    return _cents(regelbedarf(household, s) + single_parent_mehrbedarf(household, s) + household.rent)


def kindergeld_counted(household: Household, s: HouseholdSettings) -> float:
    """Kindergeld of the minor children, each counted up to the child's own Regelbedarf."""
    return (
        household.children_0_5 * min(s.kindergeld, s.rbs6_infant)
        + household.children_6_13 * min(s.kindergeld, s.rbs5_child)
        + household.children_14_17 * min(s.kindergeld, s.rbs4_teen)
    )


# --- net pay ------------------------------------------------------------------------------------------


@overload
def contributions(gross_monthly: float, p: PayrollSettings, *, parent: bool = ...) -> float: ...
@overload
def contributions(gross_monthly: npt.ArrayLike, p: PayrollSettings, *, parent: bool = ...) -> F64: ...
def contributions(gross_monthly: npt.ArrayLike, p: PayrollSettings, *, parent: bool = False) -> float | F64:
    """Employee social contributions a month (pension, unemployment, health, care), each to the cent."""
    g = _gross(gross_monthly)
    return _like(gross_monthly, round_cents(_sum(_contribution_parts(g, p, parent=parent))))


def _contribution_parts(g: F64, p: PayrollSettings, *, parent: bool) -> tuple[F64, F64, F64, F64]:
    lower, upper = p.minijob_limit, p.midijob_upper
    # §20(2a) SGB IV: the employee's share in the Übergangsbereich is taken from a reduced base that
    # rises linearly from 0 just above the Minijob limit to the full wage at the upper limit.
    midi_base = upper / (upper - lower) * (g - lower)
    base = np.where(g <= lower, 0.0, np.where(g <= upper, midi_base, g))
    base_pension = np.minimum(base, p.bbg_pension_monthly)
    base_health = np.minimum(base, p.bbg_health_monthly)
    care_rate = p.care_rate + (0.0 if parent else p.care_childless_extra)
    return (
        round_cents(base_pension * p.pension_rate),
        round_cents(base_pension * p.unemployment_rate),
        round_cents(base_health * (p.health_rate + p.health_extra_average / 2)),
        round_cents(base_health * care_rate),
    )


def vorsorgepauschale(gross_monthly: npt.ArrayLike, p: PayrollSettings, *, parent: bool = False) -> F64:
    """Annual Vorsorgepauschale of the wage-tax calculation (2026 rules, approximated; see module doc)."""
    w = 12 * _gross(gross_monthly)
    w_pension = np.minimum(w, 12 * p.bbg_pension_monthly)
    w_health = np.minimum(w, 12 * p.bbg_health_monthly)
    care_rate = p.care_rate + (0.0 if parent else p.care_childless_extra)
    pension = p.pension_rate * w_pension
    health_care = (p.health_rate_reduced + p.health_extra_average / 2 + care_rate) * w_health
    unemployment = p.unemployment_rate * w_pension
    # The unemployment share counts only as far as it fits with health and care under the cap.
    other = np.maximum(health_care, np.minimum(health_care + unemployment, p.vorsorge_cap_other))
    return np.ceil(pension + other - 1e-9)


def income_tax(taxable_income: npt.ArrayLike, p: PayrollSettings) -> F64:
    """Annual income tax by the §32a EStG tariff (Grundtabelle), in whole euro rounded down."""
    x = np.floor(np.maximum(np.asarray(taxable_income, dtype=np.float64), 0.0))
    y = (x - p.grundfreibetrag) / 10_000
    z = (x - p.tariff_zone2_end) / 10_000
    a2, b2 = p.tariff_zone2
    a3, b3, c3 = p.tariff_zone3
    a4, b4 = p.tariff_zone4
    a5, b5 = p.tariff_zone5
    tax = np.select(
        [x <= p.grundfreibetrag, x <= p.tariff_zone2_end, x <= p.tariff_zone3_end, x <= p.tariff_zone4_end],
        [np.zeros_like(x), (a2 * y + b2) * y, (a3 * z + b3) * z + c3, a4 * x - b4],
        a5 * x - b5,
    )
    return np.floor(tax + 1e-9)


@overload
def wage_tax(gross_monthly: float, s: HouseholdSettings, household: Household | None = ...) -> float: ...
@overload
def wage_tax(
    gross_monthly: npt.ArrayLike, s: HouseholdSettings, household: Household | None = ...
) -> F64: ...
def wage_tax(
    gross_monthly: npt.ArrayLike, s: HouseholdSettings, household: Household | None = None
) -> float | F64:
    """Monthly wage tax: class I, II for single parents, IV for a couple's earner (see module doc)."""
    g = _gross(gross_monthly)
    return _like(gross_monthly, _wage_tax(g, s.payroll, household))


def _wage_tax(g: F64, p: PayrollSettings, household: Household | None) -> F64:
    parent = household is not None and household.children > 0
    relief = 0.0
    if household is not None and household.single_parent:
        relief = p.entlastungsbetrag + p.entlastungsbetrag_further_child * (household.children - 1)
    deductions = p.werbungskosten + p.sonderausgaben + vorsorgepauschale(g, p, parent=parent) + relief
    annual = income_tax(12 * g - deductions, p)
    monthly = np.floor(annual / 12 * 100 + 1e-6) / 100
    # A Minijob is taxed at a flat rate paid by the employer, not by the employee.
    return np.where(g <= p.minijob_limit, 0.0, monthly)


@overload
def net_income(gross_monthly: float, s: HouseholdSettings, household: Household | None = ...) -> float: ...
@overload
def net_income(
    gross_monthly: npt.ArrayLike, s: HouseholdSettings, household: Household | None = ...
) -> F64: ...
def net_income(
    gross_monthly: npt.ArrayLike, s: HouseholdSettings, household: Household | None = None
) -> float | F64:
    """Net monthly pay of the earner: gross − employee contributions − wage tax.

    ``household`` decides the tax class and the care-insurance rate; ``None`` is a single adult
    without children. Accepts a number (returns a float) or an array of wages (returns an array).
    """
    g = _gross(gross_monthly)
    return _like(gross_monthly, _net(g, s.payroll, household))


def _net(g: F64, p: PayrollSettings, household: Household | None) -> F64:
    parent = household is not None and household.children > 0
    paid = _sum(_contribution_parts(g, p, parent=parent))
    return round_cents(g - paid - _wage_tax(g, p, household))


# --- §11b SGB II ------------------------------------------------------------------------------------


@overload
def allowances(gross_monthly: float, has_child: bool, s: HouseholdSettings) -> float: ...
@overload
def allowances(gross_monthly: npt.ArrayLike, has_child: bool, s: HouseholdSettings) -> F64: ...
def allowances(gross_monthly: npt.ArrayLike, has_child: bool, s: HouseholdSettings) -> float | F64:
    """§11b SGB II: Grundabsetzbetrag plus the Erwerbstätigenfreibetrag, from the gross wage."""
    g = _gross(gross_monthly)
    return _like(gross_monthly, _allowances(g, has_child, s))


def _allowances(g: F64, has_child: bool, s: HouseholdSettings) -> F64:
    total = np.minimum(g, s.allowance_base)
    lower = s.allowance_base
    bands = list(s.allowance_bands)
    if has_child and bands:
        bands[-1] = (s.allowance_last_upper_with_child, bands[-1][1])
    for upper, rate in bands:
        total = total + rate * np.clip(g - lower, 0.0, max(upper - lower, 0.0))
        lower = upper
    return round_cents(total)


@overload
def countable_income(gross: float, net: float, has_child: bool, s: HouseholdSettings) -> float: ...
@overload
def countable_income(
    gross: npt.ArrayLike, net: npt.ArrayLike, has_child: bool, s: HouseholdSettings
) -> F64: ...
def countable_income(
    gross: npt.ArrayLike, net: npt.ArrayLike, has_child: bool, s: HouseholdSettings
) -> float | F64:
    """Net pay minus the §11b SGB II allowances (never below 0): what counts against the need."""
    g = _gross(gross)
    n = np.asarray(net, dtype=np.float64)
    return _like(gross, round_cents(np.maximum(n - _allowances(g, has_child, s), 0.0)))


# --- the answer ---------------------------------------------------------------------------------------


def assess_many(household: Household, gross_monthly: npt.ArrayLike, s: HouseholdSettings) -> dict[str, F64]:
    """The effect of many gross monthly wages on one household's need, as arrays.

    Keys: ``net``, ``countable``, ``remaining_need`` (negative: surplus), ``ends_need`` (bool),
    ``reduction`` (how much each wage lowers the benefit).
    """
    g = _gross(gross_monthly)
    before = need(household, s) - kindergeld_counted(household, s)  # the benefit without the job
    net = _net(g, s.payroll, household)
    countable = round_cents(np.maximum(net - _allowances(g, household.children > 0, s), 0.0))
    remaining = round_cents(before - countable)
    return {
        "net": net,
        "countable": countable,
        "remaining_need": remaining,
        "ends_need": remaining <= 0,
        "reduction": np.minimum(countable, max(before, 0.0)),
    }


def effect_text(ends_need: bool, remaining_need: float, reduction: float) -> str:
    """The German line a case manager reads for one wage's effect on the household's need."""
    if ends_need:
        return f"beendet die Hilfebedürftigkeit (Überschuss {_euro(-remaining_need)} im Monat)"
    return f"verringert den Bedarf um {_euro(reduction)} im Monat (Restbedarf {_euro(remaining_need)})"


def assess_effects(
    household: Household, gross_monthly: npt.ArrayLike, s: HouseholdSettings
) -> list[HouseholdEffect]:
    """``assess`` for many wages of one household: one vectorised assessment, one record a wage."""
    g = _gross(gross_monthly)
    totals = (need(household, s), kindergeld_counted(household, s))
    return effect_records(g, assess_many(household, g, s), [totals] * len(g))


def effect_records(
    gross: F64, r: dict[str, F64], totals: Sequence[tuple[float, float]]
) -> list[HouseholdEffect]:
    """One ``HouseholdEffect`` per wage from an assessment's arrays (``assess_many``'s keys) and each
    wage's household (need, Kindergeld)."""
    # Plain Python lists: indexing numpy scalars one by one is what would make this loop slow.
    col = {name: values.tolist() for name, values in r.items()}
    out = []
    for j, g in enumerate(gross.tolist()):
        remaining, ends, reduction = col["remaining_need"][j], bool(col["ends_need"][j]), col["reduction"][j]
        total_need, kg = totals[j]
        out.append(
            HouseholdEffect(
                gross=g,
                need=total_need,
                kindergeld=kg,
                net=col["net"][j],
                countable=col["countable"][j],
                remaining_need=remaining,
                ends_need=ends,
                reduction=reduction,
                text_de=effect_text(ends, remaining, reduction),
            )
        )
    return out


def assess(household: Household, gross_monthly: float, s: HouseholdSettings) -> HouseholdEffect:
    """Does this gross monthly wage end the household's SGB II need, or by how much does it reduce it?"""
    return assess_effects(household, np.array([gross_monthly], dtype=np.float64), s)[0]


def assess_vacancy(household: Household, vacancy: Vacancy, s: HouseholdSettings) -> HouseholdEffect:
    """``assess`` at the vacancy's gross monthly wage (hourly wages scaled by its hours)."""
    return assess(household, vacancy.monthly_wage, s)


# --- helpers ------------------------------------------------------------------------------------------


def _gross(gross_monthly: npt.ArrayLike) -> F64:
    g = np.asarray(gross_monthly, dtype=np.float64)
    if not np.all(np.isfinite(g)) or np.any(g < 0):
        raise ValidationError("gross_monthly", "a gross wage must be a finite amount of 0 euro or more")
    return np.atleast_1d(g)


def _sum(parts: tuple[F64, ...]) -> F64:
    total = np.zeros_like(parts[0])
    for part in parts:
        total = total + part
    return total


def _like(template: npt.ArrayLike, values: F64) -> float | F64:
    """A float for a scalar input, an array of the input's shape otherwise."""
    if np.ndim(template) == 0:
        return float(values[0])
    return values.reshape(np.shape(template))


def round_cents(x: F64) -> F64:
    # Half up, with a little slack for binary fractions such as 159.37499999 meaning 159.375.
    return np.floor(np.asarray(x) * 100 + 0.5 + 1e-7) / 100


def _cents(x: float) -> float:
    return math.floor(x * 100 + 0.5 + 1e-7) / 100


def _euro(x: float) -> str:
    """Whole euro, German thousands separator: 1234.5 -> '1.235 €'."""
    return f"{math.floor(abs(x) + 0.5):,} €".replace(",", ".")
