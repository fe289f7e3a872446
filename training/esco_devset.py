"""A German job-title retrieval development set from the ESCO occupation labels.

Task: given an alternative job title ("Rohrzieher"), find its ESCO occupation among all 3,039, each
represented by its German preferred label ("Metallziehmaschinenbediener/Metallziehmaschinenbedienerin").
This measures what the matcher needs from an embedder: that differently worded German job titles land
near each other. It uses only ``occupations_de.csv``; the ESCO–KldB crosswalk is a public benchmark we
report, so its pairs stay out of anything we develop against.

Construction rules (all deterministic for a given input file and seed):

* **Corpus**: every occupation; id = last path segment of its concept URI (a UUID, stable across ESCO
  releases), text = the German preferred label with whitespace collapsed.
* **Excluded labels**: an alternative label is never a query when it equals (case-insensitively) a
  preferred label of *any* occupation or one gendered half of one (ESCO writes "Masculine/Feminine";
  the halves are split at "/" not preceded by "-", so "Import-/Exportmanager" stays whole). Those are
  string matches, not retrieval, and would inflate every model's score.
* **Shared labels**: a label carried by several occupations becomes one query with *all* of them
  relevant (rel 1), rather than being dropped: real users type such ambiguous titles too, and MAP and
  Acc@k handle several relevant documents.
* **Sampling**: occupations in a seeded shuffle give one label each (itself drawn by the seeded RNG),
  round after round, until ``max_queries`` labels are taken or none remain. The first round spreads
  queries over as many occupations as possible and keeps gendered twins ("Rohrzieher", "Rohrzieherin")
  apart; a label already taken (shared with an earlier occupation) is skipped.
* **Files**: ``queries.tsv`` and ``corpus.tsv`` (``id<TAB>text`` with a header line) and ``qrels.txt``
  (TREC: ``qid 0 docid 1``), UTF-8, ``\\n`` line ends, rows sorted by id.
"""

from __future__ import annotations

import csv
import logging
import os
import random
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from matcher.errors import PassgenauError

logger = logging.getLogger(__name__)

OCCUPATIONS_FILE = "occupations_de.csv"
QUERIES_FILE = "queries.tsv"
CORPUS_FILE = "corpus.tsv"
QRELS_FILE = "qrels.txt"
_REQUIRED = ("conceptUri", "preferredLabel", "altLabels")
# "Koch/Köchin" -> two halves; "Import-/Exportmanager" is one word with an elided part, not two.
GENDER_SPLIT = re.compile(r"(?<!-)/")


def _clean(text: str) -> str:
    # tabs and newlines would break the TSV format; runs of spaces carry no meaning in a title
    return " ".join(text.split())


def _concept_id(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def read_occupations(path: Path) -> list[tuple[str, str, list[str]]]:
    """``(id, preferred label, alternative labels)`` per occupation of an ESCO ``occupations_*.csv``.

    Raises :class:`PassgenauError` naming the file (and row) when columns are missing, an occupation has
    no URI or preferred label, or a concept id repeats.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise PassgenauError(f"{path}: missing column(s) {', '.join(missing)}")
            out: list[tuple[str, str, list[str]]] = []
            seen: set[str] = set()
            for row in reader:
                # csv line_num counts physical lines; quoted multi-line cells make it the row's last line
                where = f"{path}:{reader.line_num}"
                occ_id = _concept_id(row["conceptUri"] or "")
                pref = _clean(row["preferredLabel"] or "")
                if not occ_id or not pref:
                    raise PassgenauError(f"{where}: conceptUri and preferredLabel must not be empty")
                if occ_id in seen:
                    raise PassgenauError(f"{where}: conceptUri: occupation {occ_id} repeated")
                seen.add(occ_id)
                alts = [a for a in (_clean(x) for x in (row["altLabels"] or "").split("\n")) if a]
                out.append((occ_id, pref, alts))
    except FileNotFoundError:
        raise PassgenauError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PassgenauError(f"{path}: cannot read ESCO occupations: {exc}") from None
    if not out:
        raise PassgenauError(f"{path}: no occupations")
    return out


def _write_atomic(path: Path, text: str) -> None:
    # write beside the target and rename, so a killed build never leaves a half-written file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_esco_devset(
    esco_dir: Path, out_dir: Path, *, seed: int = 0, max_queries: int = 2000
) -> dict[str, Any]:
    """Write ``queries.tsv``, ``corpus.tsv`` and ``qrels.txt`` into ``out_dir`` (rules: module docstring).

    Returns a summary: counts of queries, corpus documents, qrels lines, queries with several relevant
    occupations, distinct occupations queried, eligible and excluded labels, and the three paths
    (``queries_path``, ``corpus_path``, ``qrels_path``).
    Same input file, seed and ``max_queries`` give byte-identical files.
    """
    if max_queries < 1:
        raise PassgenauError("max_queries must be at least 1")
    occupations = sorted(read_occupations(Path(esco_dir) / OCCUPATIONS_FILE))

    excluded: set[str] = set()
    for _, pref, _ in occupations:
        excluded.add(pref.casefold())
        excluded.update(h.strip().casefold() for h in GENDER_SPLIT.split(pref) if h.strip())

    owners: dict[str, set[str]] = defaultdict(set)  # casefolded label -> occupations carrying it
    surface: dict[str, str] = {}  # casefolded label -> one spelling, the smallest, for determinism
    labels_of: dict[str, list[str]] = {}
    n_excluded = 0
    for occ_id, _, alts in occupations:
        keys: set[str] = set()
        for alt in alts:
            key = alt.casefold()
            if key in excluded:
                n_excluded += 1
                continue
            owners[key].add(occ_id)
            surface[key] = min(surface.get(key, alt), alt)
            keys.add(key)
        labels_of[occ_id] = sorted(keys)

    rng = random.Random(seed)
    order = [occ_id for occ_id, _, _ in occupations if labels_of[occ_id]]
    rng.shuffle(order)
    for occ_id in order:
        rng.shuffle(labels_of[occ_id])
    chosen: list[str] = []
    taken: set[str] = set()
    while len(chosen) < max_queries:
        progressed = False
        for occ_id in order:
            pending = labels_of[occ_id]
            while pending and pending[-1] in taken:
                pending.pop()
            if not pending:
                continue
            key = pending.pop()
            taken.add(key)
            chosen.append(key)
            progressed = True
            if len(chosen) >= max_queries:
                break
        if not progressed:
            break

    width = max(5, len(str(len(chosen))))
    qids = [f"q{i:0{width}d}" for i in range(1, len(chosen) + 1)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in (QUERIES_FILE, CORPUS_FILE, QRELS_FILE)}
    _write_atomic(
        paths[QUERIES_FILE],
        "id\ttext\n" + "".join(f"{q}\t{surface[k]}\n" for q, k in zip(qids, chosen, strict=True)),
    )
    _write_atomic(paths[CORPUS_FILE], "id\ttext\n" + "".join(f"{o}\t{p}\n" for o, p, _ in occupations))
    qrel_lines = [f"{q} 0 {o} 1\n" for q, k in zip(qids, chosen, strict=True) for o in sorted(owners[k])]
    _write_atomic(paths[QRELS_FILE], "".join(qrel_lines))

    summary: dict[str, Any] = {
        "queries": len(chosen),
        "corpus": len(occupations),
        "qrels": len(qrel_lines),
        "queries_with_several_relevant": sum(1 for k in chosen if len(owners[k]) > 1),
        "occupations_queried": len({o for k in chosen for o in owners[k]}),
        "eligible_labels": len(owners),
        "excluded_alt_labels": n_excluded,
        "seed": seed,
        **{name.split(".")[0] + "_path": str(p) for name, p in paths.items()},
    }
    logger.info("ESCO dev set written to %s: %s", out, summary)
    return summary
