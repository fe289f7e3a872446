"""The nightly candidates at 100,000 × 100,000: the lookup's answer for every claimant, computed in bulk.

``batch_search.generate_lookup`` runs the lookup's pipeline claimant by claimant (filters over every
vacancy, a masked search, the exact cut, one ``PairBatch`` of records for the scorer). Its answer
is the reference; this module computes the same candidates, bit for bit, at a fraction of the cost
(``tests/matcher/nightly/test_fused.py`` compares them row for row):

- **Filters by vacancy type.** A vacancy enters the filters only through its place (coordinates,
  rurality), hours, shift work, licences, German, physical load, expiry and filled flag. Vacancies
  with the same values are one *type* (a region's 100,000 vacancies sit on a few hundred postcode
  centres: a few thousand types); a claimant is judged against each type once, with the lookup's own
  ``filter_vacancies`` steps (``evaluate`` on a table of the types), and a vacancy's verdict,
  commute and distance are its type's. Each step is elementwise, so a type's values are the bits
  the lookup computes for each of its vacancies. No claimant × vacancy mask is built.
- **Search with a threshold per row.** One float32 matrix product per block of claimants; per row
  the eligible vacancies are those of the (place, kind) combinations that pass (ranges of one
  sorted array), their scores gathered once, a lower bound on the n-th from the first 4n of them,
  and only the few above it partitioned. No full-row ``np.partition``, no dense mask.
- **The exact cut without re-scoring the sure ones.** ``matcher.similarity`` decides the lookup's
  cut on exact similarities; a float32 score is within ``fast_error_bound`` (B) of the exact one,
  so with f_n the n-th eligible float32 score every candidate above f_n + 2B is in the exact top n
  and every one below f_n − 2B is out. Only the window between is re-scored exactly and cut by
  (exact similarity, id); the same set as ``similarity.nearest``'s (which certifies or widens until
  its set is provably the exact top n). The kept candidates' exact similarities are computed for
  the top K after ranking (the models do not read similarity; if a bundle's did, all are computed).
- **Scoring and ranking per block.** ``score_at`` builds the feature rows from per-claimant and
  per-vacancy arrays (``models.features.FeatureTables``); the ranking (score at 32 significant
  bits, ties by vacancy id, at most ``max_per_employer`` per employer) is one sort per block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.filters import ClaimantTable, VacancyTable, default_commute_limit, evaluate
from matcher.geo import haversine_km
from matcher.nightly.batch_search import Candidates, NightlyContext
from matcher.occupation import match_depth
from matcher.pairs import claimant_codes, claimant_commute, fetch_size
from matcher.probability import significant
from matcher.service import MatchService
from matcher.similarity import exact_pairs, fast_error_bound

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
IP = npt.NDArray[np.intp]

# Scores of one block of claimants held at a time: ~64 MB of float32 (at 100,000 vacancies 167 rows).
_BLOCK_CELLS = 1 << 24


def _groups(key: I64) -> tuple[IP, IP]:
    """The first row of each distinct row of ``key`` and each row's group."""
    if len(key) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    _, first, of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.intp), of.reshape(-1).astype(np.intp)


@dataclass(frozen=True)
class Types:
    """The vacancies grouped by what the filters read of them (see module doc), in two parts: the
    place (coordinates, rurality, which default commute limit applies), read by the commute filter,
    and the rest (hours, shifts, licences, German, load, open today), read by the other filters."""

    places: VacancyTable  # one row a place type (a vacancy of it)
    place_rurality: F64
    place_of: IP  # each vacancy's place type
    kinds: VacancyTable  # one row a type of the other filters
    kind_of: IP
    pair_place: IP  # the (place, kind) combinations that occur, and how many vacancies each has
    pair_kind: IP
    pair_count: I64
    by_combo: IP  # the vacancies ordered by combination (pair_place, pair_kind order): the *layout*
    combo_start: IP  # where each combination's vacancies start in the layout (and the end)
    place_start: IP  # where each place's vacancies start in the layout (and the end)
    open_end: IP  # each place's open vacancies: place_start[p]:open_end[p] of the layout
    hours: F64 | None  # the hours of the layout's vacancies, ascending within each place's open ones
    # (None if they are not: NaN or negative hours; then every open vacancy of a place is scored)

    @classmethod
    def build(cls, ctx: NightlyContext, commute: Any) -> Types:
        t, rur = ctx.vacancies.table, ctx.vacancies.rurality
        default = default_commute_limit(t.hours, commute)
        place_first, place_of = _groups(
            np.column_stack(
                [t.lat.view(np.int64), t.lon.view(np.int64), rur.view(np.int64), default.view(np.int64)]
            )
        )
        is_open = ~t.filled & (t.expires >= ctx.today.toordinal())
        # Kinds sorted open before closed, then by hours (the bits of a non-negative float64 sort as
        # its value): within a place, the vacancies a claimant's hours admit are a prefix of the open
        # ones (``_products``).
        kind_first, kind_of = _groups(
            np.column_stack(
                [
                    (~is_open).astype(np.int64),
                    t.hours.view(np.int64),
                    t.shift_work.astype(np.int64),
                    t.licence_req,
                    t.german.astype(np.int64),
                    t.load.astype(np.int64),
                ]
            )
        )
        combo = place_of.astype(np.int64) * max(1, len(kind_first)) + kind_of
        both, count = np.unique(combo, return_counts=True)
        nk = max(1, len(kind_first))
        by_combo = np.argsort(combo, kind="stable").astype(np.intp)
        place_start = np.concatenate([[0], np.cumsum(np.bincount(place_of, minlength=len(place_first)))])
        open_count = np.bincount(place_of[is_open], minlength=len(place_first))
        hours = t.hours[by_combo]
        ordered = all(
            bool(np.all(np.diff(hours[a : a + m]) >= 0))
            for a, m in zip(place_start[:-1].tolist(), open_count.tolist(), strict=True)
        )
        return cls(
            t.take(place_first),
            rur[place_first],
            place_of,
            t.take(kind_first),
            kind_of,
            (both // nk).astype(np.intp),
            (both % nk).astype(np.intp),
            count.astype(np.int64),
            by_combo,
            np.concatenate([[0], np.cumsum(count)]).astype(np.intp),
            place_start.astype(np.intp),
            (place_start[:-1] + open_count).astype(np.intp),
            hours if ordered else None,
        )


class Tables:
    """What every chunk of a worker reads: built once per worker from the context."""

    def __init__(self, ctx: NightlyContext) -> None:
        self.types = Types.build(ctx, ctx.commute)
        self.claimant_table = ClaimantTable.from_claimants(ctx.claimants)
        # Where each claimant is, as the lookup places them (``MatchService._place``).
        service = ctx.service()
        where = np.array([service._place(c) for c in ctx.claimants], dtype=np.float64).reshape(-1, 3)
        self.places = (where[:, 0].copy(), where[:, 1].copy(), where[:, 2].copy())
        # The vacancy vectors transposed, in the layout: a place's open vacancies are one column range.
        self.vt = np.ascontiguousarray(ctx.vacancy_vectors[self.types.by_combo].T)
        ids = ctx.vacancies.ids
        # Vacancy ids as ranks: integer sorts order pairs as string sorts of the ids would.
        self.id_rank = np.empty(len(ids), dtype=np.int64)
        self.id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        _, self.employer = np.unique(ctx.vacancies.employer, return_inverse=True)
        self.employer = self.employer.reshape(-1).astype(np.int64)
        self.bound = fast_error_bound(int(ctx.vacancy_vectors.shape[1]))
        scorer: Any = ctx.scorer
        self.features = (
            scorer.feature_tables(ctx.claimants, ctx.vacancies.vacancies)
            if hasattr(scorer, "feature_tables")
            else None
        )
        features = set(getattr(scorer, "match_features", ())) | set(getattr(scorer, "sustain_features", ()))
        # Without feature tables the scorer gets records (and may read similarity).
        self.needs_similarity = self.features is None or "similarity" in features


@dataclass
class _Filtered:
    """The filters' verdicts of a block of claimants, by place type and by kind (``Types``)."""

    commute_ok: npt.NDArray[np.bool_]  # (claimants, place types)
    minutes: F64  # (claimants, place types)
    limit: F64
    dist: F64
    kind_ok: npt.NDArray[np.bool_]  # (claimants, kinds): every filter but the commute passes
    passes: npt.NDArray[np.bool_]  # (claimants, combinations): eligible
    eligible: I64  # per claimant
    lo: int  # the first claimant's position


def _filter(ctx: NightlyContext, tables: Tables, lo: int, hi: int) -> _Filtered:
    """``service.filter_vacancies`` of claimants lo:hi, per vacancy type (see module doc): the
    claimants as a column against the types as a row, every step elementwise as in the lookup."""
    ty = tables.types
    at = np.arange(lo, hi)
    ct = tables.claimant_table.take(at)
    col = ClaimantTable(**{name: getattr(ct, name)[:, None] for name in ClaimantTable.__dataclass_fields__})
    lat, lon, rur = (x[at, None] for x in tables.places)
    d = np.asarray(haversine_km(lat, lon, ty.places.lat, ty.places.lon), dtype=np.float64)
    m = claimant_commute(col.has_car, d, np.maximum(ty.place_rurality, rur))
    r = evaluate(col, ty.places, m, today=ctx.today, commute=ctx.commute)
    commute_ok = np.ascontiguousarray(r.passes["commute"])
    minutes, limit = np.ascontiguousarray(r.commute_minutes), np.ascontiguousarray(r.commute_limit)
    r = evaluate(col, ty.kinds, np.zeros((1, len(ty.kinds))), today=ctx.today, commute=ctx.commute)
    kind_ok = np.ones((hi - lo, len(ty.kinds)), dtype=bool)
    for name, mask in r.passes.items():
        if name != "commute":
            kind_ok &= mask
    both = commute_ok[:, ty.pair_place] & kind_ok[:, ty.pair_kind]
    eligible = both.astype(np.int64) @ ty.pair_count
    return _Filtered(commute_ok, minutes, limit, d, kind_ok, both, eligible, lo)


def _at_least(vals: F32, t: float) -> npt.NDArray[np.bool_]:
    """``vals >= t`` with ``t`` a float64 bound: a float32 comparison against t rounded down, so that
    no value at or above t is missed (the few extra are cut in float64 by the caller)."""
    t32 = np.float32(t)
    if float(t32) > t:
        t32 = np.nextafter(t32, np.float32(-np.inf))
    return vals >= t32


def _candidates(
    scores: F32, n: npt.NDArray[np.int64], slack: float, eligible: Any, columns: IP | None = None
) -> list[tuple[IP, F32, float]]:
    """Per row of ``scores``: every eligible column scoring at least f_n − ``slack`` (f_n: the row's
    n-th highest eligible score), with those scores and f_n; an empty row when n is 0. ``columns``:
    what each column of ``scores`` stands for (the vacancy of a layout position), given back instead.

    ``eligible(j)``: row j's eligible columns (any order), None for all. The scores of a row's eligible
    columns are gathered once; a first threshold comes from the first w of them (their n-th highest
    is at most f_n, so every score the row needs is at or above it minus ``slack``), and only the
    few above it are partitioned: no ``np.partition`` over a whole row.
    """
    out: list[tuple[IP, F32, float]] = []
    for j in range(scores.shape[0]):
        nj = int(n[j])
        cols = eligible(j) if nj > 0 else np.zeros(0, np.intp)
        if cols is not None and len(cols) == 0:
            out.append((np.zeros(0, np.intp), np.zeros(0, np.float32), -np.inf))
            continue
        vals = scores[j] if cols is None else scores[j, cols]
        # The n-th of w sampled scores sits near quantile n / w of the row: about len · n / w scores
        # lie above it. w = √(n · len) balances the two partitions.
        w = max(2 * nj, int(np.sqrt(nj * len(vals))))
        if len(vals) > 2 * w:
            floor = float(np.partition(vals[:w], w - nj)[w - nj])
            above = np.flatnonzero(_at_least(vals, floor - slack))
            cols = above if cols is None else cols[above]
            vals = vals[above]
        elif cols is None:
            cols = np.arange(len(vals))
        fn = (
            float(np.partition(vals, len(vals) - nj)[len(vals) - nj]) if nj < len(vals) else float(vals.min())
        )
        near = vals.astype(np.float64) >= fn - slack
        kept = cols[near].astype(np.intp)
        out.append((kept if columns is None else columns[kept], vals[near], fn))
    return out


def fused_topk(
    queries: F32,
    vt: F32,
    id_rank: I64,
    k: npt.NDArray[np.integer],
    allowed: npt.NDArray[np.bool_] | None = None,
) -> list[tuple[I64, F32]]:
    """``batch_search.blocked_topk``'s answer (top k[i] by float32 score, ties by id, every tie at the
    cut seen) by products in blocks and ``_candidates``' thresholds instead of a partition per row.

    ``vt``: the vectors transposed (dim, n), contiguous; ``id_rank``: each vector's id rank.
    """
    nq, nv = queries.shape[0], vt.shape[1]
    kk = np.minimum(np.asarray(k, dtype=np.int64), nv)
    if allowed is not None:
        kk = np.minimum(kk, allowed.sum(axis=1))
    block = max(1, _BLOCK_CELLS // max(1, nv))
    buf = np.empty((min(block, nq), nv), dtype=np.float32)
    out: list[tuple[I64, F32]] = []
    for start in range(0, nq, block):
        stop = min(nq, start + block)
        s = buf[: stop - start]
        np.matmul(queries[start:stop], vt, out=s)

        def eligible(j: int, start: int = start) -> Any:
            return None if allowed is None else np.flatnonzero(allowed[start + j])

        found = _candidates(s, kk[start:stop], 0.0, eligible)
        for (cols, vals, _), kj in zip(found, kk[start:stop], strict=True):
            order = np.lexsort((id_rank[cols], -vals))[: int(kj)]
            out.append((cols[order].astype(np.int64), vals[order]))
    return out


def _ranges(start: IP, stop: IP) -> IP:
    """The positions of the ranges start[i]:stop[i], in order (no mask over every position)."""
    lens = stop - start
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.intp)
    # Within range i, position = start[i] + (running index − where range i begins in the output).
    offset = np.repeat(start - (np.cumsum(lens) - lens), lens)
    return (offset + np.arange(total, dtype=np.intp)).astype(np.intp)


def _products(queries: F32, tables: Tables, f: _Filtered, out: F32) -> None:
    """The float32 scores ``out[j, i]`` = ``queries[j]`` · vector at layout position i, for at least every
    eligible (j, i); the others are left as they were (never read).

    Per place, only the claimants whose commute reaches it, and of its open vacancies (a column range)
    only the prefix their hours admit: the claimants sorted by that prefix's end, each step of the
    staircase one product of the claimants reaching that far. At 100,000 vacancies ~0.5 of the
    (claimant, vacancy) cells pass the commute, ~0.8 are open and ~0.6 within the hours: ~4× fewer
    products than the whole row, in one product per (place, distinct hours end). The float32 scores
    differ from a whole-row product's only in their summation order, within ``fast_error_bound``,
    which the exact cut allows for: the candidates do not change.
    """
    ty = tables.types
    hours = tables.claimant_table.hours
    for p in range(len(ty.place_start) - 1):
        a, b = int(ty.place_start[p]), int(ty.open_end[p])
        rows = np.flatnonzero(f.commute_ok[:, p])
        if a == b or len(rows) == 0:
            continue
        if ty.hours is None:
            ends = np.full(len(rows), b, dtype=np.intp)
        else:
            ends = a + np.searchsorted(ty.hours[a:b], hours[f.lo + rows], side="right")
        order = np.argsort(ends, kind="stable")
        rows, ends = rows[order], ends[order]
        lo = a
        for e in np.unique(ends).tolist():
            if e > lo:
                reach = rows[np.searchsorted(ends, e) :]  # every claimant whose prefix goes to e or beyond
                out[reach, lo:e] = queries[reach] @ tables.vt[:, lo:e]
                lo = e


def _cut(
    ctx: NightlyContext, query: F32, found: tuple[IP, F32, float], n: int, bound: float, id_rank: I64
) -> IP:
    """The exact top n of a row's candidates (all eligible with f ≥ f_n − 2B) by (exact similarity,
    id), as ``similarity.nearest`` cuts them: the sure ones and the best of the window."""
    cols, vals, fn = found
    if n >= len(cols):
        return cols
    v = vals.astype(np.float64)
    sure = v > fn + 2 * bound
    window = cols[~sure]
    need = n - int(sure.sum())
    sims = exact_pairs(query[None, :], ctx.vacancy_vectors, np.zeros(len(window), np.intp), window)
    order = np.lexsort((id_rank[window], -sims))[:need]
    return np.concatenate([cols[sure], window[order]])


def generate(
    ctx: NightlyContext, service: MatchService, lo: int, hi: int, tables: Tables | None = None
) -> Candidates:
    """The candidates of claimants ``lo:hi``, bit for bit ``batch_search.generate_lookup``'s."""
    tables = tables or Tables(ctx)
    nv = len(ctx.vacancies)
    ty = tables.types
    slack = 2 * tables.bound
    block = max(1, min(hi - lo, _BLOCK_CELLS // max(1, nv)))
    buf = np.empty((block, nv), dtype=np.float32)
    cols: dict[str, list[Any]] = {name: [] for name in Candidates.FIELDS[:11]}
    counts: list[I64] = []
    for start in range(lo, hi, block):
        stop = min(hi, start + block)
        f = _filter(ctx, tables, start, stop)
        counts.append(f.eligible)
        fetch = np.array([fetch_size(int(e), ctx.k) for e in f.eligible], dtype=np.int64)
        s = buf[: stop - start]
        _products(ctx.claimant_vectors[start:stop], tables, f, s)

        def passing(j: int, f: _Filtered = f) -> Any:
            # The layout positions of the (place, kind) combinations that pass: ranges of the layout.
            combo = np.flatnonzero(f.passes[j])
            return _ranges(ty.combo_start[combo], ty.combo_start[combo + 1])

        found = _candidates(s, fetch, slack, passing, ty.by_combo)
        cpos_l, vpos_l = [], []
        for j, row in enumerate(found):
            kept = _cut(
                ctx, ctx.claimant_vectors[start + j], row, int(fetch[j]), tables.bound, tables.id_rank
            )
            cpos_l.append(np.full(len(kept), j, dtype=np.intp))
            vpos_l.append(kept)
        if not cpos_l or sum(len(v) for v in vpos_l) == 0:
            continue
        local = np.concatenate(cpos_l)
        vpos = np.concatenate(vpos_l)
        tpos = ty.place_of[vpos]
        minutes, limit, dist = f.minutes[local, tpos], f.limit[local, tpos], f.dist[local, tpos]
        depth = np.empty(len(vpos), dtype=np.int8)
        bounds = np.concatenate([[0], np.cumsum([len(v) for v in vpos_l])])
        for j in range(stop - start):
            a, b = bounds[j], bounds[j + 1]
            if a < b:
                codes = claimant_codes(ctx.claimants[start + j], service.grounder)
                depth[a:b] = match_depth(codes, ctx.vacancies.kldb_digits[vpos[a:b]])
        cpos = local + start
        if tables.needs_similarity:
            sims = exact_pairs(ctx.claimant_vectors, ctx.vacancy_vectors, cpos, vpos)
        else:
            sims = np.full(len(vpos), np.nan)
        p_match, p_sustain = _score(ctx, tables, cpos, vpos, sims, depth, minutes, limit)
        top, score = _rank(local, vpos, p_match, p_sustain, tables, ctx.k, ctx.ranking.max_per_employer)
        if not tables.needs_similarity:
            sims[top] = exact_pairs(ctx.claimant_vectors, ctx.vacancy_vectors, cpos[top], vpos[top])
        rank_in = np.arange(len(top)) - np.searchsorted(local[top], local[top])
        cols["claimant"].append(cpos[top].astype(np.int64))
        cols["vacancy"].append(vpos[top].astype(np.int64))
        cols["rank"].append(rank_in.astype(np.int64) + 1)
        cols["score"].append(score)
        cols["p_match"].append(p_match[top])
        cols["p_sustain"].append(p_sustain[top])
        cols["similarity"].append(sims[top])
        cols["depth"].append(depth[top])
        cols["commute_minutes"].append(minutes[top])
        cols["commute_limit"].append(limit[top])
        cols["distance_km"].append(dist[top])
    empty = Candidates.empty()
    arrays = {name: np.concatenate(parts) if parts else getattr(empty, name) for name, parts in cols.items()}
    return Candidates(
        **arrays,
        eligible=np.concatenate(counts) if counts else np.zeros(0, np.int64),
        claimants_of=np.arange(lo, hi, dtype=np.int64),
    )


def _score(
    ctx: NightlyContext,
    tables: Tables,
    cpos: IP,
    vpos: IP,
    sims: F64,
    depth: npt.NDArray[np.int8],
    minutes: F64,
    limit: F64,
) -> tuple[F64, F64]:
    scorer: Any = ctx.scorer
    if tables.features is not None:
        s = scorer.score_at(
            tables.features,
            cpos,
            vpos,
            similarity=sims,
            depth=depth,
            commute_minutes=minutes,
            commute_limit=limit,
        )
    else:
        from matcher.pairs import PairBatch

        batch = PairBatch(
            claimants=[ctx.claimants[i] for i in cpos.tolist()],
            vacancies=[ctx.vacancies.vacancies[i] for i in vpos.tolist()],
            similarity=sims,
            depth=depth,
            commute_minutes=minutes,
            commute_limit=limit,
            distance_km=np.zeros(len(cpos)),
        )
        s = scorer.score(batch, explain=False)
    return np.asarray(s.p_match, dtype=np.float64), np.asarray(s.p_sustain, dtype=np.float64)


def _rank(
    local: IP, vpos: IP, p_match: F64, p_sustain: F64, tables: Tables, k: int, cap: int
) -> tuple[IP, F64]:
    """``ranking.rank`` of every claimant of a block at once: the pairs kept (by claimant, then rank)
    and their scores. Within a claimant by score at 32 significant bits descending, ties by id; an
    employer's pairs after its ``cap``-th are skipped; the first k of the rest."""
    score = significant(p_match * p_sustain)
    order = np.lexsort((tables.id_rank[vpos], -score, local))
    emp = tables.employer[vpos[order]]
    who = local[order]
    # How many of the claimant's earlier pairs (in rank order) share the employer.
    by = np.lexsort((np.arange(len(order)), emp, who))
    same = np.zeros(len(by), dtype=bool)
    same[1:] = (who[by][1:] == who[by][:-1]) & (emp[by][1:] == emp[by][:-1])
    starts = np.flatnonzero(~same)
    run = np.arange(len(by)) - np.repeat(starts, np.diff(np.append(starts, len(by))))
    seen = np.empty(len(by), dtype=np.int64)
    seen[by] = run
    ok = seen < cap
    kept = order[ok]
    kw = who[ok]
    nth = np.arange(len(kept)) - np.searchsorted(kw, kw)
    top = kept[nth < k]
    return top.astype(np.intp), score[top]
