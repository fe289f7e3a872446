"""The grounding floor of a tuned embedder: the similarity at which its readings are as reliable as
the base model's at its own floor.

A wish is grounded to an occupation only when its nearest title is at least ``min_similarity`` away
(``matcher.taxonomy.TitleGrounder``); 0.85 was set for e5-small. Contrastive tuning at temperature
0.05 spreads the similarities: right answers that sat at 0.87 sit at 0.70–0.73 after tuning (the
probe set, docs/benchmarks.md), so the base floor would leave most wishes unread. The tuned floor is
chosen on the **dev** concepts, never on a reported set: German dev labels as queries against the
German labels of the dev occupations, and as many German labels of *train* occupations, whose right
answer is not in that corpus: a floor exists to leave a wish unread rather than misread, and
in-taxonomy queries alone never test that (e5-small puts every one of them above 0.85). An
accepted answer is right when it is a label of the query's occupation; every accepted answer to an
out-of-corpus query is wrong. The base model's precision at its floor is the target, and the tuned
floor is the lowest on a fixed grid whose precision reaches it (the most readings at no loss of
reliability).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from training.retrieval.concepts import split_of
from training.retrieval.evaluation import CorpusRanker, TextEmbedder
from training.retrieval.heldout import Occupation, build_heldout, label_key

BASE_FLOOR = 0.85
# Floors tried, coarse enough that a rerun on another CPU lands on the same one.
GRID: tuple[float, ...] = tuple(round(0.5 + 0.01 * i, 2) for i in range(46))  # 0.50 … 0.95


@dataclass(frozen=True, slots=True)
class TopOne:
    """Per query: the similarity of its nearest document and whether that document is relevant."""

    similarity: npt.NDArray[np.float64]
    correct: npt.NDArray[np.bool_]

    def at(self, floor: float) -> tuple[float, float]:
        """(precision of the accepted answers, share of queries answered) at ``floor``."""
        accepted = self.similarity >= floor
        n = int(accepted.sum())
        precision = float(self.correct[accepted].mean()) if n else 1.0
        return precision, n / max(1, len(self.similarity))


def top_one(
    scores: npt.ArrayLike, doc_ids: Sequence[str], relevant: Sequence[Mapping[str, int] | set[str]]
) -> TopOne:
    """``TopOne`` from a (queries, documents) score matrix and each query's relevant doc ids; ties
    go to the earlier document, as in ``np.argmax``."""
    s = np.asarray(scores, dtype=np.float64)
    best = np.argmax(s, axis=1)
    return TopOne(
        similarity=s[np.arange(len(best)), best],
        correct=np.array([doc_ids[j] in rel for j, rel in zip(best, relevant, strict=True)], dtype=bool),
    )


@dataclass(frozen=True, slots=True)
class FloorChoice:
    floor: float
    target_precision: float
    base_coverage: float
    precision: float
    coverage: float

    def as_manifest(self) -> dict[str, float]:
        return {
            "grounding_floor": self.floor,
            "grounding_floor_target_precision": round(self.target_precision, 4),
            "grounding_floor_base_coverage": round(self.base_coverage, 4),
            "grounding_floor_precision": round(self.precision, 4),
            "grounding_floor_coverage": round(self.coverage, 4),
        }


def matching_floor(base: TopOne, tuned: TopOne, *, base_floor: float = BASE_FLOOR) -> FloorChoice:
    """The lowest floor of ``GRID`` at which ``tuned`` is at least as precise as ``base`` at
    ``base_floor``; the highest grid floor when none is (the most cautious reading)."""
    target, base_cov = base.at(base_floor)
    for floor in GRID:
        precision, coverage = tuned.at(floor)
        if precision >= target:
            return FloorChoice(floor, target, base_cov, precision, coverage)
    precision, coverage = tuned.at(GRID[-1])
    return FloorChoice(GRID[-1], target, base_cov, precision, coverage)


def dev_floor(german: Sequence[Occupation], base: TextEmbedder, tuned: TextEmbedder) -> FloorChoice:
    """``matching_floor`` of ``tuned`` against ``base`` on the German dev-split set (module doc)."""
    sets = build_heldout(list(german), {}, split="dev")
    dev = {o.id for o in german if split_of(o.id) == "dev"}
    corpus = {d: text for d, text in sets.corpus.items() if sets.owners[d] & dev}
    qids = sorted(q for q, rel in sets.qrels["de"].items() if rel)
    texts = [sets.queries["de"][q] for q in qids]
    relevant: list[Mapping[str, int] | set[str]] = [sets.qrels["de"][q] for q in qids]
    in_corpus = {label_key(t) for t in corpus.values()}
    outside = sorted(
        {o.preferred for o in german if split_of(o.id) == "train" and label_key(o.preferred) not in in_corpus}
    )
    outside = random.Random(0).sample(outside, min(len(texts), len(outside)))
    texts += outside
    relevant += [set()] * len(outside)
    ids = list(corpus)

    def top(embedder: TextEmbedder) -> TopOne:
        return top_one(CorpusRanker(corpus, embedder).scores(texts, "dense"), ids, relevant)

    return matching_floor(top(base), top(tuned))
