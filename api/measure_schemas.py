"""Response bodies of the Förderempfehlung (``GET /claimants/{id}/measures``), built from the core's
``MeasureReport``; the German sentences are the core's, the page only renders them."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from matcher.measures import MeasureEstimate, MeasureReport, OpenedVacancy


class ChangeOut(BaseModel):
    field: str
    label: str
    before: str
    after: str


class OpenedOut(BaseModel):
    vacancy_id: str
    title: str
    employer: str
    municipality: str
    permanent: bool
    collective_agreement: bool
    rank: int | None = Field(
        description="Rank in the top list with the measure; null: not among the first k."
    )
    score: float | None = Field(description="Expected lasting placement of the pair, P(hire) × P(12 months).")
    reasons: list[str]

    @classmethod
    def of(cls, o: OpenedVacancy) -> OpenedOut:
        return cls(**{**asdict(o), "reasons": list(o.reasons)})


class MeasureOut(BaseModel):
    key: str
    label: str
    instrument: str
    legal_basis: str
    applies: bool = Field(description="False: the measure changes nothing in this record.")
    months: float = Field(description="Typical duration in months.")
    changes: list[ChangeOut]
    newly_eligible: int = Field(
        description="Vacancies of the market sample that pass every filter only with it."
    )
    newly_permanent_collective: int
    expected_before: float = Field(description="Expected lasting placements of the top list without it.")
    expected_after: float
    gain: float
    gain_per_month: float
    offered: bool
    summary: str
    opened: list[OpenedOut]

    @classmethod
    def of(cls, e: MeasureEstimate) -> MeasureOut:
        d = asdict(e)
        d["changes"] = [ChangeOut(**asdict(c)) for c in e.changes]
        d["opened"] = [OpenedOut.of(o) for o in e.opened]
        return cls(**d)


class MeasuresOut(BaseModel):
    audit_id: int
    claimant_id: str
    k: int
    market_months: int
    market_vacancies: int
    eligible_before: int
    expected_before: float
    offered: list[str] = Field(description="Keys of the recommended measures, best first (at most three).")
    measures: list[MeasureOut] = Field(description="Every measure of the table: offered ones first, by gain.")
    notice: str
    model_version: str
    index_version: str
    embedder_id: str

    @classmethod
    def of(cls, r: MeasureReport, audit_id: int) -> MeasuresOut:
        return cls(
            audit_id=audit_id,
            claimant_id=r.claimant_id,
            k=r.k,
            market_months=r.market_months,
            market_vacancies=r.market_vacancies,
            eligible_before=r.eligible_before,
            expected_before=r.expected_before,
            offered=[e.key for e in r.offered],
            measures=[MeasureOut.of(e) for e in r.estimates],
            notice=r.notice,
            model_version=r.model_version,
            index_version=r.index_version,
            embedder_id=r.embedder_id,
        )
