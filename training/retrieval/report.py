"""Evaluating the held-out ESCO sets for several languages and methods; the printed report."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.fusion import DEFAULT_FUSION, FusionParams
from matcher.lexical import DEFAULT_BM25, BM25Params
from training.retrieval.evaluation import CorpusRanker, TextEmbedder
from training.retrieval.heldout import HeldoutSets
from training.retrieval.metrics import METRIC_KEYS


def evaluate_heldout(
    sets: HeldoutSets,
    embedder: TextEmbedder | None,
    methods: Sequence[str],
    *,
    bm25: BM25Params = DEFAULT_BM25,
    fusion: FusionParams = DEFAULT_FUSION,
) -> dict[str, Any]:
    """``{"split", "model", "corpus", "methods": {method: {lang: metrics + queries, concepts,
    ratio_mrr}}}``; ``ratio_mrr`` is a language's MRR over German → German MRR of the same method.
    The corpus is embedded once for every language and method."""
    ranker = CorpusRanker(sets.corpus, embedder, bm25=bm25, fusion=fusion)
    out: dict[str, Any] = {
        "split": sets.split,
        "model": None if embedder is None else embedder.model_id,
        "corpus": len(sets.corpus),
        "methods": {},
    }
    langs = ["de", *sorted(x for x in sets.queries if x != "de")]
    for method in methods:
        per: dict[str, dict[str, float]] = {}
        for lang in langs:
            m = ranker.evaluate(sets.queries[lang], sets.qrels[lang], method)
            per[lang] = {
                **{k: round(v, 4) for k, v in m.items()},
                "queries": len(sets.queries[lang]),
                "concepts": sets.concepts[lang],
            }
        base = per["de"]["mrr"]
        for lang in langs:
            per[lang]["ratio_mrr"] = round(per[lang]["mrr"] / base, 4) if base else 0.0
        out["methods"][method] = per
    return out


def format_heldout(result: Mapping[str, Any]) -> str:
    """A table per method (language, queries, concepts, metrics, ratio), then the JSON line."""
    lines = [f"held-out ESCO concepts, split {result['split']}, corpus {result['corpus']} German labels"]
    head = ["lang", "queries", "concepts", *(k.upper() for k in METRIC_KEYS), "MRR/de"]
    for method, per in result["methods"].items():
        lines.append(f"\n{method} ({result['model'] or 'no embedder'})")
        lines.append("  ".join(f"{h:>8}" for h in head))
        for lang, m in per.items():
            cells = [lang, str(m["queries"]), str(m["concepts"])]
            cells += [f"{m[k]:.4f}" for k in METRIC_KEYS] + [f"{m['ratio_mrr']:.3f}"]
            lines.append("  ".join(f"{c:>8}" for c in cells))
    lines.append(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines)


def fusion_grid(
    sets: HeldoutSets,
    embedder: TextEmbedder,
    grid: Sequence[FusionParams],
    *,
    bm25: BM25Params = DEFAULT_BM25,
) -> list[dict[str, Any]]:
    """Per fusion setting: MRR and MAP per language of the hybrid method, and their means over the
    languages; for choosing ``retrieval.dense_weight`` and ``retrieval.rrf_k`` on the dev split."""
    ranker = CorpusRanker(sets.corpus, embedder, bm25=bm25)
    per_lang = {
        lang: ranker.fusion_grid(sets.queries[lang], sets.qrels[lang], grid) for lang in sorted(sets.queries)
    }
    rows = []
    for i, params in enumerate(grid):
        row: dict[str, Any] = {"dense_weight": params.dense_weight, "rrf_k": params.k}
        for lang, results in per_lang.items():
            row[f"mrr_{lang}"] = round(results[i]["mrr"], 4)
            row[f"map_{lang}"] = round(results[i]["map"], 4)
        row["mean_mrr"] = round(sum(r[i]["mrr"] for r in per_lang.values()) / len(per_lang), 4)
        row["mean_map"] = round(sum(r[i]["map"] for r in per_lang.values()) / len(per_lang), 4)
        rows.append(row)
    return rows
