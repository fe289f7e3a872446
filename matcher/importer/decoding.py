"""An import file's bytes as text, and which format the text is in.

Refused whole, on line 1: a file in UTF-16 or with NUL bytes (field ``encoding``); other bytes that
are not UTF-8 are refused per line. A UTF-8 BOM is dropped.

Formats (detected by extension, then by content): ``.jsonl`` and ``.ndjson`` are JSON Lines;
``.csv``, ``.tsv`` and ``.txt`` are CSV; otherwise text starting with ``{`` or ``[`` is either the
Bundesagentur für Arbeit Jobsuche shape (one object with a ``stellenangebote`` list) or JSON Lines,
and anything else is CSV. A JSON document is checked for nesting and repeated keys before it is
parsed (``jsontext``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matcher.errors import RowError
from matcher.importer.jsontext import scan

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode(name: str, raw: bytes) -> tuple[str, list[RowError]]:
    """UTF-8 text (BOM dropped), or one error per line that is not UTF-8."""
    if raw.startswith(_UTF16_BOMS) or b"\x00" in raw:
        # UTF-16 (Excel's "Unicode text") of ASCII is valid UTF-8 with a NUL every other byte: say so
        # once instead of reporting garbled column names.
        first = raw[: raw.find(b"\x00")].count(b"\n") + 1 if b"\x00" in raw else 1
        what = "is UTF-16" if raw.startswith(_UTF16_BOMS) else "holds NUL bytes (UTF-16 or binary?)"
        return "", [RowError(name, first, "encoding", f"the file {what}; save it as UTF-8")]
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    errors = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as err:
            errors.append(
                RowError(
                    name,
                    number,
                    "encoding",
                    f"byte 0x{line[err.start]:02x} at column {err.start + 1} is not UTF-8; "
                    "save the file as UTF-8",
                )
            )
    return "", errors


def detect_format(path: Path, text: str, errors: list[RowError]) -> tuple[str, Any]:
    """(format, parsed JSON document for the BA shape). A JSON document nested too deep or with a
    repeated key (``jsontext``) adds its errors instead of being parsed (format "json"); JSON Lines
    are checked line by line as they are read (``rows``)."""
    ext = path.suffix.lower()
    if ext in (".jsonl", ".ndjson"):
        return "jsonl", None
    if ext in (".csv", ".tsv", ".txt"):
        return "csv", None
    if text.lstrip().startswith(("{", "[")):
        checked = scan(str(path), text)
        one_document = checked.first_end is None or not text[checked.first_end :].strip()
        if checked.errors and one_document:
            errors.extend(checked.errors)
            return "json", None
        if checked.errors:
            return "jsonl", None  # several objects, one a line
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return "jsonl", None  # several objects, one a line
        if isinstance(doc, dict) and "stellenangebote" in doc:
            return "ba-jobsuche", doc
        return "jsonl", None
    return "csv", None
