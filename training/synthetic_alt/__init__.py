"""A second synthetic generator, for evaluation only (``passgenau eval ranking --generator alt``).

The project's region generator (``training.synthetic``) and the sustainability model's features
were written by the same hands. This generator keeps the record types and the hires, but draws
whether a placement lasts from its own truth (``truth``): its own commute and household-need
formulas, steps and thresholds, effects that exist mostly in combination (long commute × no car,
young children × shift work, temp agency × no collective agreement) and a hidden employer type
(``hidden``) that the employer's recorded fields reveal only in part. Because the hidden part is a
three-valued type with an exact prior given the recorded fields, the best probability achievable
from recorded fields is computable exactly (``truth.p_sustain_observed``).
"""

from __future__ import annotations

from training.synthetic_alt.generate import DEFAULT_PLACEMENTS, generate_alt_region

__all__ = ["DEFAULT_PLACEMENTS", "generate_alt_region"]
