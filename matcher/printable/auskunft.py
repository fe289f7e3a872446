"""The Auskunft (GDPR Art. 15) as a printable German page, from a ``SubjectReport``.

Plain German for the claimant: what is stored, why, who sees it, what was suggested and decided,
and which rights they have. Every value is escaped (a profile text is the claimant's own words).
"""

from __future__ import annotations

from typing import Any

from matcher.printable.page import definitions, document, esc, paragraph, table
from matcher.usecases.auskunft import SubjectReport

RECORD_LABELS: dict[str, str] = {
    "id": "Kundennummer (Pseudonym)",
    "jobcenter": "Jobcenter",
    "team": "Team",
    "case_manager": "Fallmanagerin / Fallmanager (Kennung)",
    "postcode": "Postleitzahl",
    "municipality": "Wohnort",
    "lat": "Breitengrad des Wohnorts",
    "lon": "Längengrad des Wohnorts",
    "licences": "Führerscheinklassen",
    "has_car": "Auto vorhanden",
    "max_commute_minutes": "Höchste Fahrzeit in Minuten (einfach)",
    "desired_occupations": "Berufswünsche",
    "desired_kldb": "Berufskennziffern (KldB 2010)",
    "profile_text": "Profil (Freitext)",
    "skill_level": "Qualifikationsniveau (1 Helfer bis 4 Experte)",
    "german_level": "Deutschkenntnisse (GER-Stufe 1 = A1 bis 6 = C2)",
    "available_hours": "Verfügbare Stunden pro Woche",
    "shifts_ok": "Schicht-, Nacht- oder Wochenendarbeit möglich",
    "months_unemployed": "Monate ohne Arbeit",
    "short_spells": "Frühere Beschäftigungen, die nach weniger als 6 Monaten endeten",
    "experience": "Berufserfahrung (Berufskennziffer, Monate)",
    "active": "In Betreuung (aktiv)",
    "activated": "Aktiviert am (Beginn des Leistungsbezugs)",
}
HOUSEHOLD_LABELS: dict[str, str] = {
    "adults": "Erwachsene",
    "children_0_5": "Kinder von 0 bis 5 Jahren",
    "children_6_13": "Kinder von 6 bis 13 Jahren",
    "children_14_17": "Kinder von 14 bis 17 Jahren",
    "rent": "Kosten der Unterkunft (Euro im Monat)",
}
PROTECTED_LABELS: dict[str, str] = {
    "sex": "Geschlecht",
    "nationality_group": "Staatsangehörigkeit (Gruppe)",
    "age_band": "Altersgruppe",
    "severe_disability": "Schwerbehinderung",
}
PROTECTED_VALUES: dict[str, str] = {
    "f": "weiblich", "m": "männlich", "d": "divers", "de": "deutsch", "eu": "EU-Staat",
    "asylum": "Asylherkunftsland", "other": "anderer Staat", "u25": "unter 25", "50+": "50 und älter",
}  # fmt: skip
LOAD = {1: "leichte Arbeit", 2: "mittelschwere Arbeit", 3: "schwere Arbeit"}
ACTIONS = {
    "proposed": "vorgeschlagen (Vermittlungsvorschlag)",
    "rejected": "nicht vorgeschlagen",
    "applied": "beworben",
    "hired": "eingestellt",
}
LIST_KINDS = {
    "suggestions": "Ihre Vorschlagsliste (von Ihrer Fallmanagerin / Ihrem Fallmanager abgerufen)",
    "candidates": "Bewerberliste zu einer Stelle (Arbeitgeberservice)",
}
AUDIT_ACTIONS = {
    "claimant.read": "Ihr Datensatz wurde gelesen",
    "claimant.create": "Ihr Datensatz wurde angelegt",
    "claimant.update": "Ihr Datensatz wurde geändert",
    "claimant.auskunft": "Diese Auskunft wurde erstellt",
    "suggestions": "Stellenvorschläge wurden abgerufen",
    "feedback": "Eine Entscheidung zu einem Vorschlag wurde erfasst",
    "notice.read": "Ein Hinweisschreiben zu einem Vorschlag wurde erstellt",
    "access.denied": "Zugriff eines anderen Jobcenters abgewiesen",
}

RIGHTS_TEXT = (
    ("Berichtigung (Art. 16 DSGVO)", "Sind Angaben falsch, werden sie auf Ihren Wunsch berichtigt."),
    ("Löschung (Art. 17 DSGVO)", "Endet die Betreuung oder entfällt der Zweck, werden alle hier "
     "genannten Daten gelöscht: Datensatz, Gesundheits- und Fairness-Angaben, Listen, Entscheidungen, "
     "Nachtlisten und die gespeicherte Berechnung Ihres Profils. Im Protokoll bleibt nur, dass "
     "gelöscht wurde."),
    ("Einschränkung (Art. 18 DSGVO)", "Sie können verlangen, dass Daten vorerst nicht verwendet werden."),
    ("Widerspruch (Art. 21 DSGVO)", "Sie können der Verwendung für Stellenvorschläge widersprechen; "
     "Ihre Fallmanagerin oder Ihr Fallmanager sucht dann ohne die Software für Sie."),
    ("Beschwerde (Art. 77 DSGVO)", "Sie können sich bei der oder dem Datenschutzbeauftragten des "
     "Jobcenters oder bei der Datenschutz-Aufsichtsbehörde beschweren."),
)  # fmt: skip


def _value(key: str, value: Any) -> Any:
    if key == "experience" and isinstance(value, list):
        return [f"{code}: {months} Monate" for code, months in value]
    return value


def _protected(value: Any) -> Any:
    return PROTECTED_VALUES.get(value, value) if isinstance(value, str) else value


def _lists(r: SubjectReport) -> str:
    if not r.lists:
        return paragraph("Sie standen bisher auf keiner angezeigten Liste.")
    parts = []
    for lst in r.lists:
        parts.append(
            f"<h3>{esc(lst.shown_at.strftime('%d.%m.%Y %H:%M'))} Uhr – "
            f"{esc(LIST_KINDS.get(lst.kind, lst.kind))}</h3>"
            + paragraph(
                f"Liste Nr. {lst.lookup_id}; Modellversion {lst.model_version}, Stellenindex "
                f"{lst.index_version}, Sprachmodell {lst.embedder_id or '–'}."
            )
            + table(
                ["Rang", "Stelle", "Titel", "Wert", "Vorschlags-Nr."],
                [(i["rank"], i["vacancy_id"], i["title"], i["score"], i["suggestion_id"]) for i in lst.items],
                empty="keine Einträge",
            )
        )
    return "".join(parts)


def render_auskunft(r: SubjectReport) -> str:
    """The printable page of an Auskunft."""
    health = r.health["health_max_load"]
    body = [
        "<h1>Auskunft über Ihre gespeicherten Daten</h1>",
        paragraph(
            f"nach Art. 15 der Datenschutz-Grundverordnung (DSGVO) – passgenau, Jobcenter {r.jobcenter}"
        ),
        f'<p class="meta">Kundennummer {esc(r.claimant_id)} · erstellt am '
        f"{esc(r.generated_at.strftime('%d.%m.%Y %H:%M'))} Uhr (UTC) von {esc(r.generated_by)} · "
        f"Protokolleintrag Nr. {r.audit_id}</p>",
        '<div class="box">',
        paragraph(
            "passgenau ist eine Software des Jobcenters. Sie schlägt Ihrer Fallmanagerin oder Ihrem "
            "Fallmanager Stellen vor, die zu Ihnen passen und bei denen die Chance groß ist, dass die "
            "Arbeit dauerhaft bleibt. Die Software entscheidet nichts: Ob Ihnen eine Stelle "
            "vorgeschlagen wird, entscheidet immer eine Person (keine automatisierte Entscheidung "
            "im Sinne von Art. 22 DSGVO)."
        ),
        "</div>",
        "<h2>1. Ihr Datensatz</h2>",
        paragraph("Zweck: " + r.purposes["record"]),
        definitions((RECORD_LABELS.get(k, k), _value(k, v)) for k, v in r.record.items()),
        "<h2>2. Ihre Bedarfsgemeinschaft</h2>",
        paragraph("Zweck: " + r.purposes["household"]),
        definitions((HOUSEHOLD_LABELS.get(k, k), v) for k, v in r.household.items()),
        "<h2>3. Gesundheitliche Einschränkung</h2>",
        definitions(
            [
                (
                    "Höchste körperliche Belastung",
                    "in dieser Auskunft nicht enthalten: die ausstellende Rolle darf Gesundheitsangaben "
                    "nicht lesen; bitte bei Fallmanagement oder Teamleitung anfordern"
                    if not r.health["shown"]
                    else "keine Einschränkung gespeichert"
                    if health is None
                    else LOAD.get(health, health),
                )
            ]
        ),
        paragraph("Zweck: " + r.health["purpose"]),
        "<h2>4. Angaben für die Fairness-Prüfung</h2>",
    ]
    if r.protected is None:
        body.append(paragraph("Es sind keine solchen Angaben über Sie gespeichert."))
    else:
        body.append(
            definitions(
                (PROTECTED_LABELS[k], _protected(v)) for k, v in r.protected.items() if k in PROTECTED_LABELS
            )
        )
    body += [
        paragraph("Zweck: " + r.purposes["protected"]),
        "<h2>5. Listen, in denen Sie angezeigt wurden</h2>",
        _lists(r),
        "<h2>6. Entscheidungen zu Vorschlägen</h2>",
        paragraph("Jede Entscheidung ist mit der Person gespeichert, die sie erfasst hat."),
        table(
            ["Datum", "Entscheidung", "Stelle", "Titel", "erfasst von", "bestätigt von", "Grund"],
            [
                (
                    a["at"][:16].replace("T", " "),
                    ACTIONS.get(a["action"], a["action"]),
                    a["vacancy_id"],
                    a["title"],
                    a["user"],
                    a["confirmed_by"],
                    a["reason_code"],
                )
                for a in r.actions
            ],
            empty="Es wurde noch nichts entschieden.",
        ),
        "<h2>7. Vermittlungen und ihr Ergebnis</h2>",
        table(
            ["Stelle", "Titel", "Beginn", "Ende", "nach 12 Monaten beschäftigt", "wieder Leistungen"],
            [
                (o["vacancy_id"], o["title"], o["start"], o["end"], o["employed_12m"], o["benefits_12m"])
                for o in r.outcomes
            ],
            empty="Es sind keine Vermittlungen gespeichert.",
        ),
        table(
            ["Vorschlag", "Stelle", "Titel", "vorgeschlagen am", "eingestellt"],
            [(p["id"], p["vacancy_id"], p["title"], p["proposed"], p["hired"]) for p in r.proposals],
            empty="Es sind keine früheren Vermittlungsvorschläge gespeichert.",
        ),
        "<h2>8. Nächtliche Vorschlagslisten</h2>",
        table(
            ["Lauf", "Rang", "Stelle", "Titel", "Arbeitgeber", "für", "Wert"],
            [
                (
                    n["run_id"],
                    n["rank"],
                    n["vacancy_id"],
                    n["title"],
                    n["employer"],
                    n["case_manager"],
                    n["score"],
                )
                for n in r.nightly
            ],
            empty="Sie stehen in keiner nächtlichen Liste.",
        ),
        "<h2>9. Protokoll der Zugriffe</h2>",
        paragraph("Jeder Zugriff auf Ihre Daten wird protokolliert: wer, wann, was."),
        table(
            ["Nr.", "Zeit (UTC)", "wer", "Rolle", "was"],
            [
                (
                    e["id"],
                    e["at"][:19].replace("T", " "),
                    e["who"],
                    e["payload"].get("role"),
                    AUDIT_ACTIONS.get(e["action"], e["action"]),
                )
                for e in r.audit
            ],
            empty="Es gibt keine Protokolleinträge.",
        ),
        "<h2>10. Empfänger, Speicherdauer, Herkunft, Ihre Rechte</h2>",
        definitions(
            [
                (
                    "Empfänger",
                    "Nur Beschäftigte Ihres Jobcenters: Fallmanagement und Teamleitung; die "
                    "Administration ohne Gesundheitsangaben. passgenau gibt keine Daten an Arbeitgeber "
                    "oder Dritte weiter.",
                ),
                (
                    "Speicherdauer",
                    "Solange Sie vom Jobcenter betreut werden; danach oder auf Ihren "
                    "Antrag werden die Daten gelöscht.",
                ),
                (
                    "Herkunft",
                    "Die Angaben stammen aus Gesprächen mit Ihnen und aus dem Fachverfahren des Jobcenters.",
                ),
                (
                    "Wie die Reihenfolge entsteht",
                    "Die Software schätzt, wie gut eine Stelle passt und "
                    "wie wahrscheinlich Sie dort nach 12 Monaten noch beschäftigt sind, und ordnet nach "
                    "dem Produkt beider Werte. Geschlecht, Staatsangehörigkeit, Alter und Behinderung "
                    "gehen nicht ein.",
                ),
            ]
        ),
        definitions(RIGHTS_TEXT),
    ]
    return document(f"Auskunft nach Art. 15 DSGVO – {r.claimant_id}", "\n".join(body))
