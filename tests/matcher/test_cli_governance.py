"""`passgenau auskunft` and `passgenau governance report` on a real store and model bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.auth import RIGHTS, Role, create_token
from matcher.artifacts import current_path, read_manifest
from matcher.cli import app
from matcher.cli.governance import FAIRNESS_FILE, REPORT_NAME
from matcher.domain import Claimant
from matcher.settings import Settings
from tests.api.conftest import JC_A, JC_B, seed_store
from tests.matcher.usecases.test_governance import role_table

runner = CliRunner()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Claimant]]:
    settings, store, claimants, _ = seed_store(tmp_path_factory.mktemp("gov") / "data")
    create_token(store, "Frau Schulz", "case_manager", JC_A)
    create_token(store, "Herr Kaya", "team_lead", JC_A)
    store.add_audit(
        who="test", action="claimant.read", claimant_id=next(c.id for c in claimants if c.jobcenter == JC_A)
    )
    store.close()
    return settings, claimants


def run(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--data-dir", str(settings.data_dir), *args], catch_exceptions=False)


def test_auskunft_writes_json_and_the_printable_page(
    seeded: tuple[Settings, list[Claimant]], tmp_path: Path
) -> None:
    settings, claimants = seeded
    c = next(c for c in claimants if c.jobcenter == JC_A)
    result = run(settings, "auskunft", c.id, "--jobcenter", JC_A, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / f"auskunft-{c.id}.json").read_text(encoding="utf-8"))
    assert (data["claimant_id"], data["jobcenter"]) == (c.id, JC_A)
    assert data["record"]["profile_text"] == c.profile_text
    assert data["generated_by"].startswith("cli:")
    assert [e["action"] for e in data["audit"]] == ["claimant.read", "claimant.auskunft"]
    page = (tmp_path / f"auskunft-{c.id}.html").read_text(encoding="utf-8")
    assert "Auskunft über Ihre gespeicherten Daten" in page and f"Kundennummer {c.id}" in page
    # Without --out: the JSON on stdout.
    assert json.loads(run(settings, "auskunft", c.id).output)["claimant_id"] == c.id


def test_auskunft_of_another_jobcenter_is_like_a_missing_claimant(seeded: tuple[Settings, list[Claimant]],
                                                                  tmp_path: Path) -> None:  # fmt: skip
    settings, claimants = seeded
    c = next(c for c in claimants if c.jobcenter == JC_A)
    other = run(settings, "auskunft", c.id, "--jobcenter", JC_B, "--out", str(tmp_path))
    missing = run(settings, "auskunft", "K-NOPE", "--out", str(tmp_path))
    assert other.exit_code == missing.exit_code == 2
    assert other.output == missing.output == "passgenau: error: no such claimant\n"
    assert list(tmp_path.iterdir()) == []


def test_governance_report_reads_the_running_system(
    seeded: tuple[Settings, list[Claimant]], tmp_path: Path
) -> None:
    from training.retrain import FAIRNESS

    settings, claimants = seeded
    assert FAIRNESS_FILE == FAIRNESS
    bundle = current_path(settings.layout.scorer_bundles)
    assert bundle is not None
    manifest = read_manifest(bundle)
    checks = [{"attribute": "nationality_group", "metric": "calibration", "gap": 0.031, "low": "de",
               "high": "asylum", "limit": 0.05, "exceeded": False}]  # fmt: skip
    (bundle / FAIRNESS_FILE).write_text(json.dumps({"checks": checks}), encoding="utf-8")
    result = run(settings, "governance", "report", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = (tmp_path / REPORT_NAME).read_text(encoding="utf-8")
    assert f"Version: `{manifest['version']}`" in report
    auc = manifest["metrics"]["sustain"][manifest["metrics"]["sustain"]["chosen"]]["auc"]
    assert f"AUC {auc:.3f}" in report
    assert f"| claimants | {len(claimants)} |" in report
    assert "| nationality_group | calibration | 0.031 | asylum / de | 0.05 | nein |" in report
    assert "case_manager 1, team_lead 1" in report
    assert "Geschützte Merkmale unter den Modellmerkmalen: keine" in report
    _, rows = role_table(report)
    assert sorted(rows) == sorted(r.value for r in Role)
    assert sum(cell == "ja" for row in rows.values() for cell in row[2:]) == sum(
        len(r) for r in RIGHTS.values()
    )
