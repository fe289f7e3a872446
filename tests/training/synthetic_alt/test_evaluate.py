"""`evaluate_ranking(generator="alt")` end to end on a small region (trigram embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.settings import Settings
from tests.training.retrieval.test_evaluation import TrigramEmbedder
from training.evaluate import evaluate_ranking, format_ranking_report


@pytest.mark.slow  # trains both models on 800 placements and serves 15 lookups: ~5 s
def test_evaluate_ranking_on_the_second_generator(tmp_path: Path) -> None:
    result = evaluate_ranking(
        41,
        120,
        120,
        Settings(data_dir=tmp_path),
        embedder=TrigramEmbedder(dim=64),
        sample=15,
        placements=800,
        generator="alt",
    )
    report = format_ranking_report(result)
    last = json.loads(report.splitlines()[-1])
    assert last["generator"] == "alt"
    # the truth's figures depend on the generator and the time split only
    assert (last["auc_oracle"], last["auc_observed"], last["auc_observed_history"]) == (
        0.7817,
        0.7671,
        0.7733,
    )
    assert last["auc_observed"] - last["auc"] == pytest.approx(last["auc_gap_observed"], abs=2e-4)
    lo, hi = last["auc_gap_observed_95"]
    assert lo < last["auc_gap_observed"] < hi
    assert "child 0-5 & shift work" in report and "Bayes-optimal" in report


def test_an_unknown_generator_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="generator must be one of project, alt"):
        evaluate_ranking(1, 5, 5, Settings(data_dir=tmp_path), embedder=TrigramEmbedder(dim=8), generator="x")


def test_the_cli_refuses_an_unknown_generator() -> None:
    from typer.testing import CliRunner

    from matcher.cli import app

    result = CliRunner().invoke(app, ["eval", "ranking", "--seed", "1", "--generator", "nope"])
    assert result.exit_code == 2
    assert "--generator must be one of project, alt" in result.output
