"""Why a vacancy is not suggested to a claimant: each hard filter it fails, in words, with both values.

The case manager's question "Warum nicht diese Stelle?" gets, per failed filter
(``matcher.filters``), what the vacancy asks and what the claimant brings, as they are held, e.g.
"verlangt Führerschein CE – vorhanden: B". A pair that fails no filter is not excluded: it only ranks
below the list's length. Pure: the caller passes the records and the commute the filters judged on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from matcher.domain import Claimant, PhysicalLoad, Shifts, Vacancy
from matcher.explain_text import de, de_hours
from matcher.filters import FILTER_REASONS_DE

LOAD_DE = {PhysicalLoad.LOW: "leicht", PhysicalLoad.MEDIUM: "mittel", PhysicalLoad.HIGH: "schwer"}
SHIFTS_DE = {
    Shifts.DAY: "Tagarbeit",
    Shifts.TWO_SHIFT: "Zweischichtbetrieb",
    Shifts.THREE_SHIFT: "Dreischichtbetrieb mit Nachtarbeit",
    Shifts.NIGHT: "Nachtarbeit",
    Shifts.WEEKEND: "regelmäßige Wochenendarbeit",
}
MODE_DE = {"car": "mit dem Auto", "public": "mit Bus und Bahn"}
WITHHELD = "(für Ihre Rolle nicht sichtbar)"


@dataclass(frozen=True)
class Refusal:
    filter: str  # a name of matcher.filters.FILTERS
    reason: str  # the filter's reason in German (FILTER_REASONS_DE)
    vacancy_value: str  # what the vacancy asks, in words
    claimant_value: str  # what the claimant brings, in words


def _date_de(d: date) -> str:
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def refusals(
    c: Claimant,
    v: Vacancy,
    failed: tuple[str, ...] | list[str],
    *,
    commute_minutes: float,
    commute_limit: float,
    today: date,
    sees_health: bool,
) -> list[Refusal]:
    """One ``Refusal`` per failed filter, in ``failed``'s order. ``sees_health``: whether the caller may
    read the claimant's health restriction (else its value is withheld, the reason still given)."""
    out = []
    for name in failed:
        if name == "open":
            asks = (
                "besetzt" if v.filled else f"Bewerbungsfrist bis {_date_de(v.expires)}" if v.expires else "–"
            )
            has = f"Stand {_date_de(today)}"
        elif name == "commute":
            asks = f"Arbeitsort {v.municipality or v.postcode}"
            mode = MODE_DE.get(c.commute_mode.value, c.commute_mode.value)
            minutes = (
                "unbekannt (Ort nicht gefunden)"
                if math.isnan(commute_minutes)
                else f"{de(commute_minutes)} Min."
            )
            has = f"Arbeitsweg {minutes} {mode}, zumutbar bis {de(commute_limit)} Min."
        elif name == "hours":
            asks = f"{de_hours(v.hours_per_week)} Std. pro Woche"
            has = f"verfügbar {de_hours(c.available_hours)} Std. pro Woche"
        elif name == "shifts":
            asks = SHIFTS_DE[v.shifts]
            has = "nur Tagarbeit möglich"
        elif name == "licence":
            asks = "Führerschein " + ", ".join(sorted(v.licences))
            has = "vorhanden: " + (", ".join(sorted(c.licences)) or "keiner")
        elif name == "german":
            asks = f"Deutsch {v.german_level.name}"
            has = f"vorhanden: Deutsch {c.german_level.name}"
        elif name == "health":
            asks = f"körperliche Belastung {LOAD_DE[PhysicalLoad(v.physical_load)]}"
            limit = c.health_max_load
            has = (
                WITHHELD
                if not sees_health
                else "zumutbar: "
                + (LOAD_DE[PhysicalLoad(limit)] if limit is not None else "ohne Einschränkung")
            )
        else:  # a filter this module does not know yet: its reason alone
            asks = has = "–"
        out.append(Refusal(name, FILTER_REASONS_DE.get(name, name), asks, has))
    return out
