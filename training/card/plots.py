"""The PNG plots of the card, drawn on matplotlib ``Figure`` objects with the Agg canvas directly
(no pyplot, no global backend switch, safe in a server process)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

from training.card.labels import (
    attr_de,
    group_de,
)
from training.fairness import FairnessReport, group_labels

MIN_CURVE_GROUP = 100  # rows a group needs for its own calibration curve


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_calibration(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> Figure:
    fig = _figure(5, 5)
    ax = fig.add_subplot()
    obs, pred = calibration_curve(y, p, n_bins=10, strategy="quantile")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="ideal")
    ax.plot(pred, obs, marker="o", label="Modell (10 gleich große Klassen)")
    ax.set(
        xlabel="vorhergesagte Wahrscheinlichkeit",
        ylabel="beobachteter Anteil dauerhafter Vermittlungen",
        title="Kalibrierung",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_roc(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> Figure:
    fig = _figure(5, 5)
    ax = fig.add_subplot()
    fpr, tpr, _ = roc_curve(y, p)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="Zufall")
    ax.plot(fpr, tpr, label=f"Modell (AUC {roc_auc_score(y, p):.3f})")
    ax.set(xlabel="Falsch-Positiv-Rate", ylabel="Richtig-Positiv-Rate", title="ROC-Kurve")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_groups(report: FairnessReport) -> Figure:
    attrs = list(report.attributes.values())
    fig = _figure(10, 2.8 * max(len(attrs), 1))
    for i, attr in enumerate(attrs):
        groups = list(attr.by_group)
        x = np.arange(len(groups))
        labels = [f"{group_de(g)}\n(n={int(attr.by_group[g]['n'])})" for g in groups]
        ax = fig.add_subplot(len(attrs), 2, 2 * i + 1)
        for off, m, color in ((-0.2, "tpr", "tab:blue"), (0.2, "fpr", "tab:orange")):
            ax.bar(x + off, [attr.by_group[g][m] for g in groups], width=0.4, label=m.upper(), color=color)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{attr_de(attr.attribute)}: TPR und FPR", fontsize=10)
        ax.legend(fontsize=8)
        ax = fig.add_subplot(len(attrs), 2, 2 * i + 2)
        ax.bar(x, [attr.by_group[g]["calibration_gap"] for g in groups], color="tab:green")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_title(f"{attr_de(attr.attribute)}: vorhergesagt − beobachtet", fontsize=10)
    fig.tight_layout()
    return fig


def plot_group_calibration(
    y: npt.NDArray[Any], p: npt.NDArray[Any], groups: Mapping[str, npt.ArrayLike]
) -> Figure:
    fig = _figure(5 * max(len(groups), 1), 5)
    for i, (name, values) in enumerate(groups.items()):
        labels = group_labels(values)
        ax = fig.add_subplot(1, max(len(groups), 1), i + 1)
        ax.plot([0, 1], [0, 1], ls="--", color="grey")
        for g in np.unique(labels):
            rows = labels == g
            if rows.sum() < MIN_CURVE_GROUP or len(np.unique(y[rows])) < 2:
                continue  # too few rows for a curve; the table in the card still lists the group
            obs, pred = calibration_curve(y[rows], p[rows], n_bins=5, strategy="quantile")
            ax.plot(pred, obs, marker="o", label=f"{group_de(str(g))} (n={int(rows.sum())})")
        ax.set(xlim=(0, 1), ylim=(0, 1), title=attr_de(name), xlabel="vorhergesagt", ylabel="beobachtet")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
