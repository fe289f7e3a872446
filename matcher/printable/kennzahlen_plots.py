"""The key figures' PNG plots: monthly trends and forecast against realised, per Jobcenter or team.

Drawn on matplotlib ``Figure`` objects with the Agg canvas directly (no pyplot, no global backend,
safe in a server process). A suppressed cell ("< 5") is a gap in the line or a missing bar: a plot
never shows what the table hides.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Sequence
from typing import Any


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _ticks(ax: Any, months: Sequence[str]) -> None:
    step = max(1, len(months) // 12)
    ax.set_xticks(range(0, len(months), step))
    ax.set_xticklabels([m[2:].replace("-", "/") for m in months[::step]], rotation=45, fontsize=8)


def plot_trends(unit: dict[str, Any]) -> bytes:
    """Integrations per month (bars) and the share still employed after 6 and 12 months (lines)."""
    rows = unit["months"]
    months = [r["month"] for r in rows]
    x = list(range(len(rows)))
    fig = _figure(7.5, 3.8)
    ax = fig.add_subplot()
    ax.bar(x, [_num(r["integrations"]) for r in rows], color="#9bb7d4", label="Integrationen")
    ax.set_ylabel("Integrationen je Monat")
    ax2 = ax.twinx()
    ax2.plot(x, [_num(r["employed_12m_share"]) for r in rows], marker="o", ms=3, color="#1f4e79",
             label="nach 12 Monaten beschäftigt")  # fmt: skip
    ax2.plot(x, [_num(r["employed_6m_share"]) for r in rows], marker="s", ms=3, color="#c55a11",
             label="nach 6 Monaten beschäftigt")  # fmt: skip
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("Anteil")
    _ticks(ax, months)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8)
    ax.set_title("Integrationen und Nachhaltigkeit (Lücken: < 5 Kund/innen)", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def plot_forecast(unit: dict[str, Any]) -> bytes:
    """Expected against realised lasting placements of the proposals made, per month of proposal,
    and the calibration of the forecast."""
    f = unit["forecast"]
    rows = f["months"]
    months = [r["month"] for r in rows]
    x = list(range(len(rows)))
    fig = _figure(7.5, 3.4)
    ax, cal = fig.subplots(1, 2, width_ratios=[2.2, 1])
    ax.plot(x, [_num(r.get("expected_lasting")) for r in rows], marker="o", ms=3, label="Prognose Σ p")
    ax.plot(x, [_num(r.get("lasting")) for r in rows], marker="s", ms=3, label="eingetreten")
    ax.set_ylabel("nachhaltige Vermittlungen")
    _ticks(ax, months)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Prognose gegen Ergebnis je Monat", fontsize=10)
    bins = f["calibration"]
    cal.plot([0, 0.6], [0, 0.6], ls="--", color="grey")
    cal.plot([_num(b["mean_forecast"]) for b in bins], [_num(b["realised_share"]) for b in bins], marker="o")
    cal.set(xlim=(0, 0.6), ylim=(0, 0.6), xlabel="Prognose", ylabel="eingetreten")
    cal.set_title("Kalibrierung", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def plot_capacity(unit: dict[str, Any]) -> bytes:
    """Expected lasting placements of the nightly lists per month (mean run), without and with the
    capacity constraint, side by side."""
    rows = unit["capacity"]["months"]
    months = [r["month"] for r in rows]
    x = list(range(len(rows)))
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    ax.bar([i - 0.2 for i in x], [_num(r.get("expected_lasting_without")) for r in rows], width=0.4,
           color="#9bb7d4", label="ohne Kapazitätsgrenze")  # fmt: skip
    ax.bar([i + 0.2 for i in x], [_num(r.get("expected_lasting_with")) for r in rows], width=0.4,
           color="#1f4e79", label="mit Kapazitätsgrenze")  # fmt: skip
    ax.set_ylabel("erw. nachhaltige Vermittlungen")
    _ticks(ax, months)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Nachtlisten: Wirkung der Kapazitätsgrenze (mittlerer Lauf je Monat)", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def _has_capacity(unit: dict[str, Any]) -> bool:
    cap = unit.get("capacity")
    return cap is not None and any(
        not math.isnan(_num(r.get("expected_lasting_with"))) for r in cap["months"]
    )


def unit_plots(units: Sequence[dict[str, Any]]) -> dict[str, bytes]:
    """The plots of every Jobcenter and team unit, by file name."""
    out: dict[str, bytes] = {}
    for u in units:
        if u["level"] == "case_manager":
            continue
        name = plot_name(u)
        out[f"{name}-trends.png"] = plot_trends(u)
        if "forecast" in u:
            out[f"{name}-forecast.png"] = plot_forecast(u)
        if _has_capacity(u):
            out[f"{name}-capacity.png"] = plot_capacity(u)
    return out


def plot_name(u: dict[str, Any]) -> str:
    """A file name for the unit's plots: its names in a safe alphabet (a team is free text and must
    not reach outside the plots folder), with a short hash when that changed anything, so that two
    units never share a name."""
    parts = [u["jobcenter"], u["team"]] if u["level"] == "team" else [u["jobcenter"]]
    raw = "-".join(str(p) for p in parts if p).lower()
    safe = re.sub(r"[^a-z0-9_-]", "_", raw)[:80]
    if safe != raw:
        safe += "-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    return safe
