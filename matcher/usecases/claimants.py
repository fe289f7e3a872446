"""Claimant records: search, read, create, replace. Every read is audit-logged; every write checks
the caller's Jobcenter and who may record health data, and reaches matching at once."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from matcher.domain import Claimant
from matcher.errors import Conflict, ValidationError
from matcher.usecases.access import audit, check_health_write, own_jobcenter, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching

# A server-assigned id: 64 random bits, so that an id says nothing of other records and cannot be
# guessed; a collision (about 1 in 10^10 at a million claimants) is retried.
ID_PREFIX = "K-"
ID_ATTEMPTS = 4


def new_claimant_id() -> str:
    return ID_PREFIX + secrets.token_hex(8).upper()


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

    def create(
        self, caller: Caller, draft: Claimant, given_jobcenter: str | None, *, chosen_id: bool
    ) -> Claimant:
        """Store a new claimant for the caller's Jobcenter under a server-assigned id, or (admin,
        batch: ``chosen_id``) under the draft's id, Conflict if that is taken.

        Ids are one namespace for all Jobcenters, so a caller bound to one Jobcenter may not choose
        one: a 409 for an id held elsewhere would tell them that another Jobcenter's claimant has it
        (issue 16, defect 11). Roles across Jobcenters write any Jobcenter's records (the source
        system's pseudonyms) and learn nothing from it they could not write anyway.
        """
        check_health_write(caller, draft)
        if chosen_id and caller.scope is not None:
            raise ValidationError(
                "id", f"is assigned by the server for role {caller.role_name}; leave it out"
            )
        c = dataclasses.replace(draft, jobcenter=own_jobcenter(caller, given_jobcenter))
        if chosen_id:
            # One atomic insert (Conflict if the id is taken): simultaneous creates cannot both win.
            self.claimants.insert_claimant(c)
        else:
            c = self._insert_new(c)
        self.live.claimant_changed(c, c.id)
        audit(self.log, caller, "claimant.create", claimant_id=c.id)
        return c

    def _insert_new(self, c: Claimant) -> Claimant:
        for _ in range(ID_ATTEMPTS - 1):
            fresh = dataclasses.replace(c, id=new_claimant_id())
            try:
                self.claimants.insert_claimant(fresh)
            except Conflict:
                continue
            return fresh
        fresh = dataclasses.replace(c, id=new_claimant_id())
        self.claimants.insert_claimant(fresh)  # the last attempt's Conflict is the caller's
        return fresh

    def adhoc_profile(self, caller: Caller, draft: Claimant, given_jobcenter: str | None) -> Claimant:
        """A profile to match without storing it, under the same rules as a stored one."""
        check_health_write(caller, draft)
        return dataclasses.replace(draft, jobcenter=own_jobcenter(caller, given_jobcenter))

    def replace(
        self, caller: Caller, claimant_id: str, draft: Claimant, given_jobcenter: str | None
    ) -> Claimant:
        """Replace a claimant's record; a role that does not see health data keeps the stored value.

        A role that may not read claimants (batch) names the Jobcenter in every replace: taking it from
        the stored record would tell it in the answer (issue 16, defect 10). The check comes before
        the record is looked up, so it answers alike for any id."""
        if not caller.reads_claimants and given_jobcenter is None:
            raise ValidationError("jobcenter", f"is required for role {caller.role_name}")
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
