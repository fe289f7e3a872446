"""Hypothesis-generated bad import files: every one is refused naming file, line and field, and the
database is left exactly as it was.

A small valid file (four rows) of each kind (claimants, vacancies, outcomes) and format (CSV, JSON
Lines) is broken by one generated mutation. Each mutation has a precise expectation, ``(line, field)``,
which must be among the errors of the refusal (line numbers are physical lines; a CSV header is line 1):

- wrong type in a field (CSV: text that is no number/date/flag/code; JSONL: a list, object, boolean
  or fraction where the field does not take one) -> (the row's line, the column)
- an invalid UTF-8 byte in a row -> (the row's line, ``encoding``)
- the whole file in UTF-16 (with or without BOM) -> (1, ``encoding``)
- a required column missing -> CSV (1, column); JSONL (the row's line, column)
- an unknown column -> CSV (1, column); JSONL (the row's line, column)
- a row with one cell too many (CSV) -> (the row's line, ``row``)
- a 1 MiB value in a field -> (the row's line, the column)
- a duplicate id -> (the line of the second occurrence, ``id``)
- an empty file (no bytes, a BOM, only blank lines) -> (1, ``file``)
- the last row truncated (CSV: before its last delimiter; JSONL: anywhere) -> (its line, ``row`` / ``json``)

After every refusal the store's row counts and a hash over the content of every table are unchanged.
A CLI spot check runs some of the same mutations through ``passgenau import`` and sees exit code 2
and ``FILE:LINE: FIELD:`` on stderr.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher import codec
from matcher.errors import ImportRejected
from matcher.importer import import_file
from matcher.store import TABLES, Store
from tests.matcher.test_importer import locate
from tests.matcher.test_store import make_claimant, make_outcome, make_vacancy

pytestmark = pytest.mark.slow  # fuzzing every import format (Hypothesis, about 60 s)

FUZZ = settings(
    max_examples=75,
    deadline=None,  # a 1 MiB field takes a few ms more; the bound is max_examples
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MIB = 1 << 20
ROWS = 4

# --------------------------------------------------------------------------------------------------
# The valid base files


def _plain(text: str) -> str:
    """Base values carry no delimiter, quote or line break, so a truncation point is easy to place."""
    return text.replace(",", "").replace(";", "").replace('"', "")


def _claimant_rows() -> list[dict[str, Any]]:
    out = []
    for i in range(ROWS):
        c = make_claimant(i, profile_text=_plain(make_claimant(i).profile_text))
        out.append(codec.claimant_to_row(c))
    return out


def _vacancy_rows() -> list[dict[str, Any]]:
    return [
        codec.vacancy_to_row(make_vacancy(i, description=_plain(make_vacancy(i).description)))
        for i in range(ROWS)
    ]


def _outcome_rows() -> list[dict[str, Any]]:
    return [
        codec.outcome_to_row(make_outcome(i, claimant_snapshot={}, vacancy_snapshot={})) for i in range(ROWS)
    ]


BASE: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "claimants": _claimant_rows,
    "vacancies": _vacancy_rows,
    "outcomes": _outcome_rows,
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "claimants": codec.CLAIMANT_COLUMNS,
    "vacancies": codec.VACANCY_COLUMNS,
    "outcomes": codec.OUTCOME_COLUMNS,
}
REQUIRED: dict[str, frozenset[str]] = {
    "claimants": codec.CLAIMANT_REQUIRED,
    "vacancies": codec.VACANCY_REQUIRED,
    "outcomes": codec.OUTCOME_REQUIRED,
}

# Columns by the kind of value they take (what counts as a wrong type depends on it).
TYPES: dict[str, dict[str, str]] = {
    "claimants": {
        "id": "id", "jobcenter": "id", "case_manager": "id", "team": "text", "postcode": "postcode",
        "municipality": "text", "lat": "float", "lon": "float", "licences": "list", "has_car": "bool",
        "max_commute_minutes": "int", "desired_occupations": "list", "desired_kldb": "list",
        "profile_text": "text", "skill_level": "enum", "german_level": "enum", "available_hours": "float",
        "shifts_ok": "bool", "health_max_load": "enum", "months_unemployed": "int", "short_spells": "int",
        "experience": "list", "adults": "int", "children_0_5": "int", "children_6_13": "int",
        "children_14_17": "int", "rent": "float", "active": "bool",
    },
    "vacancies": {
        "id": "id", "employer_id": "id", "employer_name": "text", "employer_size": "enum",
        "employer_sector": "enum", "employer_collective_agreement": "bool", "employer_temp_agency": "bool",
        "employer_training": "bool", "title": "text", "description": "text", "kldb": "enum",
        "postcode": "postcode", "municipality": "text", "lat": "float", "lon": "float",
        "hours_per_week": "float", "shifts": "enum", "contract": "enum", "contract_months": "int",
        "wage": "float", "wage_unit": "enum", "skill_level": "enum", "licences": "list",
        "german_level": "enum", "physical_load": "enum", "openings": "int", "posted": "date",
        "expires": "date", "filled": "bool", "source": "text",
    },
    "outcomes": {
        "id": "id", "claimant_id": "id", "vacancy_id": "id", "start": "date", "end": "date",
        "employed_12m": "bool", "benefits_12m": "bool", "claimant_snapshot": "json",
        "vacancy_snapshot": "json",
    },
}  # fmt: skip
# Free text takes any text in a CSV cell: no wrong type there.
CSV_TYPED = {"id", "postcode", "float", "int", "bool", "enum", "date", "json"}


def _text_tail() -> st.SearchStrategy[str]:
    return st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


def wrong_csv_value(kind: str) -> st.SearchStrategy[str]:
    # A leading "x/" is no number, date, flag, code, id (no '/'), postcode, licence class or JSON.
    return st.builds(lambda tail: "x/" + tail, _text_tail())


def wrong_json_value(kind: str) -> st.SearchStrategy[Any]:
    containers = st.one_of(
        st.lists(st.integers(0, 9), min_size=1, max_size=3),
        st.dictionaries(st.sampled_from("ab"), st.integers(0, 9), min_size=1, max_size=2),
    )
    fraction = st.sampled_from([2.5, -0.75, 1e-3])
    flag = st.booleans()
    word = st.builds(lambda tail: "x/" + tail, _text_tail())
    return {
        "id": st.one_of(containers, fraction, flag),
        "postcode": st.one_of(containers, fraction, flag),
        "text": st.one_of(containers, fraction, flag),
        "float": st.one_of(containers, flag, word),
        "int": st.one_of(containers, flag, word, fraction),
        "bool": st.one_of(containers, fraction, word),
        "enum": st.one_of(containers, flag, word),
        "date": st.one_of(containers, flag, word),
        "list": st.one_of(
            st.dictionaries(st.sampled_from("ab"), st.integers(0, 9), min_size=1), fraction, flag
        ),
        "json": st.one_of(st.lists(st.integers(0, 9), max_size=2), word, fraction, flag),
    }[kind]


# --------------------------------------------------------------------------------------------------
# Files


def csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buf.getvalue().encode("utf-8")


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


@dataclass
class Case:
    """One broken file and the (line, field) its refusal must name."""

    data: bytes
    line: int
    field: str
    label: str


def row_line(fmt: str, i: int) -> int:
    return i + 2 if fmt == "csv" else i + 1


def build_case(fmt: str, kind: str, mutation: str, draw: Any) -> Case:
    rows = [dict(r) for r in BASE[kind]()]
    columns = list(COLUMNS[kind])
    types = TYPES[kind]
    i = draw(st.integers(0, ROWS - 1), label="row")

    def encode(rs: list[dict[str, Any]], cols: list[str] = columns) -> bytes:
        return csv_bytes(cols, rs) if fmt == "csv" else jsonl_bytes(rs)

    if mutation == "wrong_type":
        if fmt == "csv":
            field = draw(
                st.sampled_from(sorted(c for c, t in types.items() if t in CSV_TYPED)), label="field"
            )
            rows[i][field] = draw(wrong_csv_value(types[field]), label="value")
        else:
            field = draw(st.sampled_from(sorted(types)), label="field")
            rows[i][field] = draw(wrong_json_value(types[field]), label="value")
        return Case(encode(rows), row_line(fmt, i), field, f"{field}={rows[i][field]!r}")
    if mutation == "bad_byte":
        data = encode(rows).split(b"\n")
        line = row_line(fmt, i)
        target = data[line - 1]
        at = draw(st.integers(0, len(target)), label="at")
        byte = draw(
            st.sampled_from([b"\xff", b"\xfe", b"\xfc", b"\xc3(", b"\x80", b"\xed\xa0\x80"]), label="byte"
        )
        data[line - 1] = target[:at] + byte + target[at:]
        return Case(b"\n".join(data), line, "encoding", f"{byte!r} at {at}")
    if mutation == "utf16":
        codec_name = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]), label="codec")
        return Case(encode(rows).decode("utf-8").encode(codec_name), 1, "encoding", codec_name)
    if mutation == "missing_column":
        field = draw(st.sampled_from(sorted(REQUIRED[kind])), label="field")
        if fmt == "csv":
            return Case(encode(rows, [c for c in columns if c != field]), 1, field, field)
        del rows[i][field]
        return Case(encode(rows), row_line(fmt, i), field, field)
    if mutation == "unknown_column":
        field = draw(st.sampled_from(["shoe_size", "Postleitzahl", "id ", "ID", "name"]), label="field")
        if fmt == "csv":
            if field.strip() in columns:  # header cells are stripped: "id " is a second "id"
                return Case(encode(rows, [*columns, field]), 1, field.strip(), field)
            return Case(encode(rows, [*columns, field]), 1, field, field)
        rows[i][field] = "1"
        if field.strip() in columns:
            # A JSON key is not stripped: "id " is unknown there.
            return Case(encode(rows), row_line(fmt, i), field, field)
        return Case(encode(rows), row_line(fmt, i), field, field)
    if mutation == "extra_cell":
        assert fmt == "csv"
        data = encode(rows).split(b"\n")
        line = row_line(fmt, i)
        data[line - 1] += b",surplus"
        return Case(b"\n".join(data), line, "row", "extra cell")
    if mutation == "huge":
        field = draw(st.sampled_from(sorted(types)), label="field")
        char = draw(st.sampled_from(["x", "1", "ä", "A"]), label="char")
        rows[i][field] = char * MIB
        return Case(encode(rows), row_line(fmt, i), field, f"{field}={char!r}*1MiB")
    if mutation == "duplicate_id":
        j = draw(st.integers(0, ROWS - 1).filter(lambda j: j != i), label="other")
        first, second = sorted((i, j))
        rows[second]["id"] = rows[first]["id"]
        return Case(encode(rows), row_line(fmt, second), "id", f"rows {first} and {second}")
    if mutation == "empty":
        data = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\n", b"\r\n\r\n", b"  \n\t\n"]), label="data")
        return Case(data, 1, "file", repr(data))
    if mutation == "truncated":
        data = encode(rows)
        last = data.rstrip(b"\n")
        start = last.rfind(b"\n") + 1
        line_no = last.count(b"\n") + 1
        text = last[start:]
        if fmt == "csv":
            assert b'"' not in text, "base rows must not be quoted"
            cut = draw(st.integers(1, text.rfind(b",")), label="cut")
        else:
            cut = draw(st.integers(1, len(text) - 1), label="cut")
        # A cut through a multi-byte character ("ö") leaves a line that is not UTF-8 any more.
        field = "encoding" if not _is_utf8(text[:cut]) else "row" if fmt == "csv" else "json"
        return Case(last[: start + cut], line_no, field, f"cut at {cut}")
    raise AssertionError(mutation)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


MUTATIONS = (
    "wrong_type",
    "bad_byte",
    "utf16",
    "missing_column",
    "unknown_column",
    "extra_cell",
    "huge",
    "duplicate_id",
    "empty",
    "truncated",
)


# --------------------------------------------------------------------------------------------------
# Database fingerprint


def table_dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, as plain tuples (for 'unchanged' and 'no trace' checks)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in TABLES:
                rows = conn.execute(sa.select(table)).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


def fingerprint(url: str) -> str:
    return hashlib.sha256(repr(table_dump(url)).encode()).hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str, Path]]:
    """A SQLite store holding rows of every kind, and a directory for the generated files."""
    root = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{root / 'passgenau.db'}"
    store = Store.open(url)
    store.upsert_claimants([(make_claimant(100 + i), None) for i in range(3)])
    store.upsert_vacancies([make_vacancy(100 + i) for i in range(3)])
    store.upsert_outcomes([make_outcome(100 + i) for i in range(3)])
    try:
        yield store, url, root
    finally:
        store.close()


def _check_refused(seeded: tuple[Store, str, Path], fmt: str, kind: str, case: Case) -> None:
    store, url, root = seeded
    path = root / f"{kind}.{fmt}"
    path.write_bytes(case.data)
    counts, before = store.counts(), fingerprint(url)
    with pytest.raises(ImportRejected) as err:
        import_file(store, path, kind, locate=locate)
    named = [(e.line, e.field) for e in err.value.errors]
    assert (case.line, case.field) in named, f"{case.label}: expected {(case.line, case.field)}, got {named}"
    assert all(e.file == str(path) for e in err.value.errors)
    assert f"{path}:{case.line}: {case.field}:" in str(err.value)
    assert store.counts() == counts
    assert fingerprint(url) == before


# --------------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("kind", sorted(BASE))
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_unbroken_base_files_are_accepted(tmp_path: Path, fmt: str, kind: str) -> None:
    """Without this, a mutation's refusal could have been caused by the base file."""
    path = tmp_path / f"{kind}.{fmt}"
    rows = BASE[kind]()
    path.write_bytes(csv_bytes(list(COLUMNS[kind]), rows) if fmt == "csv" else jsonl_bytes(rows))
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        report = import_file(store, path, kind, locate=locate)
        assert (report.rows, report.inserted) == (ROWS, ROWS)


@pytest.mark.parametrize("kind", sorted(BASE))
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@FUZZ
@given(data=st.data())
def test_a_broken_file_is_refused_naming_line_and_field(
    seeded: tuple[Store, str, Path], fmt: str, kind: str, data: st.DataObject
) -> None:
    mutations = [m for m in MUTATIONS if fmt == "csv" or m != "extra_cell"]
    mutation = data.draw(st.sampled_from(mutations), label="mutation")
    case = build_case(fmt, kind, mutation, data.draw)
    _check_refused(seeded, fmt, kind, case)


@settings(FUZZ, max_examples=40)
@given(raw=st.binary(max_size=300), kind=st.sampled_from(sorted(BASE)), fmt=st.sampled_from(["csv", "jsonl"]))
def test_arbitrary_bytes_never_crash_the_importer(
    seeded: tuple[Store, str, Path], raw: bytes, kind: str, fmt: str
) -> None:
    store, url, root = seeded
    path = root / f"noise.{fmt}"
    path.write_bytes(raw)
    before = fingerprint(url)
    with pytest.raises(ImportRejected) as err:
        import_file(store, path, kind, locate=locate)
    assert err.value.errors and all(e.file == str(path) and e.line >= 1 and e.field for e in err.value.errors)
    assert fingerprint(url) == before


# -- what the fuzzing found, as plain examples --------------------------------------------------------


def _jsonl_with(kind: str, i: int, **changes: Any) -> bytes:
    rows = BASE[kind]()
    rows[i].update(changes)
    return jsonl_bytes(rows)


def _csv_with(kind: str, i: int, **changes: Any) -> bytes:
    rows = BASE[kind]()
    rows[i].update(changes)
    return csv_bytes(list(COLUMNS[kind]), rows)


@pytest.mark.parametrize(
    ("kind", "fmt", "data", "line", "field"),
    [
        # UTF-16 of ASCII is valid UTF-8 with NULs: it gave garbled column names, now one clear error.
        ("outcomes", "csv", csv_bytes(list(COLUMNS["outcomes"]), _outcome_rows()).decode().encode("utf-16-le"),
         1, "encoding"),
        # An empty JSON Lines file was an import of nothing (exit 0), an empty CSV a "header" error.
        ("vacancies", "jsonl", b"", 1, "file"),
        ("vacancies", "csv", b"\xef\xbb\xbf\n", 1, "file"),
        # A bad sector was reported as "sector", a column that does not exist.
        ("vacancies", "csv", _csv_with("vacancies", 2, employer_sector="ZZ"), 4, "employer_sector"),
        # 1 MiB of text was stored as a team or place name; in CSV it was an unnamed "row" error.
        ("claimants", "jsonl", _jsonl_with("claimants", 1, team="T" * MIB), 2, "team"),
        ("claimants", "csv", _csv_with("claimants", 1, municipality="x" * MIB), 3, "municipality"),
        # JSON true became the text "True"; a number became a desired occupation.
        ("outcomes", "jsonl", _jsonl_with("outcomes", 0, vacancy_id=True), 1, "vacancy_id"),
        ("claimants", "jsonl", _jsonl_with("claimants", 3, desired_occupations=0.001), 4, "desired_occupations"),
        # Dates were cut to ten characters before parsing: trailing text and "1111111111..." passed.
        ("vacancies", "csv", _csv_with("vacancies", 0, posted="2026-01-10 und so"), 2, "posted"),
        ("vacancies", "jsonl", _jsonl_with("vacancies", 0, posted="1" * 40), 1, "posted"),
    ],
)  # fmt: skip
def test_found_by_fuzzing(
    seeded: tuple[Store, str, Path], kind: str, fmt: str, data: bytes, line: int, field: str
) -> None:
    _check_refused(seeded, fmt, kind, Case(data, line, field, f"{kind}.{fmt}"))


def test_timestamps_still_count_as_dates(tmp_path: Path) -> None:
    rows = BASE["vacancies"]()
    rows[0]["posted"] = "2026-01-10T08:15:00"
    path = tmp_path / "v.csv"
    path.write_bytes(csv_bytes(list(COLUMNS["vacancies"]), rows))
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        import_file(store, path, "vacancies", locate=locate)
        assert str(store.get_vacancy(rows[0]["id"]).posted) == "2026-01-10"


# -- the same through the command line ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory into which the CLI has imported the base files of every kind."""
    from matcher.cli import app

    root = tmp_path_factory.mktemp("cli")
    for kind in sorted(BASE):
        good = root / f"good-{kind}.csv"
        good.write_bytes(csv_bytes(list(COLUMNS[kind]), BASE[kind]()))
        result = CliRunner().invoke(app, ["--data-dir", str(root / "data"), "import", kind, str(good)])
        assert result.exit_code == 0, result.output
    return root


@settings(FUZZ, max_examples=12)
@given(
    kind=st.sampled_from(sorted(BASE)),
    fmt=st.sampled_from(["csv", "jsonl"]),
    mutation=st.sampled_from(MUTATIONS),
    data=st.data(),
)
def test_cli_import_of_a_broken_file_exits_2_naming_line_and_field(
    cli_data_dir: Path, kind: str, fmt: str, mutation: str, data: st.DataObject
) -> None:
    from matcher.cli import app

    if mutation == "extra_cell":
        fmt = "csv"
    case = build_case(fmt, kind, mutation, data.draw)
    data_dir = cli_data_dir / "data"
    url = f"sqlite:///{(data_dir / 'passgenau.db').resolve()}"
    before = fingerprint(url)
    bad = cli_data_dir / f"bad.{fmt}"
    bad.write_bytes(case.data)
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "import", kind, str(bad)])
    assert result.exit_code == 2, result.output
    assert f"{bad}:{case.line}: {case.field}:" in result.output
    assert "Traceback" not in result.output
    assert fingerprint(url) == before
