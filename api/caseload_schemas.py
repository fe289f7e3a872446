"""Response bodies of the caseload ("Meine Kunden", ``GET /caseload``) and of the nightly runs
(``GET /nightly/runs``, ``GET /nightly/runs/{run_id}``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from matcher.records import NightlyRow, SuggestionAction
from matcher.usecases.caseload import Caseload, CaseloadClaimant, ListEntry, RunInfo, RunList


class RunOut(BaseModel):
    """A complete nightly run (``passgenau nightly``)."""

    run_id: str = Field(description="The run's id, as `passgenau nightly` printed it.")
    day: date | None = Field(description="The day the run judged vacancies on (open, not expired).")
    started: datetime = Field(description="When the run started (UTC).")
    finished: datetime | None = Field(description="When it completed (UTC).")
    versions: dict[str, str] = Field(description="The embedder, index and model versions it ran on.")

    @classmethod
    def of(cls, r: RunInfo) -> RunOut:
        return cls(run_id=r.run_id, day=r.day, started=r.started, finished=r.finished, versions=r.versions)


class RunSummaryOut(RunOut):
    entries: int = Field(description="List entries of this run for the caller's caseload.")


class RunsOut(BaseModel):
    runs: list[RunSummaryOut] = Field(description="Newest first.")


class NightlyEntryOut(BaseModel):
    """One suggestion of a claimant's nightly list."""

    claimant_id: str = Field(description="The claimant (pseudonymous id) the entry is for.")
    rank: int = Field(description="1 = first in the claimant's list.")
    vacancy_id: str = Field(description="The suggested vacancy.")
    title: str = Field(description="The vacancy's job title as the employer wrote it.")
    employer: str = Field(description="The employer's name.")
    municipality: str = Field(description="Where the work is (municipality).")
    score: float = Field(description="Expected lasting placements per proposal: P(hire) × P(12 months), 0-1.")
    p_match: float | None = Field(description="Chance auf Einstellung, 0-1.")
    p_sustain: float | None = Field(description="Chance, dass sie 12 Monate hält, 0-1.")
    commute_minutes: float | None = Field(description="One way, minutes.")
    hours_per_week: float | None = Field(description="The vacancy's hours a week.")
    reasons: list[str] = Field(description="The list's reasons in German.")
    new: bool | None = Field(
        default=None, description="In the caseload: not in the previous run's list of this claimant."
    )

    @classmethod
    def of(cls, r: NightlyRow, new: bool | None = None) -> NightlyEntryOut:
        p: dict[str, Any] = r.payload
        return cls(
            claimant_id=r.claimant_id,
            rank=r.rank,
            vacancy_id=r.vacancy_id,
            title=str(p.get("title", "")),
            employer=str(p.get("employer", "")),
            municipality=str(p.get("municipality", "")),
            score=round(r.score, 4),
            p_match=p.get("p_match"),
            p_sustain=p.get("p_sustain"),
            commute_minutes=p.get("commute_minutes"),
            hours_per_week=p.get("hours_per_week"),
            reasons=[str(x) for x in (p.get("details") or {}).get("reasons", [])],
            new=new,
        )

    @classmethod
    def entry(cls, e: ListEntry) -> NightlyEntryOut:
        return cls.of(e.row, e.new)


class RunListOut(BaseModel):
    run: RunOut = Field(description="The run the entries are of.")
    case_managers: list[str] = Field(description="Whose caseloads the rows are of.")
    entries: list[NightlyEntryOut] = Field(description="By claimant, then rank.")

    @classmethod
    def of(cls, r: RunList) -> RunListOut:
        return cls(
            run=RunOut.of(r.run),
            case_managers=list(r.case_managers),
            entries=[NightlyEntryOut.of(x) for x in r.rows],
        )


class OpenProposalOut(BaseModel):
    """A proposal still open: its vacancy's latest action is "proposed" or "applied"."""

    suggestion_id: str = Field(description="The stable id of the list entry the proposal refers to.")
    vacancy_id: str = Field(description="The proposed vacancy.")
    action: str = Field(description="proposed (vorgeschlagen) or applied (beworben)")
    user: str = Field(description="Who recorded it (user name).")
    confirmed_by: str | None = Field(description="The person who confirmed the proposal, if any.")
    at: datetime = Field(description="When it was recorded (UTC).")

    @classmethod
    def of(cls, a: SuggestionAction) -> OpenProposalOut:
        return cls(
            suggestion_id=a.suggestion_id,
            vacancy_id=a.vacancy_id,
            action=a.action.value,
            user=a.user,
            confirmed_by=a.confirmed_by,
            at=a.at,
        )


class CaseloadClaimantOut(BaseModel):
    claimant_id: str = Field(description="The claimant's pseudonymous id.")
    team: str = Field(description="The claimant's team in the Jobcenter.")
    case_manager: str = Field(description="The responsible case manager's id.")
    postcode: str = Field(description="The claimant's postcode (5 digits).")
    municipality: str = Field(description="The claimant's municipality.")
    desired_occupations: list[str] = Field(description="Desired occupations as recorded (free text).")
    new_count: int = Field(
        description='Entries of the latest list new since the previous run ("neu seit gestern").'
    )
    entries: list[NightlyEntryOut] = Field(description="The latest run's list, by rank.")
    open_proposals: list[OpenProposalOut] = Field(description="Proposals without a final outcome yet.")

    @classmethod
    def of(cls, x: CaseloadClaimant) -> CaseloadClaimantOut:
        c = x.claimant
        return cls(
            claimant_id=c.id,
            team=c.team,
            case_manager=c.case_manager,
            postcode=c.postcode,
            municipality=c.municipality,
            desired_occupations=list(c.desired_occupations),
            new_count=x.new_count,
            entries=[NightlyEntryOut.entry(e) for e in x.entries],
            open_proposals=[OpenProposalOut.of(a) for a in x.open_proposals],
        )


class CaseloadOut(BaseModel):
    """The caller's claimants (a team lead: the team's) with the latest nightly list."""

    scope: str = Field(description="case_manager (own caseload) or team")
    case_managers: list[str] = Field(description="The case managers whose claimants are listed.")
    teams: list[str] = Field(description="The teams the listed claimants belong to.")
    latest_run: RunOut | None = Field(description="The latest complete nightly run; None: none yet.")
    previous_run: RunOut | None = Field(
        description='The run before it ("neu seit gestern" compares with it).'
    )
    claimants: list[CaseloadClaimantOut] = Field(description="Active claimants, by id.")

    @classmethod
    def of(cls, c: Caseload) -> CaseloadOut:
        return cls(
            scope=c.scope,
            case_managers=list(c.case_managers),
            teams=list(c.teams),
            latest_run=RunOut.of(c.latest) if c.latest else None,
            previous_run=RunOut.of(c.previous) if c.previous else None,
            claimants=[CaseloadClaimantOut.of(x) for x in c.claimants],
        )
