"""Records <-> rows: one pair of functions per record type, and the column-ordered vacancy select.

Domain records go in and come out; no SQLAlchemy row leaves the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Contract,
    Employer,
    FeedbackAction,
    Household,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
)
from matcher.records import ApiToken, AuditEntry, NightlyRun, ShownSuggestion, SuggestionAction
from matcher.store.tables import (
    EMPLOYER_FIELDS,
    VACANCY_FIELDS,
    claimant_health,
    claimants,
    employers,
    vacancies,
)


def utc(value: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (SQLite hands them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def employer_row(e: Employer) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "size_band": e.size_band.value,
        "sector": e.sector,
        "collective_agreement": e.collective_agreement,
        "temp_agency": e.temp_agency,
        "offers_training": e.offers_training,
    }


def employer_from(r: Any) -> Employer:
    return Employer(
        id=r.id,
        name=r.name,
        size_band=SizeBand(r.size_band),
        sector=r.sector,
        collective_agreement=bool(r.collective_agreement),
        temp_agency=bool(r.temp_agency),
        offers_training=bool(r.offers_training),
    )


def vacancy_row(v: Vacancy) -> dict[str, Any]:
    return {
        "id": v.id,
        "employer_id": v.employer.id,
        "title": v.title,
        "description": v.description,
        "kldb": v.kldb,
        "postcode": v.postcode,
        "municipality": v.municipality,
        "lat": v.lat,
        "lon": v.lon,
        "hours_per_week": v.hours_per_week,
        "shifts": v.shifts.value,
        "contract": v.contract.value,
        "contract_months": v.contract_months,
        "wage": v.wage,
        "wage_unit": v.wage_unit.value,
        "skill_level": int(v.skill_level),
        "licences": sorted(v.licences),
        "german_level": int(v.german_level),
        "physical_load": int(v.physical_load),
        "openings": v.openings,
        "posted": v.posted,
        "expires": v.expires,
        "filled": v.filled,
        "source": v.source,
    }


def _by_value(kind: Any) -> dict[Any, Any]:
    """value -> member: a dict lookup is several times faster than calling the enum on 100k rows."""
    return {m.value: m for m in kind}


_SIZE, _SHIFTS, _CONTRACT, _WAGE_UNIT = (
    _by_value(SizeBand),
    _by_value(Shifts),
    _by_value(Contract),
    _by_value(WageUnit),
)
_SKILL, _CEFR, _LOAD = _by_value(SkillLevel), _by_value(CEFR), _by_value(PhysicalLoad)

# Explicit column order: rows are unpacked by position (name lookups on 100k rows cost seconds).
# Licences come as JSON text and are decoded once per distinct value: vacancies share a handful of sets.
_VACANCY_SELECT_COLS = [
    *(sa.cast(vacancies.c[n], sa.Text) if n == "licences" else vacancies.c[n] for n in VACANCY_FIELDS),
    *(employers.c[n] for n in EMPLOYER_FIELDS if n != "id"),
]


def vacancy_select() -> sa.Select[Any]:
    return sa.select(*_VACANCY_SELECT_COLS).join(employers, employers.c.id == vacancies.c.employer_id)


def vacancies_from(rows: Iterable[Sequence[Any]]) -> list[Vacancy]:
    """The vacancies of ``vacancy_select`` rows. Values that repeat across vacancies (titles, places,
    codes, dates, licence sets) are one object each: a server holds every vacancy, and at 100,000
    the copies of equal values took ~60 MB (floats stay apart: -0.0 equals 0.0)."""
    employer_cache: dict[str, Employer] = {}
    licence_cache: dict[str, frozenset[str]] = {}
    shared: dict[Any, Any] = {}
    one = shared.setdefault  # the first equal value seen stands for all of them
    out = []
    for (
        vid, eid, title, description, kldb, postcode, municipality, lat, lon, hours, shifts, contract,
        contract_months, wage, wage_unit, skill, licences, german, load, openings, posted, expires,
        filled, source, e_name, e_size, e_sector, e_collective, e_temp, e_training,
    ) in rows:  # fmt: skip
        employer = employer_cache.get(eid)
        if employer is None:
            employer = employer_cache[eid] = Employer(
                id=eid,
                name=e_name,
                size_band=_SIZE[e_size],
                sector=e_sector,
                collective_agreement=e_collective,
                temp_agency=e_temp,
                offers_training=e_training,
            )
        out.append(
            Vacancy(
                id=vid,
                employer=employer,
                title=one(title, title),
                description=description,
                kldb=one(kldb, kldb),
                postcode=one(postcode, postcode),
                municipality=one(municipality, municipality),
                lat=lat,
                lon=lon,
                hours_per_week=hours,
                shifts=_SHIFTS[shifts],
                contract=_CONTRACT[contract],
                contract_months=contract_months,
                wage=wage,
                wage_unit=_WAGE_UNIT[wage_unit],
                skill_level=_SKILL[skill],
                licences=_licences(licence_cache, licences),
                german_level=_CEFR[german],
                physical_load=_LOAD[load],
                openings=openings,
                posted=one(posted, posted),
                expires=one(expires, expires),
                filled=filled,
                source=one(source, source),
            )
        )
    return out


def _licences(cache: dict[str, frozenset[str]], text: str) -> frozenset[str]:
    """The licence set of a row's JSON text, decoded once per distinct text (``get() or decode``
    decoded the empty set, which is falsy, anew for every vacancy without licences)."""
    found = cache.get(text)
    if found is None:
        found = cache[text] = frozenset(json.loads(text))
    return found


def claimant_row(c: Claimant) -> dict[str, Any]:
    h = c.household
    return {
        "id": c.id,
        "jobcenter": c.jobcenter,
        "team": c.team,
        "case_manager": c.case_manager,
        "postcode": c.postcode,
        "municipality": c.municipality,
        "lat": c.lat,
        "lon": c.lon,
        "licences": sorted(c.licences),
        "has_car": c.has_car,
        "max_commute_minutes": c.max_commute_minutes,
        "desired_occupations": list(c.desired_occupations),
        "desired_kldb": list(c.desired_kldb),
        "profile_text": c.profile_text,
        "skill_level": int(c.skill_level),
        "german_level": int(c.german_level),
        "available_hours": c.available_hours,
        "shifts_ok": c.shifts_ok,
        "months_unemployed": c.months_unemployed,
        "short_spells": c.short_spells,
        "experience": [[code, months] for code, months in c.experience],
        "adults": h.adults,
        "children_0_5": h.children_0_5,
        "children_6_13": h.children_6_13,
        "children_14_17": h.children_14_17,
        "rent": h.rent,
        "active": c.active,
        "activated": c.activated,
    }


def claimant_select(with_health: bool) -> sa.Select[Any]:
    if not with_health:
        return sa.select(claimants, sa.null().label("health_max_load"))
    return sa.select(claimants, claimant_health.c.health_max_load).outerjoin(
        claimant_health, claimant_health.c.claimant_id == claimants.c.id
    )


def claimant_from(r: Any) -> Claimant:
    return Claimant(
        id=r.id,
        jobcenter=r.jobcenter,
        team=r.team,
        case_manager=r.case_manager,
        postcode=r.postcode,
        municipality=r.municipality,
        lat=r.lat,
        lon=r.lon,
        licences=frozenset(r.licences),
        has_car=r.has_car,
        max_commute_minutes=r.max_commute_minutes,
        desired_occupations=tuple(r.desired_occupations),
        desired_kldb=tuple(r.desired_kldb),
        profile_text=r.profile_text,
        skill_level=SkillLevel(r.skill_level),
        german_level=CEFR(r.german_level),
        available_hours=r.available_hours,
        shifts_ok=r.shifts_ok,
        health_max_load=None if r.health_max_load is None else PhysicalLoad(r.health_max_load),
        months_unemployed=r.months_unemployed,
        short_spells=r.short_spells,
        experience=tuple((code, months) for code, months in r.experience),
        household=Household(
            adults=r.adults,
            children_0_5=r.children_0_5,
            children_6_13=r.children_6_13,
            children_14_17=r.children_14_17,
            rent=r.rent,
        ),
        active=r.active,
        activated=r.activated,
    )


def protected_row(p: ProtectedAttributes) -> dict[str, Any]:
    return {
        "claimant_id": p.claimant_id,
        "sex": p.sex.value,
        "nationality_group": p.nationality_group.value,
        "age_band": p.age_band.value,
        "severe_disability": p.severe_disability,
    }


def protected_from(r: Any) -> ProtectedAttributes:
    return ProtectedAttributes(
        claimant_id=r.claimant_id,
        sex=Sex(r.sex),
        nationality_group=NationalityGroup(r.nationality_group),
        age_band=AgeBand(r.age_band),
        severe_disability=r.severe_disability,
    )


def outcome_row(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "claimant_id": o.claimant_id,
        "vacancy_id": o.vacancy_id,
        "start": o.start,
        "end": o.end,
        "employed_12m": o.employed_12m,
        "benefits_12m": o.benefits_12m,
        "claimant_snapshot": o.claimant_snapshot,
        "vacancy_snapshot": o.vacancy_snapshot,
    }


def outcome_from(r: Any) -> Outcome:
    return Outcome(
        id=r.id,
        claimant_id=r.claimant_id,
        vacancy_id=r.vacancy_id,
        start=r.start,
        end=r.end,
        employed_12m=r.employed_12m,
        benefits_12m=r.benefits_12m,
        claimant_snapshot=r.claimant_snapshot,
        vacancy_snapshot=r.vacancy_snapshot,
    )


def proposal_row(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "claimant_id": p.claimant_id,
        "vacancy_id": p.vacancy_id,
        "proposed": p.proposed,
        "hired": p.hired,
    }


def proposal_from(r: Any) -> Proposal:
    return Proposal(
        id=r.id, claimant_id=r.claimant_id, vacancy_id=r.vacancy_id, proposed=r.proposed, hired=r.hired
    )


def audit_from(r: Any) -> AuditEntry:
    return AuditEntry(
        id=r.id,
        at=utc(r.at),
        who=r.who,
        action=r.action,
        claimant_id=r.claimant_id,
        model_version=r.model_version,
        index_version=r.index_version,
        payload=r.payload,
    )


def token_from(r: Any) -> ApiToken:
    revoked = utc(r.revoked) if r.revoked is not None else None
    return ApiToken(r.id, r.name, r.role, r.jobcenter, r.token_hash, utc(r.created), revoked)


def run_from(r: Any) -> NightlyRun:
    finished = utc(r.finished) if r.finished is not None else None
    return NightlyRun(r.id, utc(r.started), finished, r.status, r.manifest)


def suggestion_row(s: ShownSuggestion) -> dict[str, Any]:
    return {
        "id": s.id,
        "lookup_id": s.lookup_id,
        "kind": s.kind,
        "claimant_id": s.claimant_id,
        "vacancy_id": s.vacancy_id,
        "jobcenter": s.jobcenter,
        "rank": s.rank,
        "similarity": s.similarity,
        "p_match": s.p_match,
        "p_sustain": s.p_sustain,
        "score": float(s.score),
        "model_version": s.model_version,
        "index_version": s.index_version,
        "embedder_id": s.embedder_id,
        "shown_at": utc(s.shown_at),
    }


def suggestion_from(r: Any) -> ShownSuggestion:
    return ShownSuggestion(
        id=r.id,
        lookup_id=int(r.lookup_id),
        kind=r.kind,
        claimant_id=r.claimant_id,
        vacancy_id=r.vacancy_id,
        jobcenter=r.jobcenter,
        rank=r.rank,
        similarity=r.similarity,
        p_match=r.p_match,
        p_sustain=r.p_sustain,
        score=r.score,
        model_version=r.model_version,
        index_version=r.index_version,
        embedder_id=r.embedder_id,
        shown_at=utc(r.shown_at),
    )


def action_row(a: SuggestionAction) -> dict[str, Any]:
    """The row of an action, without its id (the database assigns it in append order)."""
    return {
        "suggestion_id": a.suggestion_id,
        "claimant_id": a.claimant_id,
        "vacancy_id": a.vacancy_id,
        "action": a.action.value,
        "username": a.user,
        "at": utc(a.at),
        "model_version": a.model_version,
        "reason_code": a.reason_code,
        "confirmed_by": a.confirmed_by,
    }


def action_from(r: Any) -> SuggestionAction:
    return SuggestionAction(
        id=int(r.id),
        suggestion_id=r.suggestion_id,
        claimant_id=r.claimant_id,
        vacancy_id=r.vacancy_id,
        action=FeedbackAction(r.action),
        user=r.username,
        at=utc(r.at),
        model_version=r.model_version,
        reason_code=r.reason_code,
        confirmed_by=r.confirmed_by,
    )
