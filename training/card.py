"""Model card: a German Markdown page with PNG plots for data and controlling staff.

``write_model_card`` writes ``model-card.md`` and beside it ``kalibrierung.png`` (calibration
curve), ``roc.png`` (ROC curve), ``gruppen.png`` (TPR and FPR by group, calibration gap by group)
and ``kalibrierung-gruppen.png`` (calibration curve per group). The card is in German, like the
rest of what the Jobcenter's staff read. Sections: Verwendungszweck, Daten, Kennzahlen,
Fairness, Proxy-Prüfung, Grenzen, Versionen.

Plots are drawn on matplotlib ``Figure`` objects with the Agg canvas directly (no pyplot, no
global backend switch, safe in a server process). Every file is written to a temporary name in
``out_dir`` and moved into place with ``os.replace``, the card last, so a reader never sees a
half-written file nor a card whose plots are missing.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from training.fairness import FairnessLimits, FairnessReport, check_gaps, group_labels
from training.proxy import ProxyReport
from training.train import ece

log = logging.getLogger(__name__)

CARD = "model-card.md"
PLOTS = {
    "calibration": "kalibrierung.png",
    "roc": "roc.png",
    "groups": "gruppen.png",
    "group_calibration": "kalibrierung-gruppen.png",
}
SECTIONS = ("Verwendungszweck", "Daten", "Kennzahlen", "Fairness", "Proxy-Prüfung", "Grenzen", "Versionen")
MIN_CURVE_GROUP = 100  # rows a group needs for its own calibration curve

ATTRIBUTE_DE = {
    "sex": "Geschlecht",
    "nationality_group": "Staatsangehörigkeitsgruppe",
    "age_band": "Altersgruppe",
    "severe_disability": "Schwerbehinderung",
}
GROUP_DE = {
    "f": "weiblich",
    "m": "männlich",
    "d": "divers",
    "de": "deutsch",
    "eu": "EU",
    "asylum": "Asylherkunftsländer",
    "other": "sonstige",
    "u25": "unter 25",
}
METRIC_DE = {
    "tpr": "Richtig-Positiv-Rate (TPR)",
    "fpr": "Falsch-Positiv-Rate (FPR)",
    "selection_rate": "Auswahlrate",
    "calibration_gap": "Kalibrierungsabweichung",
}
VERSION_DE = {"created": "erstellt (UTC)", "format": "Bündelformat", "embedder": "Einbettungsmodell"}
DATA_DE = {
    "placements": "Vermittlungen (Trainingsmenge)",
    "placement_starts": "Beginn der Vermittlungen (von, bis)",
    "proposals": "Vorschläge (Passungsmodell)",
    "proposal_dates": "Datum der Vorschläge (von, bis)",
    "holdout_share": "Anteil der neuesten Daten zur Auswertung",
    "holdout_placements_from": "Auswertungsdaten ab",
    "holdout_proposals_from": "Auswertungsvorschläge ab",
    "refit_on_all": "nach der Auswertung auf allen Daten neu angepasst",
}


def _attr(name: str) -> str:
    return ATTRIBUTE_DE.get(name, name)


def _group(name: str) -> str:
    return GROUP_DE.get(name, name)


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool | np.bool_):
        return "ja" if v else "nein"
    if isinstance(v, float | np.floating):
        return "–" if v != v else f"{v:.3f}"
    if isinstance(v, list | tuple):
        return " – ".join(_fmt(x) for x in v)
    return str(v).replace("|", "\\|")


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            rows += _flatten(v, key + ".")
        else:
            rows.append((key, v))
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return out


# -- plots -------------------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _plot_calibration(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> Figure:
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


def _plot_roc(y: npt.NDArray[Any], p: npt.NDArray[Any]) -> Figure:
    fig = _figure(5, 5)
    ax = fig.add_subplot()
    fpr, tpr, _ = roc_curve(y, p)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="Zufall")
    ax.plot(fpr, tpr, label=f"Modell (AUC {roc_auc_score(y, p):.3f})")
    ax.set(xlabel="Falsch-Positiv-Rate", ylabel="Richtig-Positiv-Rate", title="ROC-Kurve")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def _plot_groups(report: FairnessReport) -> Figure:
    attrs = list(report.attributes.values())
    fig = _figure(10, 2.8 * max(len(attrs), 1))
    for i, attr in enumerate(attrs):
        groups = list(attr.by_group)
        x = np.arange(len(groups))
        labels = [f"{_group(g)}\n(n={int(attr.by_group[g]['n'])})" for g in groups]
        ax = fig.add_subplot(len(attrs), 2, 2 * i + 1)
        for off, m, color in ((-0.2, "tpr", "tab:blue"), (0.2, "fpr", "tab:orange")):
            ax.bar(x + off, [attr.by_group[g][m] for g in groups], width=0.4, label=m.upper(), color=color)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{_attr(attr.attribute)}: TPR und FPR", fontsize=10)
        ax.legend(fontsize=8)
        ax = fig.add_subplot(len(attrs), 2, 2 * i + 2)
        ax.bar(x, [attr.by_group[g]["calibration_gap"] for g in groups], color="tab:green")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_title(f"{_attr(attr.attribute)}: vorhergesagt − beobachtet", fontsize=10)
    fig.tight_layout()
    return fig


def _plot_group_calibration(
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
            ax.plot(pred, obs, marker="o", label=f"{_group(str(g))} (n={int(rows.sum())})")
        ax.set(xlim=(0, 1), ylim=(0, 1), title=_attr(name), xlabel="vorhergesagt", ylabel="beobachtet")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


# -- writing -----------------------------------------------------------------------------------
def _replace_into(path: Path, write: Callable[[Path], None]) -> None:
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
        "calibration": _plot_calibration(y, p),
        "roc": _plot_roc(y, p),
        "groups": _plot_groups(fairness),
        "group_calibration": _plot_group_calibration(y, p, groups),
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


def render_card(
    *,
    version: str,
    manifest: Mapping[str, Any],
    metrics: Mapping[str, Any],
    fairness: FairnessReport,
    proxy: ProxyReport,
    y: npt.NDArray[np.float64],
    p: npt.NDArray[np.float64],
    limits: FairnessLimits,
) -> str:
    """The card's Markdown (pure; the plots it links are written by ``write_model_card``)."""
    from matcher.explain_text import FEATURE_LABELS

    def feat(name: str) -> str:
        return f"{FEATURE_LABELS.get(name, name)} (`{name}`)"

    checks = check_gaps(fairness, limits)
    reasons = [c for c in checks if c.exceeded]
    L: list[str] = [f"# Modellkarte: Nachhaltigkeitsmodell {version}", ""]

    L += ["## Verwendungszweck", ""]
    L += [
        "Das Modell schätzt für ein Paar aus Kundin/Kunde und Stellenangebot die Wahrscheinlichkeit, dass "
        "eine Vermittlung dauerhaft ist (12 Monate nach Beginn noch beschäftigt). passgenau ordnet damit "
        "Vorschlagslisten für Fallmanagerinnen und Fallmanager (Arbeitsvermittlung im SGB II).",
        "",
        "- **Nur beratend.** Die Listen sind ein Hilfsmittel für Fallmanagerinnen und Fallmanager. Kein "
        "Vermittlungsvorschlag geht an eine Kundin oder einen Kunden ohne die Bestätigung einer namentlich "
        "benannten Fallmanagerin bzw. eines Fallmanagers.",
        "- **Nicht zulässig** für Leistungsentscheidungen, Leistungsminderungen (§ 31 ff. SGB II), "
        "Zumutbarkeitsprüfungen oder die Bewertung von Kundinnen, Kunden oder Beschäftigten.",
        "- Nutzerinnen und Nutzer dieser Karte: Daten- und Controllingteams, die über die Freigabe eines "
        "neuen Modells entscheiden.",
        "",
    ]

    L += ["## Daten", ""]
    training = manifest.get("training", {}) if isinstance(manifest.get("training"), Mapping) else {}
    rows = [[DATA_DE.get(k, k), v] for k, v in _flatten(training)]
    L += _table(["Angabe", "Wert"], rows) if rows else ["Keine Angaben zum Trainingsstand im Manifest."]
    L += [
        "",
        f"Auswertungsdaten dieser Karte (Fairness, Diagramme): {y.size} Vermittlungen, davon "
        f"{int(y.sum())} dauerhaft ({y.mean():.1%}).",
        "",
    ]

    L += ["## Kennzahlen", ""]
    L += _table(
        ["Kennzahl (Auswertungsdaten)", "Wert"],
        [
            ["AUC", float(roc_auc_score(y, p))],
            ["Brier-Score", float(brier_score_loss(y, p))],
            ["erwarteter Kalibrierungsfehler (ECE, 10 Klassen)", float(ece(y, p))],
            ["mittlere Vorhersage", float(p.mean())],
            ["beobachteter Anteil dauerhaft", float(y.mean())],
        ],
    )
    metric_rows = [[k, v] for k, v in _flatten(metrics)]
    if metric_rows:
        L += ["", "Kennzahlen aus dem Training (zeitlich letzte Daten, vor der Neuanpassung):", ""]
        L += _table(["Kennzahl", "Wert"], metric_rows)
    L += [
        "",
        f"![Kalibrierung]({PLOTS['calibration']}) ![ROC-Kurve]({PLOTS['roc']})",
        "",
    ]

    L += ["## Fairness", ""]
    L += [
        f"Gruppenweise Kennzahlen (fairlearn `MetricFrame`) bei Schwelle {fairness.threshold:g}: als "
        "positiv gilt eine Vorhersage ≥ Schwelle. Kalibrierungsabweichung = mittlere Vorhersage − "
        "beobachteter Anteil (positiv: das Modell ist für die Gruppe zu optimistisch). Abstand = "
        "größter − kleinster Gruppenwert.",
        "",
        f"Freigabeprüfung: Grenzen TPR {_fmt(limits.tpr_gap)}, FPR {_fmt(limits.fpr_gap)}, "
        f"Kalibrierung {_fmt(limits.calibration_gap)}, Auswahlrate {_fmt(limits.selection_rate_gap)}. "
        f"Gruppen mit weniger als {limits.min_group_size} Fällen im Nenner der Kennzahl (Positive für TPR, "
        "Negative für FPR, alle Fälle sonst) werden berichtet, aber nicht geprüft. "
        + (
            "Ein Abstand zählt nur, wenn er auch statistisch gesichert ist "
            f"(Signifikanzniveau {limits.alpha:g}, Bonferroni-korrigiert über alle Vergleiche: "
            "Gruppenpaare aller Merkmale und Kennzahlen), "
            "nicht bloß Zufallsrauschen."
            if limits.alpha is not None
            else ""
        ),
        "",
        "**Ergebnis: bestanden.**" if not reasons else "**Ergebnis: nicht bestanden.**",
        "",
    ]
    if reasons:
        L += [
            f"- {_attr(c.attribute)}: {METRIC_DE[c.metric]} unterscheidet sich um {c.gap:.3f} zwischen "
            f"{_group(c.high or '')} und {_group(c.low or '')} "
            f"(Standardfehler {c.se:.3f}, kritischer Wert {c.z:.2f}, Grenze {c.limit:.3f})"
            for c in reasons
        ]
        L += [""]
    # Above the limit but within the noise allowance: not a reason to refuse, but a case managers'
    # board should see it and look again when more outcomes are in.
    watch = [c for c in checks if c.limit is not None and not c.exceeded and c.gap > c.limit]
    if watch:
        L += ["Über der Grenze, aber bei dieser Fallzahl nicht statistisch gesichert (beobachten):", ""]
        L += [
            f"- {_attr(c.attribute)}: {METRIC_DE[c.metric]} {c.gap:.3f} zwischen {_group(c.high or '')} "
            f"und {_group(c.low or '')} (gesichert erst ab {c.z * c.se:.3f}; Grenze {c.limit:.3f})"
            for c in watch
        ]
        L += [""]
    cols = ("n", "positives", "tpr", "fpr", "selection_rate", "mean_score", "observed_rate")
    cols += ("calibration_gap",)
    header = ["Gruppe", "n", "Positive", "TPR", "FPR", "Auswahlrate", "Ø Vorhersage", "beobachtet"]
    header += ["Kal.-Abw."]
    for name, attr in fairness.attributes.items():
        L += [f"### {_attr(name)}", ""]
        rows = [[_group(g), *[int(r[c]) if c in ("n", "positives") else r[c] for c in cols]]
                for g, r in attr.by_group.items()]  # fmt: skip
        rows.append(["**Abstand**", "", "", *[attr.gaps[m] for m in ("tpr", "fpr", "selection_rate")], "", "",
                     attr.gaps["calibration_gap"]])  # fmt: skip
        L += _table(header, rows)
        small = sorted({g for c in checks if c.attribute == name for g in c.small_groups})
        if small:
            names = ", ".join(map(_group, small))
            L += ["", f"Nicht geprüft (zu klein für mindestens eine Kennzahl): {names}."]
        L += [""]
    L += [f"![Kennzahlen nach Gruppen]({PLOTS['groups']})", ""]
    L += [f"![Kalibrierung nach Gruppen]({PLOTS['group_calibration']})", ""]

    L += ["## Proxy-Prüfung", ""]
    L += [
        "Geschützte Merkmale sind keine Modellmerkmale. Andere Merkmale können sie aber verraten "
        "(Stellvertreter, „Proxys“) und so Gruppenunterschiede ins Modell tragen. Geprüft wird je Merkmal "
        "die normierte Transinformation I(Merkmal; Gruppe) / H(Gruppe) und je geschütztem Merkmal die "
        "kreuzvalidierte AUC eines kleinen Klassifikators aus allen Merkmalen. Markiert: NMI ≥ "
        f"{proxy.nmi_flag:g}, AUC ≥ {proxy.auc_flag:g} (0.5 = Zufall). Eine Markierung heißt nicht, dass "
        f"das Merkmal entfernt werden muss; sie ist bei der Freigabe zu begründen. Zeilen: {proxy.n}.",
        "",
    ]
    rows = []
    for name, a in proxy.attributes.items():
        top = sorted(a.nmi, key=lambda f: (-a.nmi[f], f))[:3]
        rows.append([
            _attr(name), a.auc, "ja" if a.recoverable else "nein",
            ", ".join(f"{feat(f)} {a.nmi[f]:.3f}" for f in top),
            ", ".join(map(feat, a.strong)) or "keine",
        ])  # fmt: skip
    L += _table(["geschütztes Merkmal", "AUC", "erkennbar", "stärkste Merkmale (NMI)", "starke Proxys"], rows)
    left = [f"{_attr(a.attribute)}: {', '.join(map(_group, a.left_out))}" for a in proxy.attributes.values()
            if a.left_out]  # fmt: skip
    if left:
        L += ["", f"Für den Klassifikator zu kleine Gruppen (ausgelassen): {'; '.join(left)}."]
    L += [""]

    L += ["## Grenzen", ""]
    L += [
        "- **Synthetische Daten im Demobetrieb.** Ohne echte Vermittlungshistorie stammen Training und "
        "Auswertung aus dem synthetischen Generator (Landkreis Göttingen); die Zahlen belegen dann die "
        "Methode, nicht die Qualität auf echten Daten.",
        "- **Geschützte Merkmale sind keine Modellmerkmale, aber es gibt Stellvertreter** (siehe "
        "Proxy-Prüfung): Unterschiede zwischen Gruppen können über sie ins Modell gelangen.",
        "- **Auswahlverzerrung:** Ergebnisse gibt es nur für tatsächlich erfolgte Vermittlungen; wie "
        "dauerhaft nicht vorgeschlagene Stellen gewesen wären, ist unbekannt.",
        "- **Zielgröße:** „12 Monate später beschäftigt“ misst weder Lohn noch Arbeitsqualität.",
        "- **Fairness je Merkmal, nicht kombiniert:** Schnittmengen (z. B. Frauen über 50 aus "
        "Asylherkunftsländern) werden nicht geprüft; kleine Gruppen sind statistisch unsicher.",
        "- **EU-KI-Verordnung:** Systeme für Arbeitsvermittlung und den Zugang zu öffentlichen "
        "Unterstützungsleistungen gelten nach Anhang III (Nr. 4 und Nr. 5 Buchst. a) voraussichtlich als "
        "Hochrisiko-KI-Systeme: Risikomanagement, Daten-Governance, Protokollierung, menschliche Aufsicht "
        "und diese Dokumentation sind Pflicht.",
        "- **DSGVO Art. 22:** Es findet keine ausschließlich automatisierte Entscheidung statt; jede "
        "Entscheidung trifft eine Fallmanagerin oder ein Fallmanager.",
        "",
    ]

    L += ["## Versionen", ""]
    import fairlearn
    import matplotlib
    import sklearn

    rows = [["Modellversion", version]]
    rows += [[VERSION_DE[k], manifest[k]] for k in VERSION_DE if k in manifest]
    kinds = manifest.get("kinds")
    if isinstance(kinds, Mapping):
        rows += [[f"Modellart {k}", v] for k, v in kinds.items()]
    libraries = manifest.get("libraries")
    if isinstance(libraries, Mapping):
        rows += [[f"Bibliothek {k} (Training)", v] for k, v in libraries.items()]
    rows += [
        ["scikit-learn (Karte)", sklearn.__version__],
        ["fairlearn (Karte)", fairlearn.__version__],
        ["matplotlib (Karte)", matplotlib.__version__],
    ]
    L += _table(["Angabe", "Wert"], rows)
    L += [""]
    return "\n".join(L)
