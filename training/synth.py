"""Old home of the synthetic-region generator: the public names of `training.synthetic`.

Kept for `matcher/cli.py` until its imports move to `training.synthetic`.
"""

from __future__ import annotations

from training.synthetic import (
    GENERATOR_VERSION,
    HISTORY_MONTHS,
    REFERENCE_DATE,
    SHARE_ENDING_EARLY,
    Region,
    auc,
    default_placements,
    generate_region,
    summary,
    write_region,
)

__all__ = [
    "GENERATOR_VERSION",
    "HISTORY_MONTHS",
    "REFERENCE_DATE",
    "SHARE_ENDING_EARLY",
    "Region",
    "auc",
    "default_placements",
    "generate_region",
    "summary",
    "write_region",
]
