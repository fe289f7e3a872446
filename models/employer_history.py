"""How an employer's earlier placements lasted: the feature ``employer_lasting`` (pure numpy).

A Jobcenter knows which employers keep the people it places and which let them go before the year
is out (the revolving door); a case manager names it in one sentence ("of this firm's last eight
placements, three were still there after a year, where five would have been usual for such
jobs"). The recorded employer fields (size, collective agreement, training, temp agency) show only
part of it.

The feature is the employer's **lasting placements beyond what was to be expected of them**:
(lasted − expected) / (placements + ``PRIOR_WEIGHT``), where ``expected`` sums each placement's
probability under the additive model fitted without this feature. 0 for an employer without history,
positive for one whose placements last more often than their claimants, jobs and commutes predicted.
The division by placements + ``PRIOR_WEIGHT`` shrinks an employer with few placements towards 0.
Why beyond the expected, not the plain share of lasting placements: an employer whose placements
were mostly fixed-term jobs at long commutes has a low share that the other features already
explain; the plain share counted that twice and told apart less of what the employer itself does.
On the second generator's development regions (alt seeds 1-6) the additive model's held-out AUC
moved by +0.0038, +0.0033, -0.0006, -0.0021, -0.0002 and +0.0014 with the expected subtracted
(``docs/sustainability.md``, issue 18). A bundle written before (no ``expected`` in
``employers.json``) keeps the plain share minus the overall one.

It is computed from outcomes only, never from the placement being scored:

- **serving**: from all placements of the training run (``EmployerHistory``, kept in the scorer
  bundle as ``employers.json``), so a lookup and its audit replay read the same number until the
  next retraining;
- **training**: each placement's value from the other placements only, out of fold
  (``out_of_fold``: ``FOLDS`` folds by position), so a row's own outcome never enters its feature
  through its employer's sums (the expected values come from one model fitted on all rows of the
  run, the row's own among them: its outcome moves that model's coefficients only);
- **held-out evaluation**: from the older (training) placements only.

When the feature was introduced as the plain share, on six development regions of the second
generator (alt seeds 1-6, with the directions of ``models.monotone``), the held-out AUC gap to the
best achievable from the recorded fields fell from +0.0115 to +0.0051 on average; on the project's
region (seeds 41, 9173) the AUC moved by 0.0002.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

PRIOR_WEIGHT = 5.0  # placements' worth of the overall share mixed into each employer's own
FOLDS = 5


@dataclass(frozen=True)
class EmployerHistory:
    """Per employer id: placements recorded and how many of them lasted; the overall share."""

    placements: Mapping[str, int]
    lasted: Mapping[str, int]
    share: float
    weight: float = PRIOR_WEIGHT
    # Per employer, the sum of its placements' expected probability of lasting (module doc); None in
    # a history without it (the plain share, as bundles written before it hold).
    expected: Mapping[str, float] | None = None

    @classmethod
    def from_outcomes(
        cls, employer_ids: Sequence[str], lasted: npt.ArrayLike, expected: npt.ArrayLike | None = None
    ) -> EmployerHistory:
        """``expected``: each placement's probability of lasting without this feature (aligned)."""
        y = np.asarray(lasted, dtype=np.int64)
        if len(y) != len(employer_ids):
            raise ValueError("employer ids and outcomes must be aligned")
        p = None if expected is None else np.asarray(expected, dtype=np.float64)
        if p is not None and len(p) != len(y):
            raise ValueError("employer ids and expected probabilities must be aligned")
        n: dict[str, int] = {}
        k: dict[str, int] = {}
        for e, v in zip(employer_ids, y.tolist(), strict=True):
            n[e] = n.get(e, 0) + 1
            k[e] = k.get(e, 0) + int(v)
        share = float(y.mean()) if len(y) else 0.0
        if p is None:
            return cls(placements=n, lasted=k, share=share)
        x: dict[str, float] = {}
        for e, q in zip(employer_ids, p.tolist(), strict=True):
            x[e] = x.get(e, 0.0) + q
        return cls(placements=n, lasted=k, share=share, expected=x)

    def values(self, employer_ids: Sequence[str]) -> F64:
        """``employer_lasting`` of vacancies of these employers (module doc)."""
        n = np.array([self.placements.get(e, 0) for e in employer_ids], dtype=np.float64)
        k = np.array([self.lasted.get(e, 0) for e in employer_ids], dtype=np.float64)
        if self.expected is not None:
            x = np.array([self.expected.get(e, 0.0) for e in employer_ids], dtype=np.float64)
            beyond: F64 = (k - x) / (n + self.weight)
            return beyond
        out: F64 = (k + self.weight * self.share) / (n + self.weight) - self.share
        return out

    def to_json(self) -> str:
        ids = sorted(self.placements)
        x = self.expected
        return json.dumps(
            {
                "share": self.share,
                "weight": self.weight,
                "beyond_expected": x is not None,
                "employers": {
                    e: [self.placements[e], self.lasted.get(e, 0)] + ([] if x is None else [x.get(e, 0.0)])
                    for e in ids
                },
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> EmployerHistory:
        data: dict[str, Any] = json.loads(text)
        rows = data["employers"]
        beyond = bool(data.get("beyond_expected", False))
        return cls(
            placements={e: int(v[0]) for e, v in rows.items()},
            lasted={e: int(v[1]) for e, v in rows.items()},
            share=float(data["share"]),
            weight=float(data["weight"]),
            expected={e: float(v[2]) for e, v in rows.items()} if beyond else None,
        )


def out_of_fold(
    employer_ids: Sequence[str],
    lasted: npt.ArrayLike,
    folds: int = FOLDS,
    expected: npt.ArrayLike | None = None,
) -> F64:
    """Each row's ``employer_lasting`` from the rows of the other folds (fold = position mod
    ``folds``), the overall share (or the expected sums) also from those rows."""
    y = np.asarray(lasted, dtype=np.int64)
    p = None if expected is None else np.asarray(expected, dtype=np.float64)
    out = np.zeros(len(y), dtype=np.float64)
    fold = np.arange(len(y)) % folds
    for f in range(folds):
        inside = fold == f
        if not inside.any():
            continue
        rest = np.flatnonzero(~inside)
        history = EmployerHistory.from_outcomes(
            [employer_ids[i] for i in rest.tolist()], y[rest], None if p is None else p[rest]
        )
        out[inside] = history.values([employer_ids[i] for i in np.flatnonzero(inside).tolist()])
    return out
