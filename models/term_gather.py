"""A lookup's additive logit terms gathered from tables, not evaluated feature by feature.

``AdditiveTerms.terms_at`` scores a claimant's ~200 candidates against one vacancy catalog. Most of
its cost was Python around small numpy calls, ~30 features × two models, each classified, evaluated
and copied on its own. Here the features are sorted once per model into three kinds, and each kind
is read in as few numpy calls as possible:

- a **vacancy's own** feature (hours, contract, employer, wage): all of them in one table per
  catalog (vacancies × features, with whether a row is beyond a spline's knots), gathered by one
  fancy index of the candidates' positions;
- a **claimant's own** feature (children, months out of work): one row per claimant; a lookup's one
  claimant takes each value's term from a memo held by the model's terms (a few distinct values);
- a **pair** feature whose values are whole numbers (match depth, German shortfall): the term of each
  whole number in a table held by the model's terms, widened when a lookup needs more, and
  gathered; the other pair features (commute minutes, share of the need covered) are evaluated.

Every term is the same elementwise computation on the same value as ``AdditiveTerms.term`` on the
whole column (B-spline evaluation, clipping, sums are per element), so the matrix is the same bit for
bit (``tests/models/test_term_gather.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from models.features import FeatureTables
    from models.pair_scorer import AdditiveTerms

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
IP = npt.NDArray[np.intp]

# A whole-number feature's table spans at most this many values (a lookup's span is ≤ 64, as before).
GRID_SPAN = 256
# A claimant feature's memo is cleared beyond this many values (months out of work, counts: few).
MEMO_LIMIT = 4096


@dataclass(frozen=True)
class Layout:
    """A model's feature columns by kind: positions in the model's columns, and the model's j."""

    vacancy: IP
    claimant: IP
    pair: IP
    vacancy_names: tuple[str, ...]
    claimant_names: tuple[str, ...]


def layout(features: Sequence[str], tables: FeatureTables) -> Layout:
    kinds: dict[str, list[int]] = {"vacancy": [], "claimant": [], "pair": []}
    for j, name in enumerate(features):
        side = tables.side(name)
        kinds["pair" if side is None else side[0]].append(j)
    v, c = kinds["vacancy"], kinds["claimant"]
    return Layout(
        np.array(v, dtype=np.intp),
        np.array(c, dtype=np.intp),
        np.array(kinds["pair"], dtype=np.intp),
        tuple(features[j] for j in v),
        tuple(features[j] for j in c),
    )


def _values(tables: FeatureTables, name: str) -> F64:
    """A claimant's or a vacancy's own feature: its value for each of them."""
    side = tables.side(name)
    if side is None:
        raise ValueError(f"{name} is a pair feature")
    return side[1]


def _any_outside(parts: list[B | None], n: int) -> B | None:
    flags = [o for o in parts if o is not None]
    if not flags:
        return None
    out = np.zeros(n, dtype=bool)
    for o in flags:
        out |= o
    return out


def vacancy_table(terms: AdditiveTerms, lay: Layout, tables: FeatureTables) -> tuple[F64, B | None]:
    """The terms of the vacancies' own features for every vacancy of the catalog, one column per
    feature, and whether a vacancy's value lies beyond a knot; once per (terms, catalog)."""
    cache = tables.columns.cache
    key = (terms, "vacancy-table", lay.vacancy_names)
    hit = cache.get(key)
    if hit is None:
        js = lay.vacancy.tolist()
        parts = [terms.term(j, _values(tables, name)) for j, name in zip(js, lay.vacancy_names, strict=True)]
        n = len(tables.columns)
        table = np.empty((n, len(parts)), dtype=np.float64)
        for i, (t, _) in enumerate(parts):
            table[:, i] = t
        hit = cache[key] = (table, _any_outside([o for _, o in parts], n))
    return hit


def _memo_term(terms: AdditiveTerms, j: int, x: float) -> tuple[float, bool]:
    """Feature j's term at one value, evaluated once per value (the sign of a zero kept apart)."""
    key = (j, x, math.copysign(1.0, x))
    hit = terms.memo.get(key)
    if hit is None:
        t, o = terms.term(j, np.array([x], dtype=np.float64))
        hit = (float(t[0]), bool(o[0]) if o is not None else False)
        if len(terms.memo) >= MEMO_LIMIT:
            terms.memo.clear()
        terms.memo[key] = hit
    return hit


def claimant_table(terms: AdditiveTerms, lay: Layout, tables: FeatureTables) -> tuple[F64, B | None]:
    """The terms of the claimants' own features, one row per claimant; once per (terms, tables)."""
    key = (id(terms), "claimant-table", lay.claimant_names)
    hit = tables.cache.get(key)
    if hit is not None:
        return hit
    values = [_values(tables, name) for name in lay.claimant_names]
    n = len(tables.claimants)
    table = np.empty((n, len(values)), dtype=np.float64)
    if n == 1:  # a lookup: each value's term from the memo
        flags = False
        for i, (j, v) in enumerate(zip(lay.claimant.tolist(), values, strict=True)):
            table[0, i], o = _memo_term(terms, j, float(v[0]))
            flags |= o
        outside: B | None = np.array([flags]) if flags else None
    else:
        parts = [terms.term(j, v) for j, v in zip(lay.claimant.tolist(), values, strict=True)]
        for i, (t, _) in enumerate(parts):
            table[:, i] = t
        outside = _any_outside([o for _, o in parts], n)
    hit = tables.cache[key] = (table, outside)
    return hit


def _signed_zero_same(terms: AdditiveTerms, j: int) -> bool:
    """Whether feature j's term at -0.0 has the bits of its term at +0.0. A table holds one zero;
    for a feature where the two differ, a lookup's grid starts at its own minimum, as it did before
    the tables (so that its zero has the sign that minimum had)."""
    t, o = terms.term(j, np.array([-0.0, 0.0]))
    same = t[:1].tobytes() == t[1:].tobytes() and (o is None or bool(o[0]) == bool(o[1]))
    return same


def _grid(terms: AdditiveTerms, j: int, lo: float, hi: float) -> tuple[float, F64, B | None]:
    """Feature j's terms of the whole numbers lo..hi (at least), from the model's table, widened
    (evaluated again over the union) when it does not reach."""
    if j not in terms.grids and not _signed_zero_same(terms, j):
        terms.grids[j] = None
    have = terms.grids.get(j, ())
    if have is None:  # the lookup's own grid, from its minimum
        t, o = terms.term(j, np.arange(lo, hi + 1.0))
        return lo, t, o
    if have:
        start, t, o = have
        end = start + len(t) - 1
        if start <= lo and hi <= end:
            return have
        if max(hi, end) - min(lo, start) <= GRID_SPAN:
            lo, hi = min(lo, start), max(hi, end)
    t, o = terms.term(j, np.arange(lo, hi + 1.0))
    terms.grids[j] = (lo, t, o)
    return lo, t, o


def gathered_terms(
    terms: AdditiveTerms, X: F64, features: Sequence[str], tables: FeatureTables, cpos: IP, vpos: IP
) -> tuple[F64, B]:
    """The main terms of the pairs (cpos, vpos), and which rows have a value beyond a knot (those the
    caller recomputes through the model); see the module doc."""
    lay = terms.layout_of(features, tables)
    n = X.shape[0]
    out = np.empty((n, X.shape[1]), dtype=np.float64)
    outside = np.zeros(n, dtype=bool)
    if n == 0:
        return out, outside
    for table_of, cols, at in ((vacancy_table, lay.vacancy, vpos), (claimant_table, lay.claimant, cpos)):
        if len(cols):
            table, beyond = table_of(terms, lay, tables)
            out[:, cols] = table[at]
            if beyond is not None:
                outside |= beyond[at]
    if len(lay.pair):
        P = X[:, lay.pair]
        lo, hi = P.min(axis=0).tolist(), P.max(axis=0).tolist()
        whole = (np.round(P) == P).all(axis=0).tolist()
        for i, j in enumerate(lay.pair.tolist()):
            x = P[:, i]
            o: Any
            if whole[i] and hi[i] - lo[i] <= 64:
                start, t, o_grid = _grid(terms, j, lo[i], hi[i])
                k = (x - start).astype(np.intp)
                out[:, j] = t[k]
                o = None if o_grid is None else o_grid[k]
            else:
                out[:, j], o = terms.term(j, x)
            if o is not None:
                outside |= o
    return out, outside
