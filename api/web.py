"""The case managers' web page (German): served by the API app, talking to the JSON endpoints.

One HTML shell for every page address (``/``, ``/kunden/{id}``, ``/kunden/{id}/vorschlag/{vacancy
id}``, ``/stellen/{id}`` (``?kunde={id}`` when opened from a claimant's list), ``/stellen/{id}/kandidaten``);
a small script (``static/app.js``, no build step, nothing from the internet) signs in with a token kept in
sessionStorage, calls the JSON API with it in the Authorization header, and builds the page from the
answers with DOM methods (never HTML from data). The shell and its files need no token: they hold no
data. The Content-Security-Policy allows scripts, styles and requests from this origin only.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from api.headers import SECURITY_HEADERS as HEADERS
from matcher.domain import RejectReason

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# The only files served from static/: a fixed list, so no request path can reach another file.
STATIC_FILES: dict[str, str] = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "print.css": "text/css; charset=utf-8",
}

# The Content-Security-Policy and the other security headers come from ``api.headers`` (every answer
# gets them); the shell is tiny, always fresh, so a new app.js never meets an old page.
SECURITY_HEADERS: dict[str, str] = {**HEADERS, "Cache-Control": "no-cache"}

# Ids in page addresses: the same alphabet the domain's ids use (matcher.domain.check_id), bounded.
PageId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


def reject_reason_options() -> str:
    """The rejection reasons as <option> elements, from the one enumeration the API validates
    against (``matcher.domain.RejectReason``, documented in OpenAPI): the page offers exactly the
    codes the API accepts, with their German texts."""
    return "".join(
        f'<option value="{html.escape(r.value)}">{html.escape(r.label)}</option>' for r in RejectReason
    )


def _shell() -> HTMLResponse:
    page = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    page = page.replace("<!-- reject-reasons -->", reject_reason_options(), 1)
    return HTMLResponse(page, headers=SECURITY_HEADERS)


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    """Sign-in and claimant search."""
    return _shell()


@router.get("/meine-kunden", response_class=HTMLResponse)
def caseload_page() -> HTMLResponse:
    """The signed-in case manager's claimants with the latest nightly lists (a team lead: the team's)."""
    return _shell()


@router.get("/kunden/{claimant_id}", response_class=HTMLResponse)
def claimant_page(claimant_id: PageId) -> HTMLResponse:
    """One claimant's suggestions (the script reads the id from the address)."""
    return _shell()


@router.get("/kunden/{claimant_id}/vorschlag/{vacancy_id}", response_class=HTMLResponse)
def proposal_page(claimant_id: PageId, vacancy_id: PageId) -> HTMLResponse:
    """The printable Vermittlungsvorschlag of one claimant and one vacancy."""
    return _shell()


@router.get("/stellen/{vacancy_id}", response_class=HTMLResponse)
def vacancy_page(vacancy_id: PageId) -> HTMLResponse:
    """One vacancy in full (and the commute from the claimant whose list it was opened from)."""
    return _shell()


@router.get("/stellen/{vacancy_id}/kandidaten", response_class=HTMLResponse)
def candidates_page(vacancy_id: PageId) -> HTMLResponse:
    """One vacancy's candidates."""
    return _shell()


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="Not Found")
    return FileResponse(STATIC / name, media_type=media_type, headers=SECURITY_HEADERS)
