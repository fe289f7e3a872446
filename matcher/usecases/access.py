"""Who may see which record: the one rule every use case applies before it reads or writes.

A record of another Jobcenter answers exactly like a missing one (same error, same message), so a
caller can never learn that an id exists elsewhere.
"""

from __future__ import annotations

from typing import Any, NoReturn

from matcher.domain import Claimant
from matcher.errors import UnknownClaimant, ValidationError
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository

NO_SUCH_CLAIMANT = "no such claimant"


def visible_claimant(
    claimants: ClaimantRepository, caller: Caller, claimant_id: str, *, with_health: bool, log: AuditLog
) -> Claimant:
    """The claimant if the caller may see them, else UnknownClaimant (as for a missing id); an
    attempt on another Jobcenter's claimant is audited (``denied``)."""
    c = claimant_if_visible(claimants, caller, claimant_id, with_health=with_health)
    if c is None:
        refuse_claimant(log, caller, claimant_id)
    return c


def claimant_if_visible(
    claimants: ClaimantRepository, caller: Caller, claimant_id: str, *, with_health: bool
) -> Claimant | None:
    """The claimant if the caller may see them, None for another Jobcenter's (the caller must then
    ``refuse_claimant``), UnknownClaimant for a missing id. Writes nothing, so that it can run
    inside a read transaction; the refusal's audit entry is written after it."""
    try:
        c = claimants.get_claimant(claimant_id, with_health=with_health)
    except UnknownClaimant:
        raise UnknownClaimant(NO_SUCH_CLAIMANT) from None
    return c if caller.may_see(c.jobcenter) else None


def refuse_claimant(log: AuditLog, caller: Caller, claimant_id: str) -> NoReturn:
    """Audit the attempt on another Jobcenter's claimant and answer as for a missing one."""
    denied(log, caller, "claimant", claimant_id=claimant_id)
    raise UnknownClaimant(NO_SUCH_CLAIMANT)


def denied(log: AuditLog, caller: Caller, kind: str, *, claimant_id: str | None = None, **asked: str) -> int:
    """An audit entry for a refused attempt on another Jobcenter's record: who asked for what, in
    the caller's own terms (the id they sent), nothing of the record or its Jobcenter. A claimant's
    id is kept as ``claimant_id``, so that an erasure redacts the entry like any other about them."""
    return audit(log, caller, "access.denied", claimant_id=claimant_id, payload={"record": kind, **asked})


def own_jobcenter(caller: Caller, given: str | None, stored: str | None = None) -> str:
    """The Jobcenter a record is written for: the caller's own for scoped roles, else as given (or
    as stored)."""
    if caller.scope is not None:
        if given is not None and given != caller.scope:
            raise ValidationError("jobcenter", "you may only record claimants of your own Jobcenter")
        return caller.scope
    jobcenter = given or stored
    if jobcenter is None:
        raise ValidationError("jobcenter", "is required")
    return jobcenter


def check_health_write(caller: Caller, claimant: Claimant) -> None:
    """A role that may not read health data may not record it either."""
    if claimant.health_max_load is not None and not caller.sees_health:
        raise ValidationError("health_max_load", f"role {caller.role_name} may not record health data")


def audit(
    log: AuditLog,
    caller: Caller,
    action: str,
    *,
    claimant_id: str | None = None,
    payload: dict[str, Any] | None = None,
    versions: tuple[str, str] | None = None,
) -> int:
    """One audit entry for an action (``versions``: the model and index versions it ran on)."""
    return log.add_audit(
        who=caller.name,
        action=action,
        claimant_id=claimant_id,
        model_version=versions[0] if versions else None,
        index_version=versions[1] if versions else None,
        payload={"role": caller.role_name, **(payload or {})},
    )
