"""Writing the card and its plots: each file to a temporary name, then moved into place, the card last."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from training.card.plots import plot_calibration, plot_group_calibration, plot_groups, plot_roc
from training.card.text import CARD, PLOTS, render_card
from training.fairness import FairnessLimits, FairnessReport
from training.proxy import ProxyReport

log = logging.getLogger(__name__)


def _replace_into(path: Path, write: Callable[[Path], object]) -> None:
    """Write through ``write(tmp)`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _save(fig: Figure, path: Path) -> None:
    # Pillow's PNG writer needs the extension on the file name; pass the format instead.
    _replace_into(path, lambda tmp: fig.savefig(tmp, format="png", metadata={"Software": None}))


def write_model_card(
    out_dir: Path,
    *,
    version: str,
    manifest: Mapping[str, Any],
    metrics: Mapping[str, Any],
    fairness: FairnessReport,
    proxy: ProxyReport,
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    groups: Mapping[str, npt.ArrayLike],
    limits: FairnessLimits | None = None,
) -> Path:
    """Write the model card and its plots into ``out_dir``; returns the card's path.

    ``manifest`` is the bundle manifest (its ``training`` snapshot, ``libraries`` and ``created``
    are used), ``metrics`` the held-out metrics to list, ``y_true``/``y_score``/``groups`` the
    evaluation rows behind the plots and the fairness report; ``limits`` those of the gate (default
    ``FairnessLimits()``), whose verdict the card states.
    """
    y = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != p.shape or y.size == 0:
        raise ValueError("y_true and y_score must be aligned and non-empty")
    if len(np.unique(y)) < 2:
        raise ValueError("y_true needs both outcomes for ROC and calibration plots")
    limits = limits or FairnessLimits()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "calibration": plot_calibration(y, p),
        "roc": plot_roc(y, p),
        "groups": plot_groups(fairness),
        "group_calibration": plot_group_calibration(y, p, groups),
    }
    for key, fig in figures.items():
        _save(fig, out_dir / PLOTS[key])
    text = render_card(
        version=version, manifest=manifest, metrics=metrics, fairness=fairness, proxy=proxy, y=y, p=p,
        limits=limits,
    )  # fmt: skip
    card = out_dir / CARD
    _replace_into(card, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    log.info("model card for %s written to %s", version, card)
    return card
