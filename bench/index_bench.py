"""Vacancy index figures: build time, recall@50, lookup latency, batch throughput, matmul share.

Not a test: prints a table. Clustered synthetic vectors of dimension 384 (topics → subtopics →
points; uniform random vectors would make IVF look worse than on real embeddings).

    .venv/bin/python bench/index_bench.py [--sizes 10000 100000] [--queries 300]
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable

import numpy as np

from matcher.index import FaissIndex

DIM = 384
K = 50


def unit(a: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int, seed: int, noise: float = 1.0) -> np.ndarray:
    """Same generator as tests/matcher/test_index.py: nearest-neighbour cosine ~0.55, 50th ~0.45."""
    rng = np.random.default_rng(seed)
    topics = unit(rng.standard_normal((max(4, n // 2000), dim)))
    ns = max(8, n // 50)
    sub = unit(topics[rng.integers(len(topics), size=ns)] + 0.7 * unit(rng.standard_normal((ns, dim))))
    return unit(sub[rng.integers(ns, size=n)] + noise * unit(rng.standard_normal((n, dim))))


def sgemm_peak() -> tuple[float, str]:
    """Best float32 4096×4096 matrix multiply in GFLOP/s over numpy and (if installed) torch."""
    n = 4096
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    best, how = 0.0, ""
    for _ in range(4):
        t = time.perf_counter()
        a @ a
        rate = 2 * n**3 / (time.perf_counter() - t) / 1e9
        if rate > best:
            best, how = rate, "numpy"
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 2)
        ta = torch.from_numpy(a)
        ta @ ta
        for _ in range(4):
            t = time.perf_counter()
            ta @ ta
            rate = 2 * n**3 / (time.perf_counter() - t) / 1e9
            if rate > best:
                best, how = rate, "torch"
    except ImportError:
        pass
    return best, how


def latencies(fn: Callable[[np.ndarray], object], queries: np.ndarray) -> tuple[float, float]:
    fn(queries[:1])  # warm up
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q[None, :])
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def batch_rate(fn: Callable[[np.ndarray], object], queries: np.ndarray, batch: int = 1000) -> float:
    """Queries per second over batches of ``batch`` (best of 3 runs)."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for start in range(0, len(queries), batch):
            fn(queries[start : start + batch])
        best = min(best, time.perf_counter() - t)
    return len(queries) / best


def recall_vs_exact(got: list[list[str]], want: list[list[str]]) -> float:
    return float(np.mean([len(set(g) & set(w)) / len(w) for g, w in zip(got, want, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300, help="single queries timed per setting")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import faiss

    load = os.getloadavg()
    peak, peak_how = sgemm_peak()
    print(f"cores {os.cpu_count()}, load average {load[0]:.1f} (shared machine: figures move with it)")
    print(f"float32 matmul peak (4096², {peak_how}): {peak:.0f} GFLOP/s   faiss {faiss.__version__}\n")

    head = (
        f"{'n':>7} {'kind':>5} {'build s':>8} {'nprobe':>6} {'recall@50':>10} {'fresh q':>8} "
        f"{'1 thr p50/p99 ms':>17} {'2 thr p50/p99 ms':>17} {'filt20% p50':>11} {'batch q/s':>10} "
        f"{'GFLOP/s':>8} {'% peak':>6}"
    )
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        pts = clustered(n + 2000, DIM, seed=1)
        x, fresh = pts[:n], pts[n:]  # 2,000 queries from the same clusters, never indexed
        ids = [f"V{i:07d}" for i in range(n)]
        faiss.omp_set_num_threads(2)
        built = {}
        for kind, exact_below in (("exact", n + 1), ("ivf", 1)):
            t = time.perf_counter()
            built[kind] = FaissIndex.build(x, ids, "bench", exact_below=exact_below, nprobe=16)
            built[kind].info["build_wall"] = time.perf_counter() - t
        _, truth = built["exact"].search(fresh, K)
        allowed = np.random.default_rng(2).random(n) < 0.2
        for kind, idx in built.items():
            _, got = idx.search(fresh, K)
            fresh_recall = recall_vs_exact(got, truth)
            q = fresh[: args.queries]
            faiss.omp_set_num_threads(1)
            l1 = latencies(lambda b, idx=idx: idx.search(b, K), q)
            faiss.omp_set_num_threads(2)
            l2 = latencies(lambda b, idx=idx: idx.search(b, K), q)
            lf = latencies(lambda b, idx=idx, m=allowed: idx.search(b, K, allowed=m), q[:100])
            qps = batch_rate(lambda b, idx=idx: idx.search(b, K), fresh)
            gflops = 2 * n * DIM * qps / 1e9 if kind == "exact" else float("nan")
            share = f"{100 * gflops / peak:5.0f}%" if kind == "exact" else "     -"
            print(
                f"{n:>7} {idx.kind:>5} {idx.info['build_seconds']:>8.2f} {idx.nprobe or '-':>6} "
                f"{idx.info['recall_at_50']:>10.4f} {fresh_recall:>8.4f} "
                f"{l1[0]:>8.2f}/{l1[1]:<8.2f} {l2[0]:>8.2f}/{l2[1]:<8.2f} {lf[0]:>11.2f} {qps:>10.0f} "
                f"{gflops:>8.0f} {share:>6}"
            )
    print(
        "\nrecall@50: held-out sample measured at build (manifest); fresh q: recall@50 of 2,000 "
        "never-indexed queries against exact.\nfilt20%: one query with a mask keeping 20% of the "
        "vacancies (IVF with a bitmap selector, or numpy on the subset when at most 10,000 remain)."
        "\nGFLOP/s: 2·n·dim per query of batched exact search (batches of 1,000, k=50), 2 threads."
    )


if __name__ == "__main__":
    main()
