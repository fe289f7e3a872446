"""The Förderempfehlung's evaluation against the truth: its rank statistics and a small run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.settings import Settings
from tests.fakes import TrigramEmbedder
from training.evaluate_measures import average_ranks, evaluate_measures, format_measures_report, spearman


def test_ranks_share_ties_and_spearman_is_nan_for_a_constant_side() -> None:
    assert average_ranks([0.3, 0.1, 0.3, 0.0]).tolist() == [3.5, 2.0, 3.5, 1.0]
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([0, 0, 0], [1, 2, 3]) != spearman([0, 0, 0], [1, 2, 3])  # NaN


def test_evaluate_measures_smoke(tmp_path: Path) -> None:
    result = evaluate_measures(
        3, 120, 150, Settings(data_dir=tmp_path), embedder=TrigramEmbedder(dim=64), sample=12, placements=800
    )
    last = json.loads(format_measures_report(result).splitlines()[-1])
    assert set(last) >= {"top1_agreement", "spearman", "claimants"}
    assert last["claimants"] == 12
    assert result["per_measure"]["licence_b"]["applies"] >= 1
    again = evaluate_measures(
        3, 120, 150, Settings(data_dir=tmp_path), embedder=TrigramEmbedder(dim=64), sample=12, placements=800
    )
    assert {k: v for k, v in again.items() if k not in ("seconds", "measures_ms")} == {
        k: v for k, v in result.items() if k not in ("seconds", "measures_ms")
    }
