"""My caseload ("Meine Kunden") and the nightly runs, as the caller may see them: a case manager
their own claimants, a team lead the team's; nothing of another Jobcenter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.auth import Forbidden
from api.caseload_schemas import CaseloadOut, RunListOut, RunOut, RunsOut, RunSummaryOut
from api.deps import Matches, RuntimeDep
from api.routes.common import AUTH_ERRORS, documented
from api.schemas import ID_PATTERN
from matcher.usecases.caseload import CaseloadReads, NotPermitted

router = APIRouter(tags=["caseload"], responses=AUTH_ERRORS)

CaseManager = Annotated[
    str | None,
    Query(min_length=1, max_length=64, pattern=ID_PATTERN,
          description="A team lead: one case manager of the team (a case manager: only their own)."),
]  # fmt: skip
RunId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


def _uc(rt: RuntimeDep) -> CaseloadReads:
    return CaseloadReads(rt.store, team_leads=rt.services.settings.kennzahlen.team_leads)


@router.get("/caseload", response_model=CaseloadOut, responses=documented(403))
def caseload(rt: RuntimeDep, p: Matches, case_manager: CaseManager = None) -> CaseloadOut:
    """The caller's active claimants (a team lead: the team's) with the latest complete nightly
    list, what in it is new since the previous run, and the open proposals. Audit-logged."""
    try:
        return CaseloadOut.of(_uc(rt).caseload(p, case_manager))
    except NotPermitted as err:
        raise Forbidden(str(err)) from None


@router.get("/nightly/runs", response_model=RunsOut, responses=documented(403))
def nightly_runs(rt: RuntimeDep, p: Matches) -> RunsOut:
    """The complete nightly runs, newest first, with their day and versions and how many list
    entries each holds for the caller's caseload."""
    try:
        runs = _uc(rt).runs(p)
    except NotPermitted as err:
        raise Forbidden(str(err)) from None
    return RunsOut(runs=[RunSummaryOut(**RunOut.of(r).model_dump(), entries=n) for r, n in runs])


@router.get("/nightly/runs/{run_id}", response_model=RunListOut, responses=documented(403, 404))
def nightly_run(rt: RuntimeDep, p: Matches, run_id: RunId, case_manager: CaseManager = None) -> RunListOut:
    """One complete run's lists of the caller's caseload (a team lead: of the team, or of one case
    manager); 404 for an unknown or incomplete run. Audit-logged."""
    try:
        return RunListOut.of(_uc(rt).run_list(p, run_id, case_manager))
    except NotPermitted as err:
        raise Forbidden(str(err)) from None
