"""Request dependencies: the runtime the lifespan built, and the caller behind the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal, authenticate
from api.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


bearer = HTTPBearer(auto_error=False, description="An API token from `passgenau users add`.")


def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    rt = runtime(request)
    header = f"Bearer {creds.credentials}" if creds is not None else None
    p = authenticate(rt.store, header, rt.settings.api.health_roles)
    request.state.principal = p
    return p


RuntimeDep = Annotated[Runtime, Depends(runtime)]
PrincipalDep = Annotated[Principal, Depends(principal)]
