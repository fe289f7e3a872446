"""The card's Markdown: pure text from the manifest, metrics, fairness and proxy reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fairlearn
import matplotlib
import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.metrics import brier_score_loss, roc_auc_score

from matcher.explain_text import FEATURE_LABELS, pair_parts
from training.card.labels import (
    DATA_DE,
    METRIC_DE,
    VERSION_DE,
    attr_de,
    group_de,
)
from training.fairness import FairnessLimits, FairnessReport, check_gaps
from training.proxy import ProxyReport
from training.train import BOOSTING_MARGIN, PLATT_MARGIN, ece

CARD = "model-card.md"
PLOTS = {
    "calibration": "kalibrierung.png",
    "roc": "roc.png",
    "groups": "gruppen.png",
    "group_calibration": "kalibrierung-gruppen.png",
}
SECTIONS = (
    "Verwendungszweck",
    "Daten",
    "Kennzahlen",
    "Modellwahl",
    "Fairness",
    "Proxy-Prüfung",
    "Grenzen",
    "Versionen",
)


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


# Long records of the training metrics that have their own place in the card (Modellwahl) or none.
_NOT_TABULATED = ("search", "reliability", "interaction_terms")


def term_de(name: str) -> str:
    """A term's German label: a feature's, or "a × b" for a pair term."""
    parts = pair_parts(name)
    if parts is None:
        return FEATURE_LABELS.get(name, name)
    return " × ".join(FEATURE_LABELS.get(f, f) for f in parts)


def choice_section(manifest: Mapping[str, Any], metrics: Mapping[str, Any]) -> list[str]:
    """The candidates compared on the same held-out rows, the rule, the choice, the pair terms and
    the calibration step (``training.train``)."""
    sustain = metrics.get("sustain", {}) if isinstance(metrics.get("sustain"), Mapping) else {}
    L = ["## Modellwahl", ""]
    L += [
        "Drei Kandidaten, auf denselben älteren Vermittlungen angepasst und auf denselben zeitlich "
        "letzten geprüft: additiv (ein Term je Merkmal), additiv mit Paartermen (GA2M: wenige "
        "Wechselwirkungen zweier Merkmale, vom Verfahren auf den Daten gefunden) und Gradient Boosting. "
        "AUC-Differenzen mit 95-%-Intervall aus einem gepaarten Bootstrap (gleiche Stichproben für "
        "beide Modelle, fester Seed).",
        "",
        "**Regel:** Ein erklärbares Modell wird bevorzugt. GA2M ersetzt das additive Modell, wenn es "
        "mindestens einen Paarterm behält, seine AUC nicht niedriger und sein Brier-Score nicht höher "
        "ist. Boosting ersetzt das erklärbare Modell nur bei klarem Gewinn: "
        f"AUC mindestens {BOOSTING_MARGIN:g} höher, Bootstrap-Intervall der Differenz über 0 und ECE "
        "nicht schlechter.",
        "",
    ]
    rows = []
    for kind in ("additive", "ga2m", "boosting"):
        m = sustain.get(kind)
        if not isinstance(m, Mapping):
            continue
        vs = m.get("vs_additive")
        interval = f"{vs['diff']:+.4f} [{vs['low']:+.4f}; {vs['high']:+.4f}]" if vs else "–"
        rows.append([kind, m.get("auc"), m.get("ece"), m.get("brier"), interval])
    if rows:
        L += _table(["Kandidat", "AUC", "ECE", "Brier", "AUC − additiv [95 %]"], rows)
        L += [""]
    L += [f"Gewählt: **{sustain.get('chosen', manifest.get('kinds', {}).get('sustain', '–'))}**. "
          f"Begründung: {manifest.get('choice_reason', '–')}", ""]  # fmt: skip
    terms = manifest.get("interaction_terms") or []
    L += ["Paarterme des gewählten Modells (gehen mit ihrem exakten Beitrag in die Erklärung ein):", ""]
    L += [f"- {term_de(t)} (`{t}`)" for t in terms] if terms else ["- keine"]
    directions = manifest.get("monotone") or {}
    if directions:
        rising = [FEATURE_LABELS.get(f, f) for f, d in directions.items() if d > 0]
        falling = [FEATURE_LABELS.get(f, f) for f, d in directions.items() if d < 0]
        L += [
            "",
            "**Feste Richtungen** (die Kurve eines Merkmals darf nur steigen bzw. nur fallen; aus "
            f"Forschung und Praxis bekannt, nicht aus den Daten): steigend: {', '.join(rising)}; "
            f"fallend: {', '.join(falling)}. Frei: alle übrigen Merkmale und die Paarterme.",
        ]
    found = sustain.get("ga2m", {}).get("search") if isinstance(sustain.get("ga2m"), Mapping) else None
    if found:
        L += ["", "Suche der Paarterme (GA2M-Kandidat, ältere Daten): Rang nach dem Gewinn auf dem "
              "Residuum über seine Freiheitsgrade hinaus, in Streuungen des Zufalls (z), Ersparnis an "
              "Log-Loss auf den zeitlich letzten 20 % je Schritt.", ""]  # fmt: skip
        rows = [[term_de(r["pair"]), r["rank_gain"], r.get("heldout_saving", []), r["kept"]] for r in found]
        L += _table(["Paar", "Gewinn (z)", "Ersparnis je Schritt", "behalten"], rows[:10])
    cal = sustain.get("calibration")
    if isinstance(cal, Mapping):
        L += [
            "",
            "**Kalibrierung:** geprüft, wie sie verwendet würde, einen Zeitabschnitt voraus und nur auf "
            "den älteren Daten: Platt-Skalierung aus einem Abschnitt, angewandt auf das mit ihm neu "
            "angepasste Modell, beurteilt am nächsten Abschnitt, zweimal hintereinander. Letzter Schritt "
            f"(n = {cal.get('fold')}): ECE {_fmt(cal.get('ece'))} ohne, {_fmt(cal.get('ece_platt'))} mit "
            f"Platt. Verwendet nur, wenn der ECE in beiden Schritten um mindestens {PLATT_MARGIN:g} sinkt "
            f"(verwendet: {_fmt(cal.get('platt'))}). "
            "ECE auf den Prüfdaten vorher "
            f"{_fmt(cal.get('holdout_ece_before'))}, nachher {_fmt(cal.get('holdout_ece_after'))}. "
            "Platt ist linear im Logit: Terme und Basis skalieren mit, die Erklärung bleibt exakt; "
            "isotone Regression würde das nicht und wird nicht verwendet.",
        ]
    L += ["", f"![Kalibrierung]({PLOTS['calibration']})", ""]
    return L


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
    metric_rows = [[k, v] for k, v in _flatten(metrics) if k.rsplit(".", 1)[-1] not in _NOT_TABULATED]
    if metric_rows:
        L += ["", "Kennzahlen aus dem Training (zeitlich letzte Daten, vor der Neuanpassung):", ""]
        L += _table(["Kennzahl", "Wert"], metric_rows)
    L += [
        "",
        f"![Kalibrierung]({PLOTS['calibration']}) ![ROC-Kurve]({PLOTS['roc']})",
        "",
    ]

    L += choice_section(manifest, metrics)

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
            f"- {attr_de(c.attribute)}: {METRIC_DE[c.metric]} unterscheidet sich um {c.gap:.3f} zwischen "
            f"{group_de(c.high or '')} und {group_de(c.low or '')} "
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
            f"- {attr_de(c.attribute)}: {METRIC_DE[c.metric]} {c.gap:.3f} zwischen {group_de(c.high or '')} "
            f"und {group_de(c.low or '')} (gesichert erst ab {c.z * c.se:.3f}; Grenze {c.limit:.3f})"
            for c in watch
        ]
        L += [""]
    cols: tuple[str, ...] = ("n", "positives", "tpr", "fpr", "selection_rate", "mean_score", "observed_rate")
    cols += ("calibration_gap",)
    header = ["Gruppe", "n", "Positive", "TPR", "FPR", "Auswahlrate", "Ø Vorhersage", "beobachtet"]
    header += ["Kal.-Abw."]
    for name, attr in fairness.attributes.items():
        L += [f"### {attr_de(name)}", ""]
        rows = [[group_de(g), *[int(r[c]) if c in ("n", "positives") else r[c] for c in cols]]
                for g, r in attr.by_group.items()]  # fmt: skip
        rows.append(["**Abstand**", "", "", *[attr.gaps[m] for m in ("tpr", "fpr", "selection_rate")], "", "",
                     attr.gaps["calibration_gap"]])  # fmt: skip
        L += _table(header, rows)
        small = sorted({g for c in checks if c.attribute == name for g in c.small_groups})
        if small:
            names = ", ".join(map(group_de, small))
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
            attr_de(name), a.auc, "ja" if a.recoverable else "nein",
            ", ".join(f"{feat(f)} {a.nmi[f]:.3f}" for f in top),
            ", ".join(map(feat, a.strong)) or "keine",
        ])  # fmt: skip
    L += _table(["geschütztes Merkmal", "AUC", "erkennbar", "stärkste Merkmale (NMI)", "starke Proxys"], rows)
    left = [f"{attr_de(a.attribute)}: {', '.join(map(group_de, a.left_out))}"
            for a in proxy.attributes.values() if a.left_out]  # fmt: skip
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
