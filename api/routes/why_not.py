""" "Warum nicht diese Stelle?" for a vacancy number or title, and the excluded counts of a claimant's
list expanded to the vacancies each hard filter excludes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import Matches, UseCasesDep
from api.routes.common import AUTH_ERRORS, ClaimantId, documented
from api.whynot_schemas import ExcludedOut, VacancyPairOut, WhyNotOut
from matcher.filters import FILTER_REASONS_DE

router = APIRouter(tags=["matching"], responses={**AUTH_ERRORS, **documented(404)})

FilterName = Literal["open", "commute", "hours", "shifts", "licence", "german", "health"]


@router.get("/claimants/{claimant_id}/why-not", response_model=WhyNotOut)
def why_not(
    uc: UseCasesDep,
    p: Matches,
    claimant_id: ClaimantId,
    q: Annotated[
        str, Query(min_length=2, max_length=100, description="A vacancy number, or part of a title.")
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> WhyNotOut:
    """The open vacancies with this number or with ``q`` in the title (case, umlauts and accents
    folded), each with the hard filters it fails for this claimant, in words with both values.
    Audit-logged as a read of the claimant."""
    total, rows = uc.pairs.why_not(p, claimant_id, q, limit=limit)
    return WhyNotOut(
        claimant_id=claimant_id, q=q, total=total, vacancies=[VacancyPairOut.of_pair(v, f) for v, f in rows]
    )


@router.get("/claimants/{claimant_id}/excluded", response_model=ExcludedOut)
def excluded(
    uc: UseCasesDep,
    p: Matches,
    claimant_id: ClaimantId,
    filter: Annotated[FilterName, Query(description="The hard filter whose exclusions are listed.")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExcludedOut:
    """The vacancies one hard filter excludes for this claimant (the list's ``excluded`` count,
    expanded), by vacancy id, each with every filter it fails. Audit-logged."""
    total, rows = uc.pairs.excluded(p, claimant_id, filter, limit=limit, offset=offset)
    return ExcludedOut(
        claimant_id=claimant_id,
        filter=filter,
        reason=FILTER_REASONS_DE[filter],
        total=total,
        offset=offset,
        vacancies=[VacancyPairOut.of_pair(v, f) for v, f in rows],
    )
