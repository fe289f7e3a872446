"""The case manager's list controls: narrow a claimant's suggestions by contract, temp agency, an
hours band and a shorter commute (pure numpy).

Unlike the hard filters (``matcher.filters``, what the claimant cannot take), these are a choice for
one look at the list: "only permanent", "no temp agency", "20-30 hours", "at most 30 minutes". They
only narrow which vacancies are searched (the nearest of those that pass are fetched, as for the
full list); the order of what remains is still expected lasting placements, never a sort by the
controls.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain import Contract
from matcher.errors import ValidationError

CONTROLS: tuple[str, ...] = ("contract", "temp_agency", "hours", "max_commute")

CONTROLS_DE: dict[str, str] = {
    "contract": "Vertrag nicht wie gewählt",
    "temp_agency": "Zeitarbeit nicht wie gewählt",
    "hours": "Wochenstunden außerhalb des gewählten Bereichs",
    "max_commute": "Arbeitsweg länger als gewählt",
}


@dataclass(frozen=True)
class ListFilter:
    """What a list is narrowed to; None everywhere: the full list."""

    contract: Contract | None = None  # only permanent, or only fixed-term
    temp_agency: bool | None = None  # False: no temp agency; True: only temp agencies
    hours_min: float | None = None  # weekly hours, inclusive
    hours_max: float | None = None
    max_commute: float | None = None  # one-way minutes (the claimant's limit still applies)

    def __post_init__(self) -> None:
        for name in ("hours_min", "hours_max"):
            h = getattr(self, name)
            if h is not None and not 0 <= h <= 80:
                raise ValidationError(name, "must lie between 0 and 80 hours a week")
        if self.hours_min is not None and self.hours_max is not None and self.hours_min > self.hours_max:
            raise ValidationError("hours_min", "must not be above hours_max")
        if self.max_commute is not None and not 1 <= self.max_commute <= 180:
            raise ValidationError("max_commute", "must lie between 1 and 180 minutes one way")

    @property
    def active(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def passes(
        self,
        *,
        fixed_term: npt.NDArray[np.bool_],
        temp_agency: npt.NDArray[np.bool_],
        hours: npt.NDArray[np.float64],
        commute_minutes: npt.NDArray[np.float64],
    ) -> dict[str, npt.NDArray[np.bool_]]:
        """Per control, which vacancies pass it (arrays aligned with the catalog)."""
        n = hours.shape[0]
        out: dict[str, npt.NDArray[np.bool_]] = {}
        if self.contract is not None:
            out["contract"] = fixed_term if self.contract is Contract.FIXED_TERM else ~fixed_term
        if self.temp_agency is not None:
            out["temp_agency"] = temp_agency if self.temp_agency else ~temp_agency
        if self.hours_min is not None or self.hours_max is not None:
            lo = -np.inf if self.hours_min is None else self.hours_min
            hi = np.inf if self.hours_max is None else self.hours_max
            out["hours"] = (hours >= lo) & (hours <= hi)
        if self.max_commute is not None:
            out["max_commute"] = np.nan_to_num(commute_minutes, nan=np.inf) <= self.max_commute
        return {k: np.broadcast_to(np.asarray(v, dtype=bool), (n,)) for k, v in out.items()}

    def payload(self) -> dict[str, Any]:
        """The controls set, for the audit entry (a replay narrows the same way)."""
        d = {k: v for k, v in asdict(self).items() if v is not None}
        if self.contract is not None:
            d["contract"] = self.contract.value
        return d

    @classmethod
    def from_payload(cls, d: dict[str, Any] | None) -> ListFilter:
        d = dict(d or {})
        if "contract" in d:
            d["contract"] = Contract(d["contract"])
        return cls(**d)


NO_FILTER = ListFilter()
