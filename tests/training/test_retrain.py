"""`passgenau retrain`: promotion only past every gate, the card beside the bundle, crash-safe pointer."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from matcher.artifacts import KILL_ENV
from matcher.bootstrap import Services
from matcher.cli import app, base
from matcher.settings import GovernanceSettings, Settings
from matcher.store import Store
from models.bundle import current_path, load_bundle, write_bundle
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from tests.fakes import TrigramEmbedder
from training.card.text import CARD, PLOTS
from training.fairness import FairnessLimits
from training.population import REFERENCE_FILE
from training.retrain import EVALUATION, FAIRNESS, REPORT, RetrainReport, retrain
from training.synthetic import generate_region

pytestmark = pytest.mark.slow  # the CLI, kill tests in subprocesses

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@dataclass
class Workspace:
    data_dir: Path
    settings: Settings
    store: Store
    encoder: RecordEncoder


def make_workspace(data_dir: Path, seed: int = 13) -> Workspace:
    """A generated region (300 claimants, 200 vacancies, 2,500 placements) in a SQLite store."""
    r = generate_region(seed, 300, 200, placements=2500)
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, as_of=r.reference_date)
    store = Store.open(settings.resolved_database_url)
    store.upsert_claimants(list(zip(r.history_claimants, r.history_protected, strict=True)))
    store.upsert_claimants(list(zip(r.claimants, r.protected, strict=True)))
    store.upsert_vacancies(r.history_vacancies + r.vacancies)
    store.upsert_outcomes(r.outcomes)
    store.upsert_proposals(r.proposals)
    return Workspace(data_dir, settings, store, fake_encoder(data_dir))


def fake_encoder(data_dir: Path) -> RecordEncoder:
    emb = TrigramEmbedder(dim=64)
    return RecordEncoder(emb, EmbeddingCache(data_dir / "embeddings", emb.model_id, emb.dim))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("retrain") / "data")


@pytest.fixture(scope="module")
def first(ws: Workspace) -> RetrainReport:
    """The first retrain, promoted: the baseline every later test compares against."""
    return retrain(ws.settings, ws.store, ws.encoder, promote=True)


def with_governance(ws: Workspace, **kw: Any) -> Settings:
    return ws.settings.model_copy(update={"governance": GovernanceSettings(**kw)})


def cli(ws: Workspace, monkeypatch: pytest.MonkeyPatch, *args: str, data_dir: Path | None = None) -> Any:
    monkeypatch.setattr(base, "services_factory", lambda s: Services(s, encoder=fake_encoder(s.data_dir)))
    monkeypatch.setenv("PASSGENAU_AS_OF", ws.settings.as_of.isoformat())  # type: ignore[union-attr]
    return runner.invoke(app, ["--data-dir", str(data_dir or ws.data_dir), *args])


def test_governance_defaults_are_the_fairness_module_defaults() -> None:
    g = GovernanceSettings()
    d = FairnessLimits()
    assert (g.tpr_gap, g.fpr_gap, g.calibration_gap, g.selection_rate_gap, g.min_group_size, g.alpha) == (
        d.tpr_gap, d.fpr_gap, d.calibration_gap, d.selection_rate_gap, d.min_group_size, d.alpha,
    )  # fmt: skip


def test_governance_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSGENAU_GOVERNANCE__TPR_GAP", "0.02")
    monkeypatch.setenv("PASSGENAU_GOVERNANCE__AUC_TOLERANCE", "-0.1")
    monkeypatch.setenv("PASSGENAU_GOVERNANCE__CALIBRATION_GAP", "null")  # reported, not gated
    g = Settings().governance
    assert g.tpr_gap == 0.02 and g.auc_tolerance == -0.1 and g.psi_limit == 0.25
    assert g.calibration_gap is None


def test_first_retrain_promotes_and_writes_card_and_reports(ws: Workspace, first: RetrainReport) -> None:
    root = ws.settings.layout.scorer_bundles
    assert first.promoted and first.reasons == [] and first.current is None
    assert current_path(root) == first.bundle
    scorer = Services(ws.settings).scorer()
    assert scorer is not None and scorer.model_version == first.version
    assert 0.6 < first.metrics["auc"] < 0.95 and first.metrics["n"] == 500
    # card, its plots, fairness report, evaluation rows and the drift reference in the bundle dir
    assert first.card == first.bundle / CARD
    text = first.card.read_text(encoding="utf-8")
    assert first.version in text and "Proxy-Prüfung" in text and "**Ergebnis: bestanden.**" in text
    for name in PLOTS.values():
        assert imread(first.bundle / name).shape[0] > 100
    fairness = json.loads((first.bundle / FAIRNESS).read_text(encoding="utf-8"))
    assert set(fairness["fairness"]["attributes"]) == {
        "sex",
        "nationality_group",
        "age_band",
        "severe_disability",
    }
    assert fairness["checks"] and not any(c["exceeded"] for c in fairness["checks"])
    assert set(fairness["proxy"]["attributes"]) == set(fairness["fairness"]["attributes"])
    report = json.loads((first.bundle / REPORT).read_text(encoding="utf-8"))
    assert report["version"] == first.version and report["reasons"] == [] and report["promote_requested"]
    assert report["proxy_flags"] == first.proxy_flags
    # The three candidates on the same held-out rows, with the paired bootstrap of the AUC difference.
    assert set(report["candidates"]) == {"additive", "ga2m", "boosting"}
    assert {"vs_additive", "vs_ga2m"} <= set(report["candidates"]["boosting"])
    assert report["choice"] in report["candidates"] and "Modellwahl" in text and "Paarterme" in text
    assert report["interaction_terms"] == load_bundle(first.bundle).manifest["interaction_terms"]
    assert len(json.loads((first.bundle / EVALUATION).read_text())["y"]) == 500
    ref = load_bundle(first.bundle).manifest["drift_reference"]
    data = (first.bundle / REFERENCE_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == ref["sha256"]
    table = np.load(first.bundle / REFERENCE_FILE, allow_pickle=False)
    assert table.shape == (ref["pairs"], len(ref["columns"])) and ref["pairs"] > 1000
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_worse_candidate_is_refused_and_current_stays(ws: Workspace, first: RetrainReport) -> None:
    # A negative tolerance demands the new model beat the current one by 0.5 AUC: impossible.
    settings = with_governance(ws, auc_tolerance=-0.5)
    report = retrain(settings, ws.store, ws.encoder, promote=True)
    assert not report.promoted
    assert len(report.reasons) == 1 and "AUC" in report.reasons[0] and first.version in report.reasons[0]
    assert report.current is not None and report.current["version"] == first.version
    # the comparison is like for like: both models have seen the held-out rows (same data)
    assert report.current["current_trained_on_holdout"]
    assert report.current["new"]["auc"] == pytest.approx(report.current["current"]["auc"], abs=1e-9)
    assert current_path(ws.settings.layout.scorer_bundles) == first.bundle
    assert report.bundle.is_dir() and (report.bundle / CARD).is_file()  # written all the same
    assert json.loads((report.bundle / REPORT).read_text())["reasons"] == report.reasons


def test_cli_unfair_candidate_exits_3_with_the_reason(
    ws: Workspace, first: RetrainReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TPR_GAP", "FPR_GAP", "CALIBRATION_GAP"):
        monkeypatch.setenv(f"PASSGENAU_GOVERNANCE__{name}", "0.0001")
    monkeypatch.setenv("PASSGENAU_GOVERNANCE__ALPHA", "null")  # no noise allowance
    result = cli(ws, monkeypatch, "retrain", "--promote")
    assert result.exit_code == 3, result.output
    assert "passgenau: refused: " in result.output and "differs by" in result.output
    assert "current unchanged" in result.output
    assert current_path(ws.settings.layout.scorer_bundles) == first.bundle


def test_cli_model_card_rewrites_the_card(
    ws: Workspace, first: RetrainReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    (first.bundle / CARD).unlink()
    result = cli(ws, monkeypatch, "model", "card")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(str(first.bundle / CARD))
    assert first.version in (first.bundle / CARD).read_text(encoding="utf-8")
    result = cli(ws, monkeypatch, "model", "card", "no-such-version")
    assert result.exit_code == 2 and "no bundle 'no-such-version'" in result.output


def _copy(ws: Workspace, dest: Path) -> Path:
    shutil.copytree(ws.data_dir, dest, symlinks=True)
    return dest


def test_cli_tampered_bundle_is_refused_with_exit_2(
    ws: Workspace, first: RetrainReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _copy(ws, tmp_path / "data")
    file = data / "models" / "scorer" / first.version / "sustain.skops"
    raw = bytearray(file.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    file.write_bytes(bytes(raw))
    for args in (("model", "card"), ("retrain", "--promote"), ("drift",)):
        result = cli(ws, monkeypatch, *args, data_dir=data)
        assert result.exit_code == 2, (args, result.output)
        assert "passgenau: error:" in result.output and "sha256 differs" in result.output
    assert os.readlink(data / "models" / "scorer" / "current") == first.version


class Evil:
    """A type nobody reviewed: a bundle holding it must be refused."""


def test_cli_untrusted_type_is_refused_with_exit_2(
    ws: Workspace, first: RetrainReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _copy(ws, tmp_path / "data")
    root = data / "models" / "scorer"
    bundle = load_bundle(root / first.version)
    bundle.sustain.payload_ = Evil()  # type: ignore[attr-defined]
    caller = {
        k: v for k, v in bundle.manifest.items() if k not in ("format", "created", "libraries", "files")
    }
    caller.pop("version")
    evil = write_bundle(root, {"match": bundle.match, "sustain": bundle.sustain}, caller)
    result = cli(ws, monkeypatch, "model", "card", evil.name, data_dir=data)
    assert result.exit_code == 2 and "untrusted types" in result.output


SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
from datetime import date
from pathlib import Path
from matcher.settings import Settings
from matcher.store import Store
from tests.training.test_retrain import fake_encoder
from training.retrain import retrain
d = Path({data!r})
settings = Settings(data_dir=d, as_of=date.fromisoformat({as_of!r}))
retrain(settings, Store.open(settings.resolved_database_url), fake_encoder(d), promote=True)
"""


@pytest.mark.parametrize("point", ["bundle-written", "promoted"])
def test_killed_retrain_leaves_current_loadable(
    ws: Workspace, first: RetrainReport, tmp_path: Path, point: str
) -> None:
    data = _copy(ws, tmp_path / "data")
    code = SCRIPT.format(repo=str(REPO), data=str(data), as_of=ws.settings.as_of.isoformat())  # type: ignore[union-attr]
    env = {**os.environ, KILL_ENV: point, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=600)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    settings = Settings(data_dir=data)
    scorer = Services(settings).scorer()  # checks every hash of whatever current points at
    assert scorer is not None
    root = settings.layout.scorer_bundles
    versions = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    new = [v for v in versions if v not in {p.name for p in ws.settings.layout.scorer_bundles.iterdir()}]
    assert len(new) == 1  # the killed run's bundle was written completely
    expected = first.version if point == "bundle-written" else new[0]
    assert scorer.model_version == expected
    if point == "promoted":
        assert (root / new[0] / CARD).is_file()  # promotion comes after every artifact
