"""Realised rates of a region: the AUC helper and rates that match published facts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from training.synthetic import auc, generate_region, summary


def test_auc_helper() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 11])
def test_outcome_rates_match_published_facts(seed: int, big7) -> None:  # type: ignore[no-untyped-def]
    region = big7 if seed == 7 else generate_region(seed, 3000, 2000)
    s = summary(region)
    assert s["placements"] == 12000
    assert 0.35 <= s["share_employed_12m"] <= 0.45
    assert 0.40 <= s["share_ended_within_6m"] <= 0.55
    assert 0.75 <= s["bayes_auc_sustain"] <= 0.82
    assert 0.25 <= s["share_temp_agency_helper_vacancies"] <= 0.40
    assert s["share_benefits_12m"] > 1 - s["share_employed_12m"] - 0.15
    assert set(s["claimants_by_jobcenter"]) == {"JC-GOE", "JC-OHA"}
    assert s["reference_date"] == date(2026, 11, 1).isoformat()
