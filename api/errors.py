"""Domain errors translated at the edge: each to one status code with a clear ``detail``.

Unknown claimants and vacancies answer with a fixed text, never echoing why: a claimant of another
Jobcenter must be indistinguishable from a missing one. Validation errors name the field in
FastAPI's shape (``detail[].loc``), without echoing the submitted value (it may be personal data).

Anything else raised while answering is a 500 with a fixed text, logged by ``ContainErrors`` with
the exception's type and where it was raised, never its message: a pydantic error's message repeats
the values it refused (a response model refusing a stored employer name logged the name), and a
database error's its parameters. The exception goes no further, so the server does not log it
with its traceback either.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Forbidden, Unauthenticated
from matcher.errors import (
    BundleMismatch,
    Conflict,
    GeoError,
    PassgenauError,
    StoreUnavailable,
    UnknownClaimant,
    UnknownEmployer,
    UnknownSuggestion,
    UnknownVacancy,
    ValidationError,
)
from matcher.usecases.caseload import UnknownRun
from matcher.usecases.replay import ReplayError

log = logging.getLogger(__name__)

NOT_FOUND_CLAIMANT = "no such claimant"
NOT_FOUND_VACANCY = "no such vacancy"
NOT_FOUND_SUGGESTION = "no such suggestion"


def field_error(field: str, reason: str, where: str = "body") -> JSONResponse:
    return JSONResponse(
        status_code=422, content={"detail": [{"loc": [where, field], "msg": reason, "type": "value_error"}]}
    )


def _status(exc: PassgenauError) -> tuple[int, str]:
    if isinstance(exc, Unauthenticated):
        return 401, str(exc)
    if isinstance(exc, Forbidden):
        return 403, str(exc)
    if isinstance(exc, UnknownClaimant):
        return 404, NOT_FOUND_CLAIMANT
    if isinstance(exc, UnknownVacancy):
        return 404, NOT_FOUND_VACANCY
    if isinstance(exc, UnknownSuggestion):
        return 404, NOT_FOUND_SUGGESTION
    if isinstance(exc, UnknownEmployer):
        return 404, "no such employer"
    if isinstance(exc, UnknownRun):
        return 404, "no such nightly run"
    if isinstance(exc, Conflict):
        return 409, str(exc)
    if isinstance(exc, StoreUnavailable):
        return 503, f"store unavailable: {exc}"
    if isinstance(exc, BundleMismatch | ReplayError):
        return 503, f"model or index unavailable: {exc}"
    return 400, str(exc)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return field_error(exc.field, exc.reason)
    if isinstance(exc, GeoError):
        return field_error("postcode", str(exc))
    status, detail = _status(exc) if isinstance(exc, PassgenauError) else (500, "internal error")
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, detail)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


# A 422 names at most this many errors (a body of thousands of unknown keys would otherwise get an
# answer many times its own size), each part cut to a length that fits any field name or message.
MAX_ERRORS = 20
MAX_PART = 100


def _cut(value: object) -> object:
    return value[:MAX_PART] if isinstance(value, str) else value


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 shape without ``input`` or ``ctx`` (they repeat what was sent: maybe personal
    data), with at most MAX_ERRORS entries and a last one that counts the rest."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail: list[dict[str, object]] = [
        {
            "loc": [_cut(x) for x in e.get("loc", ())],
            "msg": _cut(str(e.get("msg", ""))),
            "type": _cut(str(e.get("type", ""))),
        }
        for e in errors[:MAX_ERRORS]
    ]
    if len(errors) > MAX_ERRORS:
        more = f"and {len(errors) - MAX_ERRORS} more errors"
        detail.append({"loc": ["body"], "msg": more, "type": "too_many_errors"})
    return JSONResponse(status_code=422, content={"detail": detail})


async def _http(request: Request, exc: Exception) -> Response:
    """FastAPI answers a body it cannot decode (not UTF-8) with a bare 400; that is a bad body like
    any other: 422 at ``body``. Every other HTTPException keeps FastAPI's answer."""
    if (
        isinstance(exc, StarletteHTTPException)
        and exc.status_code == 400
        and "parsing the body" in str(exc.detail)
    ):
        return JSONResponse(
            status_code=422,
            content={
                "detail": [{"loc": ["body"], "msg": "the body is not UTF-8 JSON", "type": "json_invalid"}]
            },
        )
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    return await http_exception_handler(request, exc)


def raised_at(exc: BaseException, frames: int = 3) -> str:
    """Where ``exc`` was raised: the innermost frames as ``file:line in function`` (code, no values)."""
    tb = traceback.extract_tb(exc.__traceback__)[-frames:]
    return " < ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(tb)) or "?"


class ContainErrors:
    """The app's outermost middleware: an exception no handler took becomes a 500 here, logged
    without its message (see the module docstring), and is not re-raised to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            # The path names pseudonymous ids at most; the query string (a search) is left out.
            log.error(
                "%s %s: 500, %s raised at %s",
                scope.get("method", "?"),
                scope.get("path", "?"),
                type(exc).__name__,
                raised_at(exc),
            )
            if not started:
                answer = JSONResponse(status_code=500, content={"detail": "internal error"})
                await answer(scope, receive, send)


def install(app: FastAPI) -> None:
    """The handlers, and ``ContainErrors`` outside every middleware added before this call."""
    app.add_exception_handler(PassgenauError, _domain)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(ContainErrors)
