"""Actions on a shown suggestion, and placement outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import GivesFeedback, RecordsOutcomes, UseCasesDep
from api.routes.common import AUTH_ERRORS, documented
from api.schemas import SUGGESTION_ID_PATTERN, FeedbackIn, FeedbackOut, OutcomeIn, OutcomeOut
from matcher.domain import FeedbackAction
from matcher.usecases.outcomes import OutcomeReport
from matcher.usecases.proposals import ActionRequest

router = APIRouter(tags=["feedback"], responses={**AUTH_ERRORS, **documented(404)})

SuggestionId = Annotated[str, Path(max_length=24, pattern=SUGGESTION_ID_PATTERN)]


@router.post(
    "/suggestions/{suggestion_id}/feedback", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED
)
def feedback(uc: UseCasesDep, p: GivesFeedback, suggestion_id: SuggestionId, body: FeedbackIn) -> FeedbackOut:
    """Record what became of a suggestion. "proposed" needs the confirming person (``confirmed_by``:
    you, or an active case manager or team lead of your Jobcenter), "rejected" a reason code. Each
    action is a new record."""
    request = ActionRequest(FeedbackAction(body.action), body.reason_code, body.confirmed_by)
    return FeedbackOut.of(uc.proposals.act(p, suggestion_id, request))


@router.post("/outcomes", response_model=OutcomeOut, status_code=status.HTTP_201_CREATED, tags=["outcomes"],
             responses=documented(409))  # fmt: skip
def record_outcome(uc: UseCasesDep, p: RecordsOutcomes, body: OutcomeIn) -> OutcomeOut:
    """Record a placement and what became of it, with snapshots of both records as they are now. An
    id already used for an outcome of the caller's Jobcenter replaces it; one of another Jobcenter is 409."""
    uc.outcomes.record(p, OutcomeReport(**body.model_dump()))
    return OutcomeOut(**body.model_dump())
