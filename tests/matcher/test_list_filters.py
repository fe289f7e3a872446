"""The list controls: which vacancies each control lets through, the rules between the bounds, and
the audit payload a replay narrows the same way by."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import Contract
from matcher.errors import ValidationError
from matcher.list_filters import NO_FILTER, ListFilter

FIXED = np.array([True, False, False, True])
TEMP = np.array([False, True, False, False])
HOURS = np.array([20.0, 30.0, 39.0, 40.0])
MINUTES = np.array([10.0, 45.0, np.nan, 30.0])


def _passes(f: ListFilter) -> dict[str, list[bool]]:
    got = f.passes(fixed_term=FIXED, temp_agency=TEMP, hours=HOURS, commute_minutes=MINUTES)
    return {k: v.tolist() for k, v in got.items()}


def test_each_control_and_none() -> None:
    assert not NO_FILTER.active and _passes(NO_FILTER) == {}
    assert _passes(ListFilter(contract=Contract.PERMANENT)) == {"contract": [False, True, True, False]}
    assert _passes(ListFilter(contract=Contract.FIXED_TERM)) == {"contract": [True, False, False, True]}
    assert _passes(ListFilter(temp_agency=False)) == {"temp_agency": [True, False, True, True]}
    assert _passes(ListFilter(temp_agency=True)) == {"temp_agency": [False, True, False, False]}
    assert _passes(ListFilter(hours_min=30, hours_max=39)) == {"hours": [False, True, True, False]}
    assert _passes(ListFilter(hours_max=30)) == {"hours": [True, True, False, False]}
    # An unknown commute (NaN) never passes a maximum.
    assert _passes(ListFilter(max_commute=30)) == {"max_commute": [True, False, False, True]}
    both = ListFilter(contract=Contract.PERMANENT, temp_agency=False)
    assert both.active and set(_passes(both)) == {"contract", "temp_agency"}


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"hours_min": 30, "hours_max": 20}, "hours_min"),
        ({"hours_min": -1}, "hours_min"),
        ({"hours_max": 81}, "hours_max"),
        ({"max_commute": 0}, "max_commute"),
        ({"max_commute": 181}, "max_commute"),
    ],
)
def test_bad_bounds_name_the_field(kw: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        ListFilter(**kw)  # type: ignore[arg-type]
    assert err.value.field == field


def test_payload_round_trip() -> None:
    f = ListFilter(contract=Contract.FIXED_TERM, temp_agency=False, hours_min=20.0, max_commute=30.0)
    assert f.payload() == {
        "contract": "fixed_term",
        "temp_agency": False,
        "hours_min": 20.0,
        "max_commute": 30.0,
    }
    assert ListFilter.from_payload(f.payload()) == f
    assert ListFilter.from_payload(None) == NO_FILTER
