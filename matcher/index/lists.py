"""An IVF's lists scanned over the index's own float32 vectors: the search of a mapped IVF version.

faiss's ``IndexIVFFlat`` holds every vector a second time, in its inverted lists (``index.faiss``),
beside the float32 copy the index keeps for re-scoring and exact search (``vectors.npy``). A server
maps both files; its lookups read each of them whole before long (the IVF's lists for the searches
it routes to faiss, the vectors for re-scoring and the exact search under narrow filters), so the
process held the vectors twice (2 × 154 MB at 100,000 × 384, bench/README.md).

``ListScan`` keeps of the IVF only its coarse quantizer and which vectors each list holds (as
internal positions), and scores a query's probed lists where the vectors lie in ``vectors.npy``,
with faiss's own inner-product kernel (``fvec_inner_products_by_idx``, the kernel IVFFlat's scanner
runs): the scores are the same floats, the lists probed the same (the quantizer is faiss's), and
the result is what ``IndexIVFFlat.search`` returns, top ``fetch`` by score with labels, ``-1`` where
fewer were eligible. Equal scores at the ``fetch`` cut are taken in id order, where faiss takes
any; ``matcher.index.ann`` orders ties by id either way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import BundleMismatch
from matcher.index.contract import F32, I64, Ids, Mask, faiss_module
from matcher.index.topk import _scores_at, topk_row


class ListScan:
    """The IVF's coarse quantizer and its lists as positions, scanned over the float32 vectors."""

    def __init__(self, quantizer: Any, members: I64, starts: I64, keep_alive: Any = None) -> None:
        """Internal: use ``of``. ``members[starts[i]:starts[i + 1]]`` are the positions in list i."""
        self._quantizer = quantizer
        self._members = members
        self._starts = starts
        self._keep_alive = keep_alive  # the faiss index the quantizer belongs to

    @property
    def nlist(self) -> int:
        return len(self._starts) - 1

    @classmethod
    def of(cls, index: Any, labels: I64) -> ListScan:
        """The lists of a faiss IVF index whose labels (internal order, increasing) are ``labels``.

        Reads the lists' ids only. Of an index read with ``IO_FLAG_MMAP_IFC`` they are read from the
        file, not through the mapping: each list's ids lie behind its codes, and a page fault on a
        mapped file maps the neighbouring pages too (fault-around, 64 KiB), which read through the
        mapping left 68 MB of index.faiss resident after a server's lookups at 100,000 × 384.
        Raises BundleMismatch when the lists do not hold exactly ``labels``."""
        faiss = faiss_module()
        ivf = faiss.extract_index_ivf(index)
        inv = ivf.invlists
        sizes = np.fromiter((inv.list_size(i) for i in range(inv.nlist)), dtype=np.int64, count=inv.nlist)
        starts = np.zeros(inv.nlist + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        held = np.empty(int(starts[-1]), dtype=np.int64)
        full = np.flatnonzero(sizes).tolist()
        where = _mapped_files([int(inv.get_ids(i)) for i in full])
        fds: dict[str, int] = {}
        try:
            for i, at in zip(full, where, strict=True):
                n = int(sizes[i])
                if at is None:
                    held[starts[i] : starts[i + 1]] = faiss.rev_swig_ptr(inv.get_ids(i), n)
                    continue
                fd = fds.get(at[0])
                if fd is None:
                    fd = fds[at[0]] = os.open(at[0], os.O_RDONLY)
                data = os.pread(fd, 8 * n, at[1])
                if len(data) != 8 * n:
                    raise BundleMismatch(f"{at[0]}: list {i}'s ids are not readable at {at[1]}")
                held[starts[i] : starts[i + 1]] = np.frombuffer(data, dtype=np.int64)
        finally:
            for fd in fds.values():
                os.close(fd)
        members = np.searchsorted(labels, held)
        if len(held) != len(labels) or not np.array_equal(labels[np.minimum(members, len(labels) - 1)], held):
            raise BundleMismatch("the IVF's lists do not hold exactly the index's labels")
        return cls(ivf.quantizer, members, starts, keep_alive=index)

    def search(
        self, q: F32, fetch: int, nprobe: int, *, vectors: F32, labels: I64, ids: Ids, mask: Mask | None
    ) -> tuple[F32, I64]:
        """Scores and labels of the top ``fetch`` eligible vectors in the ``nprobe`` lists nearest to
        each query, descending (ties by id); rows with fewer are padded with ``-inf`` and label -1."""
        nq = q.shape[0]
        d = np.full((nq, fetch), -np.inf, dtype=np.float32)
        lab = np.full((nq, fetch), -1, dtype=np.int64)
        _, probe = self._quantizer.search(q, min(nprobe, self.nlist))
        starts, members = self._starts, self._members
        for j in range(nq):
            parts = [members[starts[i] : starts[i + 1]] for i in probe[j].tolist() if i >= 0]
            cand = np.concatenate(parts) if parts else members[:0]
            if mask is not None:
                cand = cand[mask[cand]]
            if not len(cand):
                continue
            s = _scores_at(q[j : j + 1], vectors, cand)[0]
            top = topk_row(s, ids[cand], min(fetch, len(cand)))
            d[j, : len(top)] = s[top]
            lab[j, : len(top)] = labels[cand[top]]
        return d, lab


def _mapped_files(addresses: list[int], maps: Path = Path("/proc/self/maps")) -> list[tuple[str, int] | None]:
    """For each address, the file it is mapped from and the offset in that file, or None for memory
    of the process's own (or where ``/proc/self/maps`` cannot be read: not Linux)."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return [None] * len(addresses)
    spans = []
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/"):
            start, _, end = fields[0].partition("-")
            spans.append((int(start, 16), int(end, 16), int(fields[2], 16), fields[5]))
    out: list[tuple[str, int] | None] = []
    last = None  # the lists of one index lie in one mapping: try the previous hit first
    for a in addresses:
        if last is None or not last[0] <= a < last[1]:
            last = next((s for s in spans if s[0] <= a < s[1]), None)
        out.append(None if last is None else (last[3], a - last[0] + last[2]))
    return out
