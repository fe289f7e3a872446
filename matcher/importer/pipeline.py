"""All-or-nothing imports of claimants, vacancies, outcomes and proposals.

Every row of a file is parsed and validated first; if any row is bad the import is refused with
``ImportRejected`` listing file, line, field and reason for each bad row, and nothing is written.
Otherwise all records are upserted by id in one transaction. An empty file (no bytes, a BOM or only
blank lines) is refused whole on line 1 (field ``file``).

A claimants import that changes stored profiles hands their earlier versions to ``profiles_changed``
after the commit (the CLI drops their vectors from the embedding caches, as a change through the API
does): an erasure knows only the current profile, so no earlier one may keep a vector.

The steps: bytes to text and format (``decoding``), text to rows (``rows``), rows to records
(``build``, ``ba`` for the BA Jobsuche shape).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from matcher.domain import Claimant
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
    vectors_dropped: int = 0  # earlier profiles' vectors dropped from the embedding caches

    def __str__(self) -> str:
        counts = f"{self.inserted} inserted, {self.updated} updated"
        if self.vectors_dropped:
            counts += f", {self.vectors_dropped} earlier profile vectors dropped"
        return f"{self.file}: {self.rows} {self.kind} ({self.format}): {counts}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A fully validated file, ready to write."""

    file: str
    kind: str
    format: str
    records: list[Any]


# (earlier versions, current versions) of the profiles an import changed -> how many vectors went.
ProfilesChanged = Callable[[Sequence[Claimant], Sequence[Claimant]], int]


class _Writer(Protocol):
    def __call__(self, store: Store, records: Sequence[Any]) -> Any: ...


def import_file(
    store: Store,
    path: str | Path,
    kind: str,
    *,
    locate: Locate,
    error_limit: int = 50,
    profiles_changed: ProfilesChanged | None = None,
) -> ImportReport:
    """Validate every row of ``path``, then upsert all of them in one transaction, or nothing.

    Raises ImportRejected (with at most ``error_limit`` row errors and the total count) if any row is
    bad; nothing is written then. ``profiles_changed`` gets the earlier and the current versions of
    the claimants whose stored record the import changed (see the module docstring).
    """
    parsed = parse_file(path, kind, locate=locate, error_limit=error_limit)
    earlier: dict[str, Claimant] = {}
    with store.transaction():
        if parsed.kind == "claimants" and profiles_changed is not None:
            ids = {c.id for c, _ in parsed.records}
            earlier = {c.id: c for c in store.list_claimants(active_only=False) if c.id in ids}
        counts = _WRITERS[parsed.kind](store, parsed.records)
    vectors_dropped = 0
    if earlier and profiles_changed is not None:
        changed = [earlier[c.id] for c, _ in parsed.records if c.id in earlier and earlier[c.id] != c]
        if changed:
            vectors_dropped = profiles_changed(changed, [c for c, _ in parsed.records])
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
        vectors_dropped=vectors_dropped,
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
