"""The list's drivers and household effects go out as ``asdict`` would give them (``api.convert._flat``,
a shallow copy of flat records)."""

from __future__ import annotations

import dataclasses

from api.convert import _flat
from matcher.explain import Driver
from matcher.household import HouseholdEffect


def test_flat_records_convert_as_asdict_does() -> None:
    d = Driver("commute_minutes", "Fahrzeit", 0.5, "Min.", -0.25)
    h = HouseholdEffect(2000.0, 1500.0, 250.0, 1450.0, 1100.0, 150.0, False, 1100.0, "text")
    assert _flat(d) == dataclasses.asdict(d)
    assert _flat(h) == dataclasses.asdict(h)
