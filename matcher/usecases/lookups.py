"""Lookups: a claimant's suggestions, a vacancy's candidates, an ad-hoc profile's suggestions.

Each lookup is recorded: one audit entry (the typed ``LookupRecord``: who, when, the pseudonym,
model and index versions, what decides the list besides them, the list with its scores as shown)
and, for stored claimants, one ``ShownSuggestion`` per item with a stable id that actions refer
to. Nothing else of the claimant is written: no names, no free text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from matcher.domain import Claimant, to_dict
from matcher.errors import UnknownVacancy
from matcher.list_filters import ListFilter
from matcher.readings import CorrectionSource, wish_key, with_known_corrections, without_corrections
from matcher.records import ShownSuggestion, SuggestionAction
from matcher.service import MatchList, MatchService
from matcher.usecases.access import claimant_if_visible, refuse_claimant
from matcher.usecases.ports import (
    Caller,
    ClaimantRepository,
    LiveMatching,
    LookupLog,
    ReadSnapshot,
    SuggestionRepository,
)

LOOKUP_ACTIONS = ("suggestions", "candidates")
ADDED_LATER = ("activated",)  # claimant fields newer than the first logged lookups


def record_hash(c: Claimant) -> str:
    """A claimant record's fingerprint: replay reports a record changed since the lookup.

    Fields added later are left out while unset, so that a record logged before they existed keeps
    its fingerprint (``activated``: migration 0004 leaves it NULL)."""
    d = to_dict(c)
    for name in ADDED_LATER:
        if d.get(name) is None:
            d.pop(name, None)
    text = json.dumps(d, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def corrected_by_index(c: Claimant, readings: CorrectionSource | None) -> dict[str, str]:
    """The claimant's corrected readings in force, by wish index ("0": "52122")."""
    if readings is None or not c.desired_occupations:
        return {}
    return by_index(c, readings.wish_corrections([c.id]).get(c.id, {}))


def by_index(c: Claimant, fixes: dict[str, str]) -> dict[str, str]:
    """``fixes`` (wish key -> KldB code) by the index of the claimant's wish they correct."""
    return {str(i): fixes[wish_key(w)] for i, w in enumerate(c.desired_occupations) if wish_key(w) in fixes}


@dataclass(frozen=True)
class ListedItem:
    rank: int
    claimant_id: str
    vacancy_id: str
    score: float


def listed_items(result: MatchList) -> tuple[ListedItem, ...]:
    """The list as logged: ids, rank and the score as shown (4 decimals, as the service rounds)."""
    return tuple(ListedItem(m.rank, m.claimant_id, m.vacancy_id, round(m.score, 4)) for m in result.items)


@dataclass(frozen=True)
class LookupRecord:
    """What the audit keeps of one lookup: enough to replay it on the logged versions."""

    kind: str
    subject_id: str
    k: int
    as_of: date
    embedder_id: str
    commute: dict[str, Any]
    ranking: dict[str, Any]
    considered: int
    eligible: int
    items: tuple[ListedItem, ...]
    role: str
    record_sha256: str | None = None
    jobcenter: str | None = None
    hidden: tuple[str, ...] = ()  # vacancies left out as handled (ranking.handled "hide")
    narrow: dict[str, Any] = field(default_factory=dict)  # the list controls set (ListFilter.payload)
    # The case manager's corrections of the wishes' readings in force (wish index -> KldB code;
    # codes only, not the wishes' words), so that replay can tell when they changed since.
    corrected: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        service: MatchService,
        result: MatchList,
        *,
        k: int,
        role: str,
        claimant: Claimant | None = None,
        jobcenter: str | None = None,
        hidden: set[str] | None = None,
        narrow: ListFilter | None = None,
        corrected: dict[str, str] | None = None,
    ) -> LookupRecord:
        return cls(
            kind=result.kind,
            subject_id=result.subject_id,
            k=k,
            as_of=service.today,
            embedder_id=result.embedder_id,
            commute=service.commute.model_dump(),
            ranking=service.ranking.model_dump(),
            considered=result.considered,
            eligible=result.eligible,
            items=listed_items(result),
            role=role,
            record_sha256=None if claimant is None else record_hash(claimant),
            jobcenter=jobcenter,
            hidden=tuple(sorted(hidden or ())),
            narrow=narrow.payload() if narrow is not None else {},
            corrected=dict(corrected or {}),
        )

    def payload(self) -> dict[str, Any]:
        """The audit entry's JSON payload (the keys replay reads)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "subject_id": self.subject_id,
            "k": self.k,
            "as_of": self.as_of.isoformat(),
            "embedder_id": self.embedder_id,
            "commute": self.commute,
            "ranking": self.ranking,
            "considered": self.considered,
            "eligible": self.eligible,
            # Field by field (``asdict`` deep-copies each value: ~0.1 ms a list of 10).
            "items": [
                {"rank": i.rank, "claimant_id": i.claimant_id, "vacancy_id": i.vacancy_id, "score": i.score}
                for i in self.items
            ],
            "role": self.role,
        }
        if self.record_sha256 is not None:
            out["record_sha256"] = self.record_sha256
        if self.jobcenter is not None:
            out["jobcenter"] = self.jobcenter
        if self.hidden:
            out["hidden"] = list(self.hidden)
        if self.narrow:
            out["narrow"] = dict(self.narrow)
        if self.corrected:
            out["corrected"] = dict(self.corrected)
        return out


@dataclass(frozen=True)
class RecordedList:
    """A lookup's list and how it was recorded: the audit entry and the shown suggestions' ids
    (aligned with ``result.items``), and the latest action on each listed pair that has one
    (keyed by claimant and vacancy id), for the list to mark what was handled."""

    result: MatchList
    audit_id: int
    suggestion_ids: tuple[str, ...]
    handled: dict[tuple[str, str], SuggestionAction] = field(default_factory=dict)


def without_handled(result: MatchList, handled: set[str], k: int) -> MatchList:
    """The list without the vacancies in ``handled``, ranked 1.. again, at most ``k`` long."""
    kept = [m for m in result.items if m.vacancy_id not in handled][:k]
    items = tuple(dataclasses.replace(m, rank=i) for i, m in enumerate(kept, start=1))
    return dataclasses.replace(result, items=items)


def _shown(result: MatchList, jobcenter_of: dict[str, str]) -> list[ShownSuggestion]:
    now = datetime.now(UTC)
    return [
        ShownSuggestion(
            id="",
            lookup_id=0,
            kind=result.kind,
            claimant_id=m.claimant_id,
            vacancy_id=m.vacancy_id,
            jobcenter=jobcenter_of.get(m.claimant_id, ""),
            rank=m.rank,
            similarity=m.similarity,
            p_match=m.p_match,
            p_sustain=m.p_sustain,
            score=round(m.score, 4),
            model_version=result.model_version,
            index_version=result.index_version,
            embedder_id=result.embedder_id,
            shown_at=now,
        )
        for m in result.items
    ]


class Lookups:
    def __init__(
        self,
        log: LookupLog,
        claimants: ClaimantRepository,
        live: LiveMatching,
        history: SuggestionRepository | None = None,
        readings: CorrectionSource | None = None,
        snapshot: ReadSnapshot | None = None,
    ) -> None:
        self.log = log
        self.claimants = claimants
        self.live = live
        self.history = history  # None: lists neither mark nor hide what was handled
        self.readings = readings  # None: no corrections of readings are logged with a list
        self.snapshot = snapshot  # None: each read in its own transaction

    def _reading(self) -> AbstractContextManager[None]:
        return nullcontext() if self.snapshot is None else self.snapshot.reading()

    def _handled(
        self, actions: list[SuggestionAction], result: MatchList
    ) -> dict[tuple[str, str], SuggestionAction]:
        listed = {(m.claimant_id, m.vacancy_id) for m in result.items}
        latest = {(a.claimant_id, a.vacancy_id): a for a in actions}
        return {pair: a for pair, a in latest.items() if pair in listed}

    def _record(
        self,
        caller: Caller,
        result: MatchList,
        record: LookupRecord,
        claimant_id: str | None,
        jobcenter_of: dict[str, str],
        handled: dict[tuple[str, str], SuggestionAction] | None = None,
    ) -> RecordedList:
        audit_id, shown = self.log.add_lookup(
            who=caller.name,
            action=result.kind,
            claimant_id=claimant_id,
            model_version=result.model_version,
            index_version=result.index_version,
            payload=record.payload(),
            shown=_shown(result, jobcenter_of),
        )
        return RecordedList(result, audit_id, tuple(s.id for s in shown), handled or {})

    def suggestions(
        self, caller: Caller, claimant_id: str, k: int, narrow: ListFilter | None = None
    ) -> RecordedList:
        """Ranked, explained vacancies for a stored claimant of the caller's Jobcenter; ``narrow``:
        the list controls (``matcher.list_filters``), logged with the list."""
        narrow = narrow if narrow is not None and narrow.active else None
        # Everything the lookup reads in one read transaction (each read on its own cost a
        # transaction's set-up, ~0.1-0.2 ms: bench/README.md, issue 15); the audit writes follow it.
        with self._reading():
            # Health restrictions take part in the filters even where the role may not read them.
            c = claimant_if_visible(self.claimants, caller, claimant_id, with_health=True)
            if c is not None:
                service = self.live.service  # other workers' changes applied first
                actions = [] if self.history is None else self.history.list_actions(c.id)
                # One read of the corrections: the list is grounded with the ones it is logged with.
                fixes = None if self.readings is None else self.readings.wish_corrections([c.id])
        if c is None:
            refuse_claimant(self.log, caller, claimant_id)
        corrected: dict[str, str] = {}
        if fixes is not None:
            fixes_of_c = fixes.get(c.id, {})
            corrected = by_index(c, fixes_of_c)
            service = with_known_corrections(service, c.id, fixes_of_c)
        if service.ranking.handled == "hide" and actions:
            # What was handled leaves the list; the next ones move up, so the list stays k long.
            done = {a.vacancy_id for a in actions}
            result = without_handled(service.suggest_for(c, k + len(done), narrow), done, k)
            record = LookupRecord.of(
                service, result, k=k, role=caller.role_name, claimant=c, hidden=done, narrow=narrow,
                corrected=corrected,
            )  # fmt: skip
        else:
            result = service.suggest_for(c, k, narrow)
            record = LookupRecord.of(
                service, result, k=k, role=caller.role_name, claimant=c, narrow=narrow, corrected=corrected
            )
        handled = self._handled(actions, result)
        return self._record(caller, result, record, c.id, {c.id: c.jobcenter}, handled)

    def candidates(self, caller: Caller, jobcenter: str, vacancy_id: str, k: int) -> RecordedList:
        """Ranked claimants of ``jobcenter`` (the caller's) for a vacancy."""
        service = self.live.service_for(jobcenter)
        try:
            result = service.candidates(vacancy_id, k)
        except UnknownVacancy:
            raise UnknownVacancy("no such vacancy") from None
        record = LookupRecord.of(service, result, k=k, role=caller.role_name, jobcenter=jobcenter)
        owners = {m.claimant_id: jobcenter for m in result.items}
        actions = (
            []
            if self.history is None
            else self.history.list_actions(vacancy_id=vacancy_id, jobcenter=jobcenter)
        )
        return self._record(caller, result, record, None, owners, self._handled(actions, result))

    def adhoc(self, caller: Caller, profile: Claimant, k: int) -> tuple[MatchList, int]:
        """Suggestions for a profile that is not stored: the audit keeps the list, not the profile,
        and no suggestion record is made (there is no stored claimant to act on); nor is the profile's
        vector cached."""
        service = without_corrections(self.live.transient_service())
        result = service.suggest_for(profile, k)
        payload = {
            "k": k,
            "as_of": service.today.isoformat(),
            "role": caller.role_name,
            "items": [{"rank": m.rank, "vacancy_id": m.vacancy_id, "score": m.score} for m in result.items],
        }
        audit_id = self.log.add_audit(
            who=caller.name,
            action="match.adhoc",
            model_version=result.model_version,
            index_version=result.index_version,
            payload=payload,
        )
        return result, audit_id
