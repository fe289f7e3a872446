"""Fairness report and gate: fairlearn's MetricFrame against hand-computed group metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training.fairness import FairnessLimits, check_gaps, fairness_report, gate, group_labels

# Group A: 5 lasting placements scored [.9 .8 .7 .6 .3] (4 ≥ 0.5: TPR 4/5), 5 not lasting scored
# [.6 .2 .2 .1 .1] (1 ≥ 0.5: FPR 1/5); selection 5/10; mean score 4.5/10 vs observed 0.5.
# Group B: 4 lasting scored [.9 .4 .4 .2] (TPR 1/4), 4 not lasting scored [.7 .6 .5 .1] (0.5 counts:
# FPR 3/4); selection 4/8; mean score 3.8/8 = 0.475 vs observed 0.5.
Y_A = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
S_A = [0.9, 0.8, 0.7, 0.6, 0.3, 0.6, 0.2, 0.2, 0.1, 0.1]
Y_B = [1, 1, 1, 1, 0, 0, 0, 0]
S_B = [0.9, 0.4, 0.4, 0.2, 0.7, 0.6, 0.5, 0.1]


def _two_groups(repeat: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.array((Y_A + Y_B) * repeat, dtype=float)
    s = np.array((S_A + S_B) * repeat)
    g = np.array((["A"] * len(Y_A) + ["B"] * len(Y_B)) * repeat)
    return y, s, g


def test_by_group_metrics_equal_hand_computed_numbers() -> None:
    y, s, g = _two_groups()
    report = fairness_report(y, s, {"sex": g})
    a, b = report.attributes["sex"].by_group["A"], report.attributes["sex"].by_group["B"]
    assert (a["n"], a["positives"], a["negatives"]) == (10, 5, 5)
    assert (b["n"], b["positives"], b["negatives"]) == (8, 4, 4)
    assert (a["tpr"], a["fpr"], a["selection_rate"]) == (4 / 5, 1 / 5, 5 / 10)
    assert (b["tpr"], b["fpr"], b["selection_rate"]) == (1 / 4, 3 / 4, 4 / 8)
    assert a["observed_rate"] == b["observed_rate"] == 0.5
    assert a["calibration_gap"] == pytest.approx(0.45 - 0.5, abs=1e-12)
    assert b["calibration_gap"] == pytest.approx(0.475 - 0.5, abs=1e-12)
    assert a["tpr_se"] == pytest.approx(np.sqrt(0.8 * 0.2 / 5), abs=1e-12)
    gaps = report.attributes["sex"].gaps
    assert gaps["tpr"] == pytest.approx(0.55, abs=1e-12)
    assert gaps["fpr"] == pytest.approx(0.55, abs=1e-12)
    assert gaps["selection_rate"] == 0.0
    assert gaps["calibration_gap"] == pytest.approx(0.025, abs=1e-12)
    # Overall: TP 5 of 9 positives, FP 4 of 9 negatives.
    assert (report.overall["tpr"], report.overall["fpr"], report.n) == (5 / 9, 4 / 9, 18)


def test_threshold_moves_predictions() -> None:
    y, s, g = _two_groups()
    report = fairness_report(y, s, {"sex": g}, threshold=0.65)
    a, b = report.attributes["sex"].by_group["A"], report.attributes["sex"].by_group["B"]
    assert (a["tpr"], a["fpr"]) == (3 / 5, 0.0)
    assert (b["tpr"], b["fpr"]) == (1 / 4, 1 / 4)


def test_undefined_rate_is_nan_not_zero_and_report_is_json() -> None:
    y = np.array([1.0, 1.0, 0.0, 0.0])
    s = np.array([0.9, 0.2, 0.8, 0.1])
    report = fairness_report(y, s, {"age_band": np.array(["u25", "u25", "50+", "50+"])})
    assert np.isnan(report.attributes["age_band"].by_group["50+"]["tpr"])  # no positives
    assert np.isnan(report.attributes["age_band"].by_group["u25"]["fpr"])  # no negatives
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["attributes"]["age_band"]["by_group"]["50+"]["tpr"] is None


def test_group_labels_for_enums_booleans_and_missing() -> None:
    from matcher.domain import Sex

    assert list(group_labels([Sex.FEMALE, True, np.False_, None, float("nan"), "eu"])) == [
        "f", "ja", "nein", "unbekannt", "unbekannt", "eu",
    ]  # fmt: skip


def test_gate_refuses_when_a_gap_exceeds_its_limit() -> None:
    y, s, g = _two_groups(repeat=20)  # 100 and 80 positives: the 0.55 gaps are far outside noise
    reasons = gate(fairness_report(y, s, {"sex": g}))
    assert len(reasons) == 2
    assert reasons[0].startswith("sex: TPR differs by 0.550 between groups A and B")
    assert reasons[1].startswith("sex: FPR differs by 0.550 between groups B and A")


def test_gate_passes_when_every_gap_is_under_its_limit() -> None:
    y, s, g = _two_groups(repeat=20)
    report = fairness_report(y, s, {"sex": g})
    assert gate(report, FairnessLimits(tpr_gap=0.56, fpr_gap=0.56, calibration_gap=0.03)) == []
    # Calibration gap 0.025 is over a 0.02 limit: refused (z=0: the plain rule).
    reasons = gate(report, FairnessLimits(tpr_gap=0.56, fpr_gap=0.56, calibration_gap=0.02, alpha=None))
    assert len(reasons) == 1 and "calibration gap" in reasons[0]
    # Every row once in each of two groups: identical groups, no gap, with the default limits.
    twin = fairness_report(np.repeat(y, 2), np.repeat(s, 2), {"sex": np.tile(["f", "m"], len(y))})
    assert all(gap == 0 for gap in twin.attributes["sex"].gaps.values())
    assert gate(twin) == []


def test_small_groups_are_reported_but_not_gated() -> None:
    y, s, g = _two_groups(repeat=20)
    # One tiny group "d" whose 4 rows are all wrong: TPR 0, FPR 1.
    y = np.concatenate([y[g == "A"], [1, 1, 0, 0]])
    s = np.concatenate([s[g == "A"], [0.1, 0.1, 0.9, 0.9]])
    groups = np.array(["A"] * int((g == "A").sum()) + ["d"] * 4)
    report = fairness_report(y, s, {"sex": groups})
    assert report.attributes["sex"].gaps["tpr"] == pytest.approx(0.8)  # reported over all groups
    assert gate(report) == []  # ... but "d" is below 30 in every denominator
    tpr = next(c for c in check_gaps(report) if c.metric == "tpr")
    assert tpr.small_groups == ("d",) and tpr.gated_groups == ("A",)
    assert len(gate(report, FairnessLimits(min_group_size=2))) >= 2


def test_noise_allowance() -> None:
    # Two groups of 40 with TPR 0.6 vs 0.45 (20 positives each): gap 0.15 > 0.10, but its standard
    # error is ≈ 0.16, so with alpha 0.05 (z 1.96 for two groups) it is not distinguishable from noise; without it refuses.
    y = np.tile(np.r_[np.ones(20), np.zeros(20)], 2)
    s = np.r_[
        np.r_[np.full(12, 0.9), np.full(8, 0.1)],
        np.full(20, 0.1),
        np.r_[np.full(9, 0.9), np.full(11, 0.1)],
        np.full(20, 0.1),
    ]
    g = np.repeat(["x", "y"], 40)
    report = fairness_report(y, s, {"nationality_group": g})
    assert report.attributes["nationality_group"].gaps["tpr"] == pytest.approx(0.15)
    loose = FairnessLimits(calibration_gap=None, min_group_size=20)
    assert gate(report, loose) == []
    strict = FairnessLimits(calibration_gap=None, min_group_size=20, alpha=None)
    assert [r.split(" differs")[0] for r in gate(report, strict)] == ["nationality_group: TPR"]


def test_noise_allowance_is_bonferroni_corrected_over_every_comparison() -> None:
    limits = FairnessLimits()
    assert limits.z(1) == pytest.approx(1.95996, abs=1e-4)
    assert limits.z(6) == pytest.approx(2.6383, abs=1e-4)  # 1 - 0.05 / 12
    assert FairnessLimits(alpha=None).z(6) == 0.0
    # Two attributes of two groups each, three gated metrics (selection rate is not gated): one
    # family of 6 comparisons, so every check uses z(6), also the ungated selection rate's.
    y, s, g = _two_groups(repeat=20)
    report = fairness_report(y, s, {"sex": g, "severe_disability": g})
    zs = {(c.attribute, c.metric): c.z for c in check_gaps(report)}
    assert len(zs) == 8 and all(z == pytest.approx(limits.z(6)) for z in zs.values())
    without_calibration = check_gaps(report, FairnessLimits(calibration_gap=None))
    assert all(c.z == pytest.approx(limits.z(4)) for c in without_calibration)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="0/1"):
        fairness_report([0, 2], [0.1, 0.2], {})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fairness_report([0, 1], [0.1, 1.2], {})
    with pytest.raises(ValueError, match="sex"):
        fairness_report([0, 1], [0.1, 0.2], {"sex": ["f"]})
