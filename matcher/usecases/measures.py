"""Förderempfehlung of a stored claimant: which measure would open the most lasting placements.

Authorised like every claimant read (another Jobcenter's claimant answers like a missing one) and
audit-logged; the estimate runs the lookup on copies of the record over the market sample
(``matcher.measures``) with an encoder that caches nothing, so that no changed profile's vector is
kept anywhere and nothing is written about the claimant but the audit entry.
"""

from __future__ import annotations

import threading

from matcher.measures import MeasureReport, estimate_measures, market_service
from matcher.service import MatchService
from matcher.settings import MeasureSettings
from matcher.usecases.access import visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching


class Measures:
    def __init__(
        self, log: AuditLog, claimants: ClaimantRepository, live: LiveMatching, settings: MeasureSettings
    ) -> None:
        self.log = log
        self.claimants = claimants
        self.live = live
        self.settings = settings
        self._lock = threading.Lock()
        self._market: tuple[object, MatchService] | None = None

    def market(self) -> MatchService:
        """The market service of the live snapshot, built once per snapshot (its catalog is as large
        as the live one; a snapshot changes when a vacancy does)."""
        live = self.live.service
        with self._lock:
            held = self._market
            if held is None or held[0] is not live.vacancies:
                held = (live.vacancies, market_service(live, self.settings.market_months))
                self._market = held
        return held[1].with_encoder(self.live.transient_service().encoder)

    def for_claimant(self, caller: Caller, claimant_id: str) -> tuple[MeasureReport, int]:
        """The estimate per measure for a claimant of the caller's Jobcenter, and its audit entry."""
        # Health restrictions take part in the filters even where the role may not read them.
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        report = estimate_measures(self.market(), c, self.settings)
        audit_id = self.log.add_audit(
            who=caller.name,
            action="measures",
            claimant_id=c.id,
            model_version=report.model_version,
            index_version=report.index_version,
            payload={
                "role": caller.role_name,
                "k": report.k,
                "market_months": report.market_months,
                "market_vacancies": report.market_vacancies,
                "measures": [
                    {"key": e.key, "gain": e.gain, "newly_eligible": e.newly_eligible, "offered": e.offered}
                    for e in report.estimates
                ],
            },
        )
        return report, audit_id
