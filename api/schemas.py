"""Request and response bodies of the JSON API: pydantic models with a limit on every field.

Requests are parsed here (types, lengths, ranges, patterns; 422 naming the field), then turned
into domain records through ``matcher.codec``, whose checks raise ``ValidationError`` with the
field's name (also 422). Responses are built from domain records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.case_schemas import HistoryEntry, ReaderOut
from matcher.domain.checks import (
    ID_RE,
    KLDB_RE,
    MAX_EXPERIENCE_ITEMS,
    MAX_HOURS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
    MAX_LIST_ITEMS,
    MAX_MONTHS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MAX_WAGE,
    MIN_HOURS,
    POSTCODE_RE,
)
from matcher.records import SuggestionAction

# The limits and patterns are the domain's (``matcher.domain.checks``): what a body may hold, a
# record may hold, so a record the importer took always fits a response.
ID_PATTERN = ID_RE.pattern
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)]
Postcode = Annotated[str, Field(pattern=POSTCODE_RE.pattern)]
Kldb = Annotated[str, Field(pattern=KLDB_RE.pattern)]
Licence = Annotated[str, Field(min_length=1, max_length=4)]
ShortText = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Hours = Annotated[float, Field(ge=MIN_HOURS, le=MAX_HOURS)]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
SUGGESTION_ID_PATTERN = r"^[0-9]{1,18}-[0-9]{1,3}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    detail: str


class Me(BaseModel):
    name: str
    role: str
    jobcenter: str


# -- claimants ---------------------------------------------------------------------------------------
class Experience(Strict):
    kldb: Kldb
    months: int = Field(ge=0, le=MAX_MONTHS)


class HouseholdIn(Strict):
    adults: int = Field(1, ge=1, le=6)
    children_0_5: int = Field(0, ge=0, le=12)
    children_6_13: int = Field(0, ge=0, le=12)
    children_14_17: int = Field(0, ge=0, le=12)
    rent: float = Field(0.0, ge=0, le=5000)


class ClaimantBody(Strict):
    """A claimant as sent by a client. ``jobcenter`` defaults to the token's Jobcenter."""

    jobcenter: Id | None = None
    team: str = Field(min_length=1, max_length=MAX_LABEL_CHARS)
    case_manager: Id
    postcode: Postcode
    municipality: str = Field("", max_length=100)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    licences: list[Licence] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    has_car: bool = False
    max_commute_minutes: int | None = Field(None, ge=5, le=180)
    desired_occupations: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    desired_kldb: list[Kldb] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    profile_text: str = Field("", max_length=MAX_TEXT_CHARS)
    skill_level: int = Field(ge=1, le=4)
    german_level: Cefr
    available_hours: Hours
    shifts_ok: bool = False
    health_max_load: int | None = Field(None, ge=1, le=3, description="Only for roles that see health data.")
    months_unemployed: int = Field(0, ge=0, le=MAX_MONTHS)
    short_spells: int = Field(0, ge=0, le=100)
    experience: list[Experience] = Field(default_factory=list, max_length=MAX_EXPERIENCE_ITEMS)
    household: HouseholdIn = Field(default_factory=HouseholdIn)
    active: bool = True
    activated: date | None = Field(
        None,
        description="Day the Jobcenter activated the claimant (start of the SGB II spell); null: unknown",
    )


class ClaimantCreate(ClaimantBody):
    # Assigned by the server when omitted; only roles that work across Jobcenters (admin, batch)
    # may choose it (see ``ClaimantRecords.create``).
    id: Id | None = None


class ClaimantOut(BaseModel):
    id: str
    jobcenter: str
    team: str
    case_manager: str
    postcode: str
    municipality: str
    lat: float | None
    lon: float | None
    licences: list[str]
    has_car: bool
    max_commute_minutes: int | None
    desired_occupations: list[str]
    desired_kldb: list[str]
    profile_text: str
    skill_level: int
    german_level: str
    available_hours: float
    shifts_ok: bool
    health_max_load: int | None = None  # present only for roles that see health data
    months_unemployed: int
    short_spells: int
    experience: list[Experience]
    household: HouseholdIn
    active: bool
    activated: date | None = None


class ClaimantSummary(BaseModel):
    id: str
    case_manager: str
    team: str
    municipality: str
    postcode: str
    desired_occupations: list[str]
    active: bool


class ClaimantList(BaseModel):
    total: int  # matches in all
    offset: int  # matches skipped before this page
    claimants: list[ClaimantSummary]


class Erased(BaseModel):
    claimant_id: str
    rows_deleted: dict[str, int]
    embeddings_dropped: int
    audit_id: int


# -- vacancies ---------------------------------------------------------------------------------------
class EmployerBody(Strict):
    """An employer's details (``PUT /employers/{id}``; inside a vacancy they create an employer that
    is not stored yet and are otherwise not applied)."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    size_band: Literal["1-9", "10-49", "50-249", "250+"] = "10-49"
    sector: str = Field("N", pattern=r"^[A-U]$")
    collective_agreement: bool = False
    temp_agency: bool = False
    offers_training: bool = False


class EmployerIn(EmployerBody):
    id: Id


class EmployerOut(EmployerIn):
    created: bool | None = None  # set on writes: whether the write created the employer
    index_version: str | None = None  # set on writes: the index version the vacancies are served from


class VacancyBody(Strict):
    employer: EmployerIn
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    description: str = Field("", max_length=MAX_TEXT_CHARS)
    kldb: Kldb | None = None
    postcode: Postcode
    municipality: str = Field("", max_length=100)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    hours_per_week: Hours
    shifts: Literal["day", "two_shift", "three_shift", "night", "weekend"] = "day"
    contract: Literal["permanent", "fixed_term"] = "permanent"
    contract_months: int | None = Field(None, ge=1, le=60)
    wage: float = Field(gt=0, le=MAX_WAGE)
    wage_unit: Literal["hour", "month"]
    skill_level: int = Field(1, ge=1, le=4)
    licences: list[Licence] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    german_level: Cefr = "A2"
    physical_load: int = Field(2, ge=1, le=3)
    openings: int = Field(1, ge=1, le=1000)
    posted: date = date(2026, 1, 1)
    expires: date | None = None
    filled: bool = False
    source: str = Field("api", min_length=1, max_length=MAX_LABEL_CHARS)


class VacancyCreate(VacancyBody):
    id: Id


class VacancyOut(BaseModel):
    id: str
    employer: EmployerIn
    title: str
    description: str
    kldb: str | None
    postcode: str
    municipality: str
    lat: float | None
    lon: float | None
    hours_per_week: float
    shifts: str
    contract: str
    contract_months: int | None
    wage: float
    wage_unit: str
    skill_level: int
    licences: list[str]
    german_level: str
    physical_load: int
    openings: int
    posted: date
    expires: date | None
    filled: bool
    source: str
    index_version: str | None = None  # set on writes: the index version that holds the change


class Deleted(BaseModel):
    id: str
    index_version: str


# -- matching ----------------------------------------------------------------------------------------
class MatchItem(BaseModel):
    suggestion_id: str
    rank: int
    claimant_id: str
    vacancy_id: str
    title: str
    employer: str
    municipality: str
    score: float
    p_match: float
    p_sustain: float
    similarity: float
    match_depth: int
    commute_minutes: float
    commute_limit: float
    commute_mode: str
    distance_km: float
    hours_per_week: float
    reasons: list[str]
    drivers: list[dict[str, Any]]
    household: dict[str, Any] | None
    reader: ReaderOut | None = Field(None, description="The explanation as written for the reader.")
    handled: HistoryEntry | None = Field(
        None, description="The latest action on this claimant and vacancy, if any (what was handled)."
    )


class ListHead(BaseModel):
    audit_id: int
    model_version: str
    index_version: str
    embedder_id: str
    considered: int
    eligible: int
    excluded: dict[str, int]


class Suggestions(ListHead):
    claimant_id: str
    suggestions: list[MatchItem]


class Candidates(ListHead):
    vacancy_id: str
    candidates: list[MatchItem]


class AdHocProfile(ClaimantBody):
    id: Id  # a label only: nothing is stored under it


class AdHocMatch(Strict):
    """An ad-hoc profile: matched, never stored (the id is only a label in the answer)."""

    profile: AdHocProfile
    k: int = Field(10, ge=1, le=100)


# -- feedback and outcomes ---------------------------------------------------------------------------
class FeedbackIn(Strict):
    action: Literal["proposed", "rejected", "applied", "hired"]
    reason_code: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    confirmed_by: str | None = Field(None, min_length=1, max_length=128)


class FeedbackOut(BaseModel):
    feedback_id: str
    suggestion_id: str
    claimant_id: str
    vacancy_id: str
    action: str
    reason_code: str | None
    confirmed_by: str | None
    user: str
    at: datetime
    model_version: str

    @classmethod
    def of(cls, a: SuggestionAction) -> FeedbackOut:
        return cls(
            feedback_id=str(a.id),
            suggestion_id=a.suggestion_id,
            claimant_id=a.claimant_id,
            vacancy_id=a.vacancy_id,
            action=a.action.value,
            reason_code=a.reason_code,
            confirmed_by=a.confirmed_by,
            user=a.user,
            at=a.at,
            model_version=a.model_version,
        )


class OutcomeIn(Strict):
    id: Id
    claimant_id: Id
    vacancy_id: Id
    start: date
    end: date | None = None
    employed_12m: bool
    benefits_12m: bool = False


class OutcomeOut(BaseModel):
    id: str
    claimant_id: str
    vacancy_id: str
    start: date
    end: date | None
    employed_12m: bool
    benefits_12m: bool


# -- system ------------------------------------------------------------------------------------------
class Models(BaseModel):
    model_version: str
    scorer_bundles: list[str]
    scorer_current: str | None
    embedder_id: str
    index_version: str
    index_kind: str | None
    vacancies: int
    claimants_indexed: int


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store: bool
    reason: str | None = None
    index_version: str | None = None
    model_version: str | None = None
    vacancies: int | None = None
