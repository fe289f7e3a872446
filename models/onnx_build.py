"""An ONNX Runtime copy of a local sentence-transformers BERT model, built by the project from its weights.

Nothing is downloaded: the transformer of the model folder (e.g. the multilingual-e5-small build of
:mod:`models.e5convert`) is exported with ``torch.onnx.export`` (TorchScript exporter, dynamic batch
and sequence axes, output ``last_hidden_state``), then ONNX Runtime's transformer optimizer fuses it
for the CPU (EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu). Before the folder
is kept, the fused graph is run on the fixed probe texts and compared with torch fp32: every probe
vector must keep cosine >= ``AGREEMENT_MIN``; the measured minimum is in the manifest.

Layout of the target folder (written to a temporary folder beside it and renamed into place under a
lock file, as :mod:`models.e5convert` does):

    model.onnx     the fused graph, weights inside (fp32)
    manifest.json  source folder and its weights' sha256, tool versions, fused operators, agreement

A folder is current while its manifest names the same source weights, this format version and the
installed onnxruntime (the fused contrib operators belong to the runtime that wrote them).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matcher.artifacts import exclusive_lock, remove_temporaries, sha256_file, temporary_name
from matcher.files import fsync_dir, fsync_file
from models.e5convert import installed_version

logger = logging.getLogger(__name__)

# Bump when the exported graph or the manifest changes, so older builds are rebuilt.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_FILE = "model.onnx"
AGREEMENT_MIN = 0.999
OPSET = 17


class OnnxBuildError(RuntimeError):
    """The ONNX copy cannot be built: a package is missing, the export failed, or it disagrees."""


def tool_versions() -> dict[str, str | None]:
    return {name: installed_version(name) for name in ("onnxruntime", "onnx", "torch")}


def source_weights_sha(source: Path) -> str:
    """The sha256 of the source folder's weights: from its manifest when it has one (e5convert writes
    it), else hashed from ``model.safetensors``."""
    try:
        sha = json.loads((source / "manifest.json").read_text(encoding="utf-8")).get("weights_sha256")
    except (OSError, ValueError, AttributeError):
        sha = None
    if isinstance(sha, str) and sha:
        return sha
    weights = source / "model.safetensors"
    if not weights.is_file():
        raise OnnxBuildError(f"{source} has no model.safetensors to export")
    return str(sha256_file(weights)["sha256"])


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(folder: Path, source: Path) -> bool:
    """True when ``folder`` holds a complete build of ``source``'s weights for the installed runtime."""
    m = read_manifest(folder)
    return (
        m is not None
        and m.get("format_version") == FORMAT_VERSION
        and m.get("source_weights_sha256") == source_weights_sha(source)
        and m.get("onnxruntime") == installed_version("onnxruntime")
        and (folder / MODEL_FILE).is_file()
    )


def _export(source: Path, out: Path) -> dict[str, Any]:
    try:
        import torch
        from transformers import AutoConfig, AutoModel
    except ImportError as exc:
        raise OnnxBuildError(f"exporting needs torch and transformers: {exc}") from exc
    config = AutoConfig.from_pretrained(str(source), local_files_only=True)
    if getattr(config, "model_type", None) not in {"bert", "xlm-roberta", "roberta"}:
        raise OnnxBuildError(f"{source}: only BERT-type encoders are exported, not {config.model_type}")
    # eager attention: the TorchScript exporter and ORT's attention fusion both know its pattern
    model = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    raw = out / "raw.onnx"
    axes = {0: "batch", 1: "sequence"}
    import warnings

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the exporter's tracer warnings are about shapes it keeps dynamic
        torch.onnx.export(
            Hidden(model),
            (ids, mask),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    return {"heads": int(config.num_attention_heads), "hidden": int(config.hidden_size)}


def _fuse(raw: Path, target: Path, heads: int, hidden: int) -> dict[str, int]:
    try:
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as exc:
        raise OnnxBuildError(f"fusing needs onnxruntime and onnx: {exc}") from exc
    # opt_level 0: only the offline fusions are stored; the runtime applies its own graph
    # optimisations again when a session loads, for the CPU it runs on
    fused = optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    stats = {k: int(v) for k, v in fused.get_fused_operator_statistics().items() if v}
    fused.save_model_to_file(str(target))
    fsync_file(target)
    return stats


def _agreement(source: Path, onnx_path: Path, texts: Sequence[str], prompt: str) -> float:
    import torch
    from sentence_transformers import SentenceTransformer

    from models.ort_embedder import OrtSession, encode_sorted

    st = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    with torch.inference_mode():
        ref = np.asarray(st.encode(list(texts), prompt=prompt or None, batch_size=8), dtype=np.float32)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    session = OrtSession(onnx_path, threads=max(1, torch.get_num_threads()))
    tok = st.tokenizer
    ids = [tok(prompt + t, truncation=True, max_length=st.max_seq_length)["input_ids"] for t in texts]
    got = encode_sorted(ids, session.mean_pooled, batch_size=8, pad_id=int(tok.pad_token_id or 0))
    return float(np.min(np.sum(ref * got, axis=1)))


def build(source: Path, target: Path, probe: Sequence[str], prompt: str = "", *, force: bool = False) -> Path:
    """Build the ONNX copy of ``source`` at ``target`` unless a current one is there; returns ``target``.

    Raises :class:`OnnxBuildError` when a package is missing, the export fails or the fused graph's
    vectors disagree with torch fp32 on ``probe`` (min cosine below ``AGREEMENT_MIN``).
    """
    source, target = Path(source), Path(target)
    if not force and is_current(target, source):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_prefix = f".{target.name}.tmp-"
    with exclusive_lock(target.parent / f".{target.name}.lock"):
        if not force and is_current(target, source):
            return target
        remove_temporaries(target.parent, tmp_prefix)
        tmp = target.parent / temporary_name(tmp_prefix)
        try:
            t0 = time.perf_counter()
            tmp.mkdir()
            logger.info("exporting %s to ONNX into %s", source, target)
            dims = _export(source, tmp)
            t_export = time.perf_counter() - t0
            stats = _fuse(tmp / "raw.onnx", tmp / MODEL_FILE, dims["heads"], dims["hidden"])
            (tmp / "raw.onnx").unlink()
            agreement = _agreement(source, tmp / MODEL_FILE, probe, prompt)
            if agreement < AGREEMENT_MIN:
                raise OnnxBuildError(
                    f"the ONNX copy of {source} disagrees with torch fp32: min cosine {agreement:.5f} "
                    f"on the probe texts (needs {AGREEMENT_MIN})"
                )
            manifest = {
                "format_version": FORMAT_VERSION,
                "source": str(source),
                "source_weights_sha256": source_weights_sha(source),
                "onnx_sha256": sha256_file(tmp / MODEL_FILE)["sha256"],
                "onnxruntime": installed_version("onnxruntime"),
                "tools": tool_versions(),
                "opset": OPSET,
                "fused_operators": stats,
                "probe_min_cosine_to_fp32": round(agreement, 7),
                "export_seconds": round(t_export, 1),
                "build_seconds": round(time.perf_counter() - t0, 1),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
                json.dump(manifest, fh, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            old: Path | None = None
            if target.exists():
                old = target.parent / temporary_name(tmp_prefix, "old")
                target.rename(old)
            tmp.rename(target)
            fsync_dir(target.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            logger.info(
                "built %s in %.1f s (min cosine %.6f to fp32)", target, time.perf_counter() - t0, agreement
            )
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target
