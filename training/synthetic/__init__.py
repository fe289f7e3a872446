"""Seeded generator of a synthetic region with hidden ground truth.

Landkreis Göttingen with the former Landkreis Osterode am Harz (`places`), occupations from
`matcher.occupations`, the truth from `truth`. One `numpy.random.Generator(PCG64)` per stream
drives everything; no wall clock, no global random state: the same seed gives the same bytes.

The history is a pool of historic claimants (``H-K…``) and historic vacancies (``H-V…``):
case managers propose plausible vacancies (occupation, distance, timing) and a few random ones;
each proposal leads to a hire with the truth's P(hire | proposal) (within the vacancy's openings);
the first hire of a claimant is a placement; whether it lasts 12 months is drawn with the truth's
P(sustain). Placements start between 48 and 12 months before the reference date, so every one is
labelled.

Modules, by what they generate: `draw` (the pre-drawn uniforms), `places`, `claimants` (with
households; their texts in `profiles` and `wording`), `employers`, `vacancies`, `histories`
(proposals, hires, outcomes), `truth` (with `truth_inputs` and the scalar `truth_reference`),
`generate` (`generate_region`), `summary` and `writer` (CSV files and truth.json).
"""

from __future__ import annotations

from training.synthetic.generate import default_placements, generate_region
from training.synthetic.histories import HISTORY_MONTHS, SHARE_ENDING_EARLY
from training.synthetic.region import GENERATOR_VERSION, REFERENCE_DATE, Region
from training.synthetic.summary import auc, summary
from training.synthetic.writer import write_region

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
