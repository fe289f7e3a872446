"""Feedback on a shown suggestion, and placement outcomes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, status

from api.audit import LOOKUP_ACTIONS
from api.auth import Principal
from api.deps import GivesFeedback, RecordsOutcomes, RuntimeDep
from api.errors import Conflict, UnknownSuggestion
from api.routes.common import AUTH_ERRORS, audit, documented, visible_claimant
from api.runtime import Runtime
from api.schemas import SUGGESTION_ID_PATTERN, FeedbackIn, FeedbackOut, OutcomeIn, OutcomeOut
from matcher.domain import FeedbackAction, Outcome, to_dict
from matcher.errors import UnknownClaimant, UnknownVacancy
from matcher.records import SuggestionAction

router = APIRouter(tags=["feedback"], responses={**AUTH_ERRORS, **documented(404)})

SuggestionId = Annotated[str, Path(max_length=24, pattern=SUGGESTION_ID_PATTERN)]


def _shown(rt: Runtime, p: Principal, suggestion_id: str) -> tuple[str, str, str]:
    """(claimant id, vacancy id, model version) of a suggestion the caller may act on."""
    m = re.fullmatch(r"(\d+)-(\d+)", suggestion_id)
    if m is None:
        raise UnknownSuggestion(suggestion_id)
    entry = rt.store.get_audit(int(m.group(1)))
    rank = int(m.group(2))
    if entry is None or entry.action not in LOOKUP_ACTIONS or not entry.model_version:
        raise UnknownSuggestion(suggestion_id)
    items = [i for i in entry.payload.get("items", []) if i.get("rank") == rank]
    if not items:
        raise UnknownSuggestion(suggestion_id)
    try:
        c = visible_claimant(rt, p, items[0]["claimant_id"], with_health=False)
    except UnknownClaimant:
        raise UnknownSuggestion(suggestion_id) from None
    return c.id, items[0]["vacancy_id"], entry.model_version


@router.post(
    "/suggestions/{suggestion_id}/feedback", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED
)
def feedback(rt: RuntimeDep, p: GivesFeedback, suggestion_id: SuggestionId, body: FeedbackIn) -> FeedbackOut:
    """Record what became of a suggestion. "proposed" needs the confirming case manager
    (``confirmed_by``), "rejected" a reason code."""
    claimant_id, vacancy_id, model_version = _shown(rt, p, suggestion_id)
    item = rt.store.add_action(
        SuggestionAction(
            id=None,
            suggestion_id=suggestion_id,
            claimant_id=claimant_id,
            vacancy_id=vacancy_id,
            action=FeedbackAction(body.action),
            user=p.name,
            at=datetime.now(UTC),
            model_version=model_version,
            reason_code=body.reason_code,
            confirmed_by=body.confirmed_by.strip() if body.confirmed_by else None,
        )
    )
    audit(
        rt,
        p,
        "feedback",
        claimant_id=claimant_id,
        payload={"suggestion_id": suggestion_id, "action": body.action},
    )
    return FeedbackOut(
        feedback_id=f"fb-{suggestion_id}-{body.action}",
        suggestion_id=suggestion_id,
        claimant_id=claimant_id,
        vacancy_id=vacancy_id,
        action=item.action.value,
        reason_code=item.reason_code,
        confirmed_by=item.confirmed_by,
        user=item.user,
        at=item.at,
        model_version=model_version,
    )


@router.post("/outcomes", response_model=OutcomeOut, status_code=status.HTTP_201_CREATED, tags=["outcomes"],
             responses=documented(409))  # fmt: skip
def record_outcome(rt: RuntimeDep, p: RecordsOutcomes, body: OutcomeIn) -> OutcomeOut:
    """Record a placement and what became of it, with snapshots of both records as they are now. An
    id already used for an outcome of the caller's Jobcenter replaces it; one of another Jobcenter is 409."""
    c = visible_claimant(rt, p, body.claimant_id, with_health=True)
    owner = rt.store.outcome_jobcenter(body.id)
    if owner is not None and not p.may_see(owner):
        # Another Jobcenter's outcome is never replaced; the id is simply not free.
        raise Conflict("this outcome id is already in use")
    try:
        v = rt.store.get_vacancy(body.vacancy_id)
    except UnknownVacancy:
        raise UnknownVacancy("no such vacancy") from None
    o = Outcome(
        id=body.id,
        claimant_id=c.id,
        vacancy_id=v.id,
        start=body.start,
        end=body.end,
        employed_12m=body.employed_12m,
        benefits_12m=body.benefits_12m,
        claimant_snapshot=to_dict(c),
        vacancy_snapshot=to_dict(v),
    )
    rt.store.upsert_outcomes([o])
    audit(rt, p, "outcome", claimant_id=c.id, payload={"outcome_id": o.id, "vacancy_id": v.id})
    return OutcomeOut(**body.model_dump())
