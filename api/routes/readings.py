"""How a claimant's wishes were read as German occupations, and a case manager's correction (issue 22)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.auth import Principal, Right
from api.deps import ReadsClaimants, UseCasesDep, WritesClaimants
from api.reading_schemas import (
    OccupationList,
    OccupationOut,
    ReadingCorrection,
    WishReadingOut,
    WishReadings,
)
from api.routes.common import AUTH_ERRORS, ClaimantId, documented
from matcher.readings import WishReading

router = APIRouter(tags=["claimants"], responses=AUTH_ERRORS)

WishIndex = Annotated[int, Path(ge=0, le=99, description="Position of the wish in `desired_occupations`.")]


def _out(claimant_id: str, readings: list[WishReading]) -> WishReadings:
    return WishReadings(claimant_id=claimant_id, readings=[WishReadingOut.of(w) for w in readings])


def _corrector(p: Principal) -> Principal:
    # A correction judges what the page shows: a role that writes claimants blind (batch) may not.
    p.require(Right.READ_CLAIMANTS)
    return p


@router.get("/claimants/{claimant_id}/readings", response_model=WishReadings, responses=documented(404))
def read_readings(uc: UseCasesDep, p: ReadsClaimants, claimant_id: ClaimantId) -> WishReadings:
    """Each desired occupation in the claimant's own words with the German occupation (KldB code) it
    was read as, the case manager's correction if any, and the nearest alternatives. Audited."""
    return _out(claimant_id, uc.readings.read(p, claimant_id))


@router.put(
    "/claimants/{claimant_id}/readings/{index}", response_model=WishReadings, responses=documented(404)
)
def correct_reading(
    uc: UseCasesDep, p: WritesClaimants, claimant_id: ClaimantId, index: WishIndex, body: ReadingCorrection
) -> WishReadings:
    """Read wish ``index`` as ``kldb`` from now on (422 naming `kldb` for a code outside the taxonomy
    in use); matching uses it at once. Audited."""
    return _out(claimant_id, uc.readings.correct(_corrector(p), claimant_id, index, body.kldb))


@router.delete(
    "/claimants/{claimant_id}/readings/{index}", response_model=WishReadings, responses=documented(404)
)
def reset_reading(
    uc: UseCasesDep, p: WritesClaimants, claimant_id: ClaimantId, index: WishIndex
) -> WishReadings:
    """Remove the correction of wish ``index``: the model's reading is used again. Audited."""
    return _out(claimant_id, uc.readings.reset(_corrector(p), claimant_id, index))


@router.get("/occupations", response_model=OccupationList, tags=["occupations"])
def search_occupations(
    uc: UseCasesDep,
    p: ReadsClaimants,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Start of a code or part of a title.")],
) -> OccupationList:
    """Occupations of the taxonomy matching uses, by code prefix or part of a title (case, umlauts
    and accents do not matter): the search field of a correction."""
    del p  # the right is the check; the taxonomy is no personal data
    return OccupationList(occupations=[OccupationOut(kldb=k, title=t) for k, t in uc.readings.search(q)])
