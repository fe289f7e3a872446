"""The ESCO German dev set: construction rules on a tiny hand-made file, then the real ESCO export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matcher.errors import PassgenauError
from training.esco_devset import CORPUS_FILE, OCCUPATIONS_FILE, QRELS_FILE, QUERIES_FILE, build_esco_devset
from training.retrieval.readers import load_retrieval_set, read_tsv

ESCO_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "esco_de"
URI = "http://data.europa.eu/esco/occupation/"


def _esco(tmp_path: Path, rows: list[tuple[str, str, list[str]]]) -> Path:
    d = tmp_path / "esco"
    d.mkdir(parents=True)
    with open(d / OCCUPATIONS_FILE, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conceptType", "conceptUri", "preferredLabel", "altLabels", "description"])
        for occ, pref, alts in rows:
            w.writerow(["Occupation", URI + occ, pref, "\n".join(alts), "egal"])
    return d


TINY = [
    ("o-koch", "Koch/Köchin", ["Köchin", "Küchenchef", "Chefkoch", "  Beikoch\t "]),
    ("o-baecker", "Bäcker/Bäckerin", ["Backwarenhersteller", "KÜCHENCHEF", "Koch"]),
    ("o-import", "Import-/Exportkaufmann/Import-/Exportkauffrau", ["Import-/Exportkaufmann", "Außenhändler"]),
    ("o-leer", "Lagerhelfer/Lagerhelferin", ["lagerhelferin"]),
]


def test_rules_on_a_tiny_file(tmp_path: Path) -> None:
    summary = build_esco_devset(_esco(tmp_path, TINY), tmp_path / "out", seed=3)
    data = load_retrieval_set(summary["queries_path"], summary["corpus_path"], summary["qrels_path"])
    assert data.corpus == {
        "o-koch": "Koch/Köchin",
        "o-baecker": "Bäcker/Bäckerin",
        "o-import": "Import-/Exportkaufmann/Import-/Exportkauffrau",
        "o-leer": "Lagerhelfer/Lagerhelferin",
    }
    by_text = {text: data.qrels[qid] for qid, text in data.queries.items()}
    # gendered halves of any preferred label ("Köchin", "Koch", "lagerhelferin", "Import-/Exportkaufmann")
    # are never queries; the shared label is one query with both occupations relevant
    assert by_text == {
        "Chefkoch": {"o-koch": 1},
        "Beikoch": {"o-koch": 1},
        "KÜCHENCHEF": {"o-baecker": 1, "o-koch": 1},
        "Backwarenhersteller": {"o-baecker": 1},
        "Außenhändler": {"o-import": 1},
    }
    assert summary["queries"] == 5 and summary["corpus"] == 4 and summary["qrels"] == 6
    assert summary["queries_with_several_relevant"] == 1
    assert summary["excluded_alt_labels"] == 4


def test_first_round_covers_every_occupation_once(tmp_path: Path) -> None:
    # three occupations have eligible labels: with max_queries=3 every seed must query each of them once
    for seed in range(8):
        out = tmp_path / f"out{seed}"
        summary = build_esco_devset(_esco(tmp_path / str(seed), TINY), out, seed=seed, max_queries=3)
        data = load_retrieval_set(summary["queries_path"], summary["corpus_path"], summary["qrels_path"])
        assert len(data.queries) == 3
        assert {occ for judged in data.qrels.values() for occ in judged} == {
            "o-koch",
            "o-baecker",
            "o-import",
        }


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(PassgenauError, match="file not found"):
        build_esco_devset(tmp_path, tmp_path / "out")
    (tmp_path / OCCUPATIONS_FILE).write_text("conceptUri,preferredLabel\nx,y\n", encoding="utf-8")
    with pytest.raises(PassgenauError, match="missing column"):
        build_esco_devset(tmp_path, tmp_path / "out")
    with pytest.raises(PassgenauError, match="max_queries"):
        build_esco_devset(tmp_path, tmp_path / "out", max_queries=0)


# ------------------------------------------------------------------------------------------- real ESCO

needs_esco = pytest.mark.skipif(
    not (ESCO_DIR / OCCUPATIONS_FILE).is_file(),
    reason=f"ESCO German export not found at {ESCO_DIR} (reference data lives outside the repository)",
)


def _files(d: Path) -> dict[str, bytes]:
    return {name: (d / name).read_bytes() for name in (QUERIES_FILE, CORPUS_FILE, QRELS_FILE)}


@pytest.fixture(scope="module")
def real_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if not (ESCO_DIR / OCCUPATIONS_FILE).is_file():
        pytest.skip(f"ESCO German export not found at {ESCO_DIR}")
    out = tmp_path_factory.mktemp("esco-devset")
    return out, build_esco_devset(ESCO_DIR, out)


@needs_esco
def test_real_set_sizes_and_ids(real_set: tuple[Path, dict]) -> None:
    out, summary = real_set
    data = load_retrieval_set(out / QUERIES_FILE, out / CORPUS_FILE, out / QRELS_FILE)
    assert len(data.corpus) == summary["corpus"] == 3039
    assert len(data.queries) == summary["queries"] == 2000
    assert set(data.qrels) == set(data.queries)  # every query has a relevant occupation
    assert all(rel == 1 for judged in data.qrels.values() for rel in judged.values())
    # one label per occupation first: 2,000 queries spread over (at least) 2,000 occupations
    assert summary["occupations_queried"] >= 2000


@needs_esco
def test_real_queries_are_alt_labels_and_never_a_corpus_text(real_set: tuple[Path, dict]) -> None:
    out, _ = real_set
    queries, corpus = read_tsv(out / QUERIES_FILE), read_tsv(out / CORPUS_FILE)
    data = load_retrieval_set(out / QUERIES_FILE, out / CORPUS_FILE, out / QRELS_FILE)
    corpus_texts = {t.casefold() for t in corpus.values()}
    halves = {h.casefold() for t in corpus.values() for h in t.replace("-/", "\0").split("/")}
    halves = {h.replace("\0", "-/") for h in halves}
    texts = [t.casefold() for t in queries.values()]
    assert len(set(texts)) == len(texts)
    assert not set(texts) & corpus_texts
    assert not set(texts) & halves
    with open(ESCO_DIR / OCCUPATIONS_FILE, encoding="utf-8") as fh:
        alts = {
            row["conceptUri"].rsplit("/", 1)[1]: {
                " ".join(a.split()).casefold() for a in row["altLabels"].split("\n")
            }
            for row in csv.DictReader(fh)
        }
    for qid, text in queries.items():
        for occ in data.qrels[qid]:
            assert text.casefold() in alts[occ], (qid, text, occ)


@needs_esco
def test_real_set_is_deterministic(real_set: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = real_set
    build_esco_devset(ESCO_DIR, tmp_path / "again")
    assert _files(tmp_path / "again") == _files(out)
    build_esco_devset(ESCO_DIR, tmp_path / "other", seed=1)
    other = _files(tmp_path / "other")
    assert other[CORPUS_FILE] == _files(out)[CORPUS_FILE]
    assert other[QUERIES_FILE] != _files(out)[QUERIES_FILE]
