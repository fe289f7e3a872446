"""ESCO occupations beside KldB: the German ESCO labels, their concepts and the concepts' KldB codes.

A wish ("kierowca ciężarówki") grounds to KldB codes by its nearest German titles
(``matcher.taxonomy.TitleGrounder``). Where ``passgenau import taxonomy --esco`` read the ESCO v1.2
German occupations (preferred and alternative labels of each concept), it also grounds to its
nearest ESCO occupation (``EscoGrounder``): the concept URI and its German preferred label, which the
claimant page names beside the KldB code. Where the BA's ESCO–KldB crosswalk was imported too, each
ESCO occupation carries its KldB codes through it, read at run time as a mapping table (exact and
close matches preferred; narrow and broad ones only where a concept has neither). The crosswalk is
never training data (issue 14); with ``grounding.esco_kldb`` the ESCO-derived codes join the wish's
codes for the match depth (off by default: see README, "ESCO grounding").

Stored like the other imported titles, as files of ``data_dir/taxonomy`` (``esco.tsv``,
``esco_kldb.tsv``), written atomically; the runtime works without them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant
from matcher.errors import ImportRejected, PassgenauError, RowError
from matcher.files import write_atomic
from matcher.text import content_hash

F32 = npt.NDArray[np.float32]
EncodeFn = Callable[[Sequence[str]], F32]

OCCUPATION_URI = "http://data.europa.eu/esco/occupation/"
_COLUMNS = ("conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels")
_BA_ID = re.compile(r"^B (\d{5})-\d+$")
# Which crosswalk relations name a KldB code of an ESCO occupation first (lower is preferred).
RELATION_RANK = {"skos:exactMatch": 0, "skos:closeMatch": 0, "skos:narrowMatch": 1, "skos:broadMatch": 1}
MAX_CODES = 3  # KldB codes an ESCO occupation carries at most


@dataclass(frozen=True, slots=True)
class EscoOccupation:
    uri: str
    preferred: str  # the German preferred label
    isco: str  # the ISCO-08 unit group (four digits)
    alternatives: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.preferred, *self.alternatives)


@dataclass(frozen=True, slots=True)
class EscoLink:
    uri: str  # ESCO occupation
    kldb: str  # KldB 2010 five-digit code (of a BA Berufsbenennung)
    relation: str  # skos:exactMatch, closeMatch, narrowMatch, broadMatch


@dataclass(frozen=True, slots=True)
class EscoMatch:
    """A wish's ESCO occupation: the concept, its German preferred label, the wish's similarity to its
    nearest label (``via`` where that is an alternative label) and its KldB codes (crosswalk)."""

    uri: str
    label: str
    similarity: float
    via: str = ""
    kldb: tuple[str, ...] = ()


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PassgenauError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise PassgenauError(f"{path}: {exc.strerror}") from None


def _labels(cell: str) -> list[str]:
    return [s.strip() for s in cell.replace("\r", "\n").split("\n") if s.strip()]


def read_esco_csv(path: Path) -> list[EscoOccupation]:
    """The occupations of ESCO's ``occupations_de.csv`` (v1.2: conceptType, conceptUri, iscoGroup,
    preferredLabel, altLabels one a line, …); a bad row is reported with its line (where the record
    starts) and field, and nothing is returned."""
    name = str(path)
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as err:
        raise ImportRejected([RowError(name, 1, "header", f"unreadable CSV: {err}")]) from None
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise ImportRejected(
            [RowError(name, 1, "header", f"not the ESCO occupations CSV: no column {', '.join(missing)}")]
        )
    col = {c: header.index(c) for c in _COLUMNS}
    out: dict[str, EscoOccupation] = {}
    errors: list[RowError] = []
    previous = reader.line_num
    try:
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                reason = f"{len(cells)} fields, but the header has {len(header)}"
                errors.append(RowError(name, line, "row", reason))
                continue
            if cells[col["conceptType"]].strip() != "Occupation":
                continue
            uri = cells[col["conceptUri"]].strip()
            preferred = cells[col["preferredLabel"]].strip()
            isco = cells[col["iscoGroup"]].strip()
            if not uri.startswith(OCCUPATION_URI) or len(uri) == len(OCCUPATION_URI):
                errors.append(RowError(name, line, "conceptUri", f"{uri!r} is not an ESCO occupation URI"))
            elif uri in out:
                errors.append(RowError(name, line, "conceptUri", f"{uri} appears twice"))
            elif not preferred or "\n" in preferred:
                errors.append(RowError(name, line, "preferredLabel", "empty or more than one line"))
            elif not re.fullmatch(r"\d{4}", isco):
                reason = f"{isco!r} is not a four-digit ISCO-08 group"
                errors.append(RowError(name, line, "iscoGroup", reason))
            else:
                alts = tuple(sorted({a for a in _labels(cells[col["altLabels"]]) if a != preferred}))
                out[uri] = EscoOccupation(uri, preferred, isco, alts)
    except csv.Error as err:
        errors.append(RowError(name, reader.line_num, "row", f"unreadable CSV: {err}"))
    if errors:
        raise ImportRejected(errors[:50], total_bad=len(errors))
    if not out:
        raise ImportRejected([RowError(name, 1, "conceptType", "no row of conceptType 'Occupation'")])
    return [out[u] for u in sorted(out)]


def read_crosswalk_links(path: Path) -> list[EscoLink]:
    """ESCO occupation → KldB code rows of the BA's ESCO–KldB crosswalk (the rows via ISCO groups,
    which carry no KldB code, are left out): a mapping table read at run time, never training data."""
    name = str(path)
    lines = _read_text(path).splitlines()
    start = next((i for i, s in enumerate(lines) if s.startswith("Classification 1 URI")), None)
    if start is None:
        raise ImportRejected([RowError(name, 1, "header", "no 'Classification 1 URI,…' table header")])
    out: set[EscoLink] = set()
    errors: list[RowError] = []
    for line, row in enumerate(csv.reader(lines[start + 1 :]), start=start + 2):
        if not row or not any(row) or not row[0].startswith(OCCUPATION_URI):
            continue
        if len(row) < 5:
            errors.append(RowError(name, line, "row", f"{len(row)} fields, expected at least 5"))
            continue
        if row[2].startswith("BE "):
            continue  # an alternative mapping via ISCO-08: it carries an ISCO group, no KldB code
        m = _BA_ID.match(row[2].strip())
        if not m:
            errors.append(RowError(name, line, "Classification 2 ID", f"{row[2]!r} is not 'B ddddd-n'"))
            continue
        relation = row[4].strip()
        if relation not in RELATION_RANK:
            errors.append(RowError(name, line, "Mapping relation", f"{relation!r} is not a SKOS match"))
            continue
        out.add(EscoLink(row[0].strip(), m.group(1), relation))
    if errors:
        raise ImportRejected(errors[:50], total_bad=len(errors))
    return sorted(out, key=lambda k: (k.uri, k.kldb, k.relation))


def kldb_of(links: Iterable[EscoLink]) -> dict[str, tuple[str, ...]]:
    """Each ESCO occupation's KldB codes: those of its best relation rank (exact/close before
    narrow/broad), most often named first, then by code, at most ``MAX_CODES``."""
    by_uri: dict[str, dict[str, tuple[int, int]]] = {}
    for link in links:
        rank = RELATION_RANK[link.relation]
        codes = by_uri.setdefault(link.uri, {})
        r, n = codes.get(link.kldb, (rank, 0))
        codes[link.kldb] = (min(r, rank), n + 1)
    out = {}
    for uri, codes in by_uri.items():
        best = min(r for r, _ in codes.values())
        chosen = sorted((c for c, (r, _) in codes.items() if r == best), key=lambda c: (-codes[c][1], c))
        out[uri] = tuple(sorted(chosen[:MAX_CODES]))
    return out


# -- the stored files (data_dir/taxonomy) --------------------------------------------------------
def write_esco(occupations: Sequence[EscoOccupation], path: Path) -> None:
    """TSV: uri, isco, preferred label, alternative labels joined by `` | ``; written atomically."""
    rows = ["uri\tisco\tpreferred\talternatives"]
    for o in occupations:
        alts = " | ".join(a.replace("|", "/") for a in o.alternatives)
        rows.append("\t".join((o.uri, o.isco, o.preferred, alts)).replace("\r", " ").replace("\n", " "))
    write_atomic(path, ("\n".join(rows) + "\n").encode("utf-8"))


def read_esco(path: Path) -> list[EscoOccupation]:
    out = []
    with open(path, encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            uri, isco, preferred, alts = line.rstrip("\n").split("\t")
            out.append(EscoOccupation(uri, preferred, isco, tuple(a for a in alts.split(" | ") if a)))
    return out


def write_links(links: Sequence[EscoLink], path: Path) -> None:
    rows = ["uri\tkldb\trelation", *(f"{k.uri}\t{k.kldb}\t{k.relation}" for k in links)]
    write_atomic(path, ("\n".join(rows) + "\n").encode("utf-8"))


def read_links(path: Path) -> list[EscoLink]:
    out = []
    with open(path, encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            uri, kldb, relation = line.rstrip("\n").split("\t")
            out.append(EscoLink(uri, kldb, relation))
    return out


def label_texts(occupations: Sequence[EscoOccupation]) -> list[tuple[int, str]]:
    """(occupation index, label) of every distinct label of every occupation, in file order."""
    out = []
    for i, o in enumerate(occupations):
        seen: set[str] = set()
        for label in o.labels:
            if label.casefold() not in seen:
                seen.add(label.casefold())
                out.append((i, label))
    return out


class EscoGrounder:
    """Nearest ESCO occupations (by their German labels) of a wish's query vector."""

    def __init__(
        self,
        occupations: Sequence[EscoOccupation],
        label_vectors: F32,
        kldb: Mapping[str, tuple[str, ...]] | None = None,
        *,
        min_similarity: float = 0.85,
        per_text: int = 1,
    ) -> None:
        self.occupations = list(occupations)
        self.labels = label_texts(self.occupations)
        if label_vectors.shape[0] != len(self.labels):
            raise ValueError("one vector per ESCO label is needed")
        self.vectors = np.ascontiguousarray(label_vectors, dtype=np.float32)
        self._owner = np.array([i for i, _ in self.labels], dtype=np.int64)
        self._uris = np.array([o.uri for o in self.occupations], dtype=str)[self._owner]
        self.kldb = dict(kldb or {})
        self.min_similarity = min_similarity
        self.per_text = per_text
        self.key = content_hash(
            "\n".join(
                [f"esco {min_similarity!r} {per_text}"]
                + [
                    f"{o.uri}\t{'|'.join(o.labels)}\t{','.join(self.kldb.get(o.uri, ()))}"
                    for o in self.occupations
                ]
            )
        )

    def nearest(self, query: F32, n: int | None = None, floor: float | None = None) -> list[EscoMatch]:
        """Up to ``n`` (default ``per_text``) distinct occupations at or above ``floor`` (default
        the similarity floor), best first, ties by URI."""
        n = self.per_text if n is None else n
        floor = self.min_similarity if floor is None else floor
        sims = self.vectors @ query
        order = np.lexsort((self._uris, -sims))
        out: list[EscoMatch] = []
        seen: set[int] = set()
        for i in order:
            if sims[i] < floor or len(out) == n:
                break
            owner = int(self._owner[i])
            if owner in seen:
                continue
            seen.add(owner)
            occ = self.occupations[owner]
            label = self.labels[i][1]
            out.append(
                EscoMatch(
                    occ.uri,
                    occ.preferred,
                    round(float(sims[i]), 4),
                    "" if label == occ.preferred else label,
                    self.kldb.get(occ.uri, ()),
                )
            )
        return out


def naming(matches: Sequence[EscoMatch], kldb: str | None, depth: int) -> EscoMatch | None:
    """The first of a claimant's wish occupations whose KldB codes (crosswalk) share the vacancy's
    code to the pair's match depth (at least the Berufsgruppe, three digits): the ESCO occupation the
    explanation names for the occupation reason; None where none does (or ESCO was not imported)."""
    if kldb is None or depth < 3:
        return None
    for m in matches:
        if any(code[:depth] == kldb[:depth] for code in m.kldb):
            return m
    return None


def wish_occupations(grounder: object, claimants: Sequence[Claimant]) -> list[tuple[EscoMatch, ...]] | None:
    """Each claimant's wish occupations in ESCO, from a grounder that has them (``TitleGrounder``
    with an ESCO import, perhaps inside ``CorrectedGrounder``); None from any other or none."""
    of = getattr(grounder, "occupations", None)
    if of is None or getattr(getattr(grounder, "inner", grounder), "esco", None) is None:
        return None
    return [tuple(m for w in c.desired_occupations for m in of(w)) for c in claimants]
