"""The team leads' and controlling's key figures (§48a SGB II), as JSON or a printable German page
with its plots (``data:`` images, so the page needs nothing but itself; style by hash)."""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.auth import Forbidden
from api.deps import PrincipalDep, RuntimeDep
from api.routes.common import AUTH_ERRORS, documented
from api.schemas import ID_PATTERN
from matcher.printable.kennzahlen import csp_with_images, render_kennzahlen
from matcher.printable.kennzahlen_plots import unit_plots
from matcher.usecases.kennzahlen import Kennzahlen, NotPermitted, Request

router = APIRouter(tags=["key figures"], responses={**AUTH_ERRORS, **documented(403)})

Name = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^<>&\"']+$")]


@router.get("/kennzahlen", response_model=None,
            responses={200: {"content": {"application/json": {}, "text/html": {}}}})  # fmt: skip
def kennzahlen(
    rt: RuntimeDep,
    p: PrincipalDep,
    format: Annotated[Literal["json", "html"], Query(description="`html`: a printable page.")] = "json",
    team: Name = None,
    jobcenter: Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)] = None,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> dict[str, Any] | Response:
    """Key figures by month: team leads their teams, admin the Jobcenter, case managers their own
    caseload (403 for a team's); cells behind fewer than 5 claimants are "< 5"; no claimant named."""
    s = rt.services.settings
    uc = Kennzahlen(rt.store, as_of=s.as_of or date.today(), team_leads=s.kennzahlen.team_leads)
    try:
        report = uc.report(p, Request(first, last, team, jobcenter)).to_json()
    except NotPermitted as err:
        raise Forbidden(str(err)) from None
    if format == "json":
        return report
    images = {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
              for name, png in unit_plots(report["units"]).items()}  # fmt: skip
    return HTMLResponse(
        render_kennzahlen(report, images),
        headers={"Content-Security-Policy": csp_with_images(), "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"},
    )  # fmt: skip
