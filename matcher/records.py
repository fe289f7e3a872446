"""Plain records the store hands in and out besides the domain's: audit entries, API tokens, nightly
lists, upsert counts, and the suggestions shown with what case managers did about them.

Standard library only (and ``matcher.domain``): no SQLAlchemy, so the core and the API can use them
without importing the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matcher.domain import FeedbackAction, check_id
from matcher.errors import ValidationError


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who did what to whom, with which model and index."""

    id: int
    at: datetime
    who: str
    action: str
    claimant_id: str | None
    model_version: str | None
    index_version: str | None
    payload: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored API token: never the secret, only its hash."""

    id: str
    name: str
    role: str
    jobcenter: str
    token_hash: str
    created: datetime
    revoked: datetime | None = None


@dataclass(frozen=True, slots=True)
class NightlyRun:
    id: str
    started: datetime
    finished: datetime | None
    status: str
    manifest: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class NightlyRow:
    """One entry of a claimant's nightly list."""

    run_id: str
    claimant_id: str
    rank: int
    vacancy_id: str
    jobcenter: str
    case_manager: str
    score: float
    payload: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class EncodedNightlyRow:
    """A ``NightlyRow`` whose payload is already JSON text, exactly ``json.dumps(payload)`` as the
    store's JSON column writes it: the nightly run encodes its rows in its worker processes, and the
    store writes the text as it is (no second encoding in the one process that writes)."""

    run_id: str
    claimant_id: str
    rank: int
    vacancy_id: str
    jobcenter: str
    case_manager: str
    score: float
    payload_json: str

    def decoded(self) -> NightlyRow:
        return NightlyRow(
            self.run_id,
            self.claimant_id,
            self.rank,
            self.vacancy_id,
            self.jobcenter,
            self.case_manager,
            self.score,
            json.loads(self.payload_json),
        )


@dataclass(frozen=True, slots=True)
class ServingChange:
    """One row of the serving change log: what a server process changed in the held catalogs.

    ``kind`` is ``vacancies`` (``ref``: the vacancy ids, comma-separated; ``index_version``: the
    index version saved with them), ``claimant`` (``ref``: its id), ``erased`` (``ref``: the
    Jobcenter whose catalog held an erased claimant; the id itself is not kept) or ``employer``.
    """

    seq: int
    origin: str
    kind: str
    ref: str
    index_version: str | None = None


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(self.inserted + other.inserted, self.updated + other.updated)


@dataclass(frozen=True)
class ShownSuggestion:
    """One item of a list shown to a case manager (a claimant's suggestions or a vacancy's
    candidates), with the scores and versions it was shown with."""

    id: str  # f"{lookup_id}-{rank}"; "" before the store assigns it
    lookup_id: int  # the audit entry of the lookup; 0 before the store assigns it
    kind: str  # "suggestions" or "candidates"
    claimant_id: str
    vacancy_id: str
    jobcenter: str  # the claimant's Jobcenter
    rank: int
    similarity: float | None  # None for lists logged before suggestions were records (score only)
    p_match: float | None
    p_sustain: float | None
    score: float
    model_version: str
    index_version: str
    embedder_id: str | None
    shown_at: datetime


@dataclass(frozen=True)
class SuggestionAction:
    """What became of a shown suggestion. Append-only: a later action is a new record, never an edit."""

    id: int | None  # None before the store assigns it (append order)
    suggestion_id: str
    claimant_id: str
    vacancy_id: str
    action: FeedbackAction
    user: str
    at: datetime
    model_version: str
    reason_code: str | None = None
    confirmed_by: str | None = None  # the named case manager who confirms a proposal

    def __post_init__(self) -> None:
        # Nothing is proposed to a claimant without a named confirmation, nothing rejected without a
        # reason (the rules the feedback record enforced).
        check_id(self.claimant_id, "claimant_id")
        check_id(self.vacancy_id, "vacancy_id")
        if not self.user:
            raise ValidationError("user", "must not be empty")
        if self.action is FeedbackAction.REJECTED and not self.reason_code:
            raise ValidationError("reason_code", "a rejection needs a reason code")
        if self.action is FeedbackAction.PROPOSED and not self.confirmed_by:
            raise ValidationError(
                "confirmed_by",
                "nothing is proposed to a claimant without a named case manager's confirmation",
            )
