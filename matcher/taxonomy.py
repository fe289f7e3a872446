"""Occupation titles with their KldB 2010 codes, and grounding free-text wishes to those codes.

A claimant says "Lagerarbeiter" or "Staplerfahrer"; the vacancy is coded 51311 or 52522. Grounding
maps each desired-occupation text to the codes of its nearest occupation titles in embedding space,
so that the KldB match depth of a pair is known even where the case manager recorded no code.

Title sources:
- the curated list that ships with passgenau (``matcher.occupations``), the default;
- ``passgenau import taxonomy``: the official KldB 2010 (revised 2020) five-digit Berufsgattungen
  and the Bundesagentur für Arbeit's Berufsbenennungen from its ESCO–KldB crosswalk, written to
  ``data_dir/taxonomy/titles.tsv`` and used from then on.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matcher.errors import ImportRejected, PassgenauError, RowError
from matcher.text import content_hash

if TYPE_CHECKING:
    from matcher.esco import EscoGrounder, EscoMatch

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
EncodeFn = Callable[[Sequence[str]], F32]

_BA_ID = re.compile(r"^B (\d{5})-\d+$")


@dataclass(frozen=True, slots=True)
class TitleEntry:
    code: str  # KldB 2010 five-digit code
    title: str
    source: str  # "curated", "kldb", "ba"


def _dedupe(entries: Iterable[TitleEntry]) -> list[TitleEntry]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in entries:
        key = (e.code, e.title.casefold())
        if e.title and key not in seen:
            seen.add(key)
            out.append(e)
    return sorted(out, key=lambda e: (e.code, e.title, e.source))


def read_kldb_csv(path: Path) -> list[TitleEntry]:
    """Five-digit Berufsgattungen (level 5) of the BA's KldB 2010 CSV (``;``, UTF-8 with BOM)."""
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader, None)
    if not header or not header[0].startswith("Schlüssel KldB 2010"):
        raise ImportRejected(
            [RowError(str(path), 1, "header", "not the KldB 2010 CSV (Schlüssel KldB 2010;…)")]
        )
    out: list[TitleEntry] = []
    errors: list[RowError] = []
    for line, row in enumerate(reader, start=2):
        if len(row) < 4:
            errors.append(RowError(str(path), line, "row", f"{len(row)} fields, expected at least 4"))
            continue
        if row[1].strip() != "5":
            continue
        code = row[0].strip().zfill(5)
        if not re.fullmatch(r"\d{5}", code):
            errors.append(RowError(str(path), line, "Schlüssel", f"{row[0]!r} is not a KldB code"))
            continue
        for title in {row[2].strip(), row[3].strip()}:
            out.append(TitleEntry(code, title, "kldb"))
    if errors:
        raise ImportRejected(errors[:50], total_bad=len(errors))
    return _dedupe(out)


def read_crosswalk_csv(path: Path) -> list[TitleEntry]:
    """BA Berufsbenennungen with their KldB codes from the ESCO–KldB occupations crosswalk."""
    lines = _read_text(path).splitlines()
    start = next((i for i, s in enumerate(lines) if s.startswith("Classification 1 URI")), None)
    if start is None:
        raise ImportRejected([RowError(str(path), 1, "header", "no 'Classification 1 URI,…' table header")])
    out: list[TitleEntry] = []
    errors: list[RowError] = []
    for offset, row in enumerate(csv.reader(lines[start + 1 :]), start=start + 2):
        if not row or not any(row):
            continue
        if len(row) < 4:
            errors.append(RowError(str(path), offset, "row", f"{len(row)} fields, expected at least 4"))
            continue
        if row[2].startswith("BE "):
            continue  # an alternative mapping via ISCO-08: it carries an ISCO group, no KldB code
        m = _BA_ID.match(row[2].strip())
        if not m:
            errors.append(
                RowError(str(path), offset, "Classification 2 ID", f"{row[2]!r} is not 'B ddddd-n'")
            )
            continue
        out.append(TitleEntry(m.group(1), row[3].strip(), "ba"))
    if errors:
        raise ImportRejected(errors[:50], total_bad=len(errors))
    return _dedupe(out)


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PassgenauError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise PassgenauError(f"{path}: {exc.strerror}") from None


def write_titles(entries: Sequence[TitleEntry], path: Path) -> None:
    """Write the title table (TSV: code, title, source) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write("code\ttitle\tsource\n")
        for e in entries:
            fh.write(f"{e.code}\t{e.title.replace(chr(9), ' ')}\t{e.source}\n")
    os.replace(tmp, path)


def read_titles(path: Path) -> list[TitleEntry]:
    out = []
    with open(path, encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            code, title, source = line.rstrip("\n").split("\t")
            out.append(TitleEntry(code, title, source))
    return out


def curated_titles() -> list[TitleEntry]:
    """The curated occupations shipped with passgenau: titles and synonyms with their codes."""
    from matcher.occupations import OCCUPATIONS

    out = []
    for occ in OCCUPATIONS:
        out.append(TitleEntry(occ.kldb, occ.title, "curated"))
        out.extend(TitleEntry(occ.kldb, s, "curated") for s in occ.synonyms)
    return _dedupe(out)


class TitleGrounder:
    """Nearest occupation titles in embedding space for free-text occupation wishes."""

    def __init__(
        self,
        entries: Sequence[TitleEntry],
        title_vectors: F32,
        encode_queries: EncodeFn,
        *,
        min_similarity: float = 0.85,
        per_text: int = 2,
        model_id: str = "",
        esco: EscoGrounder | None = None,
        esco_kldb: bool = False,
    ) -> None:
        if title_vectors.shape[0] != len(entries):
            raise ValueError("one vector per title entry is needed")
        self.entries = list(entries)
        self.codes = np.array([e.code for e in entries], dtype=str)
        self.vectors = np.ascontiguousarray(title_vectors, dtype=np.float32)
        self.encode_queries = encode_queries
        self.min_similarity = min_similarity
        self.per_text = per_text
        # The wish's ESCO occupations (``matcher.esco``), named beside its codes; with ``esco_kldb``
        # their KldB codes (crosswalk) join the codes the wish grounds to.
        self.esco = esco
        self.esco_kldb = esco_kldb and esco is not None
        # What the answers depend on: the titles, the floor, the count and the embedding model (and
        # the ESCO occupations where their codes count). Stored groundings (``matcher.grounding``)
        # are kept per key, so another model or title list never reads this one's answers.
        self.key = content_hash(
            "\n".join(
                [f"grounder {model_id}", f"{min_similarity!r} {per_text}"]
                + ([f"esco-kldb {esco.key}"] if self.esco_kldb and esco is not None else [])
                + [f"{e.code}\t{e.title}" for e in self.entries]
            )
        )
        self._memo: dict[str, list[tuple[str, str, float]]] = {}
        self._esco_memo: dict[str, list[EscoMatch]] = {}
        self._vectors: dict[str, F32] = {}

    def _query(self, text: str) -> F32:
        """The wish's query vector, encoded once for the titles and the ESCO labels."""
        key = text.strip()
        q = self._vectors.get(key)
        if q is None:
            q = self.encode_queries([key])[0]
            if len(self._vectors) < 10_000:
                self._vectors[key] = q
        return q

    def occupations(self, text: str) -> list[EscoMatch]:
        """The wish's nearest ESCO occupations above the floor (none without an ESCO import)."""
        if self.esco is None or not text.strip():
            return []
        key = text.strip().casefold()
        if key not in self._esco_memo:
            found = self.esco.nearest(self._query(text))
            if len(self._esco_memo) >= 100_000:
                return found
            self._esco_memo[key] = found
        return self._esco_memo[key]

    def nearest(self, text: str) -> list[tuple[str, str, float]]:
        """Up to ``per_text`` distinct codes (code, title, similarity) above the similarity floor."""
        key = text.strip().casefold()
        if key in self._memo:
            return self._memo[key]
        out = self.ranked(text, self.per_text, self.min_similarity)
        if self.esco_kldb:
            # The ESCO occupation's codes after the titles' own, each with the ESCO label it came by.
            have = {code for code, _, _ in out}
            for m in self.occupations(text):
                for code in m.kldb:
                    if code not in have:
                        have.add(code)
                        out.append((code, m.via or m.label, m.similarity))
        if len(self._memo) < 100_000:
            self._memo[key] = out
        return out

    def ranked(self, text: str, n: int, floor: float = -1.0) -> list[tuple[str, str, float]]:
        """The ``n`` nearest distinct codes (code, nearest title, similarity) at or above ``floor``,
        best first, ties by code: what ``nearest`` grounds with, and the alternatives the claimant
        page offers for a correction (``matcher.readings``) below the floor."""
        sims = self.vectors @ self._query(text)
        order = np.lexsort((self.codes, -sims))
        out: list[tuple[str, str, float]] = []
        seen: set[str] = set()
        for i in order:
            if sims[i] < floor or len(out) == n:
                break
            if self.codes[i] not in seen:
                seen.add(str(self.codes[i]))
                out.append((str(self.codes[i]), self.entries[i].title, float(sims[i])))
        return out

    def codes_for(self, titles: Sequence[str]) -> list[str]:
        return sorted({code for t in titles if t.strip() for code, _, _ in self.nearest(t)})
