"""What each figure means, in German for the report, and how it stands against the
Kennzahlen-Verordnung (KennzV, §5): computed as defined, approximated, or different.

Also the calendar rules the figures share (months, "12 months after the start", the hire window).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# A proposal counts as followed by a hire when the placement starts within this many days of it;
# its outcome is known once the 12 months after that have passed too.
HIRE_WINDOW_DAYS = 92


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """The months from ``first``'s to ``last``'s, inclusive, as "YYYY-MM"."""
    out, d = [], date(first.year, first.month, 1)
    while d <= last:
        out.append(month_of(d))
        d = add_months(d, 1)
    return out


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a "YYYY-MM" month."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def matured(start: date, months: int, as_of: date) -> bool:
    """Whether ``months`` after ``start`` have passed by ``as_of`` (the outcome can be known)."""
    return add_months(start, months) <= as_of


def employed_after(start: date, end: date | None, months: int) -> bool:
    """Still in the job ``months`` after the start: no end recorded, or an end on or after that day."""
    return end is None or end >= add_months(start, months)


def forecast_resolved(proposed: date, as_of: date) -> bool:
    """A proposal's outcome is known: the hire window and the 12 months after it have passed."""
    return add_months(proposed + timedelta(days=HIRE_WINDOW_DAYS), 12) <= as_of


@dataclass(frozen=True)
class Definition:
    key: str
    name: str  # German, as in the report
    passgenau: str  # how passgenau computes it
    verordnung: str  # the KennzV's figure it stands for
    status: str  # "berechnet" | "angenähert" | "abweichend" | "nicht in der KennzV"


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "integrations",
        "Integrationen",
        "Aufgezeichnete Arbeitsaufnahmen (Tabelle outcomes) mit Beginn im Monat; zugeordnet nach "
        "Jobcenter, Team und Fallmanager/in laut Momentaufnahme bei der Arbeitsaufnahme.",
        "K2: Integrationen (Aufnahme sozialversicherungspflichtiger Beschäftigung, selbständiger "
        "Tätigkeit oder Ausbildung) von ELB, §5 KennzV.",
        "angenähert: nur in passgenau erfasste Arbeitsaufnahmen; Selbständigkeit, Ausbildung und "
        "Aufnahmen ohne erfasstes Ergebnis fehlen.",
    ),
    Definition(
        "stock",
        "Bestand aktiver Kund/innen",
        "Bestand eines Monats: Kund/innen des Registers, die bis zum Monatsende aktiviert waren "
        "(claimants.activated) und im Monat noch betreut wurden: aktive Kund/innen; nicht mehr aktive "
        "bis zu ihrem letzten erfassten Tag (Beginn der letzten Arbeitsaufnahme oder letzter Vorschlag). "
        "Für den Zeitraum: der Mittelwert der Monatsbestände. Zuordnung nach Team laut Register.",
        "K2-Nenner: durchschnittlicher Bestand an ELB in den 12 Monaten (Mittel der Monatsbestände).",
        "angenähert: das Register hält kein Abgangsdatum, der letzte erfasste Tag steht dafür; wer ohne "
        "Eintrag ausschied, fehlt; Kund/innen ohne erfasstes Aktivierungsdatum (Datensätze vor "
        "Migration 0004) zählen in jedem Monat, in dem sie aktiv sind bzw. waren; ein Monat zählt, wer "
        "an irgendeinem Tag darin im Bestand war (die Statistik der BA zählt zum Stichtag).",
    ),
    Definition(
        "integration_rate",
        "Integrationsquote",
        "Integrationen im Monat geteilt durch den Bestand des Monats; für den Zeitraum die Summe der "
        "Integrationen geteilt durch den mittleren Monatsbestand (bei 12 Monaten die K2-Form).",
        "K2: Summe der Integrationen der letzten 12 Monate / durchschnittlicher ELB-Bestand.",
        "angenähert (Zähler und Nenner wie oben).",
    ),
    Definition(
        "employed_12m",
        "Nach 12 Monaten noch beschäftigt",
        "Anteil der Integrationen, deren 12 Monate vorüber sind, die 12 Monate nach Beginn noch "
        "beschäftigt waren (outcomes.employed_12m).",
        "K2E3 (kontinuierliche Beschäftigung nach Integration): Integrierte, die 12 Monate später "
        "sozialversicherungspflichtig beschäftigt sind, an allen Integrationen.",
        "angenähert: durchgehende Beschäftigung im selben erfassten Arbeitsverhältnis; die KennzV "
        "prüft Beschäftigung an Stichtagen und bei jedem Arbeitgeber.",
    ),
    Definition(
        "employed_6m",
        "Nach 6 Monaten noch beschäftigt",
        "Anteil der Integrationen, deren 6 Monate vorüber sind, ohne Ende vor 6 Monaten "
        "(outcomes.end leer oder später).",
        "Ergänzend zu K2E3 (6-Monats-Sicht der Nachhaltigkeit).",
        "berechnet aus Beginn und Ende des erfassten Arbeitsverhältnisses.",
    ),
    Definition(
        "benefits_12m",
        "Innerhalb von 12 Monaten wieder im Leistungsbezug",
        "Anteil der Integrationen (12 Monate vorüber) mit outcomes.benefits_12m (Drehtüreffekt).",
        "Kein eigener KennzV-Wert; Gegenstück zur Vermeidung von Drehtüreffekten.",
        "nicht in der KennzV",
    ),
    Definition(
        "conversion",
        "Vorschläge → Einstellungen",
        "Vermittlungsvorschläge im Monat (importierte Vorschläge und in passgenau bestätigte) und der "
        "Anteil, der zu einer Einstellung führte.",
        "Keine KennzV-Größe (Prozessgröße).",
        "nicht in der KennzV",
    ),
    Definition(
        "days_to_first_proposal",
        "Tage bis zum ersten Vorschlag",
        "Median der Tage von der Aktivierung (claimants.activated) bis zum ersten Vermittlungsvorschlag "
        "(importiert oder in passgenau bestätigt); Monat des ersten Vorschlags.",
        "Keine KennzV-Größe.",
        "angenähert: nur Kund/innen mit erfasstem Aktivierungsdatum und einem Vorschlag nach ihm; "
        "Vorschläge vor passgenau zählen nur, soweit importiert.",
    ),
    Definition(
        "single_parents",
        "Alleinerziehende",
        "Bedarfsgemeinschaft mit einer erwachsenen Person und mindestens einem Kind (laut Register, "
        "bei Integrationen laut Momentaufnahme bei Arbeitsaufnahme): Integrationen, Integrationsquote "
        "und Anteil nach 12 Monaten noch beschäftigt.",
        "Ergänzungsgröße: Integrationsquote der Alleinerziehenden.",
        "angenähert: Haushaltsangaben aus passgenau, nicht aus der Leistungsakte.",
    ),
    Definition(
        "groups",
        "Nach geschützten Merkmalen",
        "Nur Anzahlen (Bestand, Integrationen) nach Geschlecht, Staatsangehörigkeitsgruppe, Altersband "
        "und Schwerbehinderung, wie in der Fairness-Prüfung; Merkmale fehlen für frühere Kund/innen "
        "ohne Eintrag („unbekannt“).",
        "Die KennzV weist K2 u. a. nach Geschlecht aus.",
        "abweichend: nur Anzahlen, keine Quoten.",
    ),
    Definition(
        "forecast",
        "Prognose gegen Ergebnis",
        "Für jeden bestätigten Vorschlag aus einer gezeigten Liste: prognostiziert P(Einstellung) × "
        f"P(nachhaltig) gegen das Ergebnis (Einstellung innerhalb {HIRE_WINDOW_DAYS} Tagen und 12 Monate "
        "später beschäftigt); gezählt, sobald Einstellungsfenster und 12 Monate vorüber sind. "
        "95-%-Intervall der Poisson-Binomial-Verteilung (Normalnäherung: Summe p, Varianz Summe p(1-p)).",
        "Keine KennzV-Größe.",
        "nicht in der KennzV",
    ),
    Definition(
        "shown_lists",
        "Gezeigte Listen",
        "Je Monat die in passgenau gezeigten Listen (Vorschläge einer Kundin/eines Kunden, Bewerber/innen "
        "einer Stelle) und was sie erwarten ließen, würde jeder Vorschlag gemacht: Σ P(Einstellung) und "
        "Σ P(Einstellung) × P(nachhaltig).",
        "Keine KennzV-Größe.",
        "nicht in der KennzV",
    ),
    Definition(
        "nightly",
        "Nachtlisten: Ballung",
        "Aus dem Manifest jedes Nachtlaufs (über alle Jobcenter des Laufs): größte Zahl an Listen je "
        "Stelle, Gini der Sichtbarkeit, Anteil nie gezeigter offener Stellen, erwartete nachhaltige "
        "Vermittlungen mit und ohne Kapazitätsgrenze; je Team die Listen, ihre erwarteten "
        "Einstellungen und nachhaltigen Vermittlungen bei Befolgung. Wirkung der Kapazitätsgrenze je "
        "Jobcenter, Team und Fallmanager/in (Manifest des Laufs, Zuordnung zum Zeitpunkt des Laufs): "
        "Σ P(Einstellung) und Σ P(Einstellung) × P(nachhaltig) der unbeschränkten besten N Stellen je "
        "Kund/in gegen die verteilten Listen; je Monat der mittlere Lauf (Läufe werden nicht addiert, "
        "jeder listet den ganzen Bestand neu).",
        "Keine KennzV-Größe.",
        "nicht in der KennzV",
    ),
)

SUPPRESSION_NOTE = (
    "Jede Zelle, hinter der weniger als 5 Kund/innen stehen, ist unterdrückt („< 5“); eine Quote wird "
    "nur gezeigt, wenn Zähler und Nenner je mindestens 5 Kund/innen umfassen. Der Bericht nennt keine "
    "Kund/innen."
)
