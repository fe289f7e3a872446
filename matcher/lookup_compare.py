"""Compare a logged list with its replay, item by item, naming the first field that differs (pure).

An audit entry keeps each item as shown: rank, claimant, vacancy and score (4 decimals). A replay
is identical when every item is equal; otherwise each differing position is reported with the
first differing field in a fixed order (``FIELD_ORDER``: what a reader checks first), so that
"rank 2: score" says at once that the same vacancy came back with another score, and
"rank 2: vacancy_id" that another vacancy took the place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FIELD_ORDER = ("rank", "vacancy_id", "claimant_id", "score")
MISSING = "item"  # the field named when one side has no item at a position


@dataclass(frozen=True)
class ItemDifference:
    position: int  # 1-based place in the list
    field: str  # the first differing field, or ``MISSING``
    logged: Mapping[str, Any] | None
    replayed: Mapping[str, Any] | None

    def __str__(self) -> str:
        a, b = self.logged, self.replayed
        what = f"{self.field} {_value(a, self.field)} → {_value(b, self.field)}"
        return f"rank {self.position}: logged {_fmt(a)}, replayed {_fmt(b)} (first differing field: {what})"


def _fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    rest = sorted((set(a) | set(b)) - set(FIELD_ORDER))
    return [f for f in FIELD_ORDER if f in a or f in b] + rest


def _value(item: Mapping[str, Any] | None, name: str) -> str:
    if item is None or name == MISSING:
        return "present" if item is not None else "absent"
    return repr(item.get(name, "absent"))


def _fmt(item: Mapping[str, Any] | None) -> str:
    if item is None:
        return "-"
    score = item.get("score")
    shown = f"{score:.4f}" if isinstance(score, int | float) else str(score)
    return f"{item.get('claimant_id')}/{item.get('vacancy_id')} score {shown}"


def compare_item(
    position: int, logged: Mapping[str, Any] | None, replayed: Mapping[str, Any] | None
) -> ItemDifference | None:
    """The first differing field of one position's items (None when they are equal)."""
    if logged is None or replayed is None:
        return None if logged is replayed else ItemDifference(position, MISSING, logged, replayed)
    for name in _fields(logged, replayed):
        if name not in logged or name not in replayed or logged[name] != replayed[name]:
            return ItemDifference(position, name, logged, replayed)
    return None


def list_differences(
    logged: Sequence[Mapping[str, Any]], replayed: Sequence[Mapping[str, Any]]
) -> list[ItemDifference]:
    """Every differing position of two lists, in list order, each with its first differing field."""
    out = []
    for i in range(max(len(logged), len(replayed))):
        a = logged[i] if i < len(logged) else None
        b = replayed[i] if i < len(replayed) else None
        d = compare_item(i + 1, a, b)
        if d is not None:
            out.append(d)
    return out


def first_difference(
    logged: Sequence[Mapping[str, Any]], replayed: Sequence[Mapping[str, Any]]
) -> ItemDifference | None:
    """The first differing position and field of two lists, or None when they are identical."""
    diffs = list_differences(logged, replayed)
    return diffs[0] if diffs else None
