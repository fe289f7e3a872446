"""What the routes share: the documented error statuses, path and query parameter types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.schemas import ID_PATTERN, ErrorBody

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
