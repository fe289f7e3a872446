"""Suggestions shown, and what became of them.

A lookup (a claimant's suggestions, a vacancy's candidates) writes its audit entry and one
``suggestions`` row per item in one transaction; the item's id is f"{audit id}-{rank}", the id the API
hands out. Actions on a suggestion (proposed, rejected, applied, hired) are appended, never updated:
a second "proposed" is a second row, and the history shows both.
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

        The store assigns each suggestion its ``lookup_id`` (the audit id) and its ``id``
        (f"{audit id}-{rank}"); returns the audit id and the suggestions as stored.
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
            stored = [dataclasses.replace(s, lookup_id=audit_id, id=f"{audit_id}-{s.rank}") for s in shown]
            if stored:
                conn.execute(sa.insert(suggestions), [suggestion_row(s) for s in stored])
        return audit_id, stored

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
        self, claimant_id: str | None = None, suggestion_id: str | None = None
    ) -> list[SuggestionAction]:
        """Actions, optionally of one claimant and/or on one suggestion, in the order recorded."""
        stmt = sa.select(suggestion_actions)
        if claimant_id is not None:
            stmt = stmt.where(suggestion_actions.c.claimant_id == claimant_id)
        if suggestion_id is not None:
            stmt = stmt.where(suggestion_actions.c.suggestion_id == suggestion_id)
        with self._connect() as conn:
            return [action_from(r) for r in conn.execute(stmt.order_by(suggestion_actions.c.id))]
