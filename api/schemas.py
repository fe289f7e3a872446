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
from matcher.domain import RejectReason
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
    detail: str = Field(
        description=(
            "What was wrong, naming the field where there is one (English; the page shows it in German)."
        ),
    )


class Me(BaseModel):
    name: str = Field(description="The signed-in token's name (the user shown in the history).")
    role: str = Field(description="case_manager, team_lead, admin or batch.")
    jobcenter: str = Field(description="The token's Jobcenter id: the rows it may read and write.")


# -- claimants ---------------------------------------------------------------------------------------
class Experience(Strict):
    kldb: Kldb = Field(description="Occupation worked in: KldB 2010 code, 5 digits.")
    months: int = Field(ge=0, le=MAX_MONTHS, description="How long, months.")


class HouseholdIn(Strict):
    adults: int = Field(
        1, ge=1, le=6, description="Adults in the benefit household (Bedarfsgemeinschaft), count."
    )
    children_0_5: int = Field(0, ge=0, le=12, description="Children aged 0-5 in the household, count.")
    children_6_13: int = Field(0, ge=0, le=12, description="Children aged 6-13 in the household, count.")
    children_14_17: int = Field(0, ge=0, le=12, description="Children aged 14-17 in the household, count.")
    rent: float = Field(
        0.0, ge=0, le=5000, description="Housing costs (Kosten der Unterkunft) incl. heating, euro a month."
    )


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
    id: str = Field(description="Pseudonymous claimant id (Kundennummer).")
    jobcenter: str = Field(description="The Jobcenter that owns the record.")
    team: str = Field(description="The team within the Jobcenter.")
    case_manager: str = Field(description="Id of the responsible case manager (Fallmanager/in).")
    postcode: str = Field(description="Home postcode, 5 digits.")
    municipality: str = Field(description="Home municipality.")
    lat: float | None = Field(
        description="Home latitude, degrees (WGS 84); None: the postcode's centre is used."
    )
    lon: float | None = Field(
        description="Home longitude, degrees (WGS 84); None: the postcode's centre is used."
    )
    licences: list[str] = Field(description="Driving licence classes held (B, C1, CE, ...).")
    has_car: bool = Field(description="Whether a car is available for the commute.")
    max_commute_minutes: int | None = Field(
        description="The claimant's own one-way commute limit, minutes; None: the §140(4) SGB III default."
    )
    desired_occupations: list[str] = Field(description="Desired occupations in the claimant's own words.")
    desired_kldb: list[str] = Field(description="Desired occupations as KldB 2010 codes, 5 digits.")
    profile_text: str = Field(description="Free-text profile: experience and skills.")
    skill_level: int = Field(
        description=(
            "Qualification level (KldB Anforderungsniveau): 1 Helfer, 2 Fachkraft, 3 Spezialist, 4 Experte."
        ),
    )
    german_level: str = Field(description="German level, CEFR (A1-C2).")
    available_hours: float = Field(description="Hours a week the claimant can work.")
    shifts_ok: bool = Field(description="Whether shift, night or weekend work is possible.")
    health_max_load: int | None = Field(
        None,
        description=(
            "Heaviest physical load allowed (1 light, 2 medium, 3 heavy); only for roles that see health "
            "data."
        ),
    )
    months_unemployed: int = Field(description="Months without work in the current spell.")
    short_spells: int = Field(description="Earlier placements that ended within 6 months, count.")
    experience: list[Experience] = Field(description="Occupations worked in, with months.")
    household: HouseholdIn = Field(
        description="The benefit household, for the check whether a wage ends the need."
    )
    active: bool = Field(
        description="Whether the claimant is matched (inactive: kept, not suggested to, not a candidate)."
    )
    activated: date | None = Field(
        None,
        description="Day the Jobcenter activated the claimant (start of the SGB II spell); None: unknown.",
    )


class ClaimantSummary(BaseModel):
    id: str = Field(description="Pseudonymous claimant id (Kundennummer).")
    case_manager: str = Field(description="Id of the responsible case manager.")
    team: str = Field(description="The team within the Jobcenter.")
    municipality: str = Field(description="Home municipality.")
    postcode: str = Field(description="Home postcode, 5 digits.")
    desired_occupations: list[str] = Field(description="Desired occupations in the claimant's own words.")
    active: bool = Field(description="Whether the claimant is matched.")


class ClaimantList(BaseModel):
    total: int = Field(description="Claimants matching the search in all, count.")
    offset: int = Field(description="Matches skipped before this page, count.")
    claimants: list[ClaimantSummary] = Field(description="This page of the matches, ordered by id.")


class Erased(BaseModel):
    claimant_id: str = Field(description="The erased claimant's id.")
    rows_deleted: dict[str, int] = Field(description="Rows deleted per table, count.")
    embeddings_dropped: int = Field(description="Profile vectors dropped from the embedding caches, count.")
    audit_id: int = Field(description="Id of the audit entry that records the erasure.")


# -- vacancies ---------------------------------------------------------------------------------------
class EmployerBody(Strict):
    """An employer's details (``PUT /employers/{id}``; inside a vacancy they create an employer that
    is not stored yet and are otherwise not applied)."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS, description="Employer's name.")
    size_band: Literal["1-9", "10-49", "50-249", "250+"] = Field(
        "10-49", description="Employees: 1-9, 10-49, 50-249 or 250+."
    )
    sector: str = Field("N", pattern=r"^[A-U]$", description="Economic sector, WZ 2008 section letter (A-U).")
    collective_agreement: bool = Field(
        False, description="Whether a collective agreement (Tarifvertrag) applies."
    )
    temp_agency: bool = Field(False, description="Whether the employer is a temp agency (Zeitarbeit).")
    offers_training: bool = Field(False, description="Whether the employer offers training on the job.")


class EmployerIn(EmployerBody):
    id: Id = Field(description="Employer id.")


class EmployerOut(EmployerIn):
    created: bool | None = Field(
        None, description="Set on writes: whether the write created the employer (None on reads)."
    )
    index_version: str | None = Field(
        None,
        description="Set on writes: the vacancy index version that serves its vacancies (None on reads).",
    )


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
    id: str = Field(description="Vacancy id (Stellennummer).")
    employer: EmployerIn = Field(description="The employer.")
    title: str = Field(description="Job title as advertised.")
    description: str = Field(description="The advertisement's text.")
    kldb: str | None = Field(description="Occupation, KldB 2010 code, 5 digits; None: not coded.")
    postcode: str = Field(description="Workplace postcode, 5 digits.")
    municipality: str = Field(description="Workplace municipality.")
    lat: float | None = Field(
        description="Workplace latitude, degrees (WGS 84); None: the postcode's centre is used."
    )
    lon: float | None = Field(
        description="Workplace longitude, degrees (WGS 84); None: the postcode's centre is used."
    )
    hours_per_week: float = Field(description="Working hours, hours a week.")
    shifts: str = Field(description="day, two_shift, three_shift, night or weekend.")
    contract: str = Field(description="permanent (unbefristet) or fixed_term (befristet).")
    contract_months: int | None = Field(
        description="Length of a fixed-term contract, months; None: permanent or not stated."
    )
    wage: float = Field(description="Gross wage, euro per wage_unit.")
    wage_unit: str = Field(description="hour (€/hour) or month (€/month).")
    skill_level: int = Field(
        description="Qualification level asked (1 Helfer, 2 Fachkraft, 3 Spezialist, 4 Experte)."
    )
    licences: list[str] = Field(description="Driving licence classes required.")
    german_level: str = Field(description="German level required, CEFR (A1-C2).")
    physical_load: int = Field(description="Physical load: 1 light, 2 medium, 3 heavy.")
    openings: int = Field(description="Positions to fill, count.")
    posted: date = Field(description="Date posted.")
    expires: date | None = Field(description="Closing date; None: open until filled.")
    filled: bool = Field(description="Whether it is filled (then never suggested).")
    source: str = Field(description="Where the record came from (api, import, ba-jobsuche, ...).")
    index_version: str | None = Field(
        None, description="Set on writes: the vacancy index version that holds the change (None on reads)."
    )


class Deleted(BaseModel):
    id: str = Field(description="The deleted record's id.")
    index_version: str = Field(description="The vacancy index version without it.")


# -- matching ----------------------------------------------------------------------------------------
class MatchItem(BaseModel):
    suggestion_id: str = Field(description="Stable id of this list entry: feedback refers to it.")
    rank: int = Field(description="Position in the list, 1 = first.")
    claimant_id: str = Field(description="The claimant.")
    vacancy_id: str = Field(description="The vacancy.")
    title: str = Field(description="The vacancy's title.")
    employer: str = Field(description="The employer's name.")
    municipality: str = Field(description="The workplace municipality.")
    score: float = Field(
        description=(
            "Expected lasting placements per proposal: p_match × p_sustain, 0-1 (the order of the list)."
        ),
    )
    p_match: float = Field(
        description="Chance auf Einstellung: probability that a proposal leads to a hire, 0-1."
    )
    p_sustain: float = Field(
        description=(
            "Chance, dass sie 12 Monate hält: probability of still being employed 12 months after the "
            "start, 0-1."
        ),
    )
    similarity: float = Field(
        description="Cosine similarity of the claimant's and the vacancy's texts, -1 to 1."
    )
    match_depth: int = Field(
        description=(
            "Longest common KldB prefix of the vacancy's code with any of the claimant's codes, digits "
            "0-5 (5: same occupation and level)."
        ),
    )
    commute_minutes: float = Field(description="One-way commute, minutes, by the claimant's mode.")
    commute_limit: float = Field(
        description="The claimant's limit or the §140(4) SGB III default, one way, minutes."
    )
    commute_mode: str = Field(description="car or public (public transport).")
    distance_km: float = Field(description="Straight-line distance home to workplace, km.")
    hours_per_week: float = Field(description="The vacancy's hours a week.")
    reasons: list[str] = Field(
        description="Reasons in German (requirements met or missing, commute, hours, wage)."
    )
    drivers: list[dict[str, Any]] = Field(
        description=(
            "The sustainability model's main drivers: {feature, label, value, unit, contribution}; value "
            "in its unit, contribution in logit points (sign: direction)."
        ),
    )
    household: dict[str, Any] | None = Field(
        description=(
            "What the wage does to the household's SGB II need, euro a month (gross, need, kindergeld, "
            "net, countable, remaining_need, reduction) and ends_need; None: no model explanation."
        ),
    )
    reader: ReaderOut | None = Field(None, description="The explanation as written for the reader.")
    handled: HistoryEntry | None = Field(
        None, description="The latest action on this claimant and vacancy, if any (what was handled)."
    )


class ListHead(BaseModel):
    audit_id: int = Field(description="The list's number (Protokoll-Nr.): the audit entry that logged it.")
    model_version: str = Field(description="The scorer bundle that ranked the list (fit-only: no model).")
    index_version: str = Field(description="The vacancy index version searched.")
    embedder_id: str = Field(description="The embedding model of the texts.")
    considered: int = Field(description="Records compared, count.")
    eligible: int = Field(description="Records that pass every hard filter, count.")
    excluded: dict[str, int] = Field(
        description=(
            "Records each hard filter excludes, count per filter (a record failing two counts under both)."
        ),
    )


class Suggestions(ListHead):
    claimant_id: str = Field(description="The claimant the list is for.")
    suggestions: list[MatchItem] = Field(description="The suggested vacancies, best first.")
    narrowed: dict[str, int] = Field(
        default_factory=dict,
        description="Vacancies passing every hard filter that the list controls left out, per control "
        "(contract, temp_agency, hours, max_commute); empty when no control is set.",
    )


class Candidates(ListHead):
    vacancy_id: str = Field(description="The vacancy the list is for.")
    candidates: list[MatchItem] = Field(description="The candidate claimants of your Jobcenter, best first.")


class AdHocProfile(ClaimantBody):
    id: Id  # a label only: nothing is stored under it


class AdHocMatch(Strict):
    """An ad-hoc profile: matched, never stored (the id is only a label in the answer)."""

    profile: AdHocProfile
    k: int = Field(10, ge=1, le=100)


# -- feedback and outcomes ---------------------------------------------------------------------------
class FeedbackIn(Strict):
    action: Literal["proposed", "rejected", "applied", "hired"]
    reason_code: RejectReason | None = Field(
        None, description="Why it was rejected: required with ``rejected``, one of the listed codes."
    )
    confirmed_by: str | None = Field(None, min_length=1, max_length=128)


class FeedbackOut(BaseModel):
    feedback_id: str = Field(description="Id of the recorded action.")
    suggestion_id: str = Field(description="The list entry acted on.")
    claimant_id: str = Field(description="The claimant.")
    vacancy_id: str = Field(description="The vacancy.")
    action: str = Field(
        description="proposed (vorgeschlagen), rejected (abgelehnt), applied (beworben), hired (eingestellt)."
    )
    reason_code: str | None = Field(
        description="Why it was rejected: a RejectReason code (see FeedbackIn); None for other actions."
    )
    confirmed_by: str | None = Field(
        description="The named person who confirmed a proposal; None for other actions."
    )
    user: str = Field(description="Who recorded the action (the token's name).")
    at: datetime = Field(description="When it was recorded (UTC).")
    model_version: str = Field(description="The scorer bundle of the list the suggestion came from.")

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
    id: str = Field(description="Outcome id.")
    claimant_id: str = Field(description="The placed claimant.")
    vacancy_id: str = Field(description="The vacancy taken.")
    start: date = Field(description="First day of the job.")
    end: date | None = Field(description="Last day; None: still employed.")
    employed_12m: bool = Field(
        description="Whether still employed 12 months after the start (the label the model learns)."
    )
    benefits_12m: bool = Field(description="Whether back on benefits within 12 months.")


# -- system ------------------------------------------------------------------------------------------
class Models(BaseModel):
    model_version: str = Field(description="The scorer bundle serving now (fit-only: none trained).")
    scorer_bundles: list[str] = Field(description="Kept scorer bundle versions.")
    scorer_current: str | None = Field(description="The bundle the current pointer names; None: none.")
    embedder_id: str = Field(description="The embedding model.")
    index_version: str = Field(description="The vacancy index version serving now.")
    index_kind: str | None = Field(description="flat (exact), ivf or hnsw; None: unknown.")
    vacancies: int = Field(description="Vacancies in the index, count.")
    claimants_indexed: int = Field(description="Claimants in reverse matching, count.")


class Health(BaseModel):
    status: Literal["ok", "unavailable"] = Field(description="ok, or unavailable (then 503).")
    store: bool = Field(description="Whether the database answers.")
    reason: str | None = Field(None, description="Why it is unavailable; None when ok.")
    index_version: str | None = Field(
        None, description="The vacancy index version serving; None when unavailable."
    )
    model_version: str | None = Field(None, description="The scorer bundle serving; None when unavailable.")
    vacancies: int | None = Field(None, description="Vacancies in the index, count; None when unavailable.")
