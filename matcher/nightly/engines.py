"""Where the candidate chunks are computed: in this process, or on a Ray cluster.

Both engines run the same ``ChunkWorker`` over the same chunks (fixed claimant ranges), so they
produce the same candidates bit for bit; they differ only in where the work happens. On Ray, the
context (vacancy vectors and catalog, claimants and their vectors, the scorer) goes into the
object store once (``ray.put``), and each worker actor receives it once, as its constructor
argument; workers never load the embedding model or touch the database, and run with the hub and
usage reporting switched off.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from matcher.errors import PassgenauError
from matcher.nightly.batch_search import Candidates, NightlyContext
from matcher.nightly.fused import Tables, generate

log = logging.getLogger(__name__)

Chunk = tuple[int, int, int]  # (chunk index, first claimant position, end position)
T = TypeVar("T")
R = TypeVar("R")

# No worker may reach the internet: no model hub, no Ray usage statistics.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
}

# Chunks queued on each Ray worker: one computing, one waiting, so that a worker never idles for
# the round trip to the driver, and the last chunks still go to whichever worker is free.
IN_FLIGHT = 2


class ChunkWorker:
    """Computes chunks of candidates from one context (built once per worker)."""

    def __init__(self, ctx: NightlyContext) -> None:
        self.ctx = ctx
        self.service = ctx.service()
        self.tables = Tables(ctx)  # once per worker: the vacancy types, feature arrays, vectors transposed

    def chunk(self, lo: int, hi: int) -> Candidates:
        return generate(self.ctx, self.service, lo, hi, self.tables)


class RayChunkWorker(ChunkWorker):
    """A ChunkWorker as a Ray actor of ``cpus`` CPUs: BLAS limited to as many threads (Ray sets
    ``OMP_NUM_THREADS`` only where the node's environment does not), the candidates sent as npz bytes."""

    def __init__(self, ctx: NightlyContext, cpus: int) -> None:
        from threadpoolctl import threadpool_limits

        # Two actors of one CPU each with a BLAS of two threads each would oversubscribe the cores.
        self._limits = threadpool_limits(limits=cpus)
        super().__init__(ctx)

    def node(self) -> str:
        """This actor's Ray node; answered once the context has arrived and the service is built."""
        import ray

        return str(ray.get_runtime_context().get_node_id())

    def chunk_bytes(self, lo: int, hi: int) -> bytes:
        return self.chunk(lo, hi).to_bytes()


class Engine(Protocol):
    name: str

    def run(self, ctx: NightlyContext, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Candidates]]: ...

    def map(
        self, ctx: NightlyContext, fn: Callable[[NightlyContext, T], R], items: Sequence[T]
    ) -> Iterator[R]:
        """``fn(ctx, item)`` of every item, in the items' order (the explanations of the chosen pairs)."""
        ...


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

    def map(
        self, ctx: NightlyContext, fn: Callable[[NightlyContext, T], R], items: Sequence[T]
    ) -> Iterator[R]:
        """``fn(ctx, item)`` of every item, in order; with ``processes`` > 1 in as many forked processes
        (one BLAS thread each, the context inherited). ``fn`` must be a module-level function, and
        items and results small: they are pickled across the processes."""
        if self.processes <= 1 or len(items) < 2:
            for item in items:
                yield fn(ctx, item)
            return
        import multiprocessing

        global _FORKED
        _FORKED = ctx
        try:
            with multiprocessing.get_context("fork").Pool(
                self.processes, initializer=_one_blas_thread
            ) as pool:
                yield from pool.imap(_forked_call, [(fn, item) for item in items])
        finally:
            _FORKED = None


# The context a forked worker inherits (set by LocalEngine.run and .map just before the fork).
_FORKED: NightlyContext | None = None
_WORKER: ChunkWorker | None = None


def _start_forked() -> None:
    global _WORKER
    _one_blas_thread()
    assert _FORKED is not None
    _WORKER = ChunkWorker(_FORKED)


def _one_blas_thread() -> None:
    # Each forked process runs mostly single-threaded numpy: one BLAS thread each keeps the
    # processes from oversubscribing the cores.
    import threadpoolctl

    threadpoolctl.threadpool_limits(1)


def _forked_call(task: tuple[Callable[[NightlyContext, Any], Any], Any]) -> Any:
    fn, item = task
    assert _FORKED is not None
    return fn(_FORKED, item)


def _forked_chunk(chunk: Chunk) -> tuple[int, bytes]:
    i, lo, hi = chunk
    assert _WORKER is not None
    return i, _WORKER.chunk(lo, hi).to_bytes()


class RayEngine:
    """``workers`` ChunkWorker actors of one CPU each, spread over the cluster's nodes; the chunks go
    to whichever worker is free (``IN_FLIGHT`` queued on each), in any order (each is checkpointed).

    Plain actors rather than a Ray Data ``map_batches`` pool: a chunk list is a task queue, not a
    dataset, and Ray Data's executor (its stats and autoscaling actors, the pool starting one actor
    and handing it every chunk before the second was up) cost a small run 30 s and left a node idle.

    ``address``: a running cluster, as ``HOST:PORT`` (the head's GCS port, ``ray start --head
    --port``; this process must then run on a node of the cluster) or ``ray://HOST:10001`` (Ray
    Client, from anywhere; needs ``ray[client]``); None uses ``$RAY_ADDRESS`` when set, else starts a
    private local Ray with ``num_cpus``. The engine disconnects when the run ends (``ray.shutdown``
    stops a Ray it started; a cluster it joined keeps running).

    After a run, ``chunks_by_node`` counts the chunks each Ray node computed.
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 2, num_cpus: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self.num_cpus = num_cpus
        self.chunks_by_node: dict[str, int] = {}

    def _init(self, ray: Any) -> bool:
        """Connect (or start a local Ray); True if this call did, so the run must disconnect."""
        if ray.is_initialized():
            return False
        address = self.address or os.environ.get("RAY_ADDRESS") or None
        kwargs: dict[str, Any] = {"runtime_env": {"env_vars": dict(OFFLINE_ENV)}}
        if address is None:
            # A private local Ray: no dashboard, no worker logs mixed into the progress bar.
            kwargs |= {
                "num_cpus": self.num_cpus or os.cpu_count() or 1,
                "include_dashboard": False,
                "log_to_driver": False,
            }
        elif address.startswith("ray://"):
            from ray._private.utils import get_ray_client_dependency_error

            if get_ray_client_dependency_error() is not None:
                raise PassgenauError(
                    f"ray address {address}: Ray Client needs the package ray[client]; or run on a node "
                    "of the cluster (ray start --address) and give the head's GCS address, HOST:PORT"
                )
        ray.init(address=address, **kwargs)
        return True

    def run(self, ctx: NightlyContext, chunks: Sequence[Chunk]) -> Iterator[tuple[int, Candidates]]:
        if not chunks:
            return
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - ray is a dependency
            raise PassgenauError("the ray engine needs the package ray") from exc
        for k, v in OFFLINE_ENV.items():
            os.environ.setdefault(k, v)
        started_here = self._init(ray)
        self.chunks_by_node = {}
        actors: list[Any] = []
        try:
            ref = ray.put(ctx)
            # SPREAD: one worker a node before a second on any, so that two workers use two machines.
            remote = ray.remote(RayChunkWorker).options(num_cpus=1, scheduling_strategy="SPREAD")
            actors = [remote.remote(ref, 1) for _ in range(max(1, min(self.workers, len(chunks))))]
            nodes = ray.get([a.node.remote() for a in actors])
            del ref  # the actors hold the context now; the object store may free it
            log.info("ray: %d workers on %d nodes", len(actors), len(set(nodes)))
            todo = deque(chunks)
            pending: dict[Any, tuple[int, int]] = {}  # result → (chunk index, worker)

            def submit(w: int) -> None:
                i, lo, hi = todo.popleft()
                pending[actors[w].chunk_bytes.remote(lo, hi)] = (i, w)

            for _ in range(IN_FLIGHT):
                for w in range(len(actors)):
                    if todo:
                        submit(w)
            while pending:
                [done], _ = ray.wait(list(pending), num_returns=1)
                i, w = pending.pop(done)
                data = ray.get(done)
                if todo:
                    submit(w)
                self.chunks_by_node[nodes[w]] = self.chunks_by_node.get(nodes[w], 0) + 1
                yield i, Candidates.from_bytes(data)
            log.info("ray: chunks per node %s", json.dumps(self.chunks_by_node, sort_keys=True))
        finally:
            for a in actors:
                ray.kill(a)
            if started_here:
                ray.shutdown()

    def map(
        self, ctx: NightlyContext, fn: Callable[[NightlyContext, T], R], items: Sequence[T]
    ) -> Iterator[R]:
        """In this process (the driver): the explanations are a small part of a run next to the
        candidates, and the workers are gone by then."""
        for item in items:
            yield fn(ctx, item)


def make_engine(name: str, *, address: str | None = None, workers: int = 2, processes: int = 1) -> Engine:
    if name == "local":
        return LocalEngine(processes=processes)
    if name == "ray":
        return RayEngine(address=address, workers=workers)
    raise PassgenauError(f"engine: {name!r} is not one of local, ray")
