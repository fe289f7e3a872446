"""All-or-nothing imports of claimants, vacancies, outcomes and proposals.

Every row of a file is parsed and validated first; if any row is bad the import is refused with
``ImportRejected`` listing file, line, field and reason for each bad row, and nothing is written.
Otherwise all records are upserted by id in one transaction. An empty file (no bytes, a BOM or only
blank lines) is refused whole on line 1 (field ``file``).

A claimants import that changes stored profiles hands their earlier versions to ``profiles_changed``
after the commit (the CLI drops their vectors from the embedding caches, as a change through the API
does): an erasure knows only the current profile, so no earlier one may keep a vector. The imported
claimants then go to ``claimants_written`` (the CLI grounds their wishes for reverse matching).

The steps: bytes to text and format (``decoding``), text to rows (``rows``), rows to records
(``build``, ``ba`` for the BA Jobsuche shape).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matcher.domain import Claimant
from matcher.errors import ImportRejected, RowError
from matcher.importer.ba import BA_SOURCE
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
    grounded: int = 0  # claimants whose wishes were (re)grounded for reverse matching

    def __str__(self) -> str:
        counts = f"{self.inserted} inserted, {self.updated} updated"
        if self.vectors_dropped:
            counts += f", {self.vectors_dropped} earlier profile vectors dropped"
        if self.grounded:
            counts += f", wishes of {self.grounded} claimants grounded"
        return f"{self.file}: {self.rows} {self.kind} ({self.format}): {counts}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A fully validated file, ready to write."""

    file: str
    kind: str
    format: str
    records: list[Any]
    lines: list[int] = field(default_factory=list)  # each record's line (BA: index in the list)


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
    claimants_written: Callable[[Sequence[Claimant]], int] | None = None,
) -> ImportReport:
    """Validate every row of ``path``, then upsert all of them in one transaction, or nothing.

    Raises ImportRejected (with at most ``error_limit`` row errors and the total count) if any row is
    bad; nothing is written then. ``profiles_changed`` gets the earlier and the current versions of
    the claimants whose stored record the import changed (see the module docstring);
    ``claimants_written`` the imported claimants once they are committed (the CLI grounds their
    wishes then, ``matcher.grounding``), returning how many it (re)grounded.
    """
    parsed = parse_file(path, kind, locate=locate, error_limit=error_limit)
    earlier: dict[str, Claimant] = {}
    with store.transaction():
        if parsed.kind == "claimants" and profiles_changed is not None:
            ids = {c.id for c, _ in parsed.records}
            earlier = {c.id: c for c in store.list_claimants(active_only=False) if c.id in ids}
        if parsed.kind == "vacancies":
            _check_namespaces(store, parsed, error_limit)
        counts = _WRITERS[parsed.kind](store, parsed.records)
    vectors_dropped = 0
    if earlier and profiles_changed is not None:
        changed = [earlier[c.id] for c, _ in parsed.records if c.id in earlier and earlier[c.id] != c]
        if changed:
            vectors_dropped = profiles_changed(changed, [c for c, _ in parsed.records])
    grounded = 0
    if parsed.kind == "claimants" and claimants_written is not None:
        grounded = claimants_written([c for c, _ in parsed.records])
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
        grounded=grounded,
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
    fmt, doc = "csv", None
    records: list[Any] = []
    lines: list[int] = []
    if not errors and not text.strip():
        errors = [RowError(name, 1, "file", "the file is empty")]
    if not errors:
        fmt, doc = detect_format(path, text, errors)
    if errors:
        pass  # the file as a whole is unreadable (encoding, empty, nesting, repeated keys)
    elif fmt == "ba-jobsuche" and kind != "vacancies":
        errors = [RowError(name, 0, "stellenangebote", f"a BA Jobsuche file holds vacancies, not {kind}")]
    else:
        is_ba = fmt == "ba-jobsuche"
        rows = ba_rows(name, doc, errors) if is_ba else flat_rows(name, fmt, text, kind, errors)
        records = build_records(name, kind, fmt, rows, locate, errors, lines)
    if errors:
        raise ImportRejected(errors[:error_limit], total_bad=len(errors))
    return ParsedFile(file=name, kind=kind, format=fmt, records=records, lines=lines)


def _check_namespaces(store: Store, parsed: ParsedFile, error_limit: int) -> None:
    """Refuse rows that would replace a vacancy of the other namespace (in the write transaction).

    A BA reference number is a vacancy id as it stands (case managers look it up in the BA's
    Jobbörse by it), so it can equal the id of a vacancy entered here; the upsert then replaced that
    vacancy with the BA's. A BA row may only update a vacancy that came from the BA, and a row of
    another source (CSV, JSON Lines) only one that did not: the two kinds of id never share a row.
    """
    ba_file = parsed.format == "ba-jobsuche"
    ids = {v.id for v in parsed.records}
    held = {v.id: v.source for v in store.list_vacancies() if v.id in ids}
    errors = []
    for v, line in zip(parsed.records, parsed.lines, strict=True):
        source = held.get(v.id)
        if source is None or (source == BA_SOURCE) == (v.source == BA_SOURCE):
            continue
        if ba_file:
            reason = f"{v.id!r} is the id of a vacancy not from the BA Jobsuche (source {source!r})"
        else:
            reason = f"{v.id!r} is the id of a vacancy from the BA Jobsuche; only a BA import updates it"
        errors.append(RowError(parsed.file, line, "refnr" if ba_file else "id", reason))
    if errors:
        raise ImportRejected(errors[:error_limit], total_bad=len(errors))


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
