"""All-or-nothing imports of claimants, vacancies, outcomes and proposals.

Every row of a file is parsed and validated first; if any row is bad the import is refused with
``ImportRejected`` listing file, line, field and reason for each bad row, and nothing is written.
Otherwise all records are upserted by id in one transaction. An empty file (no bytes, a BOM or only
blank lines) is refused whole on line 1 (field ``file``). The steps: bytes to text and format
(``decoding``), text to rows (``rows``), rows to records (``build``, ``ba`` for the BA Jobsuche shape).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from matcher.errors import ImportRejected, RowError
from matcher.importer.build import Locate, build_records
from matcher.importer.decoding import decode, detect_format
from matcher.importer.rows import ba_rows, flat_rows
from matcher.store import Store

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("claimants", "vacancies", "outcomes", "proposals")


@dataclass(frozen=True, slots=True)
class ImportReport:
    file: str
    kind: str
    format: str  # csv | jsonl | ba-jobsuche
    rows: int
    inserted: int
    updated: int

    def __str__(self) -> str:
        counts = f"{self.inserted} inserted, {self.updated} updated"
        return f"{self.file}: {self.rows} {self.kind} ({self.format}): {counts}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A fully validated file, ready to write."""

    file: str
    kind: str
    format: str
    records: list[Any]


class _Writer(Protocol):
    def __call__(self, store: Store, records: Sequence[Any]) -> Any: ...


def import_file(
    store: Store,
    path: str | Path,
    kind: str,
    *,
    locate: Locate,
    error_limit: int = 50,
) -> ImportReport:
    """Validate every row of ``path``, then upsert all of them in one transaction, or nothing.

    Raises ImportRejected (with at most ``error_limit`` row errors and the total count) if any row is
    bad; nothing is written then.
    """
    parsed = parse_file(path, kind, locate=locate, error_limit=error_limit)
    with store.transaction():
        counts = _WRITERS[parsed.kind](store, parsed.records)
    log.info(
        "imported %s %s from %s: %d inserted, %d updated",
        len(parsed.records),
        kind,
        parsed.file,
        counts.inserted,
        counts.updated,
    )
    return ImportReport(
        file=parsed.file,
        kind=parsed.kind,
        format=parsed.format,
        rows=len(parsed.records),
        inserted=counts.inserted,
        updated=counts.updated,
    )


def parse_file(path: str | Path, kind: str, *, locate: Locate, error_limit: int = 50) -> ParsedFile:
    """Read and validate a whole file without writing anything (also a dry run for the CLI)."""
    path = Path(path)
    name = str(path)
    if kind not in KINDS:
        raise ImportRejected([RowError(name, 0, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")])
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ImportRejected([RowError(name, 0, "file", f"cannot read: {err.strerror or err}")]) from None

    text, errors = decode(name, raw)
    fmt = "csv"
    records: list[Any] = []
    if not errors and not text.strip():
        errors = [RowError(name, 1, "file", "the file is empty")]
    if not errors:
        fmt, doc = detect_format(path, text)
        if fmt == "ba-jobsuche" and kind != "vacancies":
            errors = [RowError(name, 0, "stellenangebote", f"a BA Jobsuche file holds vacancies, not {kind}")]
        else:
            rows = (
                ba_rows(name, doc, errors)
                if fmt == "ba-jobsuche"
                else flat_rows(name, fmt, text, kind, errors)
            )
            records = build_records(name, kind, fmt, rows, locate, errors)
    if errors:
        raise ImportRejected(errors[:error_limit], total_bad=len(errors))
    return ParsedFile(file=name, kind=kind, format=fmt, records=records)


# --------------------------------------------------------------------------------------------------
# Writing


def _write_claimants(store: Store, records: Sequence[Any]) -> Any:
    return store.upsert_claimants(records)


def _write_vacancies(store: Store, records: Sequence[Any]) -> Any:
    return store.upsert_vacancies(records)


def _write_outcomes(store: Store, records: Sequence[Any]) -> Any:
    return store.upsert_outcomes(records)


def _write_proposals(store: Store, records: Sequence[Any]) -> Any:
    return store.upsert_proposals(records)


_WRITERS: dict[str, _Writer] = {
    "claimants": _write_claimants,
    "vacancies": _write_vacancies,
    "outcomes": _write_outcomes,
    "proposals": _write_proposals,
}
