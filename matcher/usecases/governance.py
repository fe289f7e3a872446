"""DPIA / FRIA inputs: the facts a Datenschutz-Folgenabschätzung (GDPR Art. 35) and a
fundamental-rights impact assessment (AI Act Art. 27) need, read from the running system.

Nothing here is typed by hand that the system can say itself: the data categories come from the
domain records' fields, the roles and rights from the code's permission table (passed in by the
caller: ``api.auth.RIGHTS``), health access and limits from the settings, row counts from the
database, the model's figures and fairness gate results from the current bundle's manifest and
``fairness.json``. ``render_markdown`` writes them in German; ``passgenau governance report``
regenerates the file on each release, and a test compares its role table with the code's.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.domain import Claimant, Household, ProtectedAttributes
from matcher.settings import Settings

# Claimant fields by data category (every field of ``Claimant`` is in exactly one; a test checks it).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Zuständigkeit und Pseudonym": ("id", "jobcenter", "team", "case_manager", "active"),
    "Wohnort": ("postcode", "municipality", "lat", "lon"),
    "Mobilität": ("licences", "has_car", "max_commute_minutes"),
    "Berufswünsche, Qualifikation, Sprache": (
        "desired_occupations", "desired_kldb", "profile_text", "skill_level", "german_level", "experience",
    ),
    "Verfügbarkeit": ("available_hours", "shifts_ok"),
    "Erwerbsbiografie": ("months_unemployed", "short_spells", "activated"),
    "Gesundheit (Art. 9 DSGVO)": ("health_max_load",),
    "Bedarfsgemeinschaft": ("household",),
}  # fmt: skip

RIGHT_LABELS: dict[str, str] = {
    "read_claimants": "Kunden lesen",
    "write_claimants": "Kunden anlegen/ändern",
    "erase_claimants": "Kunden löschen",
    "match": "Vorschläge, Kandidaten",
    "feedback": "Vorschläge bestätigen/ablehnen",
    "read_vacancies": "Stellen lesen",
    "write_vacancies": "Stellen schreiben",
    "outcomes": "Vermittlungsergebnisse",
    "read_models": "Modelle einsehen",
    "subject_access": "Auskunft Art. 15",
}


@dataclass(frozen=True)
class GovernanceFacts:
    generated_at: datetime
    settings: Settings
    rights: Mapping[str, Sequence[str]]  # role -> its rights, from the code's permission table
    scoped_roles: Sequence[str]  # roles bound to their token's Jobcenter
    confirming_roles: Sequence[str]  # roles that may confirm a Vermittlungsvorschlag
    counts: Mapping[str, int]  # rows per table
    users: Mapping[str, int]  # active tokens per role
    bundle: Mapping[str, Any] | None  # the current scorer bundle's manifest
    fairness: Mapping[str, Any] | None  # its fairness.json (written by `passgenau retrain`)
    oldest_audit: datetime | None


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return [*out, ""]


def _num(v: Any, digits: int = 3) -> str:
    if isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v)):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)
    return "–"


def all_rights(rights: Mapping[str, Sequence[str]]) -> list[str]:
    """Every right of the table, in the labels' order, unknown ones after them."""
    known = [r for r in RIGHT_LABELS if any(r in rs for rs in rights.values())]
    extra = sorted({r for rs in rights.values() for r in rs} - set(known))
    return known + extra


def role_table(f: GovernanceFacts) -> list[str]:
    """Roles × rights, with Jobcenter binding and health access: generated from the code's table."""
    rights = all_rights(f.rights)
    health = set(f.settings.api.health_roles)
    headers = ["Rolle", "an eigenes Jobcenter gebunden", "Gesundheitsdaten"]
    headers += [f"{RIGHT_LABELS.get(r, r)} (`{r}`)" for r in rights]
    rows = [
        [f"`{role}`", "ja" if role in f.scoped_roles else "nein (alle Jobcenter)",
         "ja" if role in health else "nein"]
        + ["ja" if r in granted else "–" for r in rights]
        for role, granted in f.rights.items()
    ]  # fmt: skip
    return _table(headers, rows)


def _categories() -> list[str]:
    rows = [[name, ", ".join(f"`{x}`" for x in fields)] for name, fields in CATEGORIES.items()]
    rows.append(
        ["Bedarfsgemeinschaft (Felder)", ", ".join(f"`{x.name}`" for x in dataclasses.fields(Household))]
    )
    protected = [x.name for x in dataclasses.fields(ProtectedAttributes) if x.name != "claimant_id"]
    rows.append(["Geschützte Merkmale (getrennte Tabelle; Behinderung Art. 9 DSGVO)",
                 ", ".join(f"`{x}`" for x in protected)])  # fmt: skip
    return _table(["Kategorie", "Felder"], rows)


def _model(f: GovernanceFacts) -> list[str]:
    b = f.bundle
    if b is None:
        return ["Kein Modell trainiert: Listen werden nur nach inhaltlicher Passung geordnet.", ""]
    protected = {x.name for x in dataclasses.fields(ProtectedAttributes)} | {"age", "disability"}
    features = b.get("features", {})
    used = sorted({x for fs in features.values() for x in fs})
    leaked = sorted(set(used) & protected)
    m = b.get("metrics", {})
    sustain = m.get("sustain", {})
    chosen = sustain.get(sustain.get("chosen", "additive"), {})
    match = m.get("match", {})
    t = b.get("training", {})
    out = [
        f"- Version: `{b.get('version', '?')}` (erstellt {b.get('created', '?')}), Modellarten: "
        f"{', '.join(f'{k}: {v}' for k, v in b.get('kinds', {}).items())}",
        f"- Zielgrößen: {'; '.join(f'{k}: {v}' for k, v in b.get('labels', {}).items())}",
        f"- Trainingsdaten: {t.get('placements', '?')} Vermittlungen "
        f"({' bis '.join(str(x) for x in t.get('placement_starts') or [])}), {t.get('proposals', '?')} "
        f"Vermittlungsvorschläge; Anteil zurückgehalten zur Prüfung: {t.get('holdout_share', '?')}",
        f"- P(dauerhaft), zurückgehaltene Daten: AUC {_num(chosen.get('auc'))}, Brier "
        f"{_num(chosen.get('brier'))}, Kalibrierungsfehler (ECE) {_num(chosen.get('ece'))}, "
        f"n = {chosen.get('n', '?')}",
        f"- P(Passung): AUC {_num(match.get('auc'))}, Brier {_num(match.get('brier'))}, "
        f"n = {match.get('n', '?')}",
        f"- Merkmale des Modells ({len(used)}): {', '.join(f'`{x}`' for x in used)}",
        "- Geschützte Merkmale unter den Modellmerkmalen: "
        + (", ".join(leaked) if leaked else "keine (geprüft gegen die Felder der geschützten Merkmale)"),
        "",
    ]
    g = b.get("governance")
    if g is not None:
        out.append(f"Freigabeprüfung: {'bestanden' if g.get('passed') else 'nicht bestanden'}.")
        out += [f"- {r}" for r in g.get("reasons", [])]
        if g.get("proxy_flags"):
            out.append(f"- Stellvertretermerkmale (Proxy) auffällig: {', '.join(map(str, g['proxy_flags']))}")
        out.append("")
    return out


def _fairness(f: GovernanceFacts) -> list[str]:
    gov = f.settings.governance
    out = [
        f"Grenzen (Einstellungen): Abstand der Richtig-positiv-Raten {_num(gov.tpr_gap, 2)}, der "
        f"Falsch-positiv-Raten {_num(gov.fpr_gap, 2)}, der Kalibrierung {_num(gov.calibration_gap, 2)}; "
        f"Signifikanzniveau {_num(gov.alpha, 2)} (Bonferroni); kleinste bewertete Gruppe "
        f"{gov.min_group_size}; zulässiger AUC-Verlust gegenüber dem laufenden Modell {gov.auc_tolerance}.",
        "",
    ]
    checks = (f.fairness or {}).get("checks")
    if not checks:
        return [
            *out,
            "Für das laufende Modell liegt kein Ergebnis der Fairness-Prüfung vor (es wurde mit "
            "`passgenau train` erstellt); `passgenau retrain` prüft und schreibt es.",
            "",
        ]
    rows = [
        [c.get("attribute"), c.get("metric"), _num(c.get("gap")), f"{c.get('high')} / {c.get('low')}",
         _num(c.get("limit"), 2), "ja" if c.get("exceeded") else "nein"]
        for c in checks
    ]  # fmt: skip
    return out + _table(
        ["Merkmal", "Kennzahl", "Abstand", "Gruppen (hoch / niedrig)", "Grenze", "überschritten"], rows
    )


def render_markdown(f: GovernanceFacts) -> str:
    """The report in German Markdown."""
    s = f.settings
    counts = dict(f.counts)
    lines = [
        "# passgenau: Angaben für die Datenschutz-Folgenabschätzung und die Grundrechte-Folgenabschätzung",
        "",
        f"Aus dem laufenden System erzeugt am {f.generated_at:%d.%m.%Y %H:%M} (UTC) mit "
        "`passgenau governance report`. Nicht von Hand ändern: bei jeder Freigabe neu erzeugen.",
        "",
        "## 1. Zwecke",
        "",
        "- Vermittlung in Arbeit nach dem SGB II (§§ 14–16 SGB II): Fallmanagerinnen und Fallmanager "
        "erhalten je Kunde eine kurze, begründete Liste regionaler Stellen, geordnet nach der Chance "
        "einer dauerhaften Beschäftigung (§ 3 Abs. 1 SGB II, Dauerhaftigkeit der Eingliederung).",
        "- Arbeitgeberservice: geeignete Kunden des eigenen Jobcenters zu einer Stelle.",
        "- Steuerung: nächtliche Listen je Fallmanager, Kennzahlen nach § 48a SGB II.",
        "- Qualitätssicherung: Nachtraining auf erfassten Ergebnissen mit Fairness-Prüfung "
        "(geschützte Merkmale nur dafür).",
        "",
        "## 2. Datenkategorien",
        "",
        *_categories(),
        "Dazu: angezeigte Listen (`suggestions`) mit Versionen und Werten, Entscheidungen dazu "
        "(`suggestion_actions`, mit Person), Vermittlungsergebnisse mit Momentaufnahmen "
        "(`outcomes`), Vermittlungsvorschläge (`proposals`), nächtliche Listen (`nightly_lists`), "
        "Protokoll (`audit_log`), Einbettungsvektoren der Profile (Cache).",
        "",
        "Bestand (Zeilen je Tabelle):",
        "",
        *_table(["Tabelle", "Zeilen"], [[k, v] for k, v in sorted(counts.items())]),
        "## 3. Speicherdauer und Löschung",
        "",
        "- Kundendaten: bis zur Löschung. Eine zeitgesteuerte Löschfrist ist im System nicht "
        "eingestellt; das Jobcenter legt sie fest und löscht mit `DELETE /claimants/{id}` (Rollen "
        + ", ".join(f"`{r}`" for r, rs in f.rights.items() if "erase_claimants" in rs)
        + ").",
        "- Die Löschung (Art. 17 DSGVO) erfasst Datensatz, Gesundheits- und geschützte Angaben, "
        "Ergebnisse, Vorschläge, angezeigte Listen mit Entscheidungen, nächtliche Listen (Datenbank "
        "und Dateien) und den Einbettungsvektor; Protokolleinträge verlieren den Personenbezug.",
        f"- Stellenindex: die letzten {s.index.versions_kept} Versionen bleiben für die "
        "Nachprüfung protokollierter Listen (`PASSGENAU_INDEX__VERSIONS_KEPT`).",
        f"- Nächtliche Listen: unter `{s.layout.nightly}`, bis zur Löschung des Laufs.",
        "- Protokoll: ältester Eintrag "
        + (f"{f.oldest_audit:%d.%m.%Y}" if f.oldest_audit else "– (leer)")
        + ".",
        "",
        "## 4. Empfänger, Rollen und wer was sehen darf",
        "",
        "Empfänger sind nur Beschäftigte des Jobcenters mit einem Zugang (Token). Keine "
        "Übermittlung an Arbeitgeber oder Dritte durch passgenau. Der Zugriff auf einen Kunden "
        "eines anderen Jobcenters wird wie ein unbekannter Kunde beantwortet (404) und protokolliert.",
        "",
        *role_table(f),
        "Aktive Zugänge je Rolle: "
        + (", ".join(f"{k} {v}" for k, v in sorted(f.users.items())) or "keine")
        + ".",
        "",
        "## 5. Modell: Kennzahlen (Model Card)",
        "",
        *_model(f),
        "## 6. Fairness-Prüfung",
        "",
        *_fairness(f),
        "## 7. Menschliche Aufsicht",
        "",
        "- Die Ausgabe ist ein Vorschlag. Nichts wird einem Kunden vorgeschlagen ohne Bestätigung "
        f"einer namentlich bekannten Person der Rollen {', '.join(f'`{r}`' for r in f.confirming_roles)} "
        "desselben Jobcenters (`confirmed_by`, geprüft gegen die Zugänge).",
        "- Jede Entscheidung (vorgeschlagen, abgelehnt mit Grund, beworben, eingestellt) wird "
        "angehängt, nie überschrieben.",
        "- Zu jedem bestätigten Vorschlag gibt es ein Hinweisschreiben für den Kunden: Software "
        "beteiligt, Person hat entschieden, Gründe, Widerspruch und Überprüfung durch einen Menschen.",
        "- Ein neues Modell wird nur freigegeben, wenn es nicht schlechter ist und die "
        "Fairness-Grenzen einhält (`passgenau retrain --promote`); Drift wird mit `passgenau drift` "
        f"geprüft (PSI-Grenze {s.governance.psi_limit}).",
        "",
        "## 8. Protokollierung",
        "",
        "- Jeder Lesezugriff auf einen Kunden, jede Liste (mit Modell-, Index- und "
        "Sprachmodellversion, Einstellungen und Werten), jede Entscheidung, jede Auskunft, jedes "
        "Hinweisschreiben, jede Löschung und jeder abgewiesene Zugriff auf ein anderes Jobcenter.",
        "- Nur Pseudonyme, keine Eingabewerte. `passgenau audit replay` rechnet eine Liste auf den "
        "protokollierten Versionen nach.",
        f"- Einträge derzeit: {counts.get('audit_log', 0)}.",
        "",
        "## 9. Betroffenenrechte",
        "",
        "- Auskunft (Art. 15): `passgenau auskunft KUNDE` und `GET /claimants/{id}/auskunft` "
        "(JSON oder druckbare Seite).",
        "- Löschung (Art. 17): siehe Abschnitt 3.",
        "- Information bei Vorschlägen (Art. 13, 22 DSGVO; Art. 26 Abs. 11, Art. 86 KI-VO): "
        "`GET /suggestions/{id}/notice`.",
        "",
    ]
    return "\n".join(lines)


def claimant_fields() -> list[str]:
    """The fields of a claimant record (what ``CATEGORIES`` must cover)."""
    return [x.name for x in dataclasses.fields(Claimant)]
