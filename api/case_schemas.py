"""Response bodies of the case manager's day: the proposal history (``GET /claimants/{id}/proposals``,
``GET /vacancies/{id}/proposals``), the mark a listed suggestion carries, and one claimant–vacancy
pair (``GET /claimants/{id}/vacancies/{vacancy_id}``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from matcher.explain_reader import Line, ReaderView
from matcher.service import PairFacts
from matcher.usecases.history import HistoryLine

ACTION_DESCRIPTION = "proposed (vorgeschlagen), rejected (abgelehnt), applied (beworben), hired (eingestellt)"


class HistoryEntry(BaseModel):
    """One action on a suggestion, as recorded (append-only)."""

    feedback_id: str = Field(description="Id of the recorded action.")
    suggestion_id: str = Field(description="The list entry acted on (stable across reloads).")
    claimant_id: str = Field(description="The claimant.")
    vacancy_id: str = Field(description="The vacancy.")
    vacancy_title: str | None = Field(description="None: the vacancy is no longer stored.")
    action: str = Field(description=ACTION_DESCRIPTION)
    reason_code: str | None = Field(description="Why a suggestion was rejected.")
    user: str = Field(description="Who recorded the action (the token's name).")
    confirmed_by: str | None = Field(description="The named person who confirmed a proposal.")
    at: datetime = Field(description="When it was recorded (UTC).")

    @classmethod
    def of(cls, line: HistoryLine) -> HistoryEntry:
        a = line.action
        return cls(
            feedback_id=str(a.id),
            suggestion_id=a.suggestion_id,
            claimant_id=a.claimant_id,
            vacancy_id=a.vacancy_id,
            vacancy_title=line.vacancy_title,
            action=a.action.value,
            reason_code=a.reason_code,
            user=a.user,
            confirmed_by=a.confirmed_by,
            at=a.at,
        )


class ProposalHistoryOut(BaseModel):
    """The actions on one claimant's or one vacancy's suggestions, oldest first."""

    claimant_id: str | None = Field(
        None, description="The claimant whose history it is (None for a vacancy's)."
    )
    vacancy_id: str | None = Field(
        None, description="The vacancy whose history it is (None for a claimant's)."
    )
    entries: list[HistoryEntry] = Field(
        description="The actions, oldest first; a later action adds to them and replaces nothing."
    )


class RefusalOut(BaseModel):
    """Why a vacancy is not suggested: one failed hard filter ("Warum nicht diese Stelle?")."""

    filter: str = Field(description="open, commute, hours, shifts, licence, german or health")
    reason: str = Field(description="The filter's reason in German.")
    vacancy_value: str = Field(description="What the vacancy asks, in words.")
    claimant_value: str = Field(
        description="What the claimant brings, in words (health only for roles that see it)."
    )


class PairOut(BaseModel):
    """The commute from a claimant to a vacancy, and the hard filters the pair fails."""

    claimant_id: str = Field(description="The claimant.")
    vacancy_id: str = Field(description="The vacancy.")
    commute_minutes: float = Field(description="One way, minutes, by the claimant's mode.")
    commute_limit: float = Field(description="The claimant's limit or the §140(4) SGB III default, minutes.")
    commute_mode: str = Field(description="car or public")
    distance_km: float = Field(description="Straight-line distance, km.")
    failed: list[str] = Field(description="Hard filters the pair fails (empty: it may be suggested).")

    refusals: list[RefusalOut] = Field(description="Each failed filter in German, with both values.")

    @classmethod
    def of(cls, f: PairFacts) -> PairOut:
        return cls(
            claimant_id=f.claimant_id,
            vacancy_id=f.vacancy_id,
            commute_minutes=f.commute_minutes,
            commute_limit=f.commute_limit,
            commute_mode=f.commute_mode,
            distance_km=f.distance_km,
            failed=list(f.failed),
            refusals=[
                RefusalOut(
                    filter=r.filter,
                    reason=r.reason,
                    vacancy_value=r.vacancy_value,
                    claimant_value=r.claimant_value,
                )
                for r in f.refusals
            ],
        )


class ReaderLineOut(BaseModel):
    text: str = Field(description="German, with the value and its unit or a word value.")
    group: str = Field(description="What it speaks about (a reason's and a driver's of one thing match).")
    source: str = Field(description="reason, or driver (the sustainability model's joint term)")
    effect: float | None = Field(description="A driver's joint logit points; None for a reason.")

    @classmethod
    def of(cls, line: Line) -> ReaderLineOut:
        return cls(text=line.text, group=line.group, source=line.source, effect=line.effect)


class ReaderOut(BaseModel):
    """A suggestion's explanation as the page shows it (``matcher.explain_reader``)."""

    headline: str = Field(description='The figure to act on, e.g. "etwa 25 von 100".')
    meaning: str = Field(description="One sentence saying what the figure means.")
    hire: float = Field(description="Chance auf Einstellung: P(a proposal leads to a hire), 0-1.")
    lasting: float = Field(description="Chance, dass sie 12 Monate hält: P(employed 12 months later), 0-1.")
    facts: list[str] = Field(description="Neutral facts (commute, hours, occupation).")
    pro: list[ReaderLineOut] = Field(description="spricht dafür")
    contra: list[ReaderLineOut] = Field(description="spricht dagegen")
    badge: str | None = Field(description="Set when the wage ends the household's need for benefits.")

    @classmethod
    def of(cls, r: ReaderView) -> ReaderOut:
        return cls(
            headline=r.headline,
            meaning=r.meaning,
            hire=r.hire,
            lasting=r.lasting,
            facts=list(r.facts),
            pro=[ReaderLineOut.of(x) for x in r.pro],
            contra=[ReaderLineOut.of(x) for x in r.contra],
            badge=r.badge,
        )
