"""Claimants: search, read, create, update, erase, and their suggestions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.exceptions import RequestValidationError

from api.convert import claimant_draft, claimant_out, suggestions_out
from api.deps import ErasesClaimants, Matches, ReadsClaimants, RuntimeDep, UseCasesDep, WritesClaimants
from api.measure_schemas import MeasuresOut
from api.prepared import prepared_json
from api.routes.common import AUTH_ERRORS, ClaimantId, K, documented
from api.runtime import single_thread_faiss
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
from api.suggestions_json import recorded_suggestions_json
from matcher.domain import Contract
from matcher.errors import ValidationError
from matcher.list_filters import ListFilter

router = APIRouter(tags=["claimants"], responses=AUTH_ERRORS)

NEW_CLAIMANT = "K-NEW"  # the draft's id until the use case assigns one

Q = Annotated[
    str,
    Query(
        max_length=100,
        description=(
            "Prefix of the id, the postcode or the case manager's id, or part of the place or a desired "
            'occupation; case, umlauts and accents do not matter ("verkaeufer" finds "Verkäufer").'
        ),
    ),
]


@router.get("/claimants", response_model=ClaimantList)
def search_claimants(
    uc: UseCasesDep,
    p: ReadsClaimants,
    q: Q = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Matches skipped (paging).")] = 0,
) -> ClaimantList:
    """Claimants of the caller's Jobcenter (all Jobcenters for admin) matching ``q``: current cases
    first, then by id; ``total`` matches in all, ``limit`` of them from ``offset``."""
    total, rows = uc.claimants.search(p, q, limit, offset)
    return ClaimantList(total=total, offset=offset, claimants=[ClaimantSummary(**r) for r in rows])


@router.post("/claimants", response_model=ClaimantOut, status_code=status.HTTP_201_CREATED,
             response_model_exclude_unset=True, responses=documented(409))  # fmt: skip
def create_claimant(rt: RuntimeDep, uc: UseCasesDep, p: WritesClaimants, body: ClaimantCreate) -> ClaimantOut:
    """Store a new claimant; the answer carries the id. Case managers and team leads leave ``id`` out
    (the server assigns one); admin and batch may give the source system's id (409 if taken)."""
    draft = claimant_draft(body, body.id or NEW_CLAIMANT, rt.geo)
    c = uc.claimants.create(p, draft, body.jobcenter, chosen_id=body.id is not None)
    return claimant_out(c, with_health=p.sees_health)


@router.get("/claimants/{claimant_id}", response_model=ClaimantOut, response_model_exclude_unset=True,
            responses=documented(404))  # fmt: skip
def read_claimant(uc: UseCasesDep, p: ReadsClaimants, claimant_id: ClaimantId) -> ClaimantOut:
    """The claimant record; ``health_max_load`` only for roles that see health data."""
    return claimant_out(uc.claimants.read(p, claimant_id), with_health=p.sees_health)


@router.put("/claimants/{claimant_id}", response_model=ClaimantOut, response_model_exclude_unset=True,
            responses=documented(404))  # fmt: skip
def update_claimant(
    rt: RuntimeDep, uc: UseCasesDep, p: WritesClaimants, claimant_id: ClaimantId, body: ClaimantBody
) -> ClaimantOut:
    """Replace a claimant's record; a role that does not see health data keeps the stored value."""
    c = uc.claimants.replace(p, claimant_id, claimant_draft(body, claimant_id, rt.geo), body.jobcenter)
    return claimant_out(c, with_health=p.sees_health)


@router.delete("/claimants/{claimant_id}", response_model=Erased, responses=documented(404))
def erase_claimant(uc: UseCasesDep, p: ErasesClaimants, claimant_id: ClaimantId) -> Erased:
    """Erase a claimant: record, health and protected data, outcomes, proposals, shown suggestions and
    their actions, nightly lists, their embedding and their place in reverse matching. The audit log
    keeps that it happened."""
    r = uc.erasure.erase(p, claimant_id)
    return Erased(claimant_id=r.claimant_id, rows_deleted=r.rows_deleted,
                  embeddings_dropped=r.embeddings_dropped, audit_id=r.audit_id)  # fmt: skip


# The list controls (``matcher.list_filters``): they narrow the list, the order stays expected
# lasting placements.
ContractQ = Annotated[
    Literal["permanent", "fixed_term"] | None,
    Query(description="Only permanent (unbefristet) or only fixed-term (befristet) contracts."),
]
TempAgencyQ = Annotated[
    bool | None,
    Query(description="false: no temp agency (Zeitarbeit); true: only temp agencies."),
]
HoursQ = Annotated[
    float | None, Query(ge=0, le=80, description="Weekly hours of the vacancy, inclusive bound.")
]
MaxCommuteQ = Annotated[
    int | None,
    Query(ge=1, le=180, description="One-way minutes at most (the claimant's own limit still applies)."),
]


def list_filter(
    contract: str | None, temp_agency: bool | None, hours_min: float | None, hours_max: float | None,
    max_commute: int | None,
) -> ListFilter:  # fmt: skip
    try:
        return ListFilter(
            contract=Contract(contract) if contract else None,
            temp_agency=temp_agency,
            hours_min=hours_min,
            hours_max=hours_max,
            max_commute=None if max_commute is None else float(max_commute),
        )
    except ValidationError as err:  # a rule across two parameters: 422 naming the query field
        raise RequestValidationError(
            [{"loc": ("query", err.field), "msg": err.reason, "type": "value_error"}]
        ) from None


@router.get("/claimants/{claimant_id}/suggestions", response_model=Suggestions, responses=documented(404))
def suggestions(
    rt: RuntimeDep,
    uc: UseCasesDep,
    p: Matches,
    claimant_id: ClaimantId,
    k: K = None,
    contract: ContractQ = None,
    temp_agency: TempAgencyQ = None,
    hours_min: HoursQ = None,
    hours_max: HoursQ = None,
    max_commute: MaxCommuteQ = None,
) -> Response:
    """Ranked, explained vacancies for a claimant; the list is written to the audit log. The list
    controls leave vacancies out (``narrowed`` counts them per control); the order stays expected
    lasting placements."""
    narrow = list_filter(contract, temp_agency, hours_min, hours_max, max_commute)
    single_thread_faiss()
    out = uc.lookups.suggestions(p, claimant_id, k or rt.settings.api.default_k, narrow)
    return prepared_json(recorded_suggestions_json(out))


@router.get("/claimants/{claimant_id}/measures", response_model=MeasuresOut, responses=documented(404))
def measures(uc: UseCasesDep, p: Matches, claimant_id: ClaimantId) -> MeasuresOut:
    """Förderempfehlung: per measure (licence, German course, qualification, childcare, car, commute
    allowance) the vacancies it would make eligible and the expected lasting placements of the top
    list with and without it, on the vacancies of the last months; the model's estimate, not a
    promise. Written to the audit log."""
    single_thread_faiss()
    report, audit_id = uc.measures.for_claimant(p, claimant_id)
    return MeasuresOut.of(report, audit_id)


@router.post("/match", response_model=Suggestions, tags=["matching"])
def match_profile(rt: RuntimeDep, uc: UseCasesDep, p: Matches, body: AdHocMatch) -> Suggestions:
    """Suggestions for an ad-hoc profile; nothing of the profile is stored."""
    single_thread_faiss()
    draft = uc.claimants.adhoc_profile(
        p, claimant_draft(body.profile, body.profile.id, rt.geo), body.profile.jobcenter
    )
    result, audit_id = uc.lookups.adhoc(p, draft, body.k)
    return suggestions_out(result, audit_id)
