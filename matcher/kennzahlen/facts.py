"""The plain records the figures are computed from; the use case builds them from the store.

Each fact carries the claimant's pseudonym only so that suppression can count people; no figure
and no output of this package names a claimant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Unit:
    """Where a claimant is looked after: Jobcenter, team, case manager."""

    jobcenter: str
    team: str
    case_manager: str


@dataclass(frozen=True)
class ClaimantFact:
    """A claimant in the register, active or not, with the days that bound their spell: the stock
    of each month (``in_stock``) and today's stock (``active``) come from these."""

    claimant_id: str
    unit: Unit
    single_parent: bool
    groups: tuple[tuple[str, str], ...] = ()  # (protected attribute, value), fairness audit only
    active: bool = True
    activated: date | None = None  # None: not recorded (in the stock since before any month)
    # An inactive claimant's last recorded day (integration start or proposal), standing for the day
    # they left, which the register does not hold; None while active, or if nothing was recorded.
    left: date | None = None

    def in_stock(self, first: date, last: date) -> bool:
        """In the stock of the month ``first``..``last``: activated by its last day and, if no longer
        active, not gone before its first. An inactive claimant with no recorded day is in none."""
        if self.activated is not None and self.activated > last:
            return False
        if self.active:
            return True
        return self.left is not None and self.left >= first


@dataclass(frozen=True)
class IntegrationFact:
    """A recorded placement (outcome), attributed to the unit of the claimant at placement."""

    claimant_id: str
    unit: Unit
    start: date
    end: date | None  # None: still employed when recorded
    employed_12m: bool
    benefits_12m: bool
    single_parent: bool
    groups: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProposalFact:
    """A Vermittlungsvorschlag and whether it led to a hire (imported proposals and proposed actions)."""

    claimant_id: str
    unit: Unit
    proposed: date
    hired: bool


@dataclass(frozen=True)
class FirstProposalFact:
    """A claimant's activation and their first proposal (imported or confirmed in passgenau)."""

    claimant_id: str
    unit: Unit
    activated: date
    first_proposed: date


@dataclass(frozen=True)
class ForecastFact:
    """A proposal made from a shown suggestion, with the forecast it was shown with and what
    happened within the hire window (``lasting``: hired and still employed 12 months later)."""

    claimant_id: str
    unit: Unit
    proposed: date
    p_match: float
    p_sustain: float
    hired: bool
    lasting: bool

    @property
    def p_lasting(self) -> float:
        return self.p_match * self.p_sustain


@dataclass(frozen=True)
class CapacityFact:
    """One case manager's lists in one nightly run, without and with the capacity constraint (the
    run's manifest ``by_unit``, attributed to the unit at run time): Σ P(hire) and
    Σ P(hire)·P(sustainable) of the unconstrained top-N lists and of the allocated ones."""

    unit: Unit
    claimants: int  # the unit's claimants in the run (the manifest holds no ids)
    hires_without: float
    lasting_without: float
    hires_with: float
    lasting_with: float


@dataclass(frozen=True)
class NightlyFact:
    """One run of the nightly lists: the congestion before and after the capacity allocation (the
    run's manifest, over every Jobcenter of the run) and this unit's share of the lists."""

    run_id: str
    day: date
    before: dict[str, float]
    after: dict[str, float]
    # (claimant, unit, Σ P(hire), Σ P(hire)·P(sustainable)) of each claimant's list
    lists: tuple[tuple[str, Unit, float, float], ...] = field(default=())
    # None: the run's manifest predates the per-unit record of the capacity constraint
    capacity: tuple[CapacityFact, ...] | None = None


@dataclass(frozen=True)
class ShownFact:
    """One suggestion of a list shown to a case manager, with the forecast it was shown with."""

    claimant_id: str
    unit: Unit
    lookup_id: int
    shown: date
    p_match: float
    p_sustain: float
