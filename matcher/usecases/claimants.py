"""Claimant records: search, read, create, replace. Every read is audit-logged; every write checks
the caller's Jobcenter and who may record health data, and reaches matching at once."""

from __future__ import annotations

import dataclasses
from typing import Any

from matcher.domain import Claimant
from matcher.usecases.access import audit, check_health_write, own_jobcenter, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching


class ClaimantRecords:
    def __init__(self, claimants: ClaimantRepository, log: AuditLog, live: LiveMatching) -> None:
        self.claimants = claimants
        self.log = log
        self.live = live

    def search(self, caller: Caller, q: str, limit: int) -> list[dict[str, Any]]:
        """Summaries of the caller's Jobcenter's claimants (all Jobcenters for admin) matching ``q``."""
        rows = self.claimants.search_claimants(caller.scope, q.strip(), limit)
        audit(self.log, caller, "claimants.search", payload={"ids": [r["id"] for r in rows]})
        return rows

    def read(self, caller: Caller, claimant_id: str) -> Claimant:
        """The record; health data only for roles that see it."""
        c = visible_claimant(
            self.claimants, caller, claimant_id, with_health=caller.sees_health, log=self.log
        )
        audit(self.log, caller, "claimant.read", claimant_id=c.id, payload={"health": caller.sees_health})
        return c

    def _save(self, c: Claimant) -> None:
        self.claimants.upsert_claimants([(c, None)])
        self.live.claimant_changed(c, c.id)

    def create(self, caller: Caller, draft: Claimant, given_jobcenter: str | None) -> Claimant:
        """Store a new claimant (Conflict if the id is taken) for the caller's Jobcenter."""
        check_health_write(caller, draft)
        c = dataclasses.replace(draft, jobcenter=own_jobcenter(caller, given_jobcenter))
        # One atomic insert (Conflict if the id is taken): simultaneous creates cannot both win.
        self.claimants.insert_claimant(c)
        self.live.claimant_changed(c, c.id)
        audit(self.log, caller, "claimant.create", claimant_id=c.id)
        return c

    def adhoc_profile(self, caller: Caller, draft: Claimant, given_jobcenter: str | None) -> Claimant:
        """A profile to match without storing it, under the same rules as a stored one."""
        check_health_write(caller, draft)
        return dataclasses.replace(draft, jobcenter=own_jobcenter(caller, given_jobcenter))

    def replace(
        self, caller: Caller, claimant_id: str, draft: Claimant, given_jobcenter: str | None
    ) -> Claimant:
        """Replace a claimant's record; a role that does not see health data keeps the stored value."""
        old = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        check_health_write(caller, draft)
        if not caller.sees_health:
            draft = dataclasses.replace(draft, health_max_load=old.health_max_load)
        c = dataclasses.replace(
            draft, id=claimant_id, jobcenter=own_jobcenter(caller, given_jobcenter, old.jobcenter)
        )
        self._save(c)
        # The earlier profile's vector goes now: an erasure later finds only the current one.
        if old != c:
            self.live.forget_profiles([old], keep=[c])
        audit(self.log, caller, "claimant.update", claimant_id=c.id)
        return c
