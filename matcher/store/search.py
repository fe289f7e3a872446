"""The case managers' claimant search."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from matcher.search_text import SearchFields, fold, matches
from matcher.store.base import StoreBase
from matcher.store.tables import claimants


class SearchMixin(StoreBase):
    def search_claimants(
        self, jobcenter: str | None, q: str, limit: int, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many claimants match ``q`` and the summaries (no health, no profile text) of
        ``limit`` of them from ``offset``: current (active) cases first, then by id (a search must not
        fill its page with closed history cases). ``q`` finds by id, postcode or case manager prefix,
        or part of the place or a desired occupation, case, umlauts and accents folded
        (``matcher.search_text``). Matched in Python: the JSON column holds escaped non-ASCII text on
        SQLite, which SQL ``LIKE`` cannot compare with umlauts.
        """
        cols = (
            claimants.c.id, claimants.c.case_manager, claimants.c.team, claimants.c.municipality,
            claimants.c.postcode, claimants.c.desired_occupations, claimants.c.active,
        )  # fmt: skip
        stmt = sa.select(*cols).order_by(claimants.c.active.desc(), claimants.c.id)
        if jobcenter is not None:
            stmt = stmt.where(claimants.c.jobcenter == jobcenter)
        needle = fold(q.strip())
        total = 0
        out: list[dict[str, Any]] = []
        with self._connect() as conn:
            for r in conn.execute(stmt):
                occupations = list(r.desired_occupations)
                fields = SearchFields(r.id, r.postcode, r.municipality, r.case_manager, tuple(occupations))
                if not matches(needle, fields):
                    continue
                total += 1
                if offset < total <= offset + limit:
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
        return total, out
