"""Claimants: search, read, create, update, erase, and their suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.audit import lookup_payload, shown_items
from api.auth import Principal
from api.convert import claimant_out, claimant_record, list_head, match_item
from api.deps import ErasesClaimants, Matches, ReadsClaimants, RuntimeDep, WritesClaimants
from api.errors import Conflict
from api.routes.common import AUTH_ERRORS, ClaimantId, K, audit, documented, visible_claimant
from api.runtime import Runtime, single_thread_faiss
from api.schemas import (
    AdHocMatch,
    ClaimantBody,
    ClaimantCreate,
    ClaimantList,
    ClaimantOut,
    ClaimantSummary,
    Erased,
    Suggestions,
)
from matcher.domain import Claimant
from matcher.errors import UnknownClaimant, ValidationError
from matcher.nightly.erasure import erase_from_runs
from models.encoding import claimant_key

router = APIRouter(tags=["claimants"], responses=AUTH_ERRORS)


def _jobcenter(p: Principal, given: str | None, stored: str | None = None) -> str:
    """The claimant's Jobcenter: the caller's own for scoped roles, else as given (or as stored)."""
    if p.scope is not None:
        if given is not None and given != p.scope:
            raise ValidationError("jobcenter", "you may only record claimants of your own Jobcenter")
        return p.scope
    jobcenter = given or stored
    if jobcenter is None:
        raise ValidationError("jobcenter", "is required")
    return jobcenter


def _check_health(p: Principal, body: ClaimantBody) -> None:
    if body.health_max_load is not None and not p.sees_health:
        raise ValidationError("health_max_load", f"role {p.role.value} may not record health data")


def _save(rt: Runtime, c: Claimant) -> None:
    rt.store.upsert_claimants([(c, None)])
    rt.claimant_changed(c, c.id)


@router.get("/claimants", response_model=ClaimantList)
def search_claimants(
    rt: RuntimeDep,
    p: ReadsClaimants,
    q: Annotated[str, Query(max_length=100, description="Id prefix or part of a desired occupation.")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClaimantList:
    """Claimants of the caller's Jobcenter (all Jobcenters for admin) matching ``q``."""
    rows = rt.store.search_claimants(p.scope, q.strip(), limit)
    audit(rt, p, "claimants.search", payload={"ids": [r["id"] for r in rows]})
    return ClaimantList(claimants=[ClaimantSummary(**r) for r in rows])


@router.post("/claimants", response_model=ClaimantOut, status_code=status.HTTP_201_CREATED,
             response_model_exclude_unset=True, responses=documented(409))  # fmt: skip
def create_claimant(rt: RuntimeDep, p: WritesClaimants, body: ClaimantCreate) -> ClaimantOut:
    _check_health(p, body)
    c = claimant_record(body, body.id, _jobcenter(p, body.jobcenter), rt.geo)
    try:
        rt.store.get_claimant(c.id, with_health=False)
    except UnknownClaimant:
        pass
    else:
        raise Conflict("this claimant id is already in use")
    _save(rt, c)
    audit(rt, p, "claimant.create", claimant_id=c.id)
    return claimant_out(c, with_health=p.sees_health)


@router.get(
    "/claimants/{claimant_id}",
    response_model=ClaimantOut,
    response_model_exclude_unset=True,
    responses=documented(404),
)
def read_claimant(rt: RuntimeDep, p: ReadsClaimants, claimant_id: ClaimantId) -> ClaimantOut:
    """The claimant record; ``health_max_load`` only for roles that see health data."""
    c = visible_claimant(rt, p, claimant_id, with_health=p.sees_health)
    audit(rt, p, "claimant.read", claimant_id=c.id, payload={"health": p.sees_health})
    return claimant_out(c, with_health=p.sees_health)


@router.put(
    "/claimants/{claimant_id}",
    response_model=ClaimantOut,
    response_model_exclude_unset=True,
    responses=documented(404),
)
def update_claimant(
    rt: RuntimeDep, p: WritesClaimants, claimant_id: ClaimantId, body: ClaimantBody
) -> ClaimantOut:
    """Replace a claimant's record; a role that does not see health data keeps the stored value."""
    old = visible_claimant(rt, p, claimant_id, with_health=True)
    _check_health(p, body)
    if not p.sees_health:
        body = body.model_copy(
            update={"health_max_load": None if old.health_max_load is None else int(old.health_max_load)}
        )
    c = claimant_record(body, claimant_id, _jobcenter(p, body.jobcenter, old.jobcenter), rt.geo)
    _save(rt, c)
    if claimant_key(old) != claimant_key(c):
        # The earlier profile's vector goes now: an erasure later finds only the current one.
        rt.encoder.compact({claimant_key(old)})
    audit(rt, p, "claimant.update", claimant_id=c.id)
    return claimant_out(c, with_health=p.sees_health)


@router.delete("/claimants/{claimant_id}", response_model=Erased, responses=documented(404))
def erase_claimant(rt: RuntimeDep, p: ErasesClaimants, claimant_id: ClaimantId) -> Erased:
    """Erase a claimant: record, health and protected data, outcomes, proposals, feedback, nightly
    lists, their embedding and their place in reverse matching. The audit log keeps that it happened."""
    c = visible_claimant(rt, p, claimant_id, with_health=True)
    counts = rt.store.delete_claimant(c.id)
    rt.claimant_changed(None, c.id)
    dropped = rt.encoder.compact({claimant_key(c)})
    # The nightly runs' files (lists, plans) name them too; rewritten from the remaining rows.
    settings = rt.settings
    runs = erase_from_runs(rt.store, settings.nightly.out_dir or settings.data_dir / "nightly", c.id)
    payload = {"rows_deleted": counts, "embeddings_dropped": dropped, "nightly_runs_rewritten": len(runs)}
    audit_id = audit(rt, p, "claimant.erase", claimant_id=c.id, payload=payload)
    return Erased(claimant_id=c.id, rows_deleted=counts, embeddings_dropped=dropped, audit_id=audit_id)


@router.get("/claimants/{claimant_id}/suggestions", response_model=Suggestions, responses=documented(404))
def suggestions(rt: RuntimeDep, p: Matches, claimant_id: ClaimantId, k: K = None) -> Suggestions:
    """Ranked, explained vacancies for a claimant; the list is written to the audit log."""
    kk = k or rt.settings.api.default_k
    # Health restrictions take part in the filters even where the role may not read them.
    c = visible_claimant(rt, p, claimant_id, with_health=True)
    single_thread_faiss()
    svc = rt.service
    result = svc.suggest_for(c, kk)
    audit_id, _ = rt.store.add_lookup(
        who=p.name,
        action="suggestions",
        claimant_id=c.id,
        model_version=result.model_version,
        index_version=result.index_version,
        payload=lookup_payload(svc, result, k=kk, claimant=c),
        shown=shown_items(result, jobcenter=c.jobcenter),
    )
    return Suggestions(
        claimant_id=c.id,
        suggestions=[match_item(m, audit_id) for m in result.items],
        **list_head(result, audit_id),
    )


@router.post("/match", response_model=Suggestions, tags=["matching"])
def match_profile(rt: RuntimeDep, p: Matches, body: AdHocMatch) -> Suggestions:
    """Suggestions for an ad-hoc profile; nothing of the profile is stored."""
    _check_health(p, body.profile)
    c = claimant_record(body.profile, body.profile.id, _jobcenter(p, body.profile.jobcenter), rt.geo)
    single_thread_faiss()
    svc = rt.service
    result = svc.suggest_for(c, body.k)
    payload = {"k": body.k, "as_of": svc.today.isoformat(), "items": [
        {"rank": m.rank, "vacancy_id": m.vacancy_id, "score": m.score} for m in result.items
    ]}  # fmt: skip
    audit_id = rt.store.add_audit(
        who=p.name,
        action="match.adhoc",
        model_version=result.model_version,
        index_version=result.index_version,
        payload=payload,
    )
    return Suggestions(
        claimant_id=c.id,
        suggestions=[match_item(m, audit_id) for m in result.items],
        **list_head(result, audit_id),
    )
