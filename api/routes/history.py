"""The proposal history of a claimant and of a vacancy (every action on their suggestions, oldest
first), and one claimant–vacancy pair for the vacancy page and the printed proposal."""

from __future__ import annotations

from fastapi import APIRouter

from api.case_schemas import HistoryEntry, PairOut, ProposalHistoryOut
from api.deps import GivesFeedback, Matches, UseCasesDep
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


@router.get("/claimants/{claimant_id}/vacancies/{vacancy_id}", response_model=PairOut, tags=["matching"])
def pair(uc: UseCasesDep, p: Matches, claimant_id: ClaimantId, vacancy_id: VacancyId) -> PairOut:
    """The commute from this claimant to this vacancy (by the claimant's mode, against their limit)
    and the hard filters the pair fails. 404 for a vacancy that is not open (not in the index).
    Audit-logged as a read of the claimant."""
    return PairOut.of(uc.pairs.facts(p, claimant_id, vacancy_id))
