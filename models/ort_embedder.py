"""Length-sorted batching and the ONNX Runtime session behind the embedder's "onnx" backend.

``length_batches`` and ``encode_sorted`` are pure: texts are sorted by token count, so a batch pads
only to the longest of similar lengths, and the vectors come back in the input order. ``OrtSession``
runs a graph built by :mod:`models.onnx_build` and mean-pools its hidden states over the attention
mask (sentence-transformers' mean pooling; the prompt is part of the mean, as e5 was trained).

onnxruntime is imported inside ``OrtSession`` so that importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
# (input_ids, attention_mask) of one padded batch -> one row per sequence
BatchFn = Callable[[I64, I64], F32]


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[I64]:
    """Indices of the texts in batches of similar length: sorted by length (stable, so equal lengths
    keep their order), at most ``batch_size`` texts and, if given, at most ``max_tokens`` padded
    tokens per batch (a single text longer than that gets a batch of its own)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[I64] = []
    start = 0
    while start < len(order):
        stop = min(start + batch_size, len(order))
        if max_tokens is not None:
            # sorted ascending, so the last text of a batch sets its padded width
            while stop - start > 1 and (stop - start) * int(lengths[order[stop - 1]]) > max_tokens:
                stop -= 1
        batches.append(order[start:stop].astype(np.int64))
        start = stop
    return batches


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[I64, I64]:
    """Right-padded ``input_ids`` and ``attention_mask`` (int64) for a few token sequences."""
    width = max(len(s) for s in seqs)
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for row, s in enumerate(seqs):
        ids[row, : len(s)] = s
        mask[row, : len(s)] = 1
    return ids, mask


def encode_sorted(
    token_ids: Sequence[Sequence[int]],
    run: BatchFn,
    *,
    batch_size: int,
    pad_id: int,
    max_tokens: int | None = None,
) -> F32:
    """Run ``run`` over length-sorted padded batches; returns L2-normalised float32 rows in the order
    of ``token_ids``."""
    if not token_ids:
        raise ValueError("nothing to encode")
    out: F32 | None = None
    for idx in length_batches([len(s) for s in token_ids], batch_size, max_tokens):
        ids, mask = pad_batch([token_ids[int(i)] for i in idx], pad_id)
        rows = np.asarray(run(ids, mask), dtype=np.float32)
        if out is None:
            out = np.empty((len(token_ids), rows.shape[1]), dtype=np.float32)
        out[idx] = rows
    assert out is not None
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out / np.maximum(norms, np.float32(1e-12)), dtype=np.float32)


class OrtSession:
    """One ONNX Runtime CPU session over a graph with inputs ``input_ids``/``attention_mask`` and the
    hidden states as output.

    ``threads`` intra-op threads, one inter-op thread, full graph optimisation. Spinning is off: on a
    shared 2-core machine idle worker threads that spin between operators take the core from the
    thread that has work (measured in bench/embedding.py).
    """

    def __init__(self, path: Path, *, threads: int, spinning: bool = False) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        self.path = Path(path)
        self._session: Any = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def hidden(self, ids: I64, mask: I64) -> F32:
        out: F32 = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out

    def mean_pooled(self, ids: I64, mask: I64) -> F32:
        h = self.hidden(ids, mask)
        m = mask.astype(np.float32)[:, :, None]
        pooled: F32 = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), np.float32(1e-9))
        return pooled
