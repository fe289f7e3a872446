"""Tuning the real e5-small: the cached lower layers give the model's own vectors, the same seed
gives the same weights hash, and the tuned folder loads as an embedder with a new model id."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.embedder import build_embedder
from training.tuning.pairs import Pair
from training.tuning.tune import LowerLayers, TuneParams, UpperLayers, tune

pytestmark = pytest.mark.slow

PAIRS = [
    Pair("Beikoch", "Koch/Köchin", "Bäcker/Bäckerin", "c1", "de"),
    Pair("cook", "Koch/Köchin", None, "c1", "en"),
    Pair("Brotbäcker", "Bäcker/Bäckerin", "Koch/Köchin", "c2", "de"),
    Pair("водій вантажівки", "Berufskraftfahrer/Berufskraftfahrerin", None, "c3", "uk"),
]


def test_cached_lower_layers_give_the_models_own_vectors(e5_dir: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(e5_dir), device="cpu", local_files_only=True)
    model.eval()
    texts = ["query: Koch", "passage: Berufskraftfahrer/Berufskraftfahrerin im Güterverkehr", "query: سائق"]
    ref = model.encode(texts, normalize_embeddings=True)
    cache = LowerLayers(model, 8).run(texts)
    with torch.no_grad():
        got = UpperLayers(model, 8)([cache[t] for t in texts]).numpy()
    assert np.min(np.sum(ref * got, axis=1)) > 0.99999


def test_the_same_seed_gives_the_same_weights_and_a_new_model_id(e5_dir: Path, tmp_path: Path) -> None:
    params = TuneParams(seed=5, batch_size=2, max_steps=2, train_layers=1)
    seen: list[bool] = []

    def calibrate(folder: Path) -> dict[str, float]:
        # the saved weights are there, the manifest not yet: a folder in place always has the floor
        seen.append((folder / "modules.json").is_file() and not (folder / "manifest.json").exists())
        return {"grounding_floor": 0.7}

    a = tune(e5_dir, PAIRS, tmp_path / "a", params, base_id="multilingual-e5-small", calibrate=calibrate)
    b = tune(e5_dir, PAIRS, tmp_path / "b", params, base_id="multilingual-e5-small")
    assert a["weights_sha256"] == b["weights_sha256"] and a["steps"] == 2
    assert seen == [True] and a["grounding_floor"] == 0.7 and "grounding_floor" not in b
    assert a["pairs_sha256"] == b["pairs_sha256"]
    base = json.loads((e5_dir / "manifest.json").read_text())["weights_sha256"]
    assert a["weights_sha256"] != base
    emb = build_embedder(str(tmp_path / "a"), tmp_path, threads=1, batch_size=4, backend="fp32")
    assert emb.model_id == f"a@{a['weights_sha256'][:12]}"
    assert emb.grounding_floor == 0.7
    v = emb.encode_queries(["Koch"])
    assert v.shape == (1, 384) and abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_length_sorted_chunks_give_the_same_vectors_in_the_same_order(e5_dir: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(e5_dir), device="cpu", local_files_only=True)
    model.eval()
    texts = [
        "query: Koch",
        "passage: Berufskraftfahrer/Berufskraftfahrerin im Güterverkehr",
        "query: سائق",
        "query: cook",
        "passage: Bäcker/Bäckerin",
    ]
    cache = LowerLayers(model, 8).run(texts)
    upper = UpperLayers(model, 8)
    with torch.no_grad():
        whole = upper([cache[t] for t in texts]).numpy()
        chunked = upper.chunked([cache[t] for t in texts], chunk=2).numpy()
    assert np.min(np.sum(whole * chunked, axis=1)) > 0.99999


def test_distillation_is_seeded_too(e5_dir: Path, tmp_path: Path) -> None:
    params = TuneParams(seed=1, batch_size=2, max_steps=2, train_layers=1, distill=1.0)
    a = tune(e5_dir, PAIRS, tmp_path / "a", params, base_id="multilingual-e5-small")
    b = tune(e5_dir, PAIRS, tmp_path / "b", params, base_id="multilingual-e5-small")
    assert a["weights_sha256"] == b["weights_sha256"] and a["params"]["distill"] == 1.0
