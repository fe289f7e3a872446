"""Erasure (GDPR Art. 17): a claimant and everything that names them, in every place it is kept.

The store deletes the record, health and protected data, outcomes, proposals, shown suggestions and
their actions and nightly rows, and redacts earlier audit entries (who did what when stays, whom
goes); matching forgets the claimant (reverse matching) and the embedding cache their profile's
vector; the nightly runs' files are rewritten without them. The erasure itself is logged with the
counts, not with the claimant's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matcher.usecases.access import audit, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching


@dataclass(frozen=True)
class ErasureReport:
    claimant_id: str
    rows_deleted: dict[str, int]
    embeddings_dropped: int
    nightly_runs_rewritten: int
    audit_id: int


class Erasure:
    def __init__(
        self,
        claimants: ClaimantRepository,
        log: AuditLog,
        live: LiveMatching,
        erase_nightly: Callable[[str], int],
    ) -> None:
        """``erase_nightly(claimant_id)`` rewrites the nightly runs' files; how many runs it changed."""
        self.claimants = claimants
        self.log = log
        self.live = live
        self.erase_nightly = erase_nightly

    def erase(self, caller: Caller, claimant_id: str) -> ErasureReport:
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        counts = self.claimants.delete_claimant(c.id)
        self.live.claimant_changed(None, c.id)
        dropped = self.live.forget_profiles([c])
        runs = self.erase_nightly(c.id)
        payload = {"rows_deleted": counts, "embeddings_dropped": dropped, "nightly_runs_rewritten": runs}
        audit_id = audit(self.log, caller, "claimant.erase", claimant_id=c.id, payload=payload)
        return ErasureReport(c.id, counts, dropped, runs, audit_id)
