"""One search through faiss itself (flat or IVF, with an optional filter), ordered as the exact search
orders: scores descending, equal scores by vacancy id, exactly ``kk`` results per query.

Kept apart from :class:`matcher.index.search.FaissIndex` because it is the only place that speaks
faiss's search API (selectors, search parameters, labels); ``route`` decides whether to ask faiss
at all or to answer exactly with numpy.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from matcher.index.contract import EXACT, F32, I64, IVF, Ids, Mask, faiss_module
from matcher.index.lists import ListScan
from matcher.index.topk import exact_search, order_ann_results

log = logging.getLogger(__name__)

# A filtered search over at most this many eligible vacancies is answered exactly by a numpy dot
# product on the subset (a few ms at dim 384): IVF recall under a filter correlated with the query
# (e.g. occupation) can fall below the build-time figure, and at this size exact is as fast.
EXACT_SUBSET = 10_000
# Extra results fetched from faiss so that equal scores at the cut can be ordered by vacancy id.
TIE_PAD = 16


def route(
    kind: str, count: int, eligible: int, *, filtered: bool, nprobe: int | None, nlist: int | None
) -> tuple[bool, int | None]:
    """Whether a search of ``eligible`` of ``count`` vacancies is answered exactly (numpy), and the
    IVF lists to probe otherwise."""
    exact_cheaper = False
    if kind == IVF and filtered and nprobe is not None and nlist is not None:
        # A filter keeping a fraction f of the vacancies leaves ~f of each list eligible: probe
        # 1/f times more lists to see as many eligible neighbours as an unfiltered search.
        nprobe = min(nlist, math.ceil(nprobe * count / eligible))
        # Scanning more than a quarter of the lists costs about as much as exact search.
        exact_cheaper = nprobe > nlist // 4
    return (filtered and eligible <= EXACT_SUBSET) or exact_cheaper, nprobe


def faiss_search(
    index: Any,
    kind: str,
    *,
    labels: I64,
    next_label: int,
    ids: Ids,
    vectors: F32,
    q: F32,
    mask: Mask | None,
    eligible: int,
    kk: int,
    nprobe: int | None,
    scan: ListScan | None = None,
) -> tuple[F32, I64]:
    """Scores and positions (into ``ids``) of the top ``kk`` per query; a query whose probed lists
    held too few eligible vacancies is answered by the exact search over ``vectors``. ``scan``: an
    IVF's lists scanned over ``vectors`` (``matcher.index.lists``) instead of faiss's own copy."""
    faiss = faiss_module()
    fetch = min(eligible, kk + max(TIE_PAD, kk // 4))
    if scan is not None and kind == IVF and nprobe is not None:
        d, lab = scan.search(q, fetch, nprobe, vectors=vectors, labels=labels, ids=ids, mask=mask)
        return _ordered(d, lab, labels=labels, ids=ids, vectors=vectors, q=q, mask=mask, kk=kk,
                        eligible=eligible, exact=False)  # fmt: skip
    bitmap = None
    sel = None
    if mask is not None:
        if len(labels) == next_label:
            # Labels grow strictly and stay below next_label: as many as next_label means labels are
            # the positions (nothing removed since the build), and the mask is the label bitmap.
            bits = mask
        else:
            bits = np.zeros(next_label, dtype=np.bool_)
            bits[labels[mask]] = True
        bitmap = np.packbits(bits, bitorder="little")  # faiss reads bit (label & 7) of byte label >> 3
        sel = faiss.IDSelectorBitmap(bitmap.size, faiss.swig_ptr(bitmap))
    if kind == IVF:
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        if sel is not None:
            params.sel = sel
    else:
        params = faiss.SearchParameters(sel=sel) if sel is not None else None
    d, lab = index.search(q, fetch, params=params)
    del bitmap  # the selector points into it: keep it alive until the search returned
    return _ordered(d, lab, labels=labels, ids=ids, vectors=vectors, q=q, mask=mask, kk=kk,
                    eligible=eligible, exact=kind == EXACT)  # fmt: skip


def _ordered(
    d: F32, lab: I64, *, labels: I64, ids: Ids, vectors: F32, q: F32, mask: Mask | None, kk: int,
    eligible: int, exact: bool,
) -> tuple[F32, I64]:  # fmt: skip
    out_s, out_p, redo = order_ann_results(d, lab, labels, ids, kk, exact=exact, eligible=eligible)
    if len(redo):
        rows = np.asarray(sorted(redo), dtype=np.int64)
        log.debug("exact fallback for %d of %d queries", len(rows), q.shape[0])
        out_s[rows], out_p[rows] = exact_search(q[rows], vectors, ids, mask, kk)
    return out_s, out_p
