"""The hidden employer factor of the second generator: a workplace type per employer.

Each employer is *strained*, *ordinary* or *supportive* (how a workplace treats new people: induction,
a fixed shift plan, a boss who lets a parent swap a late shift). The type is never recorded. It is
partly visible through the employer's recorded fields by an ordered logit: with the score
``s = −0.5 + 0.9 collective agreement + 0.3 size band (0-3) + 0.4 training − 0.6 temp agency``,

    P(strained) = σ(−0.4 − s),  P(supportive) = 1 − σ(1.0 − s),  P(ordinary) = the rest.

The type is drawn once per employer from a uniform that is a hash of (seed, employer id), so every
vacancy of an employer has the same type, in the history and among the current vacancies, and the
draw consumes nothing from the generator's streams (the records of a seed do not depend on it).
Neither hires nor proposals depend on the type, so among placements the type given the recorded
fields still has exactly this prior: the best prediction from recorded fields is the prior-weighted
sum over the three types (``training.synthetic_alt.truth.p_sustain_observed``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matcher.domain import Employer, Vacancy
from training.synthetic.truth_inputs import SIZE_INDEX

F64 = npt.NDArray[np.float64]
TYPES = ("strained", "ordinary", "supportive")
CUT_STRAINED, CUT_SUPPORTIVE = -0.4, 1.0


def _sigmoid(x: F64) -> F64:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def employer_score(ca: F64, size: F64, training: F64, temp: F64) -> F64:
    """The observable part of the workplace type (module doc), per employer or vacancy."""
    return -0.5 + 0.9 * ca + 0.3 * size + 0.4 * training - 0.6 * temp


def type_prior(score: F64) -> F64:
    """(n, 3) probabilities of strained / ordinary / supportive given the recorded fields."""
    p_strained = _sigmoid(CUT_STRAINED - score)
    p_supportive = 1.0 - _sigmoid(CUT_SUPPORTIVE - score)
    return np.column_stack([p_strained, 1.0 - p_strained - p_supportive, p_supportive])


def employer_uniform(seed: int, employer_id: str) -> float:
    """A uniform in [0, 1) from (seed, employer id): stable, independent of any draw order."""
    h = hashlib.blake2b(f"synth-alt:{seed}:{employer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def employer_fields(employers: Sequence[Employer]) -> tuple[F64, F64, F64, F64]:
    """(collective agreement, size band 0-3, training, temp agency) as float arrays."""
    ca = np.array([e.collective_agreement for e in employers], np.float64)
    size = np.array([SIZE_INDEX[e.size_band] for e in employers], np.float64)
    training = np.array([e.offers_training for e in employers], np.float64)
    temp = np.array([e.temp_agency for e in employers], np.float64)
    return ca, size, training, temp


def vacancy_types(seed: int, vacancies: Sequence[Vacancy]) -> tuple[F64, npt.NDArray[np.int64]]:
    """Per vacancy: the (n, 3) prior of its employer's type and the type drawn (0, 1, 2)."""
    prior = type_prior(employer_score(*employer_fields([v.employer for v in vacancies])))
    u = np.array([employer_uniform(seed, v.employer.id) for v in vacancies], np.float64)
    kind = (u >= prior[:, 0]).astype(np.int64) + (u >= prior[:, 0] + prior[:, 1])
    return prior, kind
