"""Length-sorted batching (fast, with a fake model) and the ONNX Runtime backend against torch fp32 (slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.ort_embedder import encode_sorted, length_batches, pad_batch

PAD = 1


def test_batches_are_sorted_by_length_and_stable() -> None:
    lengths = [5, 2, 9, 2, 7, 5, 1]
    batches = length_batches(lengths, batch_size=3)
    assert [b.tolist() for b in batches] == [[6, 1, 3], [0, 5, 4], [2]]


def test_token_budget_splits_long_batches() -> None:
    lengths = [10, 10, 10, 40, 40, 100]
    batches = length_batches(lengths, batch_size=4, max_tokens=80)
    # three tens (30 tokens), a fourth text of 40 would make 4 x 40 = 160: it waits for the next batch
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4], [5]]
    with pytest.raises(ValueError):
        length_batches(lengths, batch_size=0)


def test_pad_batch() -> None:
    ids, mask = pad_batch([[7, 8, 9], [4]], pad_id=PAD)
    assert ids.tolist() == [[7, 8, 9], [4, PAD, PAD]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert ids.dtype == np.int64 and mask.dtype == np.int64


def test_vectors_come_back_in_input_order() -> None:
    rng = np.random.default_rng(15)
    seqs = [rng.integers(5, 1000, size=int(n)).tolist() for n in rng.integers(1, 40, size=53)]
    widths: list[int] = []

    def fake_model(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # a "model" whose vector is a function of the unpadded sequence only: its length, first and
        # last token and the sum of its tokens
        widths.append(ids.shape[1])
        n = mask.sum(axis=1)
        assert np.all(ids[mask == 0] == PAD)
        last = ids[np.arange(len(ids)), n - 1]
        return np.stack([n, ids[:, 0], last, (ids * mask).sum(axis=1)], axis=1).astype(np.float32)

    got = encode_sorted(seqs, fake_model, batch_size=8, pad_id=PAD)
    want = np.array([[len(s), s[0], s[-1], sum(s)] for s in seqs], dtype=np.float32)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert len(widths) == 7  # ceil(53 / 8)
    # sorted: every batch pads to the longest of its own, so the widths never decrease
    assert widths == sorted(widths) and widths[-1] == max(len(s) for s in seqs)
    padded = sum(w * 8 for w in widths[:-1]) + widths[-1] * (53 - 48)
    unsorted = sum(max(len(s) for s in seqs[i : i + 8]) * len(seqs[i : i + 8]) for i in range(0, 53, 8))
    assert padded < unsorted


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def onnx_embedder(e5_data_dir: Path) -> Any:
    from models.embedder import build_embedder

    return build_embedder("multilingual-e5-small", e5_data_dir, threads=2, batch_size=4, backend="onnx")


def test_onnx_backend_agrees_with_fp32(onnx_embedder: Any, e5_embedder: Any, german_texts: list[str]) -> None:
    assert onnx_embedder.backend == "onnx"
    # same weights and vectors within the agreement bound, so the same cache key
    assert onnx_embedder.model_id == e5_embedder.model_id and onnx_embedder.dim == 384
    for encode in ("encode_queries", "encode_passages"):
        got = getattr(onnx_embedder, encode)(german_texts)
        ref = getattr(e5_embedder, encode)(german_texts)
        assert got.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cos = _cos(got, ref)
        assert cos.min() >= 0.999, f"{encode}: min cosine {cos.min():.6f}"
    assert onnx_embedder.agreements["onnx"] >= 0.999


def test_onnx_build_is_recorded_and_reused(onnx_embedder: Any, e5_data_dir: Path, e5_dir: Path) -> None:
    from models import onnx_build
    from models.embedder import PROBE_TEXTS, onnx_folder

    folder = onnx_folder(e5_data_dir, onnx_embedder.model_id)
    manifest = onnx_build.read_manifest(folder)
    assert manifest is not None and onnx_build.is_current(folder, e5_dir)
    assert manifest["source_weights_sha256"].startswith(onnx_embedder.model_id.split("@")[1])
    assert manifest["fused_operators"]["Attention"] == 12
    mtime = (folder / onnx_build.MODEL_FILE).stat().st_mtime_ns
    assert onnx_build.build(e5_dir, folder, PROBE_TEXTS, "passage: ") == folder
    assert (folder / onnx_build.MODEL_FILE).stat().st_mtime_ns == mtime
