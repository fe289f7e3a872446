"""Between the API's bodies and the domain records (through ``matcher.codec``, so the checks and
their field names are the importer's)."""

from __future__ import annotations

from typing import Any

from api.case_schemas import HistoryEntry, ReaderOut
from api.schemas import (
    Candidates,
    ClaimantBody,
    ClaimantOut,
    EmployerBody,
    EmployerOut,
    MatchItem,
    Suggestions,
    VacancyBody,
    VacancyOut,
)
from matcher.codec import claimant_from_row, vacancy_from_row
from matcher.domain import Claimant, Employer, SizeBand, Vacancy, to_dict
from matcher.explain import Explanation
from matcher.explain_reader import reader_view
from matcher.geo import PostcodeDirectory
from matcher.geo.placing import located, settle
from matcher.service import Match, MatchList
from matcher.usecases.history import HistoryLine
from matcher.usecases.lookups import RecordedList


def _place(row: dict[str, Any], postcode: str, geo: PostcodeDirectory) -> None:
    """Coordinates and place name from the postcode where not given, and given coordinates checked
    against it, as the importer places records (``settle``): the filters measure distances from them."""
    row["lat"], row["lon"], row["municipality"] = settle(
        postcode, row["lat"], row["lon"], row["municipality"], lambda code: located(geo.lookup(code))
    )


def claimant_record(body: ClaimantBody, claimant_id: str, jobcenter: str, geo: PostcodeDirectory) -> Claimant:
    row: dict[str, Any] = body.model_dump(exclude={"household", "experience", "jobcenter"})
    row.update(body.household.model_dump())
    row["experience"] = [[e.kldb, e.months] for e in body.experience]
    row.update(id=claimant_id, jobcenter=jobcenter)
    _place(row, body.postcode, geo)
    claimant, _ = claimant_from_row(row)
    return claimant


# A claimant body's Jobcenter is decided by the use case (the caller's own for scoped roles); the
# draft carries a placeholder until then.
DRAFT_JOBCENTER = "unassigned"


def claimant_draft(body: ClaimantBody, claimant_id: str, geo: PostcodeDirectory) -> Claimant:
    """The record a body describes, before the use case sets its Jobcenter."""
    return claimant_record(body, claimant_id, body.jobcenter or DRAFT_JOBCENTER, geo)


def vacancy_record(body: VacancyBody, vacancy_id: str, geo: PostcodeDirectory) -> Vacancy:
    row: dict[str, Any] = body.model_dump(exclude={"employer"})
    e = body.employer
    row.update(
        id=vacancy_id,
        employer_id=e.id,
        employer_name=e.name,
        employer_size=e.size_band,
        employer_sector=e.sector,
        employer_collective_agreement=e.collective_agreement,
        employer_temp_agency=e.temp_agency,
        employer_training=e.offers_training,
    )
    _place(row, body.postcode, geo)
    return vacancy_from_row(row)


def employer_record(body: EmployerBody, employer_id: str) -> Employer:
    return Employer(
        id=employer_id, size_band=SizeBand(body.size_band), **body.model_dump(exclude={"size_band"})
    )


def employer_out(
    e: Employer, *, created: bool | None = None, index_version: str | None = None
) -> EmployerOut:
    d = to_dict(e)
    d["size_band"] = e.size_band.value
    return EmployerOut.model_validate({**d, "created": created, "index_version": index_version})


def claimant_out(c: Claimant, *, with_health: bool) -> ClaimantOut:
    d = to_dict(c)
    d["german_level"] = c.german_level.name
    d["skill_level"] = int(c.skill_level)
    d["experience"] = [{"kldb": code, "months": months} for code, months in c.experience]
    health = d.pop("health_max_load")
    if with_health:
        d["health_max_load"] = None if c.health_max_load is None else int(c.health_max_load)
    else:
        del health
    return ClaimantOut.model_validate(d)


def vacancy_out(v: Vacancy, index_version: str | None = None) -> VacancyOut:
    d = to_dict(v)
    d["german_level"] = v.german_level.name
    d["skill_level"] = int(v.skill_level)
    d["physical_load"] = int(v.physical_load)
    d["index_version"] = index_version
    return VacancyOut.model_validate(d)


def _flat(record: Any) -> dict[str, Any]:
    """A flat dataclass record (numbers, strings, flags) as a dict: ``asdict`` without its deep copy
    of every value, which cost ~0.3 ms for a list of 10 items' drivers and household effects."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _drivers(e: Explanation) -> list[dict[str, Any]]:
    """Positive drivers, then negative: {feature, label, value, unit, contribution}."""
    return [_flat(d) for d in (*e.drivers_up, *e.drivers_down)]


def match_item(
    m: Match, audit_id: int, suggestion_id: str | None = None, handled: HistoryEntry | None = None
) -> MatchItem:
    """One listed item; ``suggestion_id`` the stored entry's (default: this lookup's own, for ad-hoc
    lists that store none)."""
    e = m.explanation
    return MatchItem(
        suggestion_id=suggestion_id or f"{audit_id}-{m.rank}",
        handled=handled,
        reader=ReaderOut.of(reader_view(e, p_match=m.p_match, p_sustain=m.p_sustain, score=m.score)),
        rank=m.rank,
        claimant_id=m.claimant_id,
        vacancy_id=m.vacancy_id,
        title=m.title,
        employer=m.employer,
        municipality=m.municipality,
        score=m.score,
        p_match=m.p_match,
        p_sustain=m.p_sustain,
        similarity=m.similarity,
        match_depth=m.match_depth,
        commute_minutes=m.commute_minutes,
        commute_limit=m.commute_limit,
        commute_mode=m.commute_mode,
        distance_km=m.distance_km,
        hours_per_week=m.hours_per_week,
        reasons=e.reason_texts if e else [],
        drivers=_drivers(e) if e else [],
        household=_flat(e.household) if e else None,
    )


def list_head(result: MatchList, audit_id: int) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "model_version": result.model_version,
        "index_version": result.index_version,
        "embedder_id": result.embedder_id,
        "considered": result.considered,
        "eligible": result.eligible,
        "excluded": dict(result.excluded),
    }


def _items(out: RecordedList) -> list[MatchItem]:
    """The recorded list's items with their stored ids and the latest action on each pair."""
    items = []
    for m, sid in zip(out.result.items, out.suggestion_ids, strict=True):
        a = out.handled.get((m.claimant_id, m.vacancy_id))
        mark = None if a is None else HistoryEntry.of(HistoryLine(a, m.title))
        items.append(match_item(m, out.audit_id, sid, mark))
    return items


def suggestions_out(result: MatchList, audit_id: int) -> Suggestions:
    """An ad-hoc list (nothing stored)."""
    return Suggestions(
        claimant_id=result.subject_id,
        suggestions=[match_item(m, audit_id) for m in result.items],
        **list_head(result, audit_id),
    )


def recorded_suggestions_out(out: RecordedList) -> Suggestions:
    return Suggestions(
        claimant_id=out.result.subject_id,
        suggestions=_items(out),
        narrowed=dict(out.result.narrowed),
        **list_head(out.result, out.audit_id),
    )


def candidates_out(out: RecordedList) -> Candidates:
    return Candidates(
        vacancy_id=out.result.subject_id, candidates=_items(out), **list_head(out.result, out.audit_id)
    )
