"""`passgenau match` and `candidates` end to end with the real German embedding model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

pytestmark = pytest.mark.slow  # the real e5 model through the CLI

runner = CliRunner()


def run(data_dir: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module", autouse=True)
def as_of():
    # The region's vacancies are current as of synth's reference date, not of the day the test runs.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PASSGENAU_AS_OF", "2026-11-01")
        yield


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("e5")
    run(d, "synth", "--seed", "3", "--claimants", "120", "--vacancies", "160", "--placements", "600",
        "--out", str(d / "region"))  # fmt: skip
    for kind in ("vacancies", "claimants"):
        run(d, "import", kind, str(d / "region" / f"{kind}.csv"))
    return d


def _json_tail(output: str) -> dict:
    return json.loads(output[output.index("{\n") :])


def test_match_returns_k_explained_results_with_e5(data_dir: Path) -> None:
    # Rural claimants without a car may have few eligible vacancies: take a mobile, flexible one.
    with open(data_dir / "region" / "claimants.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cid = next(
        r["id"] for r in rows
        if r["has_car"] == "true" and r["shifts_ok"] == "true" and r["german_level"] in ("B2", "C1", "C2")
        and not r["health_max_load"] and float(r["available_hours"]) >= 39
    )  # fmt: skip
    out = _json_tail(run(data_dir, "match", cid, "--k", "8", "--json"))
    assert out["kind"] == "suggestions" and out["subject_id"] == cid
    assert out["embedder_id"].startswith("multilingual-e5-small@")
    assert len(out["items"]) == min(8, out["eligible"]) and out["eligible"] >= 8
    for item in out["items"]:
        assert item["commute_minutes"] <= item["commute_limit"]
        assert 0.5 < item["similarity"] <= 1.0
        assert set(item["filters_passed"]) == {
            "open",
            "commute",
            "hours",
            "shifts",
            "licence",
            "german",
            "health",
        }
    assert sum(out["excluded"].values()) > 0
    text = run(data_dir, "match", cid, "--k", "3")
    assert f"suggestions for claimant {cid}" in text and "Filtered out" in text


def test_candidates_for_a_vacancy_with_e5(data_dir: Path) -> None:
    out = _json_tail(run(data_dir, "candidates", "V-000001", "--k", "5", "--json"))
    assert out["kind"] == "candidates" and len(out["items"]) <= 5
    assert all(i["vacancy_id"] == "V-000001" for i in out["items"])


def test_unknown_claimant_exits_2(data_dir: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(data_dir), "match", "K-999999"])
    assert result.exit_code == 2 and "K-999999" in result.output
