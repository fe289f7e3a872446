"""Where the candidate chunks are computed: in this process, or on Ray Data.

Both engines run the same ``ChunkWorker`` over the same chunks (fixed claimant ranges), so they
produce the same candidates bit for bit; they differ only in where the work happens. On Ray, the
context (vacancy vectors and catalog, claimants and their vectors, the scorer) goes into the
object store once, and each worker actor fetches it once in ``__init__``; workers never load the
embedding model or touch the database, and run with the hub and usage reporting switched off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from matcher.errors import PassgenauError
from matcher.nightly.batch_search import Candidates, NightlyContext
from matcher.nightly.fused import Tables, generate

log = logging.getLogger(__name__)

Chunk = tuple[int, int, int]  # (chunk index, first claimant position, end position)

# No worker may reach the internet: no model hub, no Ray usage statistics.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
}


class ChunkWorker:
    """Computes chunks of candidates from one context (built once per worker)."""

    def __init__(self, ctx: NightlyContext | None = None, ctx_ref: Sequence[Any] | None = None) -> None:
        if ctx is None:
            import ray

            assert ctx_ref is not None
            ctx = ray.get(ctx_ref[0])  # wrapped in a list so that Ray passes the reference itself
        self.ctx = ctx
        self.service = ctx.service()
        self.tables = Tables(ctx)  # once per worker: the vacancy types, feature arrays, vectors transposed

    def chunk(self, lo: int, hi: int) -> Candidates:
        return generate(self.ctx, self.service, lo, hi, self.tables)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Ray Data batch: columns chunk, lo, hi → chunk, data (the candidates as npz bytes)."""
        data = [
            self.chunk(int(lo), int(hi)).to_bytes() for lo, hi in zip(batch["lo"], batch["hi"], strict=True)
        ]
        return {"chunk": np.asarray(batch["chunk"]), "data": np.array(data, dtype=object)}


class Engine(Protocol):
    name: str

    def run(self, ctx: NightlyContext, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Candidates]]: ...


class LocalEngine:
    """The chunks in this process, or with ``processes`` > 1 in as many forked processes on this
    machine (each one BLAS thread; the context is inherited by the fork, not copied or pickled).
    Most of a chunk is single-threaded numpy: on 2 cores, 2 processes use both."""

    name = "local"

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes

    def run(self, ctx: NightlyContext, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Candidates]]:
        if not chunks:
            return
        if self.processes <= 1 or len(chunks) < 2:
            worker = ChunkWorker(ctx)
            for i, lo, hi in chunks:
                yield i, worker.chunk(lo, hi)
            return
        import multiprocessing

        global _FORKED
        _FORKED = ctx
        try:
            with multiprocessing.get_context("fork").Pool(self.processes, initializer=_start_forked) as pool:
                for i, data in pool.imap_unordered(_forked_chunk, chunks):
                    yield i, Candidates.from_bytes(data)
        finally:
            _FORKED = None


# The context a forked worker inherits (set by LocalEngine.run just before the fork).
_FORKED: NightlyContext | None = None
_WORKER: ChunkWorker | None = None


def _start_forked() -> None:
    import threadpoolctl

    global _WORKER
    threadpoolctl.threadpool_limits(1)
    assert _FORKED is not None
    _WORKER = ChunkWorker(_FORKED)


def _forked_chunk(chunk: Chunk) -> tuple[int, bytes]:
    i, lo, hi = chunk
    assert _WORKER is not None
    return i, _WORKER.chunk(lo, hi).to_bytes()


class RayEngine:
    """Ray Data ``map_batches`` over the chunks with an actor pool of ``workers`` ChunkWorkers.

    ``address``: a cluster (``ray://head:10001``); None uses ``$RAY_ADDRESS`` when set, else starts
    a local Ray with ``num_cpus``. A Ray this engine started is shut down when the run ends.
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 2, num_cpus: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self.num_cpus = num_cpus

    def run(self, ctx: NightlyContext, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Candidates]]:
        if not chunks:
            return
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - ray is a dependency
            raise PassgenauError("the ray engine needs the package ray[data]") from exc
        for k, v in OFFLINE_ENV.items():
            os.environ.setdefault(k, v)
        started_here = False
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"runtime_env": {"env_vars": dict(OFFLINE_ENV)}}
            if address is None:
                # A private local Ray: no dashboard, no worker logs mixed into the progress bar.
                kwargs |= {
                    "num_cpus": self.num_cpus or os.cpu_count() or 1,
                    "include_dashboard": False,
                    "log_to_driver": False,
                }
            ray.init(address=address, **kwargs)
            started_here = True
        try:
            ray.data.DataContext.get_current().enable_progress_bars = False
            ref = ray.put(ctx)
            items = [{"chunk": i, "lo": lo, "hi": hi} for i, lo, hi in chunks]
            workers = max(1, min(self.workers, len(items)))
            ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                ChunkWorker,
                fn_constructor_kwargs={"ctx_ref": [ref]},
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_cpus=1,
            )
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                for i, data in zip(batch["chunk"], batch["data"], strict=True):
                    yield int(i), Candidates.from_bytes(bytes(data))
        finally:
            if started_here:
                ray.shutdown()


def make_engine(name: str, *, address: str | None = None, workers: int = 2) -> Engine:
    if name == "local":
        return LocalEngine()
    if name == "ray":
        return RayEngine(address=address, workers=workers)
    raise PassgenauError(f"engine: {name!r} is not one of local, ray")
