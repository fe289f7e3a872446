"""Lookup latency through HTTP: `GET /claimants/{id}/suggestions?k=10` against the real app
(auth, store read of the claimant, filters, FAISS search, ModelScorer with explanations, ranking,
audit row written, JSON) served by uvicorn in a separate process on loopback.

Per size: a synthetic region (``training.synthetic``) with that many vacancies goes into a SQLite file,
a scorer bundle is trained on its history and made current, and the server builds its index at
start-up like ``passgenau serve`` (exact below 50,000 vacancies, IVF above). The vectors are
character-trigram hashes of the rendered texts (dim 384, like e5-small), not e5: the search cost
depends on the dimension, not on the model, and embedding 100,000 texts with e5 on this CPU takes
hours; claimants' vectors come from the same encoder (cached after the first lookup of each).

The client is another process: one connection asking sequentially (latency), then 4 concurrent
connections (throughput and latency under load). Warm-up lookups are not counted.

    .venv/bin/python bench/http_bench.py [--vacancies 10000 100000] [--lookups 400]
        [--data-dir DIR] [--prepare-only] [--e5 MODEL_DIR]

``--data-dir`` keeps the prepared region, store and bundle under ``DIR/v<N>-c<M>-s<S>`` and reuses
them (146 s at 100,000 vacancies on a loaded EPYC; the server's start embeds nothing the second time).
The server's resident memory (``VmRSS``, peak ``VmHWM``) is printed after its start and after the
runs; with ``--e5`` the server also loads that multilingual-e5-small folder and encodes with it once,
so that the figure includes the model (issue 15: at most 1.5 GiB at 100,000 vacancies).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
JC = "JC-GOE"


class Trigram384:
    """Character-trigram hashing (crc32), L2-normalised; a stand-in for e5 with its dimension."""

    model_id = "trigram-384"
    dim = DIM

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for r, t in enumerate(texts):
            p = f"  {t.casefold()} "
            for i in range(len(p) - 2):
                out[r, zlib.crc32(p[i : i + 3].encode()) % DIM] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    encode_queries = _encode
    encode_passages = _encode


def settings_for(data_dir: Path, as_of: str) -> object:
    from matcher.settings import Settings

    return Settings(data_dir=data_dir, as_of=as_of)


def prepare(data_dir: Path, vacancies: int, claimants: int, seed: int) -> tuple[str, list[str], str]:
    """Region, store, trained bundle and a case-manager token; returns (as_of, claimant ids, token)."""
    from api.auth import create_token
    from matcher.geo import load_directory
    from matcher.store import Store
    from models.bundle import write_bundle
    from training.dataset import FeatureContext
    from training.synthetic import generate_region
    from training.train import manifest_for, train_from_records

    t0 = time.perf_counter()
    region = generate_region(seed, claimants, vacancies, placements=6000)
    as_of = region.reference_date.isoformat()
    settings = settings_for(data_dir, as_of)
    store = Store.open(settings.resolved_database_url)  # type: ignore[attr-defined]
    store.upsert_vacancies(region.vacancies)
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    ctx = FeatureContext(load_directory(), None, settings.commute, settings.household)  # type: ignore[attr-defined]
    res = train_from_records(
        region.outcomes, region.proposals, region.history_claimants, region.history_vacancies, ctx,
        compare=False,
    )  # fmt: skip
    write_bundle(
        settings.layout.scorer_bundles,
        {"match": res.match, "sustain": res.sustain},
        manifest_for(res, Trigram384.model_id),
    )
    _, secret = create_token(store, "bench", "case_manager", JC)
    ids = [c.id for c in region.claimants if c.jobcenter == JC]
    store.close()
    print(
        f"  prepared {vacancies:,} vacancies, {len(ids)} claimants of {JC} "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return as_of, ids, secret


def prepared(data_dir: Path, vacancies: int, claimants: int, seed: int) -> tuple[str, list[str], str]:
    """``prepare`` once per data directory: a later run with the same sizes and seed reuses it (the
    region, store and bundle take minutes at 100,000 vacancies); the server still starts as usual."""
    meta = data_dir / "http_bench.json"
    want = {"vacancies": vacancies, "claimants": claimants, "seed": seed}
    if meta.exists():
        m = json.loads(meta.read_text())
        if {k: m.get(k) for k in want} == want:
            print(f"  reusing {data_dir} ({vacancies:,} vacancies, {len(m['ids'])} claimants of {JC})")
            return m["as_of"], m["ids"], m["secret"]
        raise SystemExit(f"{data_dir} was prepared for {m}: use another --data-dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    as_of, ids, secret = prepare(data_dir, vacancies, claimants, seed)
    meta.write_text(json.dumps({**want, "as_of": as_of, "ids": ids, "secret": secret}))
    return as_of, ids, secret


class WithResidentModel(Trigram384):
    """The trigram encoder with a real embedding model loaded beside it and used once: the server's
    memory is then what production holds (model weights, torch's buffers after an encode, index,
    catalogs), while the vectors stay the trigram hashes the index was built from."""

    def __init__(self, model_dir: Path, data_dir: Path) -> None:
        from matcher.settings import Settings
        from models.embedder import build_embedder

        # The backend as the server's settings name it (PASSGENAU_EMBEDDER__BACKEND, default "auto").
        backend = Settings(data_dir=data_dir).embedder.backend
        self.model = build_embedder(str(model_dir), data_dir, threads=1, backend=backend)
        self.model.encode_queries(["query: Lagerhelfer mit Staplerschein, Vollzeit, Göttingen"] * 4)
        print(f"  server: e5 backend {self.model.backend} (asked {backend})", flush=True)


def serve(data_dir: Path, as_of: str, port: int, e5: Path | None = None) -> None:
    """The server process: the app over the prepared data dir with the trigram encoder."""
    import uvicorn

    from api.app import create_app
    from api.runtime import single_thread_blas
    from matcher.layout import DataLayout
    from models.cache import EmbeddingCache
    from models.encoding import RecordEncoder

    single_thread_blas()  # as `passgenau serve` does
    emb = Trigram384() if e5 is None else WithResidentModel(e5, data_dir)
    encoder = RecordEncoder(emb, EmbeddingCache(DataLayout(data_dir).embeddings, emb.model_id, emb.dim))  # type: ignore[arg-type]
    app = create_app(settings_for(data_dir, as_of), encoder=encoder)  # type: ignore[arg-type]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait(client: object, proc: subprocess.Popen[bytes], timeout: float = 1800) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if client.get("/health").status_code == 200:  # type: ignore[attr-defined]
                return time.perf_counter() - t0
        except Exception:  # not listening yet
            pass
        time.sleep(0.5)
    raise SystemExit("server did not come up")


def _pct(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p99 {np.percentile(a, 99):.1f} ms"


def memory(pid: int) -> str:
    """The server process's resident memory now (VmRSS) and at its peak (VmHWM), from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024**2  # kB -> GiB
    return f"VmRSS {fields['VmRSS']:.2f} GiB, VmHWM {fields['VmHWM']:.2f} GiB"


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def bench(
    vacancies: int, lookups: int, claimants: int, seed: int, port: int, root: Path | None, e5: Path | None
) -> None:
    with tempfile.TemporaryDirectory(prefix="http-bench-") as tmp:
        data_dir = Path(tmp) if root is None else root / f"v{vacancies}-c{claimants}-s{seed}"
        as_of, ids, secret = prepared(data_dir, vacancies, claimants, seed)
        run(data_dir, vacancies, as_of, ids, secret, lookups, port, e5)


def run(
    data_dir: Path, vacancies: int, as_of: str, ids: list[str], secret: str, lookups: int, port: int,
    e5: Path | None,
) -> None:  # fmt: skip
    import httpx

    cmd = [sys.executable, __file__, "--serve", str(data_dir), "--as-of", as_of, "--port", str(port)]
    if e5 is not None:
        cmd += ["--e5", str(e5)]
    print(f"  {load()} before the server starts")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            up = _wait(client, proc)
            print(f"  server up in {up:.0f} s (index built, bundle and catalogs loaded); {memory(proc.pid)}")
            for cid in ids[:20]:  # warm-up: embeds these claimants once, warms caches
                client.get(f"/claimants/{cid}/suggestions?k=10")
            for cid in ids:  # every claimant's vector in the cache, as in production
                client.get(f"/claimants/{cid}/suggestions?k=1")
            ms, n_items = [], []
            for i in range(lookups):
                cid = ids[i % len(ids)]
                t = time.perf_counter()
                r = client.get(f"/claimants/{cid}/suggestions?k=10")
                ms.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"HTTP {r.status_code}: {r.text[:200]}")
                n_items.append(len(r.json()["suggestions"]))
            print(
                f"  {vacancies:,} vacancies, 1 connection, {lookups} lookups (k=10, mean "
                f"{np.mean(n_items):.1f} items): {_pct(ms)}; {load()}"
            )

        def worker(w: int) -> list[float]:
            out = []
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                for i in range(lookups // 4):
                    cid = ids[(w * 97 + i) % len(ids)]
                    t = time.perf_counter()
                    c.get(f"/claimants/{cid}/suggestions?k=10").raise_for_status()
                    out.append((time.perf_counter() - t) * 1000)
            return out

        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            conc = [x for part in pool.map(worker, range(4)) for x in part]
        wall = time.perf_counter() - t0
        print(
            f"  {vacancies:,} vacancies, 4 connections, {len(conc)} lookups: {_pct(conc)}, "
            f"{len(conc) / wall:.0f} lookups/s; {load()}"
        )
        print(f"  server memory after the runs: {memory(proc.pid)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vacancies", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--lookups", type=int, default=400)
    ap.add_argument("--claimants", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--data-dir", type=Path, help="keep the prepared data under DIR/v<N>-c<M>-s<S> and reuse it next time"
    )
    ap.add_argument(
        "--e5", type=Path, metavar="DIR",
        help="also load this multilingual-e5-small folder in the server and encode with it once (for "
        "the memory figure: the model resident as in production; the vectors stay trigram hashes)",
    )  # fmt: skip
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--as-of", help=argparse.SUPPRESS)
    ap.add_argument("--prepare-only", action="store_true", help="prepare (or check) the --data-dir and stop")
    a = ap.parse_args()
    if a.prepare_only:
        if a.data_dir is None:
            raise SystemExit("--prepare-only needs --data-dir")
        for n in a.vacancies:
            prepared(a.data_dir / f"v{n}-c{a.claimants}-s{a.seed}", n, a.claimants, a.seed)
        return
    if a.serve:
        serve(a.serve, a.as_of, a.port, a.e5)
        return
    for n in a.vacancies:
        print(f"{n:,} vacancies:")
        bench(n, a.lookups, a.claimants, a.seed, a.port, a.data_dir, a.e5)


if __name__ == "__main__":
    main()
