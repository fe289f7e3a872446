"""Candidate generation for the nightly lists: the lookup's pipeline for a chunk of claimants at once.

A lookup (``MatchService.suggest_for``) filters every vacancy for one claimant, searches the
eligible ones, scores the nearest ``fetch_size(eligible, k)`` and ranks them with the employer
cap. The nightly run does exactly that for each claimant with k = K (the candidates the allocation
chooses from), but the search step is one exact matrix product per block of ``SEARCH_BLOCK``
claimants (``blocked_topk``: float32 GEMM, the ineligible pairs masked out, top by threshold with
ties by vacancy id as ``FaissIndex`` orders them) and the scorer sees a whole chunk's pairs in one
``PairBatch``. The filter, the pair measurements (``MatchService.pairs_for``), the scorer and the
ranking (``MatchService.rank_suggestions``) are the lookup's own.

``NightlyContext`` is everything a chunk needs, picklable, so that a Ray worker receives it once
(object store) and needs neither the database nor the embedding model: claimant and vacancy vectors
come from the embedding cache on the driver, and the occupation grounder's answers are frozen into
a table (``FrozenGrounder``) there too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.bootstrap import assemble_service
from matcher.catalog import VacancyCatalog
from matcher.domain import Claimant
from matcher.explain import Explanation, explain_pairs
from matcher.geo import PostcodeDirectory
from matcher.service import (
    ClaimantsInMemory,
    Grounder,
    MatchService,
    PairBatch,
    PairScorer,
    PairScores,
    fetch_size,
)
from matcher.settings import CommuteSettings, HouseholdSettings, RankingSettings
from matcher.similarity import MARGIN, nearest

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# Scores of one block of queries held at a time: ~64 MB of float32.
_BLOCK_CELLS = 1 << 24
# Claimants filtered and searched together within a chunk (fixed: the same blocks on every engine).
SEARCH_BLOCK = 64


class FrozenGrounder:
    """A grounder's answers for a fixed set of wish lists, computed once on the driver."""

    def __init__(self, table: dict[tuple[str, ...], list[str]]) -> None:
        self.table = table

    @classmethod
    def freeze(cls, grounder: Grounder | None, claimants: Sequence[Claimant]) -> FrozenGrounder | None:
        if grounder is None:
            return None
        table: dict[tuple[str, ...], list[str]] = {}
        for c in claimants:
            key = tuple(c.desired_occupations)
            if key and key not in table:
                table[key] = list(grounder.codes_for(key))
        return cls(table)

    def codes_for(self, titles: Sequence[str]) -> list[str]:
        key = tuple(titles)
        return self.table[key] if key else []


class _VectorsEncoder:
    """The claimants' cached query vectors, as the service's encoder."""

    def __init__(self, model_id: str, ids: Sequence[str], vectors: F32) -> None:
        self.model_id = model_id
        self._row = {cid: i for i, cid in enumerate(ids)}
        self._vectors = vectors

    def encode_claimant(self, claimant: Claimant) -> F32:
        return self._vectors[self._row[claimant.id]]


class MatrixIndex:
    """The vacancy vectors as an exact index (the service's protocol), for lookups on a worker."""

    def __init__(self, ids: npt.NDArray[np.str_], vectors: F32, version: str) -> None:
        self._ids = ids
        self._vectors = vectors
        self._version = version

    @property
    def version(self) -> str:
        return self._version

    @property
    def ids(self) -> npt.NDArray[np.str_]:
        return self._ids

    def search(
        self, queries: F32, k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[F32, list[list[str]]]:
        sims, pos = self.search_positions(queries, k, allowed)
        return sims, [self._ids[p].tolist() for p in pos]

    def search_positions(
        self, queries: F32, k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> tuple[F32, I64]:
        q = np.atleast_2d(queries).astype(np.float32)
        mask = None if allowed is None else np.broadcast_to(allowed, (q.shape[0], len(self._ids)))
        rows = blocked_topk(q, self._vectors, self._ids, np.full(q.shape[0], k), mask)
        width = min((len(p) for p, _ in rows), default=0)
        sims = np.array([s[:width] for _, s in rows], dtype=np.float32).reshape(q.shape[0], width)
        pos = np.array([p[:width] for p, _ in rows], dtype=np.int64).reshape(q.shape[0], width)
        return sims, pos

    def vectors(self, ids: Sequence[str]) -> F32:
        pos = {v: i for i, v in enumerate(self._ids.tolist())}
        return self._vectors[[pos[i] for i in ids]]

    def vectors_at(self, positions: npt.NDArray[np.int64]) -> F32:
        return self._vectors[np.asarray(positions, dtype=np.intp)]


@dataclass(frozen=True)
class NightlyContext:
    """What every chunk worker needs, built once on the driver (see module doc)."""

    claimants: tuple[Claimant, ...]  # the active claimants, sorted by id
    claimant_vectors: F32  # aligned with ``claimants``
    vacancies: VacancyCatalog
    vacancy_vectors: F32  # aligned with the catalog
    geo: PostcodeDirectory
    scorer: PairScorer
    grounder: FrozenGrounder | None
    commute: CommuteSettings
    ranking: RankingSettings
    today: date
    k: int  # candidates per claimant
    versions: dict[str, str] = field(default_factory=dict)  # embedder, index, model
    household: HouseholdSettings = field(default_factory=HouseholdSettings)  # for the explanations

    def service(self) -> MatchService:
        """A lookup service over exactly this context (no database, no embedding model)."""
        return assemble_service(
            claimants=ClaimantsInMemory(self.claimants),
            vacancies=self.vacancies,
            index=MatrixIndex(self.vacancies.ids, self.vacancy_vectors, self.versions.get("index", "")),
            encoder=_VectorsEncoder(
                self.versions.get("embedder", ""), [c.id for c in self.claimants], self.claimant_vectors
            ),
            geo=self.geo,
            scorer=self.scorer,
            grounder=self.grounder,
            commute=self.commute,
            ranking=self.ranking,
            household=self.household,
            today=self.today,
        )


def blocked_topk(
    queries: F32,
    vectors: F32,
    ids: npt.NDArray[np.str_],
    k: npt.NDArray[np.integer] | Sequence[int],
    allowed: npt.NDArray[np.bool_] | None = None,
    *,
    block: int | None = None,
) -> list[tuple[I64, F32]]:
    """Exact top ``k[i]`` vectors by inner product for each query, among the allowed ones.

    Blocked float32 matrix products (BLAS) hold at most ~64 MB of scores at a time. Per query:
    positions and scores, scores descending, ties by id, at most the allowed count; every tie at the
    cut is seen (threshold, not argpartition alone), as in ``FaissIndex``'s exact search.
    """
    nq, nv = queries.shape[0], vectors.shape[0]
    kk = np.minimum(np.asarray(k, dtype=np.int64), nv)
    if allowed is not None:
        kk = np.minimum(kk, allowed.sum(axis=1))
    if block is None:
        block = max(1, _BLOCK_CELLS // max(1, nv))
    vt = np.ascontiguousarray(vectors.T)
    out: list[tuple[I64, F32]] = []
    # One score buffer for every block: a fresh 64 MB array per block costs page faults.
    buf = np.empty((min(block, nq), nv), dtype=np.float32)
    for start in range(0, nq, block):
        stop = min(nq, start + block)
        s = buf[: stop - start]
        np.matmul(queries[start:stop], vt, out=s)
        if allowed is not None:
            np.copyto(s, -np.inf, where=~allowed[start:stop])
        for j in range(stop - start):
            row, kj = s[j], int(kk[start + j])
            if kj <= 0:
                out.append((np.zeros(0, np.int64), np.zeros(0, np.float32)))
                continue
            # The k-th largest score, then every position at or above it: all ties at the cut.
            # Row by row: a row's copy stays in cache, a whole block's would not.
            kth = np.partition(row, nv - kj)[nv - kj] if kj < nv else -np.inf
            cand = np.flatnonzero(row >= kth)
            if kth == -np.inf:
                cand = cand[np.isfinite(row[cand])]
            order = np.lexsort((ids[cand], -row[cand]))[:kj]
            pos = cand[order].astype(np.int64)
            out.append((pos, row[pos].copy()))
    return out


@dataclass(frozen=True)
class Candidates:
    """Each claimant's top K by the lookup's score: aligned arrays, one entry a pair.

    Sorted by claimant position, then rank (1 = best). The pair measurements are kept so that the
    chosen pairs can be explained again without re-running the filters.
    """

    claimant: I64  # position in the context's claimants
    vacancy: I64  # position in the vacancy catalog
    rank: I64
    score: F64
    p_match: F64
    p_sustain: F64
    similarity: F64
    depth: npt.NDArray[np.int8]
    commute_minutes: F64
    commute_limit: F64
    distance_km: F64
    eligible: I64  # per claimant of the chunk: eligible vacancies (aligned with ``claimants_of``)
    claimants_of: I64  # the claimant positions this chunk covered (including those with no candidate)

    FIELDS = (
        "claimant",
        "vacancy",
        "rank",
        "score",
        "p_match",
        "p_sustain",
        "similarity",
        "depth",
        "commute_minutes",
        "commute_limit",
        "distance_km",
        "eligible",
        "claimants_of",
    )

    def __len__(self) -> int:
        return int(self.claimant.shape[0])

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **{name: getattr(self, name) for name in self.FIELDS})
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Candidates:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return cls(**{name: z[name] for name in cls.FIELDS})

    @classmethod
    def concat(cls, parts: Sequence[Candidates]) -> Candidates:
        if not parts:
            return cls.empty()
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.FIELDS})

    @classmethod
    def empty(cls) -> Candidates:
        f, i = np.zeros(0, np.float64), np.zeros(0, np.int64)
        return cls(i, i, i, f, f, f, f, np.zeros(0, np.int8), f, f, f, i, i)

    def take(self, idx: npt.NDArray[np.integer]) -> dict[str, Any]:
        return {name: getattr(self, name)[idx] for name in self.FIELDS[:11]}


def _concat_pairs(parts: Sequence[PairBatch]) -> PairBatch:
    return PairBatch(
        claimants=[c for p in parts for c in p.claimants],
        vacancies=[v for p in parts for v in p.vacancies],
        similarity=np.concatenate([p.similarity for p in parts]),
        depth=np.concatenate([p.depth for p in parts]).astype(np.int8),
        commute_minutes=np.concatenate([p.commute_minutes for p in parts]),
        commute_limit=np.concatenate([p.commute_limit for p in parts]),
        distance_km=np.concatenate([p.distance_km for p in parts]),
    )


def _slice_scores(s: PairScores, a: int, b: int) -> PairScores:
    return PairScores(s.p_match[a:b], s.p_sustain[a:b], s.model_version)


def _exact(
    ctx: NightlyContext,
    query: F32,
    allowed: npt.NDArray[np.bool_],
    first: tuple[I64, F32],
    n: int,
    available: int,
) -> tuple[I64, F64]:
    """A claimant's ``n`` nearest by exact similarity, as a lookup cuts them (``similarity.nearest``):
    ``first`` is the block search's answer; a wider search, if needed, is this claimant's alone."""

    def search(m: int) -> tuple[I64, F32]:
        if m == len(first[0]):
            return first
        return blocked_topk(query[None, :], ctx.vacancy_vectors, ctx.vacancies.ids, [m], allowed[None, :])[0]

    return nearest(query, n, available, search, lambda at: ctx.vacancy_vectors[at], ctx.vacancies.ids)


def generate_lookup(ctx: NightlyContext, service: MatchService, lo: int, hi: int) -> Candidates:
    """The candidates of claimants ``lo:hi`` (positions in ``ctx.claimants``) by the lookup's pipeline,
    claimant by claimant (see module doc): the reference ``matcher.nightly.fused.generate`` must equal."""
    claimants = ctx.claimants[lo:hi]
    nv = len(ctx.vacancies)
    pairs: list[PairBatch] = []
    bounds = [0]
    eligible: list[int] = []
    vacancy_positions: list[I64] = []
    # Filters and search in fixed sub-blocks: a claimant's filter arrays span every vacancy, so a
    # whole chunk of them at 100,000 vacancies would hold gigabytes. The scorer sees the whole chunk.
    for start in range(0, len(claimants), SEARCH_BLOCK):
        block = claimants[start : start + SEARCH_BLOCK]
        results, dists = [], []
        allowed = np.zeros((len(block), nv), dtype=bool)
        for j, c in enumerate(block):
            result, dist = service.filter_vacancies(c)
            allowed[j] = result.eligible
            results.append(result)
            dists.append(dist)
        n_eligible = allowed.sum(axis=1)
        fetch = np.array([fetch_size(int(n), ctx.k) for n in n_eligible], dtype=np.int64)
        queries = ctx.claimant_vectors[lo + start : lo + start + len(block)]
        # The fast search fetches a margin more; the lookup's exact re-scoring cuts (see _exact).
        wide = np.minimum(fetch + MARGIN, n_eligible)
        found = blocked_topk(queries, ctx.vacancy_vectors, ctx.vacancies.ids, wide, allowed)
        for j, c in enumerate(block):
            pos, sims = _exact(ctx, queries[j], allowed[j], found[j], int(fetch[j]), int(n_eligible[j]))
            pairs.append(service.pairs_for(c, results[j], dists[j], pos.astype(np.intp), sims))
            vacancy_positions.append(pos)
            bounds.append(bounds[-1] + len(pos))
        eligible += n_eligible.tolist()
    cols: dict[str, list[Any]] = {name: [] for name in Candidates.FIELDS[:11]}
    if bounds[-1] > 0:
        batch = _concat_pairs(pairs)
        scores = ctx.scorer.score(batch, explain=False)  # the chosen few are explained later
        for j in range(len(claimants)):
            a, b = bounds[j], bounds[j + 1]
            if a == b:
                continue
            top = service.rank_suggestions(pairs[j], _slice_scores(scores, a, b), ctx.k, vacancy_positions[j])
            at = np.array([t.position for t in top], dtype=np.intp)
            p = pairs[j]
            cols["claimant"].append(np.full(len(at), lo + j, dtype=np.int64))
            cols["vacancy"].append(vacancy_positions[j][at])
            cols["rank"].append(np.arange(1, len(at) + 1, dtype=np.int64))
            cols["score"].append(np.array([t.score for t in top], dtype=np.float64))
            cols["p_match"].append(scores.p_match[a:b][at])
            cols["p_sustain"].append(scores.p_sustain[a:b][at])
            cols["similarity"].append(p.similarity[at])
            cols["depth"].append(np.asarray(p.depth, dtype=np.int8)[at])
            cols["commute_minutes"].append(p.commute_minutes[at])
            cols["commute_limit"].append(p.commute_limit[at])
            cols["distance_km"].append(p.distance_km[at])
    empty = Candidates.empty()
    arrays = {name: np.concatenate(parts) if parts else getattr(empty, name) for name, parts in cols.items()}
    return Candidates(
        **arrays,
        eligible=np.asarray(eligible, dtype=np.int64),
        claimants_of=np.arange(lo, hi, dtype=np.int64),
    )


def explain(ctx: NightlyContext, chosen: dict[str, Any]) -> list[Explanation]:
    """Score the chosen pairs again and explain them, as a lookup explains what it shows."""
    cpos, vpos = chosen["claimant"], chosen["vacancy"]
    batch = PairBatch(
        claimants=[ctx.claimants[i] for i in cpos],
        vacancies=[ctx.vacancies.vacancies[i] for i in vpos],
        similarity=np.asarray(chosen["similarity"], dtype=np.float64),
        depth=np.asarray(chosen["depth"], dtype=np.int8),
        commute_minutes=np.asarray(chosen["commute_minutes"], dtype=np.float64),
        commute_limit=np.asarray(chosen["commute_limit"], dtype=np.float64),
        distance_km=np.asarray(chosen["distance_km"], dtype=np.float64),
    )
    if len(cpos) == 0:
        return []
    return explain_pairs(batch, ctx.scorer.score(batch, explain=True), household=ctx.household)
