"""Inputs of a model card shared by its tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.card.writer import write_model_card
from training.fairness import fairness_report
from training.proxy import proxy_check

N = 500


@pytest.fixture(scope="package")
def inputs() -> dict:  # type: ignore[type-arg]
    rng = np.random.default_rng(11)
    groups = {
        "sex": rng.choice(["f", "m", "d"], N, p=[0.49, 0.49, 0.02]),
        "nationality_group": rng.choice(["de", "eu", "asylum", "other"], N),
        "age_band": rng.choice(["u25", "25-34", "35-49", "50+"], N),
        "severe_disability": rng.uniform(size=N) < 0.1,
    }
    p = rng.uniform(0.05, 0.95, N)
    y = (rng.uniform(size=N) < p).astype(float)
    X = np.column_stack([p + rng.normal(scale=0.1, size=N), (groups["sex"] == "f").astype(float)])
    manifest = {
        "created": "20250101T000000Z",
        "format": 1,
        "embedder": "test-embedder",
        "kinds": {"match": "additive", "sustain": "ga2m"},
        "choice_reason": "ga2m with 1 pair term(s)",
        "interaction_terms": ["commute_minutes×no_car"],
        "monotone": {"commute_minutes": -1, "need_covered": 1},
        "libraries": {"numpy": "2.x", "scikit-learn": "1.x"},
        "training": {
            "placements": 4000,
            "placement_starts": ["2021-01-04", "2024-06-28"],
            "holdout_share": 0.2,
        },
    }
    return {
        "version": "20250101T000000Z-abcdef12",
        "manifest": manifest,
        "metrics": {
            "sustain": {
                "additive": {"auc": 0.71, "ece": 0.012},
                "ga2m": {
                    "auc": 0.72,
                    "ece": 0.013,
                    "vs_additive": {"diff": 0.01, "low": 0.004, "high": 0.016},
                    "search": [
                        {
                            "pair": "commute_minutes×no_car",
                            "rank_gain": 12.5,
                            "heldout_saving": [0.004],
                            "kept": True,
                        },
                    ],
                },
                "chosen": "ga2m",
                "calibration": {
                    "fold": 640,
                    "ece": 0.015,
                    "ece_platt": 0.016,
                    "platt": False,
                    "holdout_ece_before": 0.013,
                    "holdout_ece_after": 0.013,
                },
            }
        },
        "fairness": fairness_report(y, p, groups),
        "proxy": proxy_check(X, ["similarity", "young_children"], groups, seed=0),
        "y_true": y,
        "y_score": p,
        "groups": groups,
    }


@pytest.fixture(scope="package")
def card(tmp_path_factory: pytest.TempPathFactory, inputs: dict) -> Path:  # type: ignore[type-arg]
    return write_model_card(tmp_path_factory.mktemp("card") / "card", **inputs)
