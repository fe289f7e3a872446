"""The generated region: records, hidden truth and the parameters that made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

import training.synthetic.truth as T
from matcher.domain import (
    Claimant,
    Outcome,
    Proposal,
    ProtectedAttributes,
    Vacancy,
)

GENERATOR_VERSION = "synth-1"
REFERENCE_DATE = date(2026, 11, 1)


@dataclass
class Region:
    """A generated region: current records, the placement history, and its hidden truth."""

    seed: int
    reference_date: date
    claimants: list[Claimant]
    protected: list[ProtectedAttributes]
    vacancies: list[Vacancy]
    history_claimants: list[Claimant]
    history_protected: list[ProtectedAttributes]
    history_vacancies: list[Vacancy]
    outcomes: list[Outcome]
    proposals: list[Proposal]
    outcome_p_sustain: np.ndarray  # hidden truth P(sustain) of each outcome, same order
    params: dict[str, Any] = field(default_factory=dict)
    truth: T.GroundTruth = field(default_factory=T.GroundTruth)
