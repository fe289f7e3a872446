"""Helpers the routes share: visible claimants, audit rows, path and query parameter types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.auth import Principal
from api.runtime import Runtime
from api.schemas import ID_PATTERN, ErrorBody
from matcher.domain import Claimant
from matcher.errors import UnknownClaimant

_WHY = {
    401: "No token, an unknown or a revoked one.",
    403: "The token's role lacks the right.",
    404: "No such record, or one of another Jobcenter (the same answer).",
    409: "The id is already in use.",
    413: "The request body is too large.",
    503: "The database (or the model or index) is unavailable; the reason is in `detail`.",
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route answers with."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


# Every route behind a token can answer these.
AUTH_ERRORS = documented(401, 403, 413, 503)

ClaimantId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
VacancyId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
K = Annotated[int | None, Query(ge=1, le=100, description="How many results (default: api.default_k).")]


def visible_claimant(rt: Runtime, p: Principal, claimant_id: str, *, with_health: bool) -> Claimant:
    """The claimant if the caller may see them; another Jobcenter's claimant is UnknownClaimant,
    raised with the same message as for a missing one."""
    try:
        c = rt.store.get_claimant(claimant_id, with_health=with_health)
    except UnknownClaimant:
        raise UnknownClaimant("no such claimant") from None
    if not p.may_see(c.jobcenter):
        raise UnknownClaimant("no such claimant")
    return c


def audit(
    rt: Runtime,
    p: Principal,
    action: str,
    *,
    claimant_id: str | None = None,
    payload: dict[str, Any] | None = None,
    versions: bool = False,
) -> int:
    svc = rt.service
    return rt.store.add_audit(
        who=p.name,
        action=action,
        claimant_id=claimant_id,
        model_version=svc.scorer.model_version if versions else None,
        index_version=svc.index.version if versions else None,
        payload={"role": p.role.value, **(payload or {})},
    )
