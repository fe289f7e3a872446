"""Vacancies: read, create, update, delete (each change reaches the index at once), candidates."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.convert import candidates_out, vacancy_out, vacancy_record
from api.deps import Matches, ReadsVacancies, RuntimeDep, UseCasesDep, WritesVacancies
from api.prepared import prepared
from api.routes.common import AUTH_ERRORS, K, VacancyId, documented
from api.runtime import single_thread_faiss
from api.schemas import Candidates, Deleted, VacancyBody, VacancyCreate, VacancyOut

router = APIRouter(tags=["vacancies"], responses=AUTH_ERRORS)


@router.get("/vacancies/{vacancy_id}", response_model=VacancyOut, responses=documented(404))
def read_vacancy(uc: UseCasesDep, p: ReadsVacancies, vacancy_id: VacancyId) -> VacancyOut:
    return vacancy_out(uc.vacancies.read(vacancy_id))


@router.post(
    "/vacancies", response_model=VacancyOut, status_code=status.HTTP_201_CREATED, responses=documented(409)
)
def create_vacancy(rt: RuntimeDep, uc: UseCasesDep, p: WritesVacancies, body: VacancyCreate) -> VacancyOut:
    """Store a new vacancy and add it to the index (a new index version). An employer named for the
    first time is created from ``employer``; a known one stays as stored (``PUT /employers/{id}``
    changes it) and the answer shows it as stored."""
    w = uc.vacancies.create(p, vacancy_record(body, body.id, rt.geo))
    return vacancy_out(w.vacancy, w.index_version)


@router.put("/vacancies/{vacancy_id}", response_model=VacancyOut, responses=documented(404))
def update_vacancy(
    rt: RuntimeDep, uc: UseCasesDep, p: WritesVacancies, vacancy_id: VacancyId, body: VacancyBody
) -> VacancyOut:
    """Replace a vacancy; a filled one leaves the index."""
    w = uc.vacancies.replace(p, vacancy_record(body, vacancy_id, rt.geo))
    return vacancy_out(w.vacancy, w.index_version)


@router.delete("/vacancies/{vacancy_id}", response_model=Deleted, responses=documented(404))
def delete_vacancy(uc: UseCasesDep, p: WritesVacancies, vacancy_id: VacancyId) -> Deleted:
    return Deleted(id=vacancy_id, index_version=uc.vacancies.delete(p, vacancy_id))


@router.get("/vacancies/{vacancy_id}/candidates", response_model=Candidates, responses=documented(404))
def candidates(rt: RuntimeDep, uc: UseCasesDep, p: Matches, vacancy_id: VacancyId, k: K = None) -> Response:
    """Ranked claimants of the caller's Jobcenter for a vacancy; the list goes to the audit log."""
    single_thread_faiss()
    out = uc.lookups.candidates(p, p.jobcenter, vacancy_id, k or rt.settings.api.default_k)
    return prepared(candidates_out(out))
