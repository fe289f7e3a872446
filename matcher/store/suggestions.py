"""Suggestions shown, and what became of them.

A lookup (a claimant's suggestions, a vacancy's candidates) writes its audit entry and its shown
suggestions in one transaction. A suggestion is one list entry: a claimant and a vacancy in a list of
one kind, under one model version. The first lookup that shows the entry makes its row, with the id
f"{audit id}-{rank}" and the scores it was first shown with; a later lookup that shows the same entry
(a reload, the next day's look) hands out the same id and writes no new row (what that lookup showed,
rank and score, is in its audit entry). So feedback given on a page that was loaded before a reload
refers to the same entry as the reloaded page, and the entry's history is the list of its actions. A
new model version makes new entries: their scores mean something else.

Actions on a suggestion (proposed, rejected, applied, hired) are appended, never updated: a second
"proposed" is a second row, and the history shows both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from matcher.errors import UnknownSuggestion
from matcher.records import ShownSuggestion, SuggestionAction
from matcher.store.audit import AuditMixin
from matcher.store.mappers import action_from, action_row, suggestion_from, suggestion_row
from matcher.store.tables import suggestion_actions, suggestions

# One statement for every lookup, the id lists as expanding parameters: built per call, its
# construction and compilation cost more than running it (~0.3 ms a lookup, issue 15).
STORED_ENTRIES = (
    sa.select(suggestions)
    .where(
        suggestions.c.claimant_id.in_(sa.bindparam("claimant_ids", expanding=True)),
        suggestions.c.vacancy_id.in_(sa.bindparam("vacancy_ids", expanding=True)),
    )
    .order_by(suggestions.c.lookup_id.desc())
)

# A claimant's actions, the statement every lookup runs, built once as the one above.
ACTIONS_OF_CLAIMANT = (
    sa.select(suggestion_actions)
    .where(suggestion_actions.c.claimant_id == sa.bindparam("claimant_id"))
    .order_by(suggestion_actions.c.id)
)


class SuggestionsMixin(AuditMixin):
    def add_lookup(
        self,
        *,
        who: str,
        action: str,
        claimant_id: str | None,
        model_version: str | None,
        index_version: str | None,
        payload: dict[str, Any],
        shown: Sequence[ShownSuggestion],
    ) -> tuple[int, list[ShownSuggestion]]:
        """Write a lookup's audit entry (as ``add_audit``) and its shown suggestions together.

        A suggestion whose entry (kind, claimant, vacancy, model version) is stored already comes back
        as stored (its id, first lookup and scores); the others get their ``lookup_id`` (the audit id)
        and ``id`` (f"{audit id}-{rank}") and are inserted. Returns the audit id and the suggestions
        in the order given.
        """
        with self.transaction(), self._write() as conn:
            audit_id = self.add_audit(
                who=who,
                action=action,
                claimant_id=claimant_id,
                model_version=model_version,
                index_version=index_version,
                payload=payload,
            )
            known = self._entries(conn, shown)
            stored = [
                known.get(_entry(s)) or dataclasses.replace(s, lookup_id=audit_id, id=f"{audit_id}-{s.rank}")
                for s in shown
            ]
            new = [s for s in stored if s.lookup_id == audit_id]
            if new:
                conn.execute(sa.insert(suggestions), [suggestion_row(s) for s in new])
        return audit_id, stored

    @staticmethod
    def _entries(
        conn: sa.Connection, shown: Sequence[ShownSuggestion]
    ) -> dict[tuple[str, ...], ShownSuggestion]:
        """The stored entries among ``shown``'s, the first one of each where there are several (two
        lookups at the same moment may both have made one)."""
        claimant_ids = sorted({s.claimant_id for s in shown})
        if not claimant_ids:
            return {}
        # By vacancy too: a claimant looked up daily has hundreds of stored entries, of which only
        # the listed vacancies' can match.
        vacancy_ids = sorted({s.vacancy_id for s in shown})
        wanted = {_entry(s) for s in shown}
        # Latest first, so the earliest row of an entry is the one left in the dict.
        out: dict[tuple[str, ...], ShownSuggestion] = {}
        for r in conn.execute(STORED_ENTRIES, {"claimant_ids": claimant_ids, "vacancy_ids": vacancy_ids}):
            row = suggestion_from(r)
            if _entry(row) in wanted:
                out[_entry(row)] = row
        return out

    def get_suggestion(self, suggestion_id: str) -> ShownSuggestion | None:
        with self._connect() as conn:
            r = conn.execute(sa.select(suggestions).where(suggestions.c.id == suggestion_id)).first()
        return None if r is None else suggestion_from(r)

    def list_suggestions(
        self, claimant_id: str | None = None, vacancy_id: str | None = None
    ) -> list[ShownSuggestion]:
        """Suggestions shown, optionally of one claimant and/or one vacancy, in the order shown."""
        stmt = sa.select(suggestions)
        if claimant_id is not None:
            stmt = stmt.where(suggestions.c.claimant_id == claimant_id)
        if vacancy_id is not None:
            stmt = stmt.where(suggestions.c.vacancy_id == vacancy_id)
        stmt = stmt.order_by(suggestions.c.shown_at, suggestions.c.lookup_id, suggestions.c.rank)
        with self._connect() as conn:
            return [suggestion_from(r) for r in conn.execute(stmt)]

    def add_action(self, action: SuggestionAction) -> SuggestionAction:
        """Append an action on a stored suggestion; returns it with the id the store assigned (the
        given ``id`` is ignored). Raises UnknownSuggestion if the suggestion is not stored."""
        with self.transaction(), self._write() as conn:
            known = conn.execute(
                sa.select(suggestions.c.id).where(suggestions.c.id == action.suggestion_id)
            ).first()
            if known is None:
                raise UnknownSuggestion(f"no suggestion {action.suggestion_id!r}")
            new_id = conn.execute(
                sa.insert(suggestion_actions).values(action_row(action)).returning(suggestion_actions.c.id)
            ).scalar_one()
        return dataclasses.replace(action, id=int(new_id))

    def list_actions(
        self,
        claimant_id: str | None = None,
        suggestion_id: str | None = None,
        *,
        vacancy_id: str | None = None,
        jobcenter: str | None = None,
    ) -> list[SuggestionAction]:
        """Actions, optionally of one claimant, on one suggestion, on one vacancy and/or on
        suggestions of one Jobcenter's claimants, in the order recorded."""
        if claimant_id is not None and suggestion_id is None and vacancy_id is None and jobcenter is None:
            with self._connect() as conn:  # every lookup asks this one
                return [
                    action_from(r) for r in conn.execute(ACTIONS_OF_CLAIMANT, {"claimant_id": claimant_id})
                ]
        stmt = sa.select(suggestion_actions)
        if claimant_id is not None:
            stmt = stmt.where(suggestion_actions.c.claimant_id == claimant_id)
        if suggestion_id is not None:
            stmt = stmt.where(suggestion_actions.c.suggestion_id == suggestion_id)
        if vacancy_id is not None:
            stmt = stmt.where(suggestion_actions.c.vacancy_id == vacancy_id)
        if jobcenter is not None:
            owned = sa.select(suggestions.c.id).where(suggestions.c.jobcenter == jobcenter)
            stmt = stmt.where(suggestion_actions.c.suggestion_id.in_(owned))
        with self._connect() as conn:
            return [action_from(r) for r in conn.execute(stmt.order_by(suggestion_actions.c.id))]


def _entry(s: ShownSuggestion) -> tuple[str, ...]:
    """What makes two shown items one list entry (and one suggestion id)."""
    return (s.kind, s.claimant_id, s.vacancy_id, s.model_version)
