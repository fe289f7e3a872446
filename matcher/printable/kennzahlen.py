"""The key figures as a printable German page: one page per Jobcenter or team, its case managers,
forecast against realised, the nightly lists, and the definitions against the Kennzahlen-Verordnung.

Renders the use case's JSON (``KennzahlenReport.to_json``) only; the plots come in as image sources
(a file beside the page for the CLI, a ``data:`` URI for the served page). Values are escaped;
suppressed cells stay "< 5".
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.printable.kennzahlen_plots import plot_name
from matcher.printable.page import content_security_policy, document, paragraph, table

LEVEL_DE = {"jobcenter": "Jobcenter", "team": "Team", "case_manager": "Fallmanager/in"}
ATTR_DE = {"sex": "Geschlecht", "nationality_group": "Staatsangehörigkeitsgruppe", "age_band": "Altersband",
           "severe_disability": "Schwerbehinderung"}  # fmt: skip


def csp_with_images() -> str:
    """The printable pages' policy, with the plots' ``data:`` images allowed."""
    return content_security_policy().replace("img-src 'none'", "img-src data:")


def fmt(v: Any, kind: str = "n") -> str:
    """A cell in German: "< 5" and "–" as they are; shares as percent, numbers with a comma."""
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "ja" if v else "nein"
    if kind == "%":
        return f"{100 * v:.1f} %".replace(".", ",")
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.1f}".replace(",", " ").replace(".", ",")
    return f"{int(v):,}".replace(",", ".")


MONTH_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("stock", "Bestand", "n"),
    ("integrations", "Integrationen", "n"),
    ("integration_rate", "Integrationsquote", "%"),
    ("employed_6m_share", "nach 6 Mon. beschäftigt", "%"),
    ("employed_12m_share", "nach 12 Mon. beschäftigt (K2E3)", "%"),
    ("benefits_12m_share", "wieder im Leistungsbezug (12 Mon.)", "%"),
    ("proposals", "Vorschläge", "n"),
    ("hires", "Einstellungen", "n"),
    ("conversion", "Vorschläge → Einstellungen", "%"),
    ("days_to_first_proposal", "Tage bis 1. Vorschlag (Median)", "n"),
    ("integrations_single_parents", "Integrationen Alleinerziehende", "n"),
    ("integration_rate_single_parents", "Quote Alleinerziehende", "%"),
    ("employed_12m_share_single_parents", "Alleinerziehende nach 12 Mon. beschäftigt", "%"),
)


def _title(u: Mapping[str, Any]) -> str:
    if u["level"] == "jobcenter":
        return f"Jobcenter {u['jobcenter']}"
    if u["level"] == "team":
        return f"Team {u['team']} ({u['jobcenter']})"
    return f"Fallmanager/in {u['case_manager']} (Team {u['team']}, {u['jobcenter']})"


def _totals(u: Mapping[str, Any]) -> str:
    t = u["total"]
    rows = [("Bestand aktiver Kund/innen heute", fmt(u["stock"])),
            ("davon Alleinerziehende", fmt(u["stock_single_parents"])),
            ("mittlerer Monatsbestand im Zeitraum (Nenner der Quoten)", fmt(t["stock"])),
            ("davon Alleinerziehende", fmt(t["stock_single_parents"]))]  # fmt: skip
    rows += [(label, fmt(t[k], kind)) for k, label, kind in MONTH_COLUMNS if k != "stock"]
    rows += [("Integrationen mit 12 Monaten Beobachtung", fmt(t["matured_12m"])),
             ("Integrationen mit 6 Monaten Beobachtung", fmt(t["matured_6m"]))]  # fmt: skip
    return table(("Kennzahl (ganzer Zeitraum)", "Wert"), rows, empty="")


def _months(u: Mapping[str, Any]) -> str:
    # Three tables of a few columns each, so that they fit an A4 page in portrait.
    out = []
    for cols in (MONTH_COLUMNS[:4], MONTH_COLUMNS[4:8], MONTH_COLUMNS[8:]):
        head = ["Monat", *[label for _, label, _ in cols]]
        rows = [[r["month"], *[fmt(r[k], kind) for k, _, kind in cols]] for r in u["months"]]
        out.append(table(head, rows, empty="Keine Monate im Zeitraum."))
    return "".join(out)


def _forecast(u: Mapping[str, Any]) -> str:
    f = u.get("forecast")
    if f is None:
        return ""
    t = f["total"]
    out = ["<h3>Prognose gegen Ergebnis (bestätigte Vorschläge aus gezeigten Listen)</h3>"]
    if t.get("proposals") in (None, 0):
        out.append(paragraph("Noch keine Vorschläge mit bekanntem Ergebnis im Zeitraum."))
    else:
        rows = [
            ("Vorschläge mit bekanntem Ergebnis", fmt(t.get("proposals"))),
            ("erwartete Einstellungen (Σ P(Einstellung))", fmt(t.get("expected_hires"))),
            ("eingetretene Einstellungen", fmt(t.get("hires"))),
            ("erwartete nachhaltige Vermittlungen (Σ p)", fmt(t.get("expected_lasting"))),
            ("eingetretene nachhaltige Vermittlungen", fmt(t.get("lasting"))),
            ("prognostizierter Anteil", fmt(t.get("forecast_share"), "%")),
            ("95-%-Intervall", f"{fmt(t.get('interval_low'), '%')} – {fmt(t.get('interval_high'), '%')}"),
            ("eingetretener Anteil", fmt(t.get("realised_share"), "%")),
            ("im Intervall", fmt(t.get("within_interval"))),
        ]
        out.append(table(("Größe", "Wert"), rows, empty=""))
    out.append(paragraph(f"Noch offen (Ergebnis noch nicht bekannt): {fmt(f['pending'])}"))
    cal = [(b["bin"], fmt(b["proposals"]), fmt(b["mean_forecast"], "%"), fmt(b["realised_share"], "%"))
           for b in f["calibration"]]  # fmt: skip
    out.append(table(("Prognose-Klasse", "Vorschläge", "mittlere Prognose", "eingetreten"), cal, empty=""))
    months = [(m["month"], fmt(m.get("proposals")), fmt(m.get("expected_lasting")), fmt(m.get("lasting")))
              for m in f["months"] if m.get("proposals") not in (None,)]  # fmt: skip
    out.append(table(("Monat des Vorschlags", "Vorschläge", "Prognose Σ p", "eingetreten"), months, empty=""))
    return "".join(out)


def _groups(u: Mapping[str, Any]) -> str:
    rows = []
    for attr, values in u["groups"].items():
        for value, c in values.items():
            rows.append((ATTR_DE.get(attr, attr), value, fmt(c["claimants"]), fmt(c["integrations"])))
    return "<h3>Nach geschützten Merkmalen (nur Anzahlen)</h3>" + table(
        ("Merkmal", "Ausprägung", "Bestand", "Integrationen im Zeitraum"), rows, empty="Keine Angaben."
    )


def _shown(u: Mapping[str, Any]) -> str:
    sl = u.get("shown_lists")
    if sl is None:
        return ""
    rows = [(r["month"], fmt(r["lists"]), fmt(r["suggestions"]), fmt(r["expected_hires"]),
             fmt(r["expected_lasting"])) for r in sl["months"]]  # fmt: skip
    t = sl["total"]
    rows.append(("Zeitraum", fmt(t["lists"]), fmt(t["suggestions"]), fmt(t["expected_hires"]),
                 fmt(t["expected_lasting"])))  # fmt: skip
    return "<h3>Gezeigte Listen: was sie bei Befolgung erwarten lassen</h3>" + table(
        ("Monat", "Listen", "Vorschläge gezeigt", "erwartete Einstellungen (Σ P(Einstellung))",
         "erwartete nachhaltige Vermittlungen (Σ p)"), rows, empty="")  # fmt: skip


def _nightly(u: Mapping[str, Any]) -> str:
    rows = [
        (
            n["day"],
            n["run_id"],
            fmt(n["claimants_listed"]),
            fmt(n["expected_hires"]),
            fmt(n["expected_lasting"]),
        )
        for n in u["nightly"]
    ]
    return "<h3>Nachtlisten</h3>" + table(
        ("Tag", "Lauf", "Kund/innen mit Liste", "erwartete Einstellungen bei Befolgung",
         "erwartete nachhaltige Vermittlungen"), rows,
        empty="Keine Nachtläufe im Zeitraum.",
    )  # fmt: skip


def _capacity(u: Mapping[str, Any]) -> str:
    cap = u.get("capacity")
    if cap is None:
        return ""

    def cells_of(r: Mapping[str, Any]) -> list[str]:
        return [fmt(r.get("runs")), fmt(r.get("expected_hires_without")), fmt(r.get("expected_hires_with")),
                fmt(r.get("expected_lasting_without")), fmt(r.get("expected_lasting_with")),
                fmt(r.get("lasting_cost")), fmt(r.get("lasting_cost_share"), "%")]  # fmt: skip

    rows = [[r["month"], *cells_of(r)] for r in cap["months"] if r.get("runs")]
    if rows:
        rows.append(["Zeitraum", *cells_of(cap["total"])])
    head = (
        "Monat",
        "Nachtläufe",
        "erw. Einstellungen ohne Grenze",
        "mit Grenze",
        "erw. nachhaltige Vermittlungen ohne Grenze",
        "mit Grenze",
        "Differenz",
        "Differenz in %",
    )
    note = paragraph(
        "Erwartete Einstellungen und nachhaltige Vermittlungen der Kund/innen dieser Einheit, würden alle "
        "Vorschläge ihrer Nachtliste gemacht: ohne Kapazitätsgrenze (jeweils die besten N Stellen) und mit "
        "ihr (die verteilten Listen, höchstens ⌊c × Plätze⌋ Listen je Stelle). Die Differenz ist, was die "
        "Grenze dieser Einheit kostet."
    )
    return (
        "<h3>Wirkung der Kapazitätsgrenze (Nachtlisten, mittlerer Lauf je Monat)</h3>"
        + note
        + table(head, rows, empty="Keine Nachtläufe mit dieser Angabe im Zeitraum.")
    )


def _case_managers(u: Mapping[str, Any], units: Sequence[Mapping[str, Any]]) -> str:
    mine = [c for c in units if c["level"] == "case_manager" and c["jobcenter"] == u["jobcenter"]
            and (u["level"] == "jobcenter" or c["team"] == u["team"])]  # fmt: skip
    if not mine or u["level"] == "jobcenter":
        return ""
    rows = [(c["case_manager"], fmt(c["total"]["stock"]), fmt(c["total"]["integrations"]),
             fmt(c["total"]["integration_rate"], "%"), fmt(c["total"]["employed_12m_share"], "%"),
             fmt(c["total"]["proposals"]), fmt(c["total"]["conversion"], "%")) for c in mine]  # fmt: skip
    return "<h3>Nach Fallmanager/in (ganzer Zeitraum)</h3>" + table(
        ("Fallmanager/in", "mittlerer Bestand", "Integrationen", "Quote", "nach 12 Mon. beschäftigt",
         "Vorschläge", "Vorschläge → Einstellungen"), rows, empty="")  # fmt: skip


def _img(images: Mapping[str, str], name: str, alt: str) -> str:
    src = images.get(name)
    if src is None:
        return ""
    return f'<p><img src="{html.escape(src)}" alt="{html.escape(alt)}" width="720"></p>'


def _unit(u: Mapping[str, Any], units: Sequence[Mapping[str, Any]], images: Mapping[str, str]) -> str:
    name = plot_name(dict(u))
    parts = [
        f'<section class="pagebreak"><h2>{html.escape(_title(u))}</h2>',
        _totals(u),
        _img(images, f"{name}-trends.png", f"Monatlicher Verlauf {_title(u)}"),
        "<h3>Nach Monat</h3>",
        _months(u),
        _case_managers(u, units),
        _forecast(u),
        _img(images, f"{name}-forecast.png", f"Prognose gegen Ergebnis {_title(u)}"),
        _shown(u),
        _groups(u),
        _nightly(u),
        _capacity(u),
        _img(images, f"{name}-capacity.png", f"Wirkung der Kapazitätsgrenze {_title(u)}"),
        "</section>",
    ]
    return "".join(parts)


def _runs(runs: Sequence[Mapping[str, Any]]) -> str:
    keys = (("max_exposure", "größte Zahl an Listen je Stelle"), ("gini_exposure", "Gini der Sichtbarkeit"),
            ("share_unseen", "Anteil nie gezeigter offener Stellen"),
            ("expected_lasting", "erwartete nachhaltige Vermittlungen"))  # fmt: skip
    rows = []
    for r in runs:
        for k, label in keys:
            kind = "%" if k == "share_unseen" else "n"
            rows.append((r["day"], label, fmt(r["before"].get(k), kind), fmt(r["after"].get(k), kind)))
    return "<h2>Nachtlisten: Ballung und Kapazitätsgrenze (ganzer Lauf)</h2>" + table(
        ("Tag", "Größe", "ohne Kapazitätsgrenze", "mit Kapazitätsgrenze"), rows,
        empty="Keine Nachtläufe im Zeitraum.",
    )  # fmt: skip


def _definitions(defs: Sequence[Mapping[str, str]]) -> str:
    rows = [(d["name"], d["passgenau"], d["verordnung"], d["status"]) for d in defs]
    return '<section class="pagebreak"><h2>Definitionen und Kennzahlen-Verordnung (§5 KennzV)</h2>' + table(
        ("Kennzahl", "So rechnet passgenau", "Kennzahlen-Verordnung", "Stand"), rows, empty=""
    ) + "</section>"  # fmt: skip


def _unattributed(counts: Mapping[str, int] | None) -> str:
    if not counts or not any(counts.values()):
        return ""
    return paragraph(
        f"Keinem Team zuzuordnen (frühere Kund/innen ohne Registereintrag und ohne erfasste "
        f"Arbeitsaufnahme), daher nicht gezählt: {fmt(counts.get('proposals', 0))} Vorschläge, "
        f"{fmt(counts.get('integrations', 0))} Arbeitsaufnahmen."
    )


def render_kennzahlen(report: Mapping[str, Any], images: Mapping[str, str]) -> str:
    """The whole printable page; ``images`` maps plot file names to the ``src`` to use."""
    p, scope = report["period"], report["scope"]
    units = report["units"]
    who = {"team_lead": "Teamleitung", "admin": "Controlling/Administration", "operator": "Betrieb",
           "case_manager": "Fallmanagement (eigener Bestand)"}.get(scope["role"], scope["role"])  # fmt: skip
    head = (
        "<h1>Kennzahlen nach §48a SGB II aus passgenau</h1>"
        f'<p class="meta">Zeitraum {html.escape(p["from"])} bis {html.escape(p["to"])} · '
        f"Ergebnisse beurteilt am {html.escape(report['as_of'])} · Sicht: {html.escape(who)}"
        + (f" · Jobcenter {html.escape(scope['jobcenter'])}" if scope.get("jobcenter") else "")
        + (f" · Teams {html.escape(', '.join(scope['teams']))}" if scope.get("teams") else "")
        + f" · erstellt {html.escape(report['generated_at'][:16].replace('T', ' '))} UTC"
        f" von {html.escape(report['generated_by'])}</p>"
        f'<div class="box"><p>{html.escape(report["suppression"])}</p><p>Was passgenau hier zählt, sind '
        "die in passgenau erfassten Arbeitsaufnahmen und Vorschläge; die amtlichen Kennzahlen der "
        "Statistik der Bundesagentur für Arbeit können abweichen (Definitionen am Ende).</p>"
        + _unattributed(scope.get("unattributed"))
        + "</div>"
    )
    shown = [u for u in units if u["level"] != "case_manager"] or list(units)
    body = head + "".join(_unit(u, units, images) for u in shown)
    body += _runs(report["nightly_runs"]) + _definitions(report["definitions"])
    return document("Kennzahlen §48a SGB II – passgenau", body)
