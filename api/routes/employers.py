"""Employers: read and write. A vacancy names its employer; this is where a known employer changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.convert import employer_out, employer_record
from api.deps import ReadsVacancies, UseCasesDep, WritesVacancies
from api.routes.common import AUTH_ERRORS, documented
from api.schemas import ID_PATTERN, EmployerBody, EmployerOut

router = APIRouter(tags=["employers"], responses=AUTH_ERRORS)

EmployerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


@router.get("/employers/{employer_id}", response_model=EmployerOut, response_model_exclude_none=True,
            responses=documented(404))  # fmt: skip
def read_employer(uc: UseCasesDep, p: ReadsVacancies, employer_id: EmployerId) -> EmployerOut:
    return employer_out(uc.employers.read(employer_id))


@router.put("/employers/{employer_id}", response_model=EmployerOut, responses={201: {"model": EmployerOut}})
def put_employer(
    uc: UseCasesDep, p: WritesVacancies, employer_id: EmployerId, body: EmployerBody, response: Response
) -> EmployerOut:
    """Create or replace an employer; every vacancy naming it shows the new details at once (they are
    shared records, like vacancies: admin and batch write them, for all Jobcenters)."""
    w = uc.employers.put(p, employer_record(body, employer_id))
    if w.created:
        response.status_code = status.HTTP_201_CREATED
    return employer_out(w.employer, created=w.created, index_version=w.index_version)
