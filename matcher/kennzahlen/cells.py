"""Small-cell suppression: a published figure behind fewer than ``MIN_CLAIMANTS`` claimants is "< 5".

The rule counts people, not events: a cell of 7 proposals made to 3 claimants is suppressed. A share
is shown only when both its numerator and its denominator stand on at least 5 claimants, so that
neither it nor its complement singles out fewer than 5 people. Zero counts too: "0 of 7 single
parents still employed" would tell something about each of the 7.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

MIN_CLAIMANTS = 5
SUPPRESSED = "< 5"

Cell = Any  # int | float | str ("< 5") | None (nothing to show: no one in the denominator)


def count(value: float, claimants: Collection[str]) -> Cell:
    """``value`` (a count, or a sum of forecasts) if at least 5 claimants stand behind it."""
    return value if len(claimants) >= MIN_CLAIMANTS else SUPPRESSED


def count_of(value: float, people: int) -> Cell:
    """``count`` where only the number of claimants behind the value is known (an aggregate)."""
    return value if people >= MIN_CLAIMANTS else SUPPRESSED


def share(num: Collection[str], den: Collection[str], num_value: float, den_value: float) -> Cell:
    """``num_value / den_value``; None for an empty denominator, "< 5" for a small numerator or
    denominator (in claimants)."""
    if den_value == 0:
        return None
    if len(num) < MIN_CLAIMANTS or len(den) < MIN_CLAIMANTS:
        return SUPPRESSED
    return num_value / den_value


def is_suppressed(cell: Cell) -> bool:
    return cell == SUPPRESSED
