"""JSON text checked before it is parsed: how deep it nests, and whether an object repeats a key.

``json.loads`` recurses once a level: a document nested a few thousand levels deep raises
RecursionError (no JSONDecodeError, so no row error: the import died with a traceback, exit 1). And
it keeps the last of repeated keys without a word: a BA file with two ``stellenangebote`` lists
imported the second one only (or nothing). ``scan`` finds both in the text itself, naming the
physical line and the path of keys to the place (``stellenangebote[3].arbeitsort``), before anything
is parsed. Nothing an import takes nests deeper than a few levels (a BA offer's coordinates are at
the fourth), so ``MAX_DEPTH`` leaves room and still stops far short of Python's recursion limit.

The scan reads strings and brackets only; text that is not JSON is left to the parser's own errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from matcher.errors import RowError

MAX_DEPTH = 32

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],]')


@dataclass
class _Level:
    kind: str  # "{" or "["
    at: str | int = ""  # the current key, or index in a list
    keys: set[str] = field(default_factory=set)
    expect_key: bool = True


@dataclass(frozen=True)
class Scan:
    errors: list[RowError]
    # Where the first top-level value ends (None: it does not): text after it means JSON Lines.
    first_end: int | None


# A path names at most this many levels (then "..."): enough to find the place in the file.
_PATH_LEVELS = 6


def _path(levels: list[_Level], last: str | None = None) -> str:
    out = ""
    for i, lv in enumerate(levels):
        if i == _PATH_LEVELS:
            out += "..."
            break
        if lv.kind == "[":
            out += f"[{lv.at}]"
        elif lv.at != "":
            out += f".{lv.at}" if out else str(lv.at)
    if last is not None:
        out += f".{last}" if out else last
    return out or "json"


def scan(name: str, text: str, *, first_line: int = 1, max_depth: int = MAX_DEPTH) -> Scan:
    """Nesting beyond ``max_depth`` (the first place, then the scan stops) and repeated keys, each a
    RowError on its physical line (``first_line`` for the text's first) naming the path."""
    errors: list[RowError] = []
    levels: list[_Level] = []
    line, counted = first_line, 0
    first_end: int | None = None
    for m in _TOKEN.finditer(text):
        token, pos = m.group(), m.start()
        line += text.count("\n", counted, pos)
        counted = pos
        top = levels[-1] if levels else None
        if token[0] == '"':
            if top is not None and top.kind == "{" and top.expect_key:
                try:
                    key = str(json.loads(token))
                except ValueError:
                    key = token[1:-1]
                if key in top.keys:
                    where = _path(levels[:-1], key)
                    errors.append(RowError(name, line, where, f"key {key!r} appears more than once"))
                top.keys.add(key)
                top.at, top.expect_key = key, False
        elif token == ",":
            if top is not None and top.kind == "{":
                top.expect_key = True
            elif top is not None and isinstance(top.at, int):
                top.at += 1
        elif token in "{[":
            if len(levels) >= max_depth:
                reason = f"nested more than {max_depth} levels deep"
                errors.append(RowError(name, line, _path(levels), reason))
                return Scan(errors, None)
            levels.append(_Level(token, 0 if token == "[" else ""))
        elif levels:  # "}" or "]"
            levels.pop()
            if not levels and first_end is None:
                first_end = m.end()
    return Scan(errors, first_end)
