"""Domain records: claimants, vacancies, employers, placement outcomes, proposals.

Frozen dataclasses validated on construction (``matcher.domain.checks``), so that a record that
exists is a valid one. The protected attributes of a claimant live in their own record
(`ProtectedAttributes`): they are stored for the fairness audit only and never reach a model feature.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from matcher.domain.checks import (
    MAX_EXPERIENCE_ITEMS,
    MAX_LABEL_CHARS,
    MAX_LIST_ITEMS,
    MAX_MONTHS,
    MAX_NAME_CHARS,
    MAX_POSTING_YEARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_WAGE,
    check_count,
    check_date,
    check_hours,
    check_id,
    check_kldb,
    check_latlon,
    check_length,
    check_licences,
    check_postcode,
    require,
    years_after,
)
from matcher.domain.enums import (
    CEFR,
    AgeBand,
    CommuteMode,
    Contract,
    NationalityGroup,
    PhysicalLoad,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    WageUnit,
)

# SGB II began in 2005; earlier spells of the same claimant (Arbeitslosenhilfe) count from 1990.
ACTIVATED_YEARS = (1990, 2200)


@dataclass(frozen=True, slots=True)
class Employer:
    id: str
    name: str
    size_band: SizeBand
    sector: str  # WZ 2008 section letter A-U
    collective_agreement: bool = False  # tarifgebunden
    temp_agency: bool = False  # Zeitarbeit / Arbeitnehmerüberlassung
    offers_training: bool = False  # Weiterbildung / Einarbeitung offered

    def __post_init__(self) -> None:
        check_id(self.id, "employer_id")
        require(bool(self.name.strip()), "employer_name", "must not be empty")
        check_length(self.name, MAX_NAME_CHARS, "employer_name")
        require(
            len(self.sector) == 1 and "A" <= self.sector <= "U",
            "sector",
            f"{self.sector!r} is not a WZ 2008 section letter A-U",
        )


@dataclass(frozen=True, slots=True)
class Vacancy:
    id: str
    employer: Employer
    title: str
    description: str
    kldb: str | None
    postcode: str
    municipality: str
    lat: float | None
    lon: float | None
    hours_per_week: float
    shifts: Shifts
    contract: Contract
    contract_months: int | None  # fixed-term length; None for permanent
    wage: float  # gross, in euro per wage_unit
    wage_unit: WageUnit
    skill_level: SkillLevel
    licences: frozenset[str] = frozenset()
    german_level: CEFR = CEFR.A2
    physical_load: PhysicalLoad = PhysicalLoad.MEDIUM
    openings: int = 1
    posted: date = date(2026, 1, 1)
    expires: date | None = None
    filled: bool = False
    source: str = "import"

    def __post_init__(self) -> None:
        check_id(self.id)
        require(bool(self.title.strip()), "title", "must not be empty")
        check_length(self.title, MAX_TITLE_CHARS, "title")
        check_length(self.description, MAX_TEXT_CHARS, "description")
        check_kldb(self.kldb)
        check_postcode(self.postcode)
        check_latlon(self.lat, self.lon)
        check_hours(self.hours_per_week, "hours_per_week")
        require(self.wage > 0, "wage", f"{self.wage} must be greater than 0")
        require(self.wage <= MAX_WAGE, "wage", f"{self.wage} is more than {MAX_WAGE:,.0f}")
        if self.contract is Contract.FIXED_TERM:
            require(
                self.contract_months is not None and 1 <= self.contract_months <= 60,
                "contract_months",
                "a fixed-term contract needs its length in months (1-60)",
            )
        else:
            require(
                self.contract_months is None, "contract_months", "only a fixed-term contract has a length"
            )
        require(1 <= self.openings <= 1000, "openings", f"{self.openings} is outside 1-1000")
        check_date(self.posted, "posted")
        if self.expires is not None:
            require(self.expires >= self.posted, "expires", "is before posted")
            latest = years_after(self.posted, MAX_POSTING_YEARS)
            require(
                self.expires <= latest,
                "expires",
                f"more than {MAX_POSTING_YEARS} years after posted (leave it empty for no expiry)",
            )
        object.__setattr__(self, "licences", check_licences(self.licences))
        require(bool(self.source.strip()), "source", "must not be empty")
        check_length(self.source, MAX_LABEL_CHARS, "source")

    @property
    def monthly_wage(self) -> float:
        """Gross euro a month; hourly wages are scaled by 13/3 weeks a month (52 weeks / 12)."""
        if self.wage_unit is WageUnit.MONTH:
            return self.wage
        return self.wage * self.hours_per_week * 52 / 12

    @property
    def hourly_wage(self) -> float:
        if self.wage_unit is WageUnit.HOUR:
            return self.wage
        return self.wage / (self.hours_per_week * 52 / 12)

    def is_open(self, on: date) -> bool:
        return not self.filled and (self.expires is None or self.expires >= on)


@dataclass(frozen=True, slots=True)
class Household:
    """The Bedarfsgemeinschaft, as far as the need check requires."""

    adults: int = 1
    children_0_5: int = 0
    children_6_13: int = 0
    children_14_17: int = 0
    rent: float = 0.0  # KdU: monthly housing costs recognised by the Jobcenter (warm), euro

    def __post_init__(self) -> None:
        require(1 <= self.adults <= 6, "adults", f"{self.adults} is outside 1-6")
        for name in ("children_0_5", "children_6_13", "children_14_17"):
            v = getattr(self, name)
            require(0 <= v <= 12, name, f"{v} is outside 0-12")
        require(0 <= self.rent <= 5000, "rent", f"{self.rent} is outside 0-5000")

    @property
    def children(self) -> int:
        return self.children_0_5 + self.children_6_13 + self.children_14_17

    @property
    def single_parent(self) -> bool:
        return self.adults == 1 and self.children > 0


@dataclass(frozen=True, slots=True)
class Claimant:
    id: str  # pseudonymous
    jobcenter: str
    team: str
    case_manager: str
    postcode: str
    municipality: str
    lat: float | None
    lon: float | None
    licences: frozenset[str]
    has_car: bool
    max_commute_minutes: int | None  # one way; None = the §140(4) SGB III default
    desired_occupations: tuple[str, ...]  # free text titles as the claimant says them
    desired_kldb: tuple[str, ...]  # codes where the case manager recorded them
    profile_text: str
    skill_level: SkillLevel
    german_level: CEFR
    available_hours: float  # hours a week the claimant can work
    shifts_ok: bool  # can work shifts / nights / weekends
    health_max_load: PhysicalLoad | None  # None: no restriction
    months_unemployed: int
    short_spells: int  # earlier placements that ended within 6 months
    experience: tuple[tuple[str, int], ...] = ()  # (KldB code, months)
    household: Household = field(default_factory=Household)
    active: bool = True
    # The day the Jobcenter activated the claimant (start of the current SGB II spell); None: not
    # recorded (rows from before the field existed). The key figures' monthly stock and the time
    # to the first proposal count from it.
    activated: date | None = None

    def __post_init__(self) -> None:
        check_id(self.id)
        check_id(self.jobcenter, "jobcenter")
        require(bool(self.team.strip()), "team", "must not be empty")
        check_length(self.team, MAX_LABEL_CHARS, "team")
        check_id(self.case_manager, "case_manager")
        check_postcode(self.postcode)
        check_latlon(self.lat, self.lon)
        object.__setattr__(self, "licences", check_licences(self.licences))
        if self.max_commute_minutes is not None:
            require(
                5 <= self.max_commute_minutes <= 180,
                "max_commute_minutes",
                f"{self.max_commute_minutes} is outside 5-180 minutes one way",
            )
        check_count(self.desired_occupations, MAX_LIST_ITEMS, "desired_occupations")
        for wish in self.desired_occupations:
            check_length(wish, MAX_NAME_CHARS, "desired_occupations")
        check_count(self.desired_kldb, MAX_LIST_ITEMS, "desired_kldb")
        for code in self.desired_kldb:
            check_kldb(code, "desired_kldb")
        check_length(self.profile_text, MAX_TEXT_CHARS, "profile_text")
        check_hours(self.available_hours, "available_hours")
        require(
            0 <= self.months_unemployed <= MAX_MONTHS,
            "months_unemployed",
            f"{self.months_unemployed} is outside 0-{MAX_MONTHS}",
        )
        require(0 <= self.short_spells <= 100, "short_spells", f"{self.short_spells} is outside 0-100")
        if self.activated is not None:
            require(
                ACTIVATED_YEARS[0] <= self.activated.year <= ACTIVATED_YEARS[1],
                "activated",
                f"{self.activated} is outside the years {ACTIVATED_YEARS[0]}-{ACTIVATED_YEARS[1]}",
            )
        check_count(self.experience, MAX_EXPERIENCE_ITEMS, "experience")
        for code, months in self.experience:
            check_kldb(code, "experience")
            require(0 <= months <= MAX_MONTHS, "experience", f"{months} months is outside 0-{MAX_MONTHS}")
        if self.has_car:
            require(
                "B" in self.licences or "BE" in self.licences or "B96" in self.licences,
                "has_car",
                "a claimant who drives a car needs licence class B",
            )

    @property
    def commute_mode(self) -> CommuteMode:
        return CommuteMode.CAR if self.has_car else CommuteMode.PUBLIC

    def experience_months(self, kldb: str | None) -> int:
        """Months of experience in the occupation's Berufsgattung (first four digits)."""
        if kldb is None:
            return 0
        return sum(m for code, m in self.experience if code[:4] == kldb[:4])


@dataclass(frozen=True, slots=True)
class ProtectedAttributes:
    """Stored for the fairness audit only; never a model feature."""

    claimant_id: str
    sex: Sex
    nationality_group: NationalityGroup
    age_band: AgeBand
    severe_disability: bool

    def __post_init__(self) -> None:
        check_id(self.claimant_id, "claimant_id")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A placement and what became of it. Snapshots hold both records as they were at placement."""

    id: str
    claimant_id: str
    vacancy_id: str
    start: date
    end: date | None  # None: still employed when recorded
    employed_12m: bool  # the label: employed 12 months after start
    benefits_12m: bool  # back on SGB II benefits within 12 months
    claimant_snapshot: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    vacancy_snapshot: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        check_id(self.id)
        check_id(self.claimant_id, "claimant_id")
        check_id(self.vacancy_id, "vacancy_id")
        check_date(self.start, "start")
        if self.end is not None:
            require(self.end >= self.start, "end", "is before start")
            check_date(self.end, "end")
            lasted = (self.end - self.start).days
            require(
                not (self.employed_12m and lasted < 365),
                "employed_12m",
                "a placement that ended within 12 months cannot count as employed after 12 months",
            )

    @property
    def months_lasted(self) -> float | None:
        return None if self.end is None else (self.end - self.start).days / 30.4375


@dataclass(frozen=True, slots=True)
class Proposal:
    """A Vermittlungsvorschlag as recorded in the proposal history: sent on `proposed`, hired or not."""

    id: str
    claimant_id: str
    vacancy_id: str
    proposed: date
    hired: bool = False

    def __post_init__(self) -> None:
        check_id(self.id)
        check_id(self.claimant_id, "claimant_id")
        check_id(self.vacancy_id, "vacancy_id")
        check_date(self.proposed, "proposed")


_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_dict(record: Any) -> dict[str, Any]:
    """A JSON-ready dict of a record (enums by value, dates ISO, sets sorted)."""

    def conv(v: Any) -> Any:
        if type(v) in _PLAIN:  # fast path; enums subclass str/int, so their exact type is not here
            return v
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {f.name: conv(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, enum.Enum):
            return v.value
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, frozenset | set):
            return sorted(conv(x) for x in v)
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v

    result: dict[str, Any] = conv(record)
    return result
