"""The case managers' claimant search."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from matcher.store.base import StoreBase
from matcher.store.tables import claimants


class SearchMixin(StoreBase):
    def search_claimants(self, jobcenter: str | None, q: str, limit: int) -> list[dict[str, Any]]:
        """Claimant summaries (no health, no profile text) whose id starts with ``q`` or one of whose
        desired occupations contains it (case-insensitive); current (active) cases first, then by id
        (a search must not fill its limit with closed history cases). Matched in Python: the JSON column
        holds escaped non-ASCII text on SQLite, which SQL ``LIKE`` cannot compare with umlauts.
        """
        cols = (
            claimants.c.id, claimants.c.case_manager, claimants.c.team, claimants.c.municipality,
            claimants.c.postcode, claimants.c.desired_occupations, claimants.c.active,
        )  # fmt: skip
        stmt = sa.select(*cols).order_by(claimants.c.active.desc(), claimants.c.id)
        if jobcenter is not None:
            stmt = stmt.where(claimants.c.jobcenter == jobcenter)
        needle = q.casefold()
        out: list[dict[str, Any]] = []
        with self._connect() as conn:
            for r in conn.execute(stmt):
                occupations = list(r.desired_occupations)
                if needle and not (
                    r.id.casefold().startswith(needle) or any(needle in o.casefold() for o in occupations)
                ):
                    continue
                out.append(
                    {
                        "id": r.id,
                        "case_manager": r.case_manager,
                        "team": r.team,
                        "municipality": r.municipality,
                        "postcode": r.postcode,
                        "desired_occupations": occupations,
                        "active": r.active,
                    }
                )
                if len(out) >= limit:
                    break
        return out
