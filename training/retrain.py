"""`passgenau retrain`: fit new candidates, compare them with the current model, gate, promote.

1. The training sets are built from the store (``training.dataset``; grounding through the cached
   grounder, no profile embeddings) and fitted as ``passgenau train`` does (``fit_models``: time
   split, additive vs additive + pair terms (ga2m) vs boosting on the same held-out rows, with
   paired bootstrap intervals of the AUC differences; the interpretable model is kept unless
   boosting wins clearly (``training.train.choose``); refit on all rows). The report lists the
   candidates (``candidates``), the pair terms and the calibration check.
2. **Comparison with the current model** on the *same* held-out placements (the newest 20 %). Like
   is compared with like: when the current model's training data ends before the held-out period,
   neither model has seen those rows and the new model fitted on the older part is compared; when
   the current model was trained on them too (e.g. a retrain on unchanged data), the new model
   refitted on all rows is compared, so that both have seen them. Rule: the new AUC may be at most
   ``governance.auc_tolerance`` below the current one; with ``ece_limit`` set, the new held-out
   ECE must not exceed it.
3. **Fairness**: ``training.fairness`` by sex, nationality group, age band and severe disability
   on the held-out placements (scores of the model fitted on the older part, out of sample); every
   gap must pass ``gate`` with the limits of ``settings.governance``. The **proxy check** runs on
   all training rows; its flags are reported (card, report), not gated.
4. The new bundle is always written, **not** current, with, in its directory: the model card and
   plots (``training.card``), ``fairness.json`` (fairness report, gap checks, proxy check),
   ``evaluation.json`` (held-out outcomes, scores and groups behind the card),
   ``drift-reference.npy`` (the population sample for ``passgenau drift``, sha256 in the manifest)
   and ``retrain-report.json``. Only then, with ``promote`` and no reason against it, ``current``
   is swapped (an atomic rename): a crash at any point leaves ``current`` at a complete bundle.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from matcher.artifacts import fault_point  # crash tests: "bundle-written", "artifacts-written", "promoted"
from matcher.errors import PassgenauError
from matcher.files import write_atomic
from models.bundle import current_path, load_bundle, point_current, write_bundle
from models.features import FEATURES
from models.pair_scorer import SUSTAIN_FEATURES, select
from training.dataset import read_store, sustain_set, time_split
from training.fairness import (
    FairnessLimits,
    FairnessReport,
    check_gaps,
    fairness_report,
    group_labels,
    jsonable,
)
from training.population import REFERENCE_FILE, feature_context, population, population_rows, reference_bytes
from training.proxy import AttributeProxies, ProxyReport, proxy_check
from training.train import HOLDOUT, binary_metrics, manifest_for, train_from_records

if TYPE_CHECKING:
    from matcher.settings import GovernanceSettings, Settings
    from matcher.store import Store
    from models.bundle import Bundle
    from models.encoding import RecordEncoder
    from training.dataset import PairSet

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

PROTECTED = ("sex", "nationality_group", "age_band", "severe_disability")
REPORT = "retrain-report.json"
FAIRNESS = "fairness.json"
EVALUATION = "evaluation.json"


@dataclass
class RetrainReport:
    version: str
    bundle: Path
    card: Path
    promoted: bool
    reasons: list[str]  # why the candidate may not become current; empty: it passed every gate
    metrics: dict[str, Any]  # held-out metrics of the new sustainability model (out of sample)
    current: dict[str, Any] | None  # the comparison with the current model (None: there was none)
    fairness_gaps: list[dict[str, Any]]  # each attribute × metric: gap, groups, limit, exceeded
    proxy_flags: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "extra"}
        out["bundle"], out["card"] = str(self.bundle), str(self.card)
        return jsonable({**out, **self.extra})


def limits_of(g: GovernanceSettings) -> FairnessLimits:
    return FairnessLimits(
        tpr_gap=g.tpr_gap,
        fpr_gap=g.fpr_gap,
        calibration_gap=g.calibration_gap,
        selection_rate_gap=g.selection_rate_gap,
        min_group_size=g.min_group_size,
        alpha=g.alpha,
    )


def protected_groups(store: Store, claimant_ids: Sequence[str]) -> dict[str, npt.NDArray[np.str_]]:
    """Group labels per protected attribute, aligned with ``claimant_ids`` ("unbekannt" if unrecorded)."""
    found = store.get_protected(claimant_ids)
    return {
        a: group_labels(np.array([getattr(found.get(i), a, None) for i in claimant_ids], dtype=object))
        for a in PROTECTED
    }


def _json(path: Path, obj: Any) -> None:
    write_atomic(path, json.dumps(jsonable(obj), indent=2, ensure_ascii=False, sort_keys=True).encode())


def compare_with_current(
    current: Bundle, result: Any, hold: PairSet, tolerance: float
) -> tuple[dict[str, Any], list[str]]:
    """The current and the new sustainability model on the same held-out rows (module doc, step 2)."""
    p_cur = current.sustain.predict_proba(select(hold.X, current.manifest["features"]["sustain"]))[:, 1]
    cur_end = (current.manifest.get("training", {}).get("placement_starts") or [None])[-1]
    hold_from = result.snapshot.get("holdout_placements_from")
    saw = bool(cur_end and hold_from and cur_end >= hold_from)
    refit = result.sustain.predict_proba(select(hold.X, SUSTAIN_FEATURES))[:, 1]
    p_new = refit if saw else result.holdout_p
    cur, new = binary_metrics(hold.y, p_cur), binary_metrics(hold.y, p_new)
    info = {
        "version": current.version,
        "current": cur,
        "new": new,
        "current_trained_on_holdout": saw,
        "new_model_compared": "refitted on all rows" if saw else "fitted on the older rows",
        "auc_tolerance": tolerance,
    }
    reasons = []
    if not new["auc"] >= cur["auc"] - tolerance:  # NaN AUC refuses too
        reasons.append(
            f"new model AUC {new['auc']:.4f} is more than {tolerance:g} below the current model "
            f"{current.version}'s {cur['auc']:.4f} on the same {len(hold)} held-out placements"
        )
    return info, reasons


def candidates(sustain: dict[str, Any]) -> dict[str, Any]:
    """Each candidate's held-out figures and its paired-bootstrap AUC differences (``training.train``)."""
    keep = ("auc", "brier", "ece", "n", "interactions", "interaction_terms")
    return {
        kind: {k: v for k, v in m.items() if k in keep or k.startswith("vs_")}
        for kind, m in sustain.items()
        if kind in ("additive", "ga2m", "boosting")
    }


def retrain(settings: Settings, store: Store, encoder: RecordEncoder, *, promote: bool) -> RetrainReport:
    """Fit, evaluate, gate and write a new bundle; make it current only if ``promote`` and it passes."""
    # The card draws its plots with matplotlib: loaded only when a card is written.
    from training.card import write_model_card

    g = settings.governance
    root = settings.layout.scorer_bundles
    cur_path = current_path(root)
    current = load_bundle(cur_path) if cur_path is not None else None  # a tampered one stops here
    outcomes, proposals, claimants, vacancies = read_store(store)
    ctx = feature_context(settings, encoder, claimants, outcomes)
    # One OpenMP thread for the boosting candidate: on a busy two-core machine its threads spin
    # against other work (see training.proxy), and the fits are small.
    with threadpool_limits(limits=1, user_api="openmp"):
        result = train_from_records(outcomes, proposals, claimants, vacancies, ctx)
    hold = result.sustain_set.take(result.holdout)
    p_hold = np.asarray(result.holdout_p, dtype=np.float64)
    metrics = binary_metrics(hold.y, p_hold)

    reasons: list[str] = []
    comparison = None
    if current is not None:
        comparison, why = compare_with_current(current, result, hold, g.auc_tolerance)
        reasons += why
    if g.ece_limit is not None and not metrics["ece"] <= g.ece_limit:
        reasons.append(f"new model ECE {metrics['ece']:.4f} above the limit {g.ece_limit:g}")

    groups = protected_groups(store, [c.id for c in hold.claimants])
    limits = limits_of(g)
    fairness = fairness_report(hold.y, p_hold, groups)
    checks = check_gaps(fairness, limits)
    reasons += [c.reason() for c in checks if c.exceeded]
    all_ids = [c.id for c in result.sustain_set.claimants]
    proxy = proxy_check(
        select(result.sustain_set.X, SUSTAIN_FEATURES), SUSTAIN_FEATURES, protected_groups(store, all_ids)
    )

    pop_c, pop_v = population(settings, store)
    ref_X, ref_p = population_rows(
        settings, pop_c, pop_v, replace(ctx, employers=result.employers), result.sustain, SUSTAIN_FEATURES
    )
    reference = None
    if len(ref_p):
        ref_bytes, ref_sha = reference_bytes(ref_X, ref_p)
        reference = {
            "file": REFERENCE_FILE,
            "sha256": ref_sha,
            "columns": [*FEATURES, "p_sustain"],
            "pairs": len(ref_p),
            "as_of": (settings.as_of.isoformat() if settings.as_of else None),
            "claimants": len(pop_c),
            "vacancies": len(pop_v),
        }
    manifest = manifest_for(result, encoder.model_id)
    manifest["drift_reference"] = reference
    manifest["governance"] = {
        "passed": not reasons,
        "reasons": reasons,
        "compared_with": comparison,
        "proxy_flags": proxy.flags(),
    }
    path = write_bundle(
        root,
        {"match": result.match, "sustain": result.sustain},
        manifest,
        make_current=False,
        employers=result.employers,
    )
    fault_point("bundle-written")
    full = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if reference is not None:
        write_atomic(path / REFERENCE_FILE, ref_bytes)
    gaps = [
        {"attribute": c.attribute, "metric": c.metric, "gap": c.gap, "low": c.low, "high": c.high,
         "se": c.se, "z": c.z, "limit": c.limit, "exceeded": c.exceeded}
        for c in checks
    ]  # fmt: skip
    _json(path / FAIRNESS, {"fairness": fairness.to_dict(), "checks": gaps, "proxy": proxy.to_dict()})
    _json(
        path / EVALUATION,
        {
            "ids": hold.ids,
            "y": hold.y.tolist(),
            "p": p_hold.tolist(),
            "groups": {k: v.tolist() for k, v in groups.items()},
        },
    )
    card = write_model_card(
        path,
        version=path.name,
        manifest=full,
        metrics=result.metrics,
        fairness=fairness,
        proxy=proxy,
        y_true=hold.y,
        y_score=p_hold,
        groups=groups,
        limits=limits,
    )
    report = RetrainReport(
        version=path.name,
        bundle=path,
        card=card,
        promoted=False,
        reasons=reasons,
        metrics=metrics,
        current=comparison,
        fairness_gaps=gaps,
        proxy_flags=proxy.flags(),
        extra={
            "choice": result.choice,
            "choice_reason": result.reason,
            "candidates": candidates(result.metrics["sustain"]),
            "interaction_terms": manifest["interaction_terms"],
            "calibration": result.metrics["sustain"].get("calibration"),
            "match": result.metrics["match"],
        },
    )
    _json(path / REPORT, {**report.to_dict(), "promote_requested": promote})
    fault_point("artifacts-written")
    if promote and not reasons:
        point_current(root, path.name)
        report.promoted = True
        fault_point("promoted")
        log.info("bundle %s promoted to current", path.name)
    return report


def largest_gap(report: RetrainReport) -> dict[str, Any] | None:
    """The fairness check with the largest finite gap (for summaries)."""
    finite = [c for c in report.fairness_gaps if c["gap"] is not None and not math.isnan(c["gap"])]
    return max(finite, key=lambda c: c["gap"]) if finite else None


# -- the card of any version ----------------------------------------------------------------------
def _nan(v: Any) -> float:
    return float("nan") if v is None else float(v)


def proxy_from_dict(d: dict[str, Any]) -> ProxyReport:
    """A ``ProxyReport`` back from its JSON form (``fairness.json``)."""
    attrs = {
        name: AttributeProxies(
            attribute=a["attribute"],
            entropy=_nan(a["entropy"]),
            nmi={f: _nan(v) for f, v in a["nmi"].items()},
            auc=_nan(a["auc"]),
            auc_by_group={k: _nan(v) for k, v in a["auc_by_group"].items()},
            left_out=tuple(a["left_out"]),
            strong=tuple(a["strong"]),
            recoverable=bool(a["recoverable"]),
        )
        for name, a in d["attributes"].items()
    }
    return ProxyReport(
        n=int(d["n"]),
        features=tuple(d["features"]),
        discrete=tuple(d["discrete"]),
        nmi_flag=float(d["nmi_flag"]),
        auc_flag=float(d["auc_flag"]),
        attributes=attrs,
    )


def write_card(
    settings: Settings,
    version: str | None = None,
    *,
    sources: Callable[[], tuple[Store, RecordEncoder]],
) -> Path:
    """(Re)write the model card of ``version`` (default: current) into its bundle directory.

    A bundle written by ``retrain`` carries its evaluation rows and proxy check: the card is
    redrawn from them, without the store or the embedder. Otherwise (a bundle of ``passgenau
    train``; ``sources()`` opens store and encoder) the newest 20 % of the stored placements are
    scored with the bundle's model (which may have been refitted on them: in-sample figures)
    and the proxy check runs on the stored placements.
    """
    # The card draws its plots with matplotlib: loaded only when a card is written.
    from training.card import write_model_card

    root = settings.layout.scorer_bundles
    if version is None:
        path = current_path(root)
        if path is None:
            raise PassgenauError("no current model: run `passgenau retrain --promote` first")
    else:
        path = root / version
        if version.startswith(".") or "/" in version or not path.is_dir():
            raise PassgenauError(f"no bundle {version!r} under {root}")
    bundle = load_bundle(path)
    features = bundle.manifest["features"]["sustain"]
    groups: dict[str, Any]
    if (path / EVALUATION).is_file() and (path / FAIRNESS).is_file():
        ev = json.loads((path / EVALUATION).read_text(encoding="utf-8"))
        y, p = np.asarray(ev["y"], dtype=np.float64), np.asarray(ev["p"], dtype=np.float64)
        groups = {k: np.asarray(v, dtype=str) for k, v in ev["groups"].items()}
        proxy = proxy_from_dict(json.loads((path / FAIRNESS).read_text(encoding="utf-8"))["proxy"])
    else:
        store, encoder = sources()
        outcomes = store.list_outcomes()
        ctx = replace(feature_context(settings, encoder, [], outcomes), employers=bundle.employers)
        s = sustain_set(outcomes, ctx)
        if len(s) == 0:
            raise PassgenauError("no placements in the store to evaluate the model on")
        hold = s.take(time_split(s.when, HOLDOUT)[1])
        y = hold.y.astype(np.float64)
        p = np.asarray(bundle.sustain.predict_proba(select(hold.X, features))[:, 1], dtype=np.float64)
        groups = protected_groups(store, [c.id for c in hold.claimants])
        proxy = proxy_check(
            select(s.X, features), features, protected_groups(store, [c.id for c in s.claimants])
        )
    limits = limits_of(settings.governance)
    fairness: FairnessReport = fairness_report(y, p, groups)
    return write_model_card(
        path,
        version=bundle.version,
        manifest=bundle.manifest,
        metrics=bundle.manifest.get("metrics", {}),
        fairness=fairness,
        proxy=proxy,
        y_true=y,
        y_score=p,
        groups=groups,
        limits=limits,
    )
