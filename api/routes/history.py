"""The proposal history of a claimant and of a vacancy: every action on their suggestions, oldest first."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import GivesFeedback, UseCasesDep
from api.history_schemas import HistoryEntry, ProposalHistoryOut
from api.routes.common import AUTH_ERRORS, ClaimantId, VacancyId, documented

router = APIRouter(tags=["feedback"], responses={**AUTH_ERRORS, **documented(404)})


@router.get("/claimants/{claimant_id}/proposals", response_model=ProposalHistoryOut)
def claimant_proposals(uc: UseCasesDep, p: GivesFeedback, claimant_id: ClaimantId) -> ProposalHistoryOut:
    """What was done with this claimant's suggestions (proposed, rejected with a reason, applied,
    hired): date, user and confirming person; a second action is a second entry. Audit-logged."""
    lines = uc.history.of_claimant(p, claimant_id)
    return ProposalHistoryOut(claimant_id=claimant_id, entries=[HistoryEntry.of(x) for x in lines])


@router.get("/vacancies/{vacancy_id}/proposals", response_model=ProposalHistoryOut)
def vacancy_proposals(uc: UseCasesDep, p: GivesFeedback, vacancy_id: VacancyId) -> ProposalHistoryOut:
    """What was done with this vacancy for the claimants of the caller's Jobcenter. Audit-logged."""
    lines = uc.history.of_vacancy(p, vacancy_id)
    return ProposalHistoryOut(vacancy_id=vacancy_id, entries=[HistoryEntry.of(x) for x in lines])
