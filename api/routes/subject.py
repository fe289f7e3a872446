"""What a claimant is owed: the Art. 15 Auskunft (team leads) and the notice that goes with a
confirmed Vermittlungsvorschlag (case managers and team leads), as JSON or as a printable page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.auth import Principal, Right
from api.deps import GivesFeedback, UseCasesDep, allowed
from api.routes.common import AUTH_ERRORS, ClaimantId, documented
from api.schemas import SUGGESTION_ID_PATTERN
from matcher.printable.auskunft import render_auskunft
from matcher.printable.notice import notice_text, render_notices
from matcher.printable.page import content_security_policy
from matcher.usecases.notices import ClaimantNotice

router = APIRouter(tags=["data subject"], responses={**AUTH_ERRORS, **documented(404)})

AnswersSubjectAccess = Annotated[Principal, allowed(Right.SUBJECT_ACCESS)]
SuggestionId = Annotated[str, Path(max_length=24, pattern=SUGGESTION_ID_PATTERN)]
Format = Annotated[Literal["json", "html"], Query(description="`html`: a printable German page.")]


class NoticeOut(BaseModel):
    claimant_id: str = Field(description="The claimant the notice is for.")
    suggestion_id: str = Field(description="The proposed suggestion.")
    action_id: int = Field(description="Id of the confirmed proposal (the action).")
    vacancy_id: str = Field(description="The proposed vacancy.")
    title: str | None = Field(description="The vacancy's title; None: the vacancy is no longer stored.")
    confirmed_by: str = Field(description="The named person who confirmed the proposal.")
    recorded_by: str = Field(description="Who recorded it (the token's name).")
    proposed_at: datetime = Field(description="When the proposal was recorded (UTC).")
    model_version: str = Field(description="The scorer bundle the list was shown with.")
    explained_with: str | None = Field(
        description="The scorer bundle the reasons were computed with; None: the vacancy is gone."
    )
    reasons: list[str] = Field(description="Why the vacancy was suggested, in German.")
    cautions: list[str] = Field(description="What speaks against it, in German.")
    drivers: list[str] = Field(
        description="The model's main drivers, in German words with their values and units."
    )
    text: str = Field(
        description=(
            "The notice in plain German, as printed (AI-assisted, decided by a named person, how to object)."
        ),
    )

    @classmethod
    def of(cls, n: ClaimantNotice) -> NoticeOut:
        return cls(
            claimant_id=n.claimant_id, suggestion_id=n.suggestion_id, action_id=n.action_id,
            vacancy_id=n.vacancy_id, title=n.title, confirmed_by=n.confirmed_by, recorded_by=n.recorded_by,
            proposed_at=n.proposed_at, model_version=n.model_version, explained_with=n.explained_with,
            reasons=list(n.reasons),
            cautions=list(n.cautions), drivers=list(n.drivers), text=notice_text(n),
        )  # fmt: skip


class NoticesOut(BaseModel):
    notices: list[NoticeOut] = Field(description="One notice per confirmed proposal of the claimant.")


def page(html: str) -> HTMLResponse:
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": content_security_policy(), "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"},
    )  # fmt: skip


@router.get("/claimants/{claimant_id}/auskunft", response_model=None,
            responses={200: {"content": {"application/json": {}, "text/html": {}}}})  # fmt: skip
def auskunft(
    uc: UseCasesDep, p: AnswersSubjectAccess, claimant_id: ClaimantId, format: Format = "json"
) -> dict[str, Any] | Response:
    """Everything held about a claimant of your Jobcenter (GDPR Art. 15): record, household, health
    and protected attributes with their purpose, every list shown, every action and who took it,
    outcomes, nightly lists, audit entries. Team leads only; the read is audit-logged."""
    report = uc.auskunft.report(p, claimant_id)
    return page(render_auskunft(report)) if format == "html" else report.to_json()


@router.get("/suggestions/{suggestion_id}/notice", response_model=NoticeOut,
            responses={200: {"content": {"text/html": {}}}})  # fmt: skip
def notice(
    uc: UseCasesDep, p: GivesFeedback, suggestion_id: SuggestionId, format: Format = "json"
) -> NoticeOut | Response:
    """The claimant notice of the suggestion's latest confirmed proposal: a software suggested it, a
    named person decided, the main reasons, how to object. 404 if it was never proposed."""
    n = uc.notices.for_suggestion(p, suggestion_id)
    return page(render_notices([n])) if format == "html" else NoticeOut.of(n)


@router.get("/claimants/{claimant_id}/notices", response_model=NoticesOut,
            responses={200: {"content": {"text/html": {}}}})  # fmt: skip
def notices(
    uc: UseCasesDep, p: GivesFeedback, claimant_id: ClaimantId, format: Format = "json"
) -> NoticesOut | Response:
    """One notice per confirmed proposal of a claimant of your Jobcenter, oldest first."""
    ns = uc.notices.for_claimant(p, claimant_id)
    return page(render_notices(ns)) if format == "html" else NoticesOut(notices=[NoticeOut.of(n) for n in ns])
