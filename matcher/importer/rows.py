"""An import file's text as (line, mapping) pairs, with file- and column-level errors collected.

- CSV: a header of the columns of ``matcher.codec``; the delimiter (``,``, ``;`` or tab)
  is sniffed from the header. Unknown, missing required and repeated columns are errors on line 1.
  Line numbers are physical lines, the header being line 1; a record with a quoted line break is
  reported at its first line.
- JSON Lines: one object a line with the same field names, native JSON types allowed (numbers,
  booleans, lists). Line numbers are physical lines. A line nested too deep or repeating a key is
  refused before it is parsed (``jsontext``).
- BA Jobsuche: the entries of the ``stellenangebote`` list; the "line" is the 0-based index in it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from matcher import codec
from matcher.errors import RowError
from matcher.importer.jsontext import scan

_COLUMNS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "claimants": (codec.CLAIMANT_COLUMNS + codec.PROTECTED_COLUMNS, codec.CLAIMANT_REQUIRED),
    "vacancies": (codec.VACANCY_COLUMNS, codec.VACANCY_REQUIRED),
    "outcomes": (codec.OUTCOME_COLUMNS, codec.OUTCOME_REQUIRED),
    "proposals": (codec.PROPOSAL_COLUMNS, codec.PROPOSAL_REQUIRED),
}


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_errors(name: str, line: int, columns: list[str], kind: str) -> list[RowError]:
    known, required = _COLUMNS[kind]
    errors = [RowError(name, line, e.field, e.reason) for e in codec.check_columns(columns, known, required)]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            errors.append(RowError(name, line, c, "column appears more than once"))
        seen.add(c)
    return errors


def flat_rows(
    name: str, fmt: str, text: str, kind: str, errors: list[RowError]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The rows of a CSV or JSON Lines file (``fmt`` "csv" or "jsonl") holding records of ``kind``."""
    if fmt == "csv":
        yield from _csv_rows(name, text, kind, errors)
    else:
        yield from _jsonl_rows(name, text, kind, errors)


def _csv_rows(
    name: str, text: str, kind: str, errors: list[RowError]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    first_line = text.split("\n", 1)[0]
    # The csv module refuses cells over 131,072 characters as an unreadable row; let it read them
    # (the text is in memory anyway) so that the cell-size check (``build.py``) names the column.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            errors.append(RowError(name, 1, "header", "the file is empty; expected a header line"))
            return
        columns = [h.strip() for h in header]
        column_errors = _column_errors(name, 1, columns, kind)
        if column_errors:
            # Rows cannot be read reliably against a wrong header; report the header only.
            errors.extend(column_errors)
            return
        previous = reader.line_num
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(columns):
                errors.append(
                    RowError(name, line, "row", f"{len(cells)} fields, but the header has {len(columns)}")
                )
                continue
            yield line, dict(zip(columns, cells, strict=True))
    except csv.Error as err:
        errors.append(RowError(name, reader.line_num, "row", f"unreadable CSV: {err}"))


def _jsonl_rows(
    name: str, text: str, kind: str, errors: list[RowError]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for line, content in enumerate(text.split("\n"), start=1):
        if not content.strip():
            continue
        structure = scan(name, content, first_line=line).errors
        if structure:
            errors.extend(structure)
            continue
        try:
            obj = json.loads(content)
        except json.JSONDecodeError as err:
            errors.append(RowError(name, line, "json", f"not valid JSON: {err.msg} at column {err.colno}"))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(name, line, "json", f"expected a JSON object, found {type(obj).__name__}"))
            continue
        column_errors = _column_errors(name, line, list(obj), kind)
        if column_errors:
            errors.extend(column_errors)
            continue
        yield line, obj


def ba_rows(name: str, doc: Any, errors: list[RowError]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The job offers of a BA Jobsuche document, each with its index in ``stellenangebote``."""
    offers = doc.get("stellenangebote")
    if not isinstance(offers, list):
        errors.append(RowError(name, 0, "stellenangebote", "expected a list of job offers"))
        return
    for index, item in enumerate(offers):
        if not isinstance(item, dict):
            errors.append(RowError(name, index, "stellenangebote", "expected a JSON object"))
            continue
        yield index, item
