"""Reading queries, corpus (``id<TAB>text``) and TREC qrels, each line checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matcher.errors import PassgenauError, RowError
from training.retrieval.metrics import (
    Qrels,
)

# First column names that mark the first line of a TSV file as a header rather than a record.
_HEADER_IDS = frozenset({"id", "_id", "qid", "docid", "doc_id", "query_id", "query-id", "corpus-id"})


class RetrievalInputError(PassgenauError):
    """A queries, corpus or qrels file has a bad line; the message names file, line and field."""

    def __init__(self, file: str | Path, line: int, field: str, reason: str) -> None:
        self.row = RowError(str(file), line, field, reason)
        super().__init__(str(self.row))


@dataclass(frozen=True)
class RetrievalSet:
    """Queries, corpus and qrels read from files and checked against each other."""

    queries: dict[str, str]
    corpus: dict[str, str]
    qrels: Qrels


def _read_lines(path: Path) -> list[str]:
    try:
        # utf-8-sig: files saved by spreadsheet programs start with a BOM that must not become part of an id
        return Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise PassgenauError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise PassgenauError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise PassgenauError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_tsv(path: str | Path) -> dict[str, str]:
    """Read an ``id<TAB>text`` file into an insertion-ordered ``{id: text}``.

    The first line is skipped as a header when its first field is a column name such as ``id``, ``qid``
    or ``docid`` (case-insensitive). Blank lines are ignored. Raises :class:`RetrievalInputError` naming
    the file and line for a line without exactly two fields, an empty id or text, or a repeated id, and
    :class:`PassgenauError` when the file is missing, unreadable or holds no records.
    """
    path = Path(path)
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    seen_line = False
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        is_header = not seen_line and fields[0].strip().lower() in _HEADER_IDS
        seen_line = True
        if is_header:
            continue
        if len(fields) != 2:
            raise RetrievalInputError(
                path, lineno, "line", f"expected 2 tab-separated fields (id, text), found {len(fields)}"
            )
        doc_id, text = fields[0].strip(), fields[1].strip()
        if not doc_id:
            raise RetrievalInputError(path, lineno, "id", "empty")
        if not text:
            raise RetrievalInputError(path, lineno, "text", f"empty for id {doc_id!r}")
        if doc_id in out:
            raise RetrievalInputError(
                path, lineno, "id", f"{doc_id!r} repeated (first on line {first_line[doc_id]})"
            )
        out[doc_id] = text
        first_line[doc_id] = lineno
    if not out:
        raise PassgenauError(f"{path}: no records (expected lines 'id<TAB>text')")
    return out


def _read_qrels_lines(path: Path) -> tuple[Qrels, dict[tuple[str, str], int]]:
    qrels: Qrels = {}
    where: dict[tuple[str, str], int] = {}
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise RetrievalInputError(
                path, lineno, "line", f"expected 4 fields 'qid 0 docid rel' (TREC qrels), found {len(fields)}"
            )
        qid, _iteration, doc_id, rel_text = fields
        try:
            rel = int(rel_text)
        except ValueError:
            raise RetrievalInputError(path, lineno, "rel", f"{rel_text!r} is not an integer") from None
        judged = qrels.setdefault(qid, {})
        if doc_id in judged and judged[doc_id] != rel:
            raise RetrievalInputError(
                path,
                lineno,
                "rel",
                f"({qid}, {doc_id}) judged {rel} here but {judged[doc_id]} on line {where[(qid, doc_id)]}",
            )
        judged[doc_id] = rel
        where.setdefault((qid, doc_id), lineno)
    if not qrels:
        raise PassgenauError(f"{path}: no judgements (expected lines 'qid 0 docid rel')")
    return qrels, where


def read_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid 0 docid rel``, whitespace-separated) into ``{qid: {docid: rel}}``.

    The second column (TREC's iteration) is ignored. Raises :class:`RetrievalInputError` naming the file
    and line for a line without four fields, a non-integer ``rel`` or a pair judged twice differently.
    """
    return _read_qrels_lines(Path(path))[0]


def load_retrieval_set(
    queries_path: str | Path, corpus_path: str | Path, qrels_path: str | Path
) -> RetrievalSet:
    """Read the three files and check that every judgement names a known query and document.

    An unknown id in the qrels raises :class:`RetrievalInputError` with the qrels file and line: a qrels
    file that does not belong to the corpus would otherwise silently score zero.
    """
    queries = read_tsv(queries_path)
    corpus = read_tsv(corpus_path)
    qrels, where = _read_qrels_lines(Path(qrels_path))
    for (qid, doc_id), lineno in sorted(where.items(), key=lambda item: item[1]):
        if qid not in queries:
            raise RetrievalInputError(qrels_path, lineno, "qid", f"{qid!r} is not in {queries_path}")
        if doc_id not in corpus:
            raise RetrievalInputError(qrels_path, lineno, "docid", f"{doc_id!r} is not in {corpus_path}")
    return RetrievalSet(queries=queries, corpus=corpus, qrels=qrels)
