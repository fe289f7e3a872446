"""The fairness gate applied to the synthetic region's *true* probabilities, beside the model's.

A gate that refuses the truth itself measures noise, not unfairness. This script reads the held-out
placements a retrain evaluated (``evaluation.json`` of a bundle), scores the same placements with the
synthetic region's hidden truth (``training.synthetic.truth.true_p_sustain`` on the outcome
snapshots) and prints AUC, mean score per group and every gap check for both, also under the
earlier per-attribute Bonferroni correction.

    .venv/bin/passgenau --data-dir D demo --no-serve
    .venv/bin/passgenau --data-dir D retrain --promote
    .venv/bin/python bench/fairness_oracle.py D [VERSION]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from matcher.codec import claimant_from_snapshot, vacancy_from_snapshot
from matcher.settings import Settings
from matcher.store import Store
from training.fairness import FairnessLimits, check_gaps, fairness_report
from training.synthetic.truth import true_p_sustain


def main(data_dir: Path, version: str = "current") -> None:
    settings = Settings(data_dir=data_dir)
    bundle = settings.layout.scorer_bundles / version
    ev = json.loads((bundle / "evaluation.json").read_text(encoding="utf-8"))
    outcomes = {o.id: o for o in Store.open(settings.resolved_database_url).list_outcomes()}
    rows = [outcomes[i] for i in ev["ids"]]
    truth = true_p_sustain(
        [claimant_from_snapshot(o.claimant_snapshot) for o in rows],
        [vacancy_from_snapshot(o.vacancy_snapshot) for o in rows],
    )
    y = np.asarray(ev["y"], dtype=np.float64)
    model = np.asarray(ev["p"], dtype=np.float64)
    groups = {k: np.asarray(v, dtype=str) for k, v in ev["groups"].items()}
    g = settings.governance
    limits = FairnessLimits(
        g.tpr_gap, g.fpr_gap, g.calibration_gap, g.selection_rate_gap, g.min_group_size, g.alpha
    )
    print(f"bundle {bundle.resolve().name}: {len(y)} held-out placements, observed rate {y.mean():.3f}")
    for name, p in (("model", model), ("truth", truth)):
        print(f"\n{name}: AUC {roc_auc_score(y, p):.4f}, mean {p.mean():.3f}")
        for attr, labels in groups.items():
            means = ", ".join(f"{k} {p[labels == k].mean():.3f}" for k in sorted(set(labels.tolist())))
            print(f"  mean score by {attr}: {means}")
        for c in check_gaps(fairness_report(y, p, groups), limits):
            if c.limit is None:
                continue
            verdict = (
                "REFUSED" if c.exceeded else ("over limit, not significant" if c.gap > c.limit else "ok")
            )
            # The earlier rule: Bonferroni over the attribute's group pairs only.
            k = len(c.gated_groups)
            if c.gap > c.limit and c.gap > limits.z(k * (k - 1) // 2) * c.se:
                verdict += " (refused under the per-attribute correction)"
            print(
                f"  {c.attribute:18} {c.metric:16} gap {c.gap:.3f} ({c.high} vs {c.low}) "
                f"se {c.se:.3f} z {c.z:.2f} limit {c.limit:.2f}: {verdict}"
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:3])
