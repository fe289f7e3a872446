"""The nightly run on a real two-process Ray cluster against the local engine: same lists? how long?

    .venv/bin/python bench/ray_cluster_bench.py --claimants 20000 --vacancies 20000 --keep /tmp/nb20k

Prepares (or reuses, with --keep) the synthetic region, embeddings and scorer exactly as
bench/nightly_bench.py does, then runs the nightly run twice over the same context: with the
local engine, and with the Ray engine joined by address (``ray.init(address=HOST:PORT)``, what
``passgenau nightly --engine ray --ray-address HOST:PORT`` does) to a cluster this script starts: a
head and a worker node, each its own ``ray start --block`` process with ``--num-cpus``, free ports,
and a temp dir of their own (tests/ray_cluster.py), stopped at the end. Compares the two runs'
database rows (claimant, rank, vacancy, score, payload) and candidate checkpoints byte for byte,
and prints both times, their ratio, the chunks each node computed, the CPU and the load average.
Exits 1 if the lists differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_once(prepared: Any, engine: Any, run_id: str) -> tuple[dict[str, Any], list[Any], dict[str, bytes]]:
    from matcher.layout import DataLayout
    from matcher.nightly.runner import NightlyRunner

    runner = NightlyRunner(
        prepared.ctx,
        prepared.store,
        prepared.settings.nightly,
        out_dir=DataLayout(prepared.data_dir).nightly,
        run_id=run_id,
        engine=engine,
        progress=True,
    )
    load_before = load()
    t = time.perf_counter()
    summary = runner.run()
    seconds = time.perf_counter() - t
    rows = [
        (r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload) for r in prepared.store.list_nightly(run_id)
    ]
    checkpoints = {p.name: p.read_bytes() for p in sorted((summary.run_dir / "candidates").glob("*.npz"))}
    figures = {
        "run_s": round(seconds, 1),
        "timings": summary.manifest["timings_seconds"],
        "load_before": load_before,
        "load_after": load(),
        "rows": len(rows),
    }
    return figures, rows, checkpoints


def earlier_run(prepared: Any, run_id: str) -> tuple[dict[str, Any], list[Any], dict[str, bytes]]:
    from matcher.layout import DataLayout

    run_dir = DataLayout(prepared.data_dir).nightly / run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    if manifest["engine"] != "local":
        raise SystemExit(f"--local-run {run_id}: a run of the {manifest['engine']} engine")
    rows = [
        (r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload) for r in prepared.store.list_nightly(run_id)
    ]
    checkpoints = {p.name: p.read_bytes() for p in sorted((run_dir / "candidates").glob("*.npz"))}
    t = manifest["timings_seconds"]
    figures = {"run_s": round(t["total"] + t.get("db", 0.0), 1), "timings": t, "rows": len(rows)}
    return figures, rows, checkpoints


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claimants", type=int, default=20000)
    ap.add_argument("--vacancies", type=int)
    ap.add_argument("--fit-only", action="store_true", help="no trained scorer (rank by similarity)")
    ap.add_argument("--chunk", type=int, default=256)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the region, embeddings and model here")
    ap.add_argument("--cpus-per-node", type=int, default=1, help="CPUs of each of the two Ray nodes")
    ap.add_argument("--workers", type=int, help="chunk workers on Ray (default: both nodes' CPUs)")
    ap.add_argument("--object-store-mib", type=int, default=2048, help="object store of each node")
    ap.add_argument("--skip-local", action="store_true", help="only the Ray run (no comparison)")
    ap.add_argument(
        "--local-run", help="compare with this earlier local run (in --keep) instead of running one"
    )
    args = ap.parse_args()

    from nightly_bench import prepare

    from matcher.nightly.engines import OFFLINE_ENV, LocalEngine, RayEngine
    from tests.ray_cluster import LocalRayCluster

    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; load average {load()}", flush=True)
    prepared = prepare(
        args.claimants, args.vacancies or args.claimants, args.fit_only, "local", args.chunk, args.keep
    )
    stamp = int(time.time())
    report: dict[str, Any] = {
        "cpu": cpu_model(),
        "claimants": len(prepared.ctx.claimants),
        "vacancies": len(prepared.ctx.vacancies),
        "scorer": prepared.ctx.scorer.model_version,
        "chunk_size": args.chunk,
    }
    local_rows: list[Any] = []
    local_ckpt: dict[str, bytes] = {}
    if args.local_run:
        # A local run of the same context measured earlier (a long run need not be repeated).
        report["local"], local_rows, local_ckpt = earlier_run(prepared, args.local_run)
        print(f"local (earlier run {args.local_run}): {report['local']}", flush=True)
    elif not args.skip_local:
        report["local"], local_rows, local_ckpt = run_once(prepared, LocalEngine(), f"local-{stamp}")
        print(f"local: {report['local']}", flush=True)

    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **OFFLINE_ENV}
    t = time.perf_counter()
    with LocalRayCluster(
        cpus_per_node=args.cpus_per_node, object_store_bytes=args.object_store_mib << 20, env=env
    ) as cluster:
        report["cluster_start_s"] = round(time.perf_counter() - t, 1)
        print(f"cluster at {cluster.address} (temp dir {cluster.temp_dir}) in {report['cluster_start_s']} s")
        engine = RayEngine(address=cluster.address, workers=args.workers or 2 * args.cpus_per_node)
        report["ray"], ray_rows, ray_ckpt = run_once(prepared, engine, f"ray-{stamp}")
        report["ray"]["address"] = cluster.address
        report["ray"]["workers"] = engine.workers
        report["ray"]["chunks_by_node"] = {k[:8]: v for k, v in sorted(engine.chunks_by_node.items())}
        t = time.perf_counter()
    report["cluster_stop_s"] = round(time.perf_counter() - t, 1)
    same = True
    if "local" in report:
        same = ray_rows == local_rows and ray_ckpt == local_ckpt
        report["identical_rows"] = ray_rows == local_rows
        report["identical_checkpoints"] = ray_ckpt == local_ckpt
        report["ratio_ray_to_local"] = round(report["ray"]["run_s"] / report["local"]["run_s"], 3)
        report["ratio_candidates"] = round(
            report["ray"]["timings"]["candidates"] / report["local"]["timings"]["candidates"], 3
        )
    print(json.dumps(report, indent=2))
    if args.keep is None:
        shutil.rmtree(prepared.root)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
