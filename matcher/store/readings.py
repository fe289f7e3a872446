"""Case managers' corrections of how a claimant's wishes were read (``matcher.readings``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from matcher.readings import Correction
from matcher.store.base import IN_CHUNK, StoreBase
from matcher.store.mappers import utc
from matcher.store.tables import wish_corrections as corrections

# Built once, the ids an expanding parameter: a lookup asks for its claimant's corrections, and
# building the select per call cost about as much as running it (issue 15).
CORRECTIONS_OF = sa.select(corrections.c.claimant_id, corrections.c.wish, corrections.c.kldb).where(
    corrections.c.claimant_id.in_(sa.bindparam("ids", expanding=True))
)


class ReadingsMixin(StoreBase):
    def wish_corrections(self, claimant_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The corrected code of each corrected wish, per claimant: {claimant id: {wish: code}}."""
        out: dict[str, dict[str, str]] = {}
        ids = sorted(set(claimant_ids))
        with self._connect() as conn:
            for at in range(0, len(ids), IN_CHUNK):
                for cid, wish, code in conn.execute(CORRECTIONS_OF, {"ids": ids[at : at + IN_CHUNK]}):
                    out.setdefault(str(cid), {})[str(wish)] = str(code)
        return out

    def corrections_of(self, claimant_id: str) -> dict[str, Correction]:
        """One claimant's corrections with who made them and when, by wish."""
        t = corrections.c
        stmt = sa.select(t.wish, t.kldb, t.corrected_by, t.corrected_at).where(t.claimant_id == claimant_id)
        with self._connect() as conn:
            return {str(w): Correction(str(k), str(by), utc(at)) for w, k, by, at in conn.execute(stmt)}

    def set_wish_correction(self, claimant_id: str, wish: str, kldb: str, by: str, at: datetime) -> None:
        """Store (or replace) the correction of one wish's reading."""
        t = corrections.c
        with self._write() as conn:
            conn.execute(sa.delete(corrections).where(t.claimant_id == claimant_id, t.wish == wish))
            conn.execute(
                sa.insert(corrections).values(
                    claimant_id=claimant_id, wish=wish, kldb=kldb, corrected_by=by, corrected_at=utc(at)
                )
            )

    def remove_wish_correction(self, claimant_id: str, wish: str) -> bool:
        """Remove the correction of one wish's reading; whether there was one."""
        t = corrections.c
        with self._write() as conn:
            n = conn.execute(
                sa.delete(corrections).where(t.claimant_id == claimant_id, t.wish == wish)
            ).rowcount
        return bool(n)
