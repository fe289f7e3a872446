"""Förderempfehlung of a stored claimant: which measure would open the most lasting placements.

Authorised like every claimant read (another Jobcenter's claimant answers like a missing one) and
audit-logged; the estimate runs the lookup on copies of the record over the market sample
(``matcher.measures``) with an encoder that caches nothing, so that no changed profile's vector is
kept anywhere and nothing is written about the claimant but the audit entry.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant
from matcher.measures import MeasureReport, estimate_measures, market_service
from matcher.measures.team import TeamTable, team_table
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
        self._market: tuple[tuple[object, object], MatchService] | None = None

    def market(self) -> MatchService:
        """The market service of the live snapshot, built once per snapshot and day (its catalog is
        as large as the live one; a snapshot changes when a vacancy does)."""
        live = self.live.service
        with self._lock:
            held = self._market
            # By identity: a catalog compared by value would compare its arrays.
            if held is None or held[0][0] is not live.vacancies or held[0][1] != live.today:
                held = ((live.vacancies, live.today), market_service(live, self.settings.market_months))
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


class TransientSource(Protocol):
    model_id: str

    def encode_transient(self, claimant: Claimant) -> npt.NDArray[np.float32]: ...


class TransientQueries:
    """A query encoder that caches none of the changed profiles it embeds (a stored profile's
    cached vector is reused): a measure's copy of a record must leave nothing behind."""

    def __init__(self, inner: TransientSource) -> None:
        self.inner = inner
        self.model_id = inner.model_id

    def encode_claimant(self, claimant: Claimant) -> npt.NDArray[np.float32]:
        return self.inner.encode_transient(claimant)


def team_demand(service: MatchService, claimants: Sequence[Claimant], s: MeasureSettings) -> TeamTable:
    """The nightly table: per team, how many claimants each measure would help most
    (``matcher.measures.team``); ``service`` should embed with ``TransientQueries``."""
    market = market_service(service, s.market_months)
    best = []
    for c in claimants:
        top = estimate_measures(market, c, s).best()
        best.append((c.jobcenter, c.team, None if top is None else top.key))
    return team_table(best, [m.key for m in s.table], [m.label for m in s.table], min_cell=s.min_cell)
