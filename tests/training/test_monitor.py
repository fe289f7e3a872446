"""`passgenau drift`: the population sample against the training snapshot, new outcomes against predictions."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from matcher.domain import Claimant
from matcher.settings import GovernanceSettings
from matcher.store import Store
from tests.training.test_retrain import Workspace, cli, make_workspace
from training.monitor import drift_check
from training.population import population_pairs
from training.retrain import RetrainReport, retrain

# Retrains a scorer on a generated region (a training fit, like test_retrain.py): outside the fast loop.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("monitor") / "data", seed=17)


@pytest.fixture(scope="module")
def trained(ws: Workspace) -> RetrainReport:
    report = retrain(ws.settings, ws.store, ws.encoder, promote=True)
    assert report.promoted
    return report


def test_population_pairs_are_seeded_and_order_free(ws: Workspace) -> None:
    cs = ws.store.list_claimants(active_only=True)
    vs = ws.store.list_vacancies(open_on=ws.settings.as_of)
    a = population_pairs(cs, vs, 50)
    b = population_pairs(cs[::-1], vs[::-1], 50)
    assert [c.id for c in a[0]] == [c.id for c in b[0]] and [v.id for v in a[1]] == [v.id for v in b[1]]
    assert population_pairs([], vs, 50) == ([], [])


def test_unchanged_data_shows_no_drift(
    ws: Workspace, trained: RetrainReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, reasons = drift_check(ws.settings, ws.store, ws.encoder)
    assert reasons == []
    assert report.n_recent == report.n_train > 1000
    assert max(report.features.values()) == pytest.approx(0.0, abs=1e-12)  # the very same pairs
    assert report.score_psi == pytest.approx(0.0, abs=1e-12) and report.outcomes_n == 0
    result = cli(ws, monkeypatch, "drift")
    assert result.exit_code == 0, result.output
    assert "no drift over the limits" in result.output


def _shifted(c: Claimant) -> Claimant:
    # A population out of work much longer, without cars: the model was not trained on it.
    return replace(c, months_unemployed=min(600, c.months_unemployed * 4 + 36), has_car=False)


def test_shifted_population_exceeds(
    ws: Workspace, trained: RetrainReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(ws.data_dir, data, symlinks=True)
    settings = ws.settings.model_copy(update={"data_dir": data})
    store = Store.open(settings.resolved_database_url)
    active = store.list_claimants(active_only=True)
    protected = store.get_protected([c.id for c in active])
    store.upsert_claimants([(_shifted(c), protected.get(c.id)) for c in active])
    report, reasons = drift_check(settings, store, ws.encoder)
    assert report.features["months_unemployed"] > 0.25
    assert any(r.startswith("feature months_unemployed: PSI") for r in reasons)
    result = cli(ws, monkeypatch, "drift", data_dir=data)
    assert result.exit_code == 3 and "passgenau: drift: feature months_unemployed" in result.output


def test_new_outcomes_worse_than_predicted_exceed(
    ws: Workspace, trained: RetrainReport, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(ws.data_dir, data, symlinks=True)
    settings = ws.settings.model_copy(
        update={"data_dir": data, "governance": GovernanceSettings(min_outcomes=100)}
    )
    store = Store.open(settings.resolved_database_url)
    old = store.list_outcomes()[-150:]
    last = max(o.start for o in store.list_outcomes())
    # 150 placements after the training data, none of which lasted
    new = [
        replace(o, id=f"N-{i}", start=last + timedelta(days=1 + i), end=None, employed_12m=False)
        for i, o in enumerate(old)
    ]
    store.upsert_outcomes(new)
    report, reasons = drift_check(settings, store, ws.encoder)
    assert report.outcomes_n == 150 and report.observed_rate == 0.0
    assert report.calibration_gap == pytest.approx(report.mean_predicted) and report.mean_predicted > 0.1
    assert any(r.startswith("calibration:") for r in reasons)
