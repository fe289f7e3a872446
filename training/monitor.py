"""`passgenau drift`: does today's population still look like the one the current model was trained on?

**What "recent" means.** A model scores pairs of an active claimant and an open vacancy. The drift
check therefore compares a *population sample of pairs*: ``drift_pairs`` (2,000) claimant ×
vacancy pairs drawn with a fixed seed, independently and uniformly, from the active claimants and
the vacancies open on ``settings.as_of`` (else today), turned into feature rows by the very
functions training and the service use. ``passgenau retrain`` draws the same kind of sample from
the population at training time, scores it with the new sustainability model and stores rows and
scores in the bundle (``drift-reference.npy``, listed in the manifest with its sha256). Drift then
draws today's sample the same way and scores it with the current model: PSI per feature and of
the score (``training.drift``). Random pairs, not suggestions, so that no embedding or index is
needed and the sample does not depend on the ranking; on unchanged data both samples are the same
pairs and every PSI is 0.

**Realised outcomes.** Placements recorded after the model's training data (start later than the
last placement it was trained on) are scored with the current model from their snapshots and
compared with what became of them: mean predicted − observed rate and ECE, judged from
``min_outcomes`` (400) on.

Thresholds: ``settings.governance.psi_limit`` (0.25) and ``calibration_limit`` (0.05); the
command exits with code 3 when one is exceeded.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matcher.errors import BundleMismatch, PassgenauError
from models.bundle import current_path, load_bundle
from models.pair_scorer import select
from training.dataset import sustain_set
from training.drift import DriftReport, drift_report, exceeded
from training.population import feature_context, population, population_rows
from training.train import ece

if TYPE_CHECKING:
    from matcher.settings import Settings
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]


def drift_check(settings: Settings, store: Store, encoder: RecordEncoder) -> tuple[DriftReport, list[str]]:
    """Today's population sample and new outcomes against the current bundle's reference.

    Returns the report and the reasons for a non-zero exit (empty: nothing over its limit). A
    missing, tampered or reference-less current bundle raises ``PassgenauError``.
    """
    path = current_path(settings.layout.scorer_bundles)
    if path is None:
        raise PassgenauError("no current model: run `passgenau retrain --promote` first")
    bundle = load_bundle(path)
    ref = bundle.manifest.get("drift_reference")
    if not ref:
        raise PassgenauError(
            f"bundle {bundle.version} has no drift reference (trained by `passgenau train`?): "
            "run `passgenau retrain --promote`"
        )
    file = path / str(ref["file"])
    data = file.read_bytes() if file.is_file() else b""
    if hashlib.sha256(data).hexdigest() != ref.get("sha256"):
        raise BundleMismatch(f"{file}: missing or its sha256 differs from the manifest")
    table = np.load(io.BytesIO(data), allow_pickle=False)
    columns = list(ref["columns"])
    if table.ndim != 2 or table.shape[1] != len(columns):
        raise BundleMismatch(f"{file}: shape {table.shape} does not match the manifest's columns")
    features = list(bundle.manifest["features"]["sustain"])
    col = {c: j for j, c in enumerate(columns)}
    ref_X = table[:, [col[f] for f in features]]
    ref_p = table[:, col["p_sustain"]]

    claimants, vacancies = population(settings, store)
    outcomes = store.list_outcomes()
    last = (bundle.manifest.get("training", {}).get("placement_starts") or [None, None])[-1]
    new = [o for o in outcomes if last is not None and o.start.isoformat() > last]
    ctx = replace(feature_context(settings, encoder, claimants, new), employers=bundle.employers)
    X, p = population_rows(settings, claimants, vacancies, ctx, bundle.sustain, features)
    if len(p) == 0:
        raise PassgenauError("no active claimants or no open vacancies to compare with the training snapshot")
    report = drift_report(ref_X, select(X, features), features, train_scores=ref_p, recent_scores=p, bins=10)
    if new:
        s = sustain_set(new, ctx)
        if len(s):
            p_new = np.asarray(bundle.sustain.predict_proba(select(s.X, features))[:, 1], dtype=np.float64)
            y = s.y.astype(np.float64)
            report = replace(
                report,
                outcomes_n=len(s),
                mean_predicted=float(p_new.mean()),
                observed_rate=float(y.mean()),
                calibration_gap=float(p_new.mean() - y.mean()),
                ece=float(ece(y, p_new)),
            )
    g = settings.governance
    reasons = exceeded(report, g.psi_limit, g.calibration_limit, min_outcomes=g.min_outcomes)
    log.info("drift against %s: %d reasons", bundle.version, len(reasons))
    return report, reasons
