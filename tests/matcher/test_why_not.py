"""Why not this vacancy: every failed filter in words, with what the vacancy asks and the claimant brings."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

from matcher.domain import CEFR, PhysicalLoad, Shifts
from matcher.why_not import WITHHELD, refusals
from tests.factories import make_claimant, make_vacancy

TODAY = date(2026, 12, 3)


def test_each_failed_filter_with_both_values() -> None:
    c = make_claimant(licences=frozenset({"B"}), german_level=CEFR.A2, available_hours=25.0,
                      shifts_ok=False, health_max_load=1)  # fmt: skip
    v = make_vacancy(licences=frozenset({"CE", "C"}), german_level=CEFR.B2, hours_per_week=38.5,
                     shifts=Shifts.THREE_SHIFT, physical_load=PhysicalLoad.HIGH, municipality="Hann. Münden",
                     expires=date(2026, 11, 30))  # fmt: skip
    failed = ("open", "commute", "hours", "shifts", "licence", "german", "health")
    got = refusals(c, v, failed, commute_minutes=81.4, commute_limit=75.0, today=TODAY, sees_health=True)
    assert [(r.filter, r.vacancy_value, r.claimant_value) for r in got] == [
        ("open", "Bewerbungsfrist bis 30.11.2026", "Stand 03.12.2026"),
        ("commute", "Arbeitsort Hann. Münden",
         f"Arbeitsweg 81 Min. {'mit dem Auto' if c.has_car else 'mit Bus und Bahn'}, zumutbar bis 75 Min."),
        ("hours", "38,5 Std. pro Woche", "verfügbar 25 Std. pro Woche"),
        ("shifts", "Dreischichtbetrieb mit Nachtarbeit", "nur Tagarbeit möglich"),
        ("licence", "Führerschein C, CE", "vorhanden: B"),
        ("german", "Deutsch B2", "vorhanden: Deutsch A2"),
        ("health", "körperliche Belastung schwer", "zumutbar: leicht"),
    ]  # fmt: skip
    assert got[4].reason == "erforderliche Führerscheinklasse fehlt"


def test_health_withheld_and_unknown_places() -> None:
    c = make_claimant(health_max_load=1, licences=frozenset())
    v = dataclasses.replace(make_vacancy(physical_load=PhysicalLoad.MEDIUM), filled=True)
    got = refusals(c, v, ("open", "commute", "licence", "health"), commute_minutes=math.nan,
                   commute_limit=60.0, today=TODAY, sees_health=False)  # fmt: skip
    assert got[0].vacancy_value == "besetzt"
    assert got[1].claimant_value.startswith("Arbeitsweg unbekannt (Ort nicht gefunden)")
    assert got[3].claimant_value == WITHHELD and "mittel" in got[3].vacancy_value


def test_nothing_failed_nothing_refused() -> None:
    assert refusals(make_claimant(), make_vacancy(), (), commute_minutes=10.0, commute_limit=60.0,
                    today=TODAY, sees_health=True) == []  # fmt: skip
