"""The lists shown, and what they would bring if followed: per unit and month of showing, the
lists, their suggestions, and the expected hires (Σ P(hire)) and lasting placements
(Σ P(hire) × P(sustainable)) were every suggestion proposed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matcher.kennzahlen import cells
from matcher.kennzahlen.definitions import month_of
from matcher.kennzahlen.facts import ShownFact


def _summary(facts: Sequence[ShownFact]) -> dict[str, Any]:
    ids = {f.claimant_id for f in facts}
    return {
        "lists": cells.count(len({f.lookup_id for f in facts}), ids),
        "suggestions": cells.count(len(facts), ids),
        "expected_hires": cells.count(math.fsum(f.p_match for f in facts), ids),
        "expected_lasting": cells.count(math.fsum(f.p_match * f.p_sustain for f in facts), ids),
    }


def shown_figures(facts: Sequence[ShownFact], months: Sequence[str]) -> dict[str, Any]:
    by: dict[str, list[ShownFact]] = {}
    for f in facts:
        by.setdefault(month_of(f.shown), []).append(f)
    return {
        "total": _summary([f for m in months for f in by.get(m, [])]),
        "months": [{"month": m, **_summary(by.get(m, []))} for m in months],
    }
