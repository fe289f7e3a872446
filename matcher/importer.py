"""All-or-nothing imports of claimants, vacancies, outcomes and proposals.

Every row of a file is parsed and validated first; if any row is bad the import is refused with
``ImportRejected`` listing file, line, field and reason for each bad row, and nothing is written.
Otherwise all records are upserted by id in one transaction.

Refused whole, on line 1: an empty file (no bytes, a BOM or only blank lines; field ``file``) and a
file in UTF-16 or with NUL bytes (field ``encoding``); other bytes that are not UTF-8 are refused per
line. A value longer than ``MAX_CELL_CHARS`` (a list or object measured as JSON) is refused naming
its row and column. ``tests/matcher/test_import_fuzz.py`` generates broken files against these rules.

Formats (detected by extension, then by content):
- CSV (``.csv``, ``.tsv``, ``.txt`` or anything not JSON): a header of the columns in
  ``matcher/codec.py``; UTF-8 with or without BOM; the delimiter (``,``, ``;`` or tab) is sniffed from
  the header. Unknown and missing required columns are errors on line 1. Line numbers are physical
  lines, the header being line 1; a record with a quoted line break is reported at its first line.
- JSON Lines (``.jsonl``, ``.ndjson``, or ``.json`` holding one object per line): the same field names,
  native JSON types allowed (numbers, booleans, lists). Line numbers are physical lines.
- Bundesagentur für Arbeit Jobsuche JSON (vacancies only): an object with a ``stellenangebote`` list
  as returned by ``/pc/v4/jobs``. The "line" of an error is the 0-based index in that list (as in
  ``stellenangebote[3]``), and the field is named as in the BA shape (``arbeitsort.plz``, ...).

BA Jobsuche mapping and defaults (the search result carries no wage, hours or requirements):
- ``id`` = ``refnr``, characters outside ``[A-Za-z0-9_.:-]`` replaced by ``-`` (at most 64).
- ``title`` = ``titel`` (or ``stellenangebotsTitel``, else ``beruf``); ``description`` = the
  ``stellenbeschreibung`` of a job-details object if present, else "Beruf: <beruf>. Eintritt ab <date>."
- employer: name ``arbeitgeber``; id ``ba-`` + the first 16 hex digits of the SHA-256 of the
  case-folded name (the same employer gets the same id in every file); size band 10-49, sector N,
  no collective agreement, no temp agency, no training offer (the codec's defaults).
- place: ``arbeitsort`` (or the first of ``arbeitsorte``): ``plz`` (an integer is zero-padded to five
  digits), ``ort``, ``koordinaten`` {lat, lon}; missing coordinates or place come from ``locate``.
- hours 39 a week (Vollzeit); 20 if ``arbeitszeitmodelle`` names TEILZEIT but not VOLLZEIT; 10 for
  MINIJOB only. Day work, permanent contract.
- wage 13.90 euro an hour: the statutory minimum wage 2026 (Mindestlohn), a floor, not an offer; such
  vacancies carry source ``ba-jobsuche`` so that a consumer can tell the wage is assumed.
- kldb None (the search result has no KldB code; ``hauptDkz`` is a BA documentation code, not KldB);
  skill level 1 (Helfer), no licences, German A2, medium physical load: the least restrictive
  requirements the domain allows, so no claimant is filtered out on an assumption.
- openings ``anzahlOffeneStellen`` or 1; posted ``aktuelleVeroeffentlichungsdatum`` (else today);
  no expiry date. Other BA fields are ignored.

Geography: ``locate(postcode) -> (lat, lon, place)`` is injected by the caller (the CLI passes the geo
module's lookup). It fills lat/lon and municipality where a row lacks them; a ``GeoError`` becomes a
row error on ``postcode``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from matcher import codec
from matcher.domain import Contract, Employer, Shifts, SizeBand, SkillLevel, Vacancy, WageUnit
from matcher.errors import GeoError, ImportRejected, RowError, ValidationError
from matcher.store import Store

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("claimants", "vacancies", "outcomes", "proposals")
Locate = Callable[[str], tuple[float, float, str]]

BA_SOURCE = "ba-jobsuche"
BA_DEFAULT_HOURS = 39.0
BA_PART_TIME_HOURS = 20.0
BA_MINIJOB_HOURS = 10.0
MINIMUM_WAGE_2026 = 13.90  # euro an hour, Mindestlohn from 1 January 2026

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Longest cell (or JSON value, serialised) a row may hold: three times the longest text the domain
# takes (20,000 characters), so a runaway export or a file glued into a cell is refused, not stored.
MAX_CELL_CHARS = 65_536
_ID_BAD = re.compile(r"[^A-Za-z0-9_.:-]")

_COLUMNS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "claimants": (codec.CLAIMANT_COLUMNS + codec.PROTECTED_COLUMNS, codec.CLAIMANT_REQUIRED),
    "vacancies": (codec.VACANCY_COLUMNS, codec.VACANCY_REQUIRED),
    "outcomes": (codec.OUTCOME_COLUMNS, codec.OUTCOME_REQUIRED),
    "proposals": (codec.PROPOSAL_COLUMNS, codec.PROPOSAL_REQUIRED),
}

# Our field names in the words of the BA shape, for row errors on a BA file.
_BA_FIELDS = {
    "id": "refnr",
    "title": "titel",
    "employer_name": "arbeitgeber",
    "employer_id": "arbeitgeber",
    "postcode": "arbeitsort.plz",
    "municipality": "arbeitsort.ort",
    "lat": "arbeitsort.koordinaten",
    "lon": "arbeitsort.koordinaten",
    "posted": "aktuelleVeroeffentlichungsdatum",
    "openings": "anzahlOffeneStellen",
    "description": "stellenbeschreibung",
}


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

    text, errors = _decode(name, raw)
    fmt = "csv"
    records: list[Any] = []
    if not errors and not text.strip():
        errors = [RowError(name, 1, "file", "the file is empty")]
    if not errors:
        fmt, doc = _detect(path, text)
        if fmt == "ba-jobsuche" and kind != "vacancies":
            errors = [RowError(name, 0, "stellenangebote", f"a BA Jobsuche file holds vacancies, not {kind}")]
        else:
            rows = (
                _ba_rows(name, doc, errors)
                if fmt == "ba-jobsuche"
                else _flat_rows(name, fmt, text, kind, errors)
            )
            records = _build(name, kind, fmt, rows, locate, errors)
    if errors:
        raise ImportRejected(errors[:error_limit], total_bad=len(errors))
    return ParsedFile(file=name, kind=kind, format=fmt, records=records)


# --------------------------------------------------------------------------------------------------
# Bytes to text, format detection


def _decode(name: str, raw: bytes) -> tuple[str, list[RowError]]:
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


def _detect(path: Path, text: str) -> tuple[str, Any]:
    """(format, parsed JSON document for the BA shape)."""
    ext = path.suffix.lower()
    if ext in (".jsonl", ".ndjson"):
        return "jsonl", None
    if ext in (".csv", ".tsv", ".txt"):
        return "csv", None
    if text.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return "jsonl", None  # several objects, one a line
        if isinstance(doc, dict) and "stellenangebote" in doc:
            return "ba-jobsuche", doc
        return "jsonl", None
    return "csv", None


# --------------------------------------------------------------------------------------------------
# Rows: (line, mapping) pairs, with file- and column-level errors collected on the way


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


def _flat_rows(
    name: str, fmt: str, text: str, kind: str, errors: list[RowError]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if fmt == "csv":
        yield from _csv_rows(name, text, kind, errors)
    else:
        yield from _jsonl_rows(name, text, kind, errors)


def _csv_rows(
    name: str, text: str, kind: str, errors: list[RowError]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    first_line = text.split("\n", 1)[0]
    # The csv module refuses cells over 131,072 characters as an unreadable row; let it read them
    # (the text is in memory anyway) so that the size check below names the column.
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


def _ba_rows(name: str, doc: Any, errors: list[RowError]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    offers = doc.get("stellenangebote")
    if not isinstance(offers, list):
        errors.append(RowError(name, 0, "stellenangebote", "expected a list of job offers"))
        return
    for index, item in enumerate(offers):
        if not isinstance(item, dict):
            errors.append(RowError(name, index, "stellenangebote", "expected a JSON object"))
            continue
        yield index, item


# --------------------------------------------------------------------------------------------------
# Mapping to records


def _build(
    name: str,
    kind: str,
    fmt: str,
    rows: Iterator[tuple[int, Mapping[str, Any]]],
    locate: Locate,
    errors: list[RowError],
) -> list[Any]:
    records: list[Any] = []
    first_line: dict[str, int] = {}
    place = _PlaceFiller(locate)
    for line, row in rows:
        oversized = _oversized(row)
        if oversized is not None:
            field, size = oversized
            errors.append(RowError(name, line, field, f"{size:,} characters, more than {MAX_CELL_CHARS:,}"))
            continue
        try:
            record = _record(kind, fmt, row, place)
        except ValidationError as err:
            field = _BA_FIELDS.get(err.field, err.field) if fmt == "ba-jobsuche" else err.field
            errors.append(RowError(name, line, field, err.reason))
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as err:  # odd native JSON types
            errors.append(RowError(name, line, "row", f"cannot read: {err}"))
            continue
        record_id = record[0].id if kind == "claimants" else record.id
        if record_id in first_line:
            field = "refnr" if fmt == "ba-jobsuche" else "id"
            errors.append(
                RowError(
                    name, line, field, f"duplicate id {record_id!r}, first on line {first_line[record_id]}"
                )
            )
            continue
        first_line[record_id] = line
        records.append(record)
    return records


def _oversized(row: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first field longer than MAX_CELL_CHARS (lists and objects as JSON), with its length."""
    for key, value in row.items():
        if isinstance(value, str):
            size = len(value)
        elif isinstance(value, list | dict):
            size = len(json.dumps(value, ensure_ascii=False))
        else:
            continue
        if size > MAX_CELL_CHARS:
            return str(key), size
    return None


def _record(kind: str, fmt: str, row: Mapping[str, Any], place: _PlaceFiller) -> Any:
    if kind == "claimants":
        claimant, protected = codec.claimant_from_row(row)
        return place(claimant), protected
    if kind == "vacancies":
        vacancy = ba_vacancy(row) if fmt == "ba-jobsuche" else codec.vacancy_from_row(row)
        return place(vacancy)
    if kind == "outcomes":
        return codec.outcome_from_row(row)
    return codec.proposal_from_row(row)


class _PlaceFiller:
    """Fills lat/lon and municipality from the postcode where a record lacks them; one lookup a code."""

    def __init__(self, locate: Locate) -> None:
        self._locate = locate
        self._cache: dict[str, tuple[float, float, str] | GeoError] = {}

    def __call__(self, record: Any) -> Any:
        if record.lat is not None and record.municipality:
            return record
        postcode = record.postcode
        if postcode not in self._cache:
            try:
                self._cache[postcode] = self._locate(postcode)
            except GeoError as err:
                self._cache[postcode] = err
        found = self._cache[postcode]
        if isinstance(found, GeoError):
            raise ValidationError("postcode", f"{postcode!r}: {found}")
        lat, lon, municipality = found
        if record.lat is not None:
            lat, lon = record.lat, record.lon
        return dataclasses.replace(record, lat=lat, lon=lon, municipality=record.municipality or municipality)


def ba_id(refnr: str) -> str:
    """A BA reference number as a vacancy id (the id charset, at most 64 characters)."""
    return _ID_BAD.sub("-", refnr.strip()).lstrip("_.:-")[:64]


def ba_employer_id(name: str) -> str:
    key = " ".join(name.split()).casefold()
    return "ba-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _text(item: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _ba_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date YYYY-MM-DD") from None


def _ba_hours(models: Any) -> float:
    names = {str(m).upper() for m in models} if isinstance(models, list) else set()
    if "VOLLZEIT" in names or not names:
        return BA_DEFAULT_HOURS
    if "TEILZEIT" in names:
        return BA_PART_TIME_HOURS
    if names == {"MINIJOB"}:
        return BA_MINIJOB_HOURS
    return BA_DEFAULT_HOURS


def ba_vacancy(item: Mapping[str, Any]) -> Vacancy:
    """One entry of a BA Jobsuche ``stellenangebote`` list as a Vacancy (see the module docstring)."""
    refnr = item.get("refnr") or item.get("referenznummer")
    if not isinstance(refnr, str) or not refnr.strip():
        raise ValidationError("refnr", "is required")
    vacancy_id = ba_id(refnr)
    if not vacancy_id:
        raise ValidationError("refnr", f"{refnr!r} has no usable characters")

    employer_name = _text(item, "arbeitgeber")
    if not employer_name:
        raise ValidationError("arbeitgeber", "is required")
    title = _text(item, "titel", "stellenangebotsTitel", "beruf")
    if not title:
        raise ValidationError("titel", "is required (or beruf)")

    site = item.get("arbeitsort")
    if site is None and isinstance(item.get("arbeitsorte"), list) and item["arbeitsorte"]:
        site = item["arbeitsorte"][0]
    if not isinstance(site, dict):
        raise ValidationError("arbeitsort", "is required (an object with plz)")
    plz = site.get("plz")
    if isinstance(plz, bool) or plz is None or plz == "":
        raise ValidationError("arbeitsort.plz", "is required")
    if isinstance(plz, int):
        if not 0 < plz <= 99999:
            raise ValidationError("arbeitsort.plz", f"{plz} is not a German postcode")
        postcode = f"{plz:05d}"
    else:
        postcode = str(plz).strip()

    lat = lon = None
    coords = site.get("koordinaten")
    if isinstance(coords, dict) and coords.get("lat") is not None and coords.get("lon") is not None:
        try:
            lat, lon = float(coords["lat"]), float(coords["lon"])
        except (TypeError, ValueError):
            raise ValidationError("arbeitsort.koordinaten", f"{coords!r} are not numbers") from None

    start = _ba_date(item.get("eintrittsdatum"), "eintrittsdatum")
    posted = _ba_date(item.get("aktuelleVeroeffentlichungsdatum"), "aktuelleVeroeffentlichungsdatum")
    description = _text(item, "stellenbeschreibung", "stellenangebotsBeschreibung")
    if not description:
        beruf = _text(item, "beruf")
        parts = [f"Beruf: {beruf}." if beruf else "", f"Eintritt ab {start.isoformat()}." if start else ""]
        description = " ".join(p for p in parts if p)
    openings = item.get("anzahlOffeneStellen")

    return Vacancy(
        id=vacancy_id,
        employer=Employer(
            id=ba_employer_id(employer_name), name=employer_name, size_band=SizeBand.SMALL, sector="N"
        ),
        title=title[:300],
        description=description,
        kldb=None,
        postcode=postcode,
        municipality=_text(site, "ort"),
        lat=lat,
        lon=lon,
        hours_per_week=_ba_hours(item.get("arbeitszeitmodelle")),
        shifts=Shifts.DAY,
        contract=Contract.PERMANENT,
        contract_months=None,
        wage=MINIMUM_WAGE_2026,
        wage_unit=WageUnit.HOUR,
        skill_level=SkillLevel.HELPER,
        openings=int(openings) if isinstance(openings, int) and not isinstance(openings, bool) else 1,
        posted=posted or date.today(),
        source=BA_SOURCE,
    )


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
