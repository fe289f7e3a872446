"""Request dependencies: the runtime and use cases the lifespan built, and the caller behind the token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, Right, authenticate, hash_token_of
from api.body import PRINCIPAL_KEY
from api.runtime import Runtime
from matcher.bootstrap import UseCases


# The dependencies that only read the app's state or check a role are ``async def``: FastAPI runs a
# plain ``def`` dependency in its thread pool, one hand-over to a worker thread and back per
# dependency and request (wake-ups that cost more than the work, the more so on busy cores:
# bench/README.md, issue 15).
async def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def use_cases(request: Request) -> UseCases:
    uc: UseCases = request.app.state.use_cases
    return uc


bearer = HTTPBearer(auto_error=False, description="An API token from `passgenau users add`.")


async def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    known: Principal | None = getattr(request.state, PRINCIPAL_KEY, None)
    if known is not None:  # a request with a body: the body guard authenticated it already
        return known
    rt: Runtime = request.app.state.runtime
    header = f"Bearer {creds.credentials}" if creds is not None else None
    p = await caller_of(rt, header)
    setattr(request.state, PRINCIPAL_KEY, p)
    return p


async def caller_of(rt: Runtime, authorization: str | None) -> Principal:
    """The principal behind the header, after this process applied the change log (a revoked token
    is named there: the cached principals go). The usual request (nothing changed elsewhere, the
    token seen before) costs one indexed read and stays on the event loop; applying changes or
    reading a token row goes to the thread pool. The request is then marked caught up, so that
    its use case does not read the change log a second time."""
    if rt.changed_elsewhere():
        await run_in_threadpool(rt.catch_up)
    p = rt.principals.get(hash_token_of(authorization))
    if p is None:
        p = await run_in_threadpool(
            authenticate, rt.store, authorization, rt.settings.api.health_roles, rt.principals
        )
    rt.mark_caught_up()
    return p


RuntimeDep = Annotated[Runtime, Depends(runtime)]
UseCasesDep = Annotated[UseCases, Depends(use_cases)]
PrincipalDep = Annotated[Principal, Depends(principal)]


def allowed(right: Right) -> Any:
    """A dependency: the principal, if their role has ``right`` (checked before the body is read)."""

    async def check(p: PrincipalDep) -> Principal:
        p.require(right)
        return p

    return Depends(check)


# The caller, for endpoints that need one right each.
ReadsClaimants = Annotated[Principal, allowed(Right.READ_CLAIMANTS)]
WritesClaimants = Annotated[Principal, allowed(Right.WRITE_CLAIMANTS)]
ErasesClaimants = Annotated[Principal, allowed(Right.ERASE_CLAIMANTS)]
Matches = Annotated[Principal, allowed(Right.MATCH)]
GivesFeedback = Annotated[Principal, allowed(Right.FEEDBACK)]
ReadsVacancies = Annotated[Principal, allowed(Right.READ_VACANCIES)]
WritesVacancies = Annotated[Principal, allowed(Right.WRITE_VACANCIES)]
RecordsOutcomes = Annotated[Principal, allowed(Right.OUTCOMES)]
ReadsModels = Annotated[Principal, allowed(Right.READ_MODELS)]
