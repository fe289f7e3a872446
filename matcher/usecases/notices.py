"""The claimant notice of a confirmed proposal (AI Act Art. 26(11) and 86, GDPR Art. 13 and 22).

For each Vermittlungsvorschlag confirmed by a named person (an action "proposed" with its
``confirmed_by``), the facts a claimant is told: that software (passgenau) suggested the vacancy,
who decided, the main reasons in plain words (from the typed ``Explanation`` of the pair), and how
to object. The text itself is written by ``matcher.printable.notice``.

Who may ask: case managers and team leads (the API's ``Right.FEEDBACK``) of the claimant's own
Jobcenter; a suggestion of another Jobcenter answers like a missing one. Each notice made is
audit-logged (``notice.read``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from matcher.domain import Claimant, FeedbackAction, Vacancy
from matcher.errors import UnknownClaimant, UnknownSuggestion, UnknownVacancy
from matcher.explain import Explanation
from matcher.records import ShownSuggestion, SuggestionAction
from matcher.usecases.access import audit, denied, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, SuggestionRepository

# Explains one pair on the running model: (claimant, vacancy id) -> Explanation, or None when the
# vacancy is no longer open (``matcher.pair_explanation.explain_pair`` over the live service).
PairExplainer = Callable[[Claimant, str], Explanation | None]


class NoticeRecords(ClaimantRepository, SuggestionRepository, AuditLog, Protocol):
    """The store's reads a notice needs."""

    def get_vacancy(self, vacancy_id: str) -> Vacancy: ...

    def list_suggestions(
        self, claimant_id: str | None = None, vacancy_id: str | None = None
    ) -> list[ShownSuggestion]: ...


@dataclass(frozen=True)
class ClaimantNotice:
    claimant_id: str
    jobcenter: str
    team: str
    suggestion_id: str
    action_id: int
    vacancy_id: str
    title: str | None  # None: the vacancy is no longer stored
    employer: str | None
    municipality: str | None
    confirmed_by: str  # the named person who decided
    recorded_by: str  # who recorded the proposal (the signed-in user)
    proposed_at: datetime
    model_version: str  # the model the list was shown with
    explained_with: str | None  # the model the reasons were computed on now (None: no reasons)
    reasons: tuple[str, ...]  # plain German sentences, for the vacancy
    cautions: tuple[str, ...]  # what speaks against a lasting placement, said plainly
    drivers: tuple[str, ...]  # the model's main positive factors, labelled


def plain_reasons(c: Claimant, v: Vacancy, e: Explanation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The explanation's reasons as sentences a claimant reads: (for the vacancy, against it)."""
    pros: list[str] = []
    cons: list[str] = []
    by = "mit dem Auto" if e.commute.mode == "car" else "mit Bus und Bahn"
    pros.append(
        f"Der Arbeitsort in {v.municipality} ist für Sie in etwa {e.commute.minutes:.0f} Minuten {by} "
        f"erreichbar; zumutbar sind bis zu {e.commute.limit:.0f} Minuten."
    )
    for r in e.reasons:
        if r.kind == "occupation" and r.sign > 0:
            pros.append("Die Stelle passt zu Ihrem Berufswunsch oder zu Ihrer Berufserfahrung.")
        elif r.kind == "occupation" and r.sign < 0:
            cons.append("Der Beruf der Stelle weicht von Ihren bisherigen Berufswünschen ab.")
        elif r.kind == "occupation" and v.kldb is not None:
            pros.append("Die Stelle liegt in einem Beruf, der mit Ihrem Berufswunsch verwandt ist.")
        elif r.kind == "collective_agreement":
            pros.append("Der Arbeitgeber ist an einen Tarifvertrag gebunden.")
        elif r.kind == "experience":
            years = max(1, round(c.experience_months(v.kldb) / 12))
            pros.append(
                f"Sie haben Erfahrung in diesem Beruf (etwa {years} {'Jahr' if years == 1 else 'Jahre'})."
            )
        elif r.kind == "temp_agency":
            cons.append("Die Stelle ist in Zeitarbeit; solche Stellen enden häufiger früh.")
        elif r.kind == "fixed_term":
            cons.append(f"Der Vertrag ist auf {v.contract_months} Monate befristet.")
        elif r.kind == "childcare":
            cons.append(
                "Die Arbeitszeiten sind mit der Kinderbetreuung vielleicht schwer vereinbar. "
                "Sprechen Sie das bitte an."
            )
    pros.insert(
        1,
        f"Die Stelle hat {v.hours_per_week:g} Wochenstunden; Sie können bis zu {c.available_hours:g} "
        "Stunden in der Woche arbeiten.",
    )
    h = e.household
    if h.ends_need:
        pros.append("Mit dem Lohn wären Sie voraussichtlich nicht mehr auf Bürgergeld angewiesen.")
    elif h.reduction > 0:
        pros.append(
            f"Der Lohn würde Ihren Bedarf an Bürgergeld voraussichtlich um etwa {h.reduction:.0f} Euro "
            "im Monat verringern."
        )
    return tuple(pros), tuple(cons)


class Notices:
    def __init__(self, store: NoticeRecords, explain: PairExplainer) -> None:
        self.store = store
        self.explain = explain

    def _suggestion(self, caller: Caller, suggestion_id: str) -> tuple[ShownSuggestion, Claimant]:
        s = self.store.get_suggestion(suggestion_id)
        if s is None:
            raise UnknownSuggestion(suggestion_id)
        if not caller.may_see(s.jobcenter):
            denied(self.store, caller, "suggestion", suggestion_id=suggestion_id)
            raise UnknownSuggestion(suggestion_id)
        try:
            # With health: the health restriction is one of the filters the pair is judged by.
            c = visible_claimant(self.store, caller, s.claimant_id, with_health=True, log=self.store)
        except UnknownClaimant:
            raise UnknownSuggestion(suggestion_id) from None
        return s, c

    def _notice(self, c: Claimant, s: ShownSuggestion, a: SuggestionAction) -> ClaimantNotice:
        try:
            v: Vacancy | None = self.store.get_vacancy(s.vacancy_id)
        except UnknownVacancy:
            v = None
        e = self.explain(c, s.vacancy_id) if v is not None else None
        pros, cons = plain_reasons(c, v, e) if v is not None and e is not None else ((), ())
        drivers = tuple(d.label for d in e.drivers_up) if e is not None else ()
        return ClaimantNotice(
            claimant_id=c.id,
            jobcenter=c.jobcenter,
            team=c.team,
            suggestion_id=s.id,
            action_id=a.id or 0,
            vacancy_id=s.vacancy_id,
            title=v.title if v else None,
            employer=v.employer.name if v else None,
            municipality=v.municipality if v else None,
            confirmed_by=a.confirmed_by or a.user,
            recorded_by=a.user,
            proposed_at=a.at,
            model_version=s.model_version,
            explained_with=e.model_version if e is not None else None,
            reasons=pros,
            cautions=cons,
            drivers=drivers,
        )

    def for_suggestion(self, caller: Caller, suggestion_id: str) -> ClaimantNotice:
        """The notice of a suggestion's latest confirmed proposal (UnknownSuggestion if none)."""
        s, c = self._suggestion(caller, suggestion_id)
        proposed = [
            a for a in self.store.list_actions(suggestion_id=s.id) if a.action is FeedbackAction.PROPOSED
        ]
        if not proposed:
            raise UnknownSuggestion(f"{suggestion_id}: no confirmed proposal")
        notice = self._notice(c, s, proposed[-1])
        payload = {"suggestion_id": s.id, "action_id": notice.action_id}
        audit(self.store, caller, "notice.read", claimant_id=c.id, payload=payload)
        return notice

    def for_claimant(self, caller: Caller, claimant_id: str) -> list[ClaimantNotice]:
        """One notice per confirmed proposal of the claimant, oldest first."""
        c = visible_claimant(self.store, caller, claimant_id, with_health=True, log=self.store)
        shown = {s.id: s for s in self.store.list_suggestions(claimant_id=c.id)}
        notices = [
            self._notice(c, shown[a.suggestion_id], a)
            for a in self.store.list_actions(claimant_id=c.id)
            if a.action is FeedbackAction.PROPOSED and a.suggestion_id in shown
        ]
        payload = {"action_ids": [n.action_id for n in notices]}
        audit(self.store, caller, "notice.read", claimant_id=c.id, payload=payload)
        return notices
