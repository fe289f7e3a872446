"""Lexical retrieval of short texts (job titles): BM25 over words and character n-grams (pure numpy).

Dense embeddings place "Staplerfahrer" near "Gabelstaplerfahrer", but they also miss what a reader
sees at once: a shared rare word stem ("Fachkraft für Lagerlogistik" ↔ "Lagerlogistiker"), a
compound's part ("Altenpflegehelfer" ↔ "Pflegehelfer Altenpflege"), a gendered form written another
way ("Verkäufer/in", "Verkäuferin (m/w/d)"). Character n-grams catch stems and compound parts in
German, which writes its compounds as one word, and in any script (Cyrillic, Arabic, Greek).

Terms of a text, after ``fold`` (case, umlauts, accents; other scripts only case-folded):
- every word (split at anything that is not a letter or digit), as ``w:<word>``;
- every character n-gram for n in ``NGRAMS`` of each word padded with a space on both sides
  (" lag", "lage", ...), so that a word start and a word end count as their own n-grams.

Scores are Okapi BM25 (Robertson & Zaragoza 2009): idf = ln(1 + (N − df + 0.5) / (df + 0.5)), a
term's weight tf·(k1 + 1) / (tf + k1·(1 − b + b·len/avglen)), length in terms. Titles are short and
a term's repetition means little, so ``b`` is low; both parameters are settings chosen on the
development split of the ESCO concepts (``training.retrieval.heldout``), never on a reported set.

The index is an inverted file: one (docs, weights) array pair per term; a query's scores are one
scattered addition per query term, so its cost is the total length of the posting lists it touches.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.search_text import fold

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]

NGRAMS = (3, 4, 5)
_WORD = re.compile(r"[^\W_]+")
# Gender and form markers carry no meaning for which occupation is meant ("Verkäufer (m/w/d)").
_MARKERS = frozenset({"m", "w", "d", "x", "in", "innen", "mwd"})


def terms(text: str, ngrams: Sequence[int] = NGRAMS) -> list[str]:
    """The BM25 terms of ``text`` (module doc): words as ``w:<word>`` and padded character n-grams."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word in _MARKERS:
            continue
        out.append("w:" + word)
        padded = f" {word} "
        for n in ngrams:
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.3


DEFAULT_BM25 = BM25Params()


class LexicalIndex:
    """BM25 over the terms of a fixed corpus of short texts; ``scores`` for a batch of queries."""

    def __init__(self, texts: Sequence[str], params: BM25Params = DEFAULT_BM25) -> None:
        self.params = params
        self.n_docs = len(texts)
        counts = [Counter(terms(t)) for t in texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        norm = params.k1 * (1.0 - params.b + params.b * lengths / avg)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for d, c in enumerate(counts):
            for term, tf in c.items():
                docs, weights = postings.setdefault(term, ([], []))
                docs.append(d)
                weights.append(tf * (params.k1 + 1.0) / (tf + norm[d]))
        self._postings: dict[str, tuple[I32, F32]] = {}
        for term, (docs, weights) in postings.items():
            df = len(docs)
            idf = math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))
            self._postings[term] = (
                np.array(docs, dtype=np.int32),
                (np.array(weights, dtype=np.float64) * idf).astype(np.float32),
            )

    def scores(self, queries: Sequence[str]) -> F32:
        """(len(queries), n_docs) BM25 scores; a query term absent from the corpus adds nothing.

        Each query term counts once (titles rarely repeat a term; a repeated n-gram would otherwise
        weigh a word twice for its length alone).
        """
        out = np.zeros((len(queries), self.n_docs), dtype=np.float32)
        for r, q in enumerate(queries):
            row = out[r]
            for term in dict.fromkeys(terms(q)):
                hit = self._postings.get(term)
                if hit is not None:
                    row[hit[0]] += hit[1]  # a term's postings name each document once
        return out
