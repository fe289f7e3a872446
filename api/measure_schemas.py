"""Response bodies of the Förderempfehlung (``GET /claimants/{id}/measures``), built from the core's
``MeasureReport``; the German sentences are the core's, the page only renders them."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, Field

from matcher.measures import MeasureEstimate, MeasureReport, OpenedVacancy


class ChangeOut(BaseModel):
    field: str = Field(description="The record's field the measure changes (e.g. licences, german_level).")
    label: str = Field(description="The field's German name.")
    before: str = Field(description="Its value today, in words.")
    after: str = Field(description="Its value with the measure, in words.")


class OpenedOut(BaseModel):
    vacancy_id: str = Field(description="A vacancy the measure makes eligible.")
    title: str = Field(description="The vacancy's job title as the employer wrote it.")
    employer: str = Field(description="The employer's name.")
    municipality: str = Field(description="Where the work is (municipality).")
    permanent: bool = Field(description="Whether the contract is permanent (unbefristet).")
    collective_agreement: bool = Field(
        description="Whether the employer pays by a collective agreement (Tarif)."
    )
    rank: int | None = Field(
        description="Rank in the top list with the measure; null: not among the first k."
    )
    score: float | None = Field(description="Expected lasting placement of the pair, P(hire) × P(12 months).")
    reasons: list[str] = Field(description="Why the pair ranks where it does, in German (typed explanation).")

    @classmethod
    def of(cls, o: OpenedVacancy) -> OpenedOut:
        return cls(**{**asdict(o), "reasons": list(o.reasons)})


class MeasureOut(BaseModel):
    key: str = Field(description="The measure's key in the measures table (settings).")
    label: str = Field(description="The measure's German name.")
    instrument: str = Field(
        description="The funding instrument (e.g. Vermittlungsbudget, Bildungsgutschein)."
    )
    legal_basis: str = Field(description="Its legal basis (e.g. § 16 SGB II i. V. m. § 44 SGB III).")
    applies: bool = Field(description="False: the measure changes nothing in this record.")
    months: float = Field(description="Typical duration in months.")
    changes: list[ChangeOut] = Field(
        description="What the measure changes in the claimant's record (a copy; nothing is stored)."
    )
    newly_eligible: int = Field(
        description="Vacancies of the market sample that pass every filter only with it."
    )
    newly_permanent_collective: int = Field(
        description="Of the newly eligible vacancies, those permanent and with a collective agreement."
    )
    expected_before: float = Field(description="Expected lasting placements of the top list without it.")
    expected_after: float = Field(description="Expected lasting placements of the top list with the measure.")
    gain: float = Field(
        description="expected_after − expected_before: the model's estimate, not a causal promise."
    )
    gain_per_month: float = Field(description="gain divided by the measure's months.")
    offered: bool = Field(
        description="Whether the page recommends it (a material gain, among the best three)."
    )
    summary: str = Field(description="One German sentence with the figures.")
    opened: list[OpenedOut] = Field(description="The newly eligible vacancies, best first.")

    @classmethod
    def of(cls, e: MeasureEstimate) -> MeasureOut:
        d = asdict(e)
        d["changes"] = [ChangeOut(**asdict(c)) for c in e.changes]
        d["opened"] = [OpenedOut.of(o) for o in e.opened]
        return cls(**d)


class MeasuresOut(BaseModel):
    audit_id: int = Field(description="The audit entry of this read (Protokoll-Nr.).")
    claimant_id: str = Field(description="The claimant the estimate is for.")
    k: int = Field(description="Length of the top list compared (suggestions).")
    market_months: int = Field(description="The market sample: vacancies posted in this many months back.")
    market_vacancies: int = Field(description="Vacancies in the market sample.")
    eligible_before: int = Field(description="Vacancies of the sample eligible without any measure.")
    expected_before: float = Field(
        description="Expected lasting placements of the top list without any measure."
    )
    offered: list[str] = Field(description="Keys of the recommended measures, best first (at most three).")
    measures: list[MeasureOut] = Field(description="Every measure of the table: offered ones first, by gain.")
    notice: str = Field(description="The German notice that the figures are the model's estimate.")
    model_version: str = Field(description="The scoring model bundle the estimate used.")
    index_version: str = Field(description="The vacancy index version the estimate used.")
    embedder_id: str = Field(description="The embedding model id the estimate used.")

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
