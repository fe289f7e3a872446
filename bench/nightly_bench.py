"""Nightly lists: exact batch search speed, allocation solvers, and a whole run end to end.

    .venv/bin/python bench/nightly_bench.py --search 100000 100000     # search speed vs matmul peak
    .venv/bin/python bench/nightly_bench.py --compare 5000             # greedy vs min-cost flow vs Sinkhorn
    .venv/bin/python bench/nightly_bench.py --claimants 20000 --vacancies 20000   # a whole run

The search part uses random unit vectors (dimension 384, as multilingual-e5-small): the speed of a
matrix product does not depend on what the vectors mean. The end-to-end run generates a synthetic
region (training.synthetic), imports it, embeds it with a fast deterministic hashing embedder of
dimension 384 through the real RecordEncoder and embedding cache (the e5 model would need hours
on this CPU for 40,000 texts; the nightly run reads cached vectors either way), trains the
scorer on a small separate history unless --fit-only, and runs ``NightlyRunner`` as
``passgenau nightly`` does. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DIM = 384


def sgemm_peak() -> float:
    """Best float32 4096² matrix multiply in GFLOP/s (numpy/BLAS), best of 4."""
    n = 4096
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    best = 0.0
    for _ in range(4):
        t = time.perf_counter()
        a @ a
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def peak_memory() -> str:
    """This process's peak resident memory: VmHWM (Linux) and getrusage's ru_maxrss."""
    import resource

    hwm = ""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = f"VmHWM {int(line.split()[1]) / 2**20:.2f} GiB, "
    except OSError:
        pass
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    # Forked chunk processes (--processes) share the parent's pages until they write them.
    return f"{hwm}ru_maxrss {own:.2f} GiB; largest child process {child:.2f} GiB"


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def bench_search(nq: int, nv: int, k: int, filtered: float, reference: bool) -> None:
    """The nightly run's search (``fused_topk``: products in blocks, a threshold per row) against the
    matrix products alone, as a share of the GEMM peak; ``reference``: also the old per-row
    ``np.partition`` path (``blocked_topk``), which must give the same lists."""
    from matcher.nightly.batch_search import blocked_topk
    from matcher.nightly.fused import fused_topk

    peak_before = sgemm_peak()
    rng = np.random.default_rng(0)
    v, q = unit(rng, nv), unit(rng, nq)
    ids = np.array([f"V{i:07d}" for i in range(nv)])
    rank = np.empty(nv, dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(nv)
    flop = 2.0 * nq * nv * DIM
    vt = np.ascontiguousarray(v.T)
    t = time.perf_counter()
    fused = fused_topk(q, vt, rank, np.full(nq, k))
    full = time.perf_counter() - t
    old = None
    if reference:
        t = time.perf_counter()
        expect = blocked_topk(q, v, ids, np.full(nq, k))
        old = time.perf_counter() - t
        same = all(np.array_equal(a[0], b[0]) for a, b in zip(fused, expect, strict=True))
    # The matrix products alone, in the same blocks as fused_topk.
    block = max(1, (1 << 24) // nv)
    buf = np.empty((block, nv), dtype=np.float32)
    t = time.perf_counter()
    for s in range(0, nq, block):
        np.matmul(q[s : s + block], vt, out=buf[: min(block, nq - s)])
    gemm = time.perf_counter() - t
    peak_after = sgemm_peak()
    # The machine is shared: the peak is measured before and after; shares are of the higher one.
    peak = max(peak_before, peak_after)
    import threadpoolctl

    blas = threadpoolctl.threadpool_info()[0]
    print(
        f"float32 matmul peak (4096², numpy, {blas['internal_api']} {blas['architecture']} kernels, "
        f"{blas['num_threads']} threads): {peak_before:.0f} GFLOP/s before, {peak_after:.0f} after"
    )
    print(f"{nq:,} × {nv:,} × {DIM} random unit vectors, top {k} per query, blocks of {block} queries")
    print(
        f"  fused top-{k} (products + threshold selection, ties by id): {full:.1f} s = {nq / full:,.0f} "
        f"queries/s = {flop / full / 1e9:.0f} GFLOP/s = {flop / full / 1e9 / peak:.0%} of peak"
    )
    if old is not None:
        print(
            f"  reference blocked_topk (np.partition per row): {old:.1f} s = {flop / old / 1e9 / peak:.0%} "
            f"of peak; same lists: {same}"
        )
    print(
        f"  matrix products only: {gemm:.1f} s = {flop / gemm / 1e9:.0f} GFLOP/s = "
        f"{flop / gemm / 1e9 / peak:.0%} of peak"
    )
    print(f"  peak memory: {peak_memory()}")
    if filtered > 0:
        m = min(nq, 5000)
        allowed = rng.random((m, nv)) < filtered
        t = time.perf_counter()
        fused_topk(q[:m], vt, rank, np.full(m, k), allowed)
        dt = time.perf_counter() - t
        f = 2.0 * m * nv * DIM
        print(
            f"  with a per-query eligibility mask ({filtered:.0%} eligible, {m:,} queries): {dt:.1f} s = "
            f"{f / dt / 1e9 / peak:.0%} of peak"
        )


def bench_compare(claimants: int, vacancies: int, k: int, n: int, c: float, seed: int) -> None:
    from matcher.nightly.allocation import (
        allocate_flow,
        allocate_greedy,
        allocate_sinkhorn,
        capacities,
        top_n,
    )
    from matcher.nightly.congestion import congestion

    rng = np.random.default_rng(seed)
    # Popular vacancies are in many claimants' top K (log-normal popularity), scores like p_match × p_sustain.
    pop = np.exp(rng.normal(0.0, 1.2, vacancies))
    pop /= pop.sum()
    cl = np.repeat(np.arange(claimants), k)
    va = np.concatenate([rng.choice(vacancies, k, replace=False, p=pop) for _ in range(claimants)])
    sc = rng.beta(2, 6, len(cl))
    order = np.lexsort((va, -sc, cl))  # rank within each claimant by score
    rank = np.empty(len(cl), dtype=np.int64)
    rank[order] = np.tile(np.arange(1, k + 1), claimants)
    openings = rng.choice([1, 1, 1, 2, 3, 5], vacancies)
    cap = capacities(openings, c)
    open_mask = np.ones(vacancies, dtype=bool)
    print(
        f"instance: {claimants:,} claimants × top {k} of {vacancies:,} vacancies "
        "(log-normal popularity, σ 1.2), "
        f"N = {n}, c = {c:g}, seed {seed}"
    )
    free = top_n(cl, rank, n)
    print(f"  unconstrained top {n}: expected lasting placements {sc[free].sum():,.1f}")
    for name, solve in (
        ("greedy", allocate_greedy),
        ("min-cost flow (LP)", allocate_flow),
        ("sinkhorn", allocate_sinkhorn),
    ):
        t = time.perf_counter()
        chosen = solve(cl, va, sc, n=n, cap=cap)
        dt = time.perf_counter() - t
        cg = congestion(
            va[chosen],
            cl[chosen],
            sc[chosen],
            openings=openings,
            cap=cap,
            open_mask=open_mask,
            n_claimants=claimants,
            n=n,
        )
        print(
            f"  {name:<20} {dt:7.2f} s  expected lasting {cg.expected_lasting:,.1f}  pairs {cg.pairs:,}  "
            f"short lists {cg.short_lists:,}  max exposure {cg.max_exposure}  "
            f"over capacity {cg.over_capacity}"
        )


@dataclass
class Prepared:
    """A region imported, embedded and (unless fit-only) a scorer trained: what a run starts from."""

    root: Path
    data_dir: Path
    store: Any
    settings: Any
    ctx: Any
    t_region: float
    t_train: float
    t_prepare: float


def prepare(
    claimants: int, vacancies: int, fit_only: bool, engine: str, chunk: int, keep: Path | None
) -> Prepared:
    """The synthetic region, its embeddings and scorer (reused from ``keep`` when there), and the context."""
    from matcher.bootstrap import Services
    from matcher.cli.base import locator
    from matcher.cli.demo import REGION_FILES
    from matcher.cli.nightly import build_context
    from matcher.importer import import_file
    from matcher.layout import DataLayout
    from matcher.settings import Settings
    from models.cache import EmbeddingCache
    from models.encoding import RecordEncoder
    from tests.fakes import TrigramEmbedder
    from training.synthetic import generate_region, write_region

    root = keep or Path(tempfile.mkdtemp(prefix="nightly-bench-"))
    data_dir = root / "data"
    emb = TrigramEmbedder(DIM)
    encoder = RecordEncoder(emb, EmbeddingCache(DataLayout(data_dir).embeddings, emb.model_id, emb.dim))
    t0 = time.perf_counter()
    store = Services(Settings(data_dir=data_dir)).store()
    if store.counts()["claimants"] == 0:
        region = generate_region(seed=2026, claimants=claimants, vacancies=vacancies, placements=1000)
        write_region(region, root / "region")
        for kind, name in REGION_FILES:
            if kind in ("claimants", "vacancies") and not name.startswith("history"):
                import_file(store, root / "region" / name, kind, locate=locator(), error_limit=10)
    t_region = time.perf_counter() - t0
    scorer = None
    t_train = 0.0
    if not fit_only:
        from training.train import train_from_store

        train_dir = root / "train"
        if Services(Settings(data_dir=train_dir)).scorer() is None:
            t = time.perf_counter()
            train_store = Services(Settings(data_dir=train_dir)).store()
            hist = generate_region(seed=7, claimants=1000, vacancies=800, placements=4000)
            write_region(hist, root / "train-region")
            for kind, name in REGION_FILES:
                import_file(train_store, root / "train-region" / name, kind, locate=locator(), error_limit=10)
            te = TrigramEmbedder(DIM)
            train_from_store(
                Settings(data_dir=train_dir),
                train_store,
                RecordEncoder(te, EmbeddingCache(train_dir / "embeddings", te.model_id, te.dim)),
            )
            t_train = time.perf_counter() - t
        scorer = Services(Settings(data_dir=train_dir)).scorer()
    settings = Settings(data_dir=data_dir, nightly={"chunk_size": chunk, "engine": engine})  # type: ignore[arg-type]
    t = time.perf_counter()
    ctx = build_context(Services(settings, store=store, encoder=encoder, scorer=scorer), progress=True)
    t_prepare = time.perf_counter() - t
    return Prepared(root, data_dir, store, settings, ctx, t_region, t_train, t_prepare)


def bench_run(
    claimants: int,
    vacancies: int,
    fit_only: bool,
    engine: str,
    chunk: int,
    keep: Path | None,
    prepare_only: bool = False,
    processes: int = 1,
) -> None:
    from matcher.layout import DataLayout
    from matcher.nightly.engines import LocalEngine, make_engine
    from matcher.nightly.runner import NightlyRunner, summary_text

    p = prepare(claimants, vacancies, fit_only, engine, chunk, keep)
    root, data_dir, store, settings, ctx = p.root, p.data_dir, p.store, p.settings, p.ctx
    t_region, t_train, t_prepare = p.t_region, p.t_train, p.t_prepare
    if prepare_only:
        print(
            f"prepared {root}: region and import {t_region:.1f} s, train {t_train:.1f} s, "
            f"context {t_prepare:.1f} s"
        )
        return
    run_id = f"bench-{int(time.time())}"
    runner = NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=DataLayout(data_dir).nightly,
        run_id=run_id,
        engine=LocalEngine(processes) if engine == "local" else make_engine(engine),
        progress=True,
    )
    t = time.perf_counter()
    summary = runner.run()
    t_run = time.perf_counter() - t
    print(summary_text(summary))
    print(
        json.dumps(
            {
                "claimants": len(ctx.claimants),
                "vacancies": len(ctx.vacancies),
                "scorer": ctx.scorer.model_version,
                "engine": engine,
                "processes": processes,
                "region_and_import_s": round(t_region, 1),
                "train_s": round(t_train, 1),
                "prepare_s (index, embeddings, grounder)": round(t_prepare, 1),
                "nightly_run_s": round(t_run, 1),
                "timings": summary.manifest["timings_seconds"],
                "peak_memory": peak_memory(),
            },
            indent=2,
        )
    )
    if keep is None:
        shutil.rmtree(root)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--search", nargs=2, type=int, metavar=("QUERIES", "VECTORS"))
    ap.add_argument("--k", type=int, default=30, help="top k per query in the search bench")
    ap.add_argument("--filtered", type=float, default=0.3, help="eligible share for the masked search")
    ap.add_argument("--reference", action="store_true", help="also time the old per-row partition search")
    ap.add_argument(
        "--compare", type=int, metavar="CLAIMANTS", help="allocation solvers on a synthetic instance"
    )
    ap.add_argument("--c", type=float, default=5.0, help="capacity factor of the --compare instance")
    ap.add_argument("--claimants", type=int)
    ap.add_argument("--vacancies", type=int)
    ap.add_argument("--fit-only", action="store_true", help="no trained scorer (rank by similarity)")
    ap.add_argument("--engine", default="local", choices=["local", "ray"])
    ap.add_argument("--chunk", type=int, default=256)
    ap.add_argument("--processes", type=int, default=1, help="local engine: chunk processes (forked)")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the region, embeddings and model here")
    ap.add_argument(
        "--prepare-only",
        action="store_true",
        help="with --keep: generate, import, train and embed, but do not run (a later run reuses them)",
    )
    args = ap.parse_args()
    if args.search:
        bench_search(args.search[0], args.search[1], args.k, args.filtered, args.reference)
    if args.compare:
        bench_compare(args.compare, args.compare, 30, 10, args.c, seed=1)
    if args.claimants:
        bench_run(
            args.claimants,
            args.vacancies or args.claimants,
            args.fit_only,
            args.engine,
            args.chunk,
            args.keep,
            args.prepare_only,
            args.processes,
        )


if __name__ == "__main__":
    main()
