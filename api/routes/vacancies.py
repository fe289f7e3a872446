"""Vacancies: read, create, update, delete (each change reaches the index at once), candidates."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.audit import lookup_payload, shown_items
from api.convert import list_head, match_item, vacancy_out, vacancy_record
from api.deps import Matches, ReadsVacancies, RuntimeDep, WritesVacancies
from api.errors import Conflict
from api.routes.common import AUTH_ERRORS, K, VacancyId, audit, documented
from api.runtime import single_thread_faiss
from api.schemas import Candidates, Deleted, VacancyBody, VacancyCreate, VacancyOut
from matcher.errors import UnknownVacancy

router = APIRouter(tags=["vacancies"], responses=AUTH_ERRORS)


@router.get("/vacancies/{vacancy_id}", response_model=VacancyOut, responses=documented(404))
def read_vacancy(rt: RuntimeDep, p: ReadsVacancies, vacancy_id: VacancyId) -> VacancyOut:
    try:
        return vacancy_out(rt.store.get_vacancy(vacancy_id))
    except UnknownVacancy:
        raise UnknownVacancy("no such vacancy") from None


@router.post(
    "/vacancies", response_model=VacancyOut, status_code=status.HTTP_201_CREATED, responses=documented(409)
)
def create_vacancy(rt: RuntimeDep, p: WritesVacancies, body: VacancyCreate) -> VacancyOut:
    """Store a new vacancy and add it to the index (a new index version)."""
    v = vacancy_record(body, body.id, rt.geo)
    try:
        rt.store.get_vacancy(v.id)
    except UnknownVacancy:
        pass
    else:
        raise Conflict("this vacancy id is already in use")
    rt.store.upsert_vacancies([v])
    version = rt.vacancies_changed(upserted=[v])
    audit(rt, p, "vacancy.create", payload={"vacancy_id": v.id}, versions=True)
    return vacancy_out(v, version)


@router.put("/vacancies/{vacancy_id}", response_model=VacancyOut, responses=documented(404))
def update_vacancy(
    rt: RuntimeDep, p: WritesVacancies, vacancy_id: VacancyId, body: VacancyBody
) -> VacancyOut:
    """Replace a vacancy; a filled one leaves the index."""
    try:
        rt.store.get_vacancy(vacancy_id)
    except UnknownVacancy:
        raise UnknownVacancy("no such vacancy") from None
    v = vacancy_record(body, vacancy_id, rt.geo)
    rt.store.upsert_vacancies([v])
    version = rt.vacancies_changed(upserted=[v])
    audit(rt, p, "vacancy.update", payload={"vacancy_id": v.id}, versions=True)
    return vacancy_out(v, version)


@router.delete("/vacancies/{vacancy_id}", response_model=Deleted, responses=documented(404))
def delete_vacancy(rt: RuntimeDep, p: WritesVacancies, vacancy_id: VacancyId) -> Deleted:
    try:
        rt.store.delete_vacancy(vacancy_id)
    except UnknownVacancy:
        raise UnknownVacancy("no such vacancy") from None
    version = rt.vacancies_changed(removed=[vacancy_id])
    audit(rt, p, "vacancy.delete", payload={"vacancy_id": vacancy_id}, versions=True)
    return Deleted(id=vacancy_id, index_version=version)


@router.get("/vacancies/{vacancy_id}/candidates", response_model=Candidates, responses=documented(404))
def candidates(rt: RuntimeDep, p: Matches, vacancy_id: VacancyId, k: K = None) -> Candidates:
    """Ranked claimants of the caller's Jobcenter for a vacancy; the list goes to the audit log."""
    kk = k or rt.settings.api.default_k
    single_thread_faiss()
    svc = rt.service_for(p.jobcenter)
    try:
        result = svc.candidates(vacancy_id, kk)
    except UnknownVacancy:
        raise UnknownVacancy("no such vacancy") from None
    # The candidates come from the caller's Jobcenter only (service_for), so it is theirs.
    audit_id, _ = rt.store.add_lookup(
        who=p.name,
        action="candidates",
        claimant_id=None,
        model_version=result.model_version,
        index_version=result.index_version,
        payload=lookup_payload(svc, result, k=kk, jobcenter=p.jobcenter),
        shown=shown_items(result, jobcenter=p.jobcenter),
    )
    return Candidates(
        vacancy_id=vacancy_id,
        candidates=[match_item(m, audit_id) for m in result.items],
        **list_head(result, audit_id),
    )
