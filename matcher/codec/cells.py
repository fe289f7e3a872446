"""Cell values of a flat row to Python values; every parse error names its column.

CSV cells are strings; JSON Lines values may be native (numbers, booleans, lists). Multi-valued CSV
cells are separated by ``|``; experience entries are ``KLDB:MONTHS``. A blank cell is a missing
value: ``optional`` gives the default, ``required`` refuses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from matcher.domain import CEFR
from matcher.errors import ValidationError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"1", "true", "yes", "ja", "y", "j", "t"}
_FALSE = {"0", "false", "no", "nein", "n", "f", ""}

T = TypeVar("T")


def blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def optional(row: Mapping[str, Any], name: str, conv: Callable[[Any], Any], default: Any) -> Any:
    """Column ``name`` through ``conv``, or ``default`` for a blank cell; an error names the column."""
    v = row.get(name)
    if blank(v):
        return default
    try:
        return conv(v)
    except ValidationError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError(name, f"{v!r}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if text and len(text) < 200 else type(exc).__name__


def required(row: Mapping[str, Any], name: str, conv: Callable[[Any], T]) -> T:
    """As ``optional``, but a blank cell is an error."""
    if blank(row.get(name)):
        raise ValidationError(name, "is required")
    result: T = optional(row, name, conv, None)
    return result


def as_text(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError("expected text")
    return str(v).strip()


def as_int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("expected a whole number")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("expected a whole number")
        return int(v)
    if isinstance(v, int):
        return v
    text = str(v).strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected a whole number") from None


def as_float(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError("expected a number")
    if isinstance(v, int | float):
        out = float(v)
    else:
        text = str(v).strip().replace(",", ".")
        try:
            out = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return out


def as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def as_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = v.strip() if isinstance(v, str) else ""
    # YYYY-MM-DD, or a timestamp starting with it; not whatever else fromisoformat takes ("20240101")
    # and not a date with trailing text.
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
        if _DATE.fullmatch(text[:10]) and text[10:11] in ("T", " "):
            return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise ValueError("expected a date YYYY-MM-DD")


def as_list(v: Any) -> tuple[str, ...]:
    if isinstance(v, list | tuple):
        if any(isinstance(x, bool) or not isinstance(x, str | int) for x in v):
            raise ValueError("expected a list of text")
        return tuple(str(x).strip() for x in v if str(x).strip())
    if not isinstance(v, str):
        raise ValueError("expected text (entries separated by |) or a list of text")
    return tuple(x.strip() for x in v.split("|") if x.strip())


def as_enum(kind: type[Any]) -> Callable[[Any], Any]:
    def conv(v: Any) -> Any:
        try:
            return kind(v if not isinstance(v, str) else v.strip())
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            raise ValueError(f"expected one of {allowed}") from None

    return conv


def as_int_enum(kind: type[Any]) -> Callable[[Any], Any]:
    def conv(v: Any) -> Any:
        if isinstance(v, str) and v.strip().upper() in kind.__members__:
            return kind[v.strip().upper()]
        n = as_int(v)
        try:
            return kind(n)
        except ValueError:
            values = [m.value for m in kind]
            raise ValueError(f"expected {min(values)}-{max(values)}") from None

    return conv


def as_cefr(v: Any) -> CEFR:
    if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6:
        return CEFR(v)  # snapshots hold the enum's value
    return CEFR.parse(v)


def as_experience(v: Any) -> tuple[tuple[str, int], ...]:
    out = []
    items = v if isinstance(v, list | tuple) else as_list(v)
    for item in items:
        if isinstance(item, list | tuple) and len(item) == 2:
            code, months = str(item[0]), as_int(item[1])
        else:
            code, sep, m = str(item).partition(":")
            if not sep:
                raise ValueError("expected KLDB:MONTHS entries separated by |")
            months = as_int(m)
        out.append((code.strip(), months))
    return tuple(out)


def as_json(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    parsed = json.loads(str(v))
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed
