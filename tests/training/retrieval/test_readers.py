"""Reading queries, corpus and qrels: optional headers, errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import PassgenauError
from training.retrieval.readers import (
    RetrievalInputError,
    load_retrieval_set,
    read_qrels,
    read_tsv,
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["id\ttext\n", "qid\ttext\n", "\ufeffID\tTitle\n", ""])
def test_tsv_header_is_optional(tmp_path: Path, header: str) -> None:
    p = _write(tmp_path / "q.tsv", f"{header}q1\tKoch\n\nq2\t Lagerhelfer \n")
    assert read_tsv(p) == {"q1": "Koch", "q2": "Lagerhelfer"}


def test_tsv_header_only_on_the_first_line(tmp_path: Path) -> None:
    p = _write(tmp_path / "c.tsv", "d1\tKoch\nid\tKöchin\n")
    assert read_tsv(p) == {"d1": "Koch", "id": "Köchin"}


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("id\ttext\nq1\tKoch\nq2\tzu\tviel\n", 3, "line"),
        ("q1\tKoch\nq2\n", 2, "line"),
        ("q1\tKoch\n\t Maler\n", 2, "id"),
        ("q1\tKoch\nq2\t  \n", 2, "text"),
        ("q1\tKoch\nq2\tMaler\nq1\tBäcker\n", 3, "id"),
    ],
)
def test_tsv_errors_name_file_and_line(tmp_path: Path, body: str, line: int, field: str) -> None:
    p = _write(tmp_path / "queries.tsv", body)
    with pytest.raises(RetrievalInputError) as err:
        read_tsv(p)
    assert str(err.value).startswith(f"{p}:{line}: {field}:")
    assert isinstance(err.value, PassgenauError)


def test_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(PassgenauError, match="file not found"):
        read_tsv(tmp_path / "nope.tsv")
    with pytest.raises(PassgenauError, match="no records"):
        read_tsv(_write(tmp_path / "e.tsv", "id\ttext\n"))


def test_qrels_reading(tmp_path: Path) -> None:
    p = _write(tmp_path / "qrels.txt", "q1 0 d1 1\nq1\t0\td2\t0\n\nq2 0 d1 2\nq2 0 d1 2\n")
    assert read_qrels(p) == {"q1": {"d1": 1, "d2": 0}, "q2": {"d1": 2}}


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("q1 0 d1 1\nq2 0 d2\n", 2, "line"),
        ("q1 0 d1 1\nq2 0 d2 yes\n", 2, "rel"),
        ("q1 0 d1 1\nq1 0 d1 0\n", 2, "rel"),
    ],
)
def test_malformed_qrels_line_names_file_and_line(tmp_path: Path, body: str, line: int, field: str) -> None:
    p = _write(tmp_path / "qrels.txt", body)
    with pytest.raises(RetrievalInputError) as err:
        read_qrels(p)
    assert str(err.value).startswith(f"{p}:{line}: {field}:")
    assert err.value.row.line == line


def test_qrels_must_name_known_ids(tmp_path: Path) -> None:
    q = _write(tmp_path / "q.tsv", "id\ttext\nq1\tKoch\n")
    c = _write(tmp_path / "c.tsv", "id\ttext\nd1\tKoch/Köchin\n")
    bad_doc = _write(tmp_path / "r1.txt", "q1 0 d1 1\nq1 0 d9 1\n")
    with pytest.raises(RetrievalInputError, match=r"r1\.txt:2: docid: 'd9' is not in"):
        load_retrieval_set(q, c, bad_doc)
    bad_query = _write(tmp_path / "r2.txt", "q7 0 d1 1\n")
    with pytest.raises(RetrievalInputError, match=r"r2\.txt:1: qid: 'q7' is not in"):
        load_retrieval_set(q, c, bad_query)


# ------------------------------------------------------------------------------------------ end to end
