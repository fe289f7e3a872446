"""The bf16 form of a loaded sentence-transformers model, without a second tokenizer or word table.

What the embedder's ``bf16`` backend runs. Made the plain way (``copy.deepcopy(model).to(bfloat16)``)
it held, at multilingual-e5-small, ~560 MB more than needed: the deep copy copied the XLM-R tokenizer
(a Rust trie of 250,002 pieces, ~290 MB, kept twice because the embedder tokenises with the original)
and made float32 copies of every weight before casting them; and the word table of 250,037 × 384
became a 192 MB bfloat16 array of which a German text reads a few thousand rows.

Here the copy shares the tokenizer, each weight is cast straight from the loaded one, and the word
table stays the float32 table the model was loaded with: transformers maps it from
``model.safetensors``, so only the pages of rows of tokens seen are ever read into memory. The table
is mapped again on its own (``table_alone``): the file's whole mapping, with the pages of the fp32
weights the cast read, goes with the fp32 model.
``RowCastEmbedding`` casts the rows it gathers, which is bit for bit what a lookup in the cast table
gives (a cast rounds each number on its own). A table that is not file-backed (another loader) is
cast as before: kept in float32 it would cost twice the bf16 table.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional


class RowCastEmbedding(nn.Module):
    """An embedding lookup over a float32 table whose gathered rows are cast to the model's dtype.

    The table is a plain attribute, neither parameter nor buffer: ``.to(dtype)``, ``state_dict`` and
    a deep copy leave it as it is (mapped from its file). The dtype is that of an empty buffer, which
    ``.to(dtype)`` converts with the rest of the model."""

    def __init__(self, table: torch.Tensor, padding_idx: int | None, dtype: torch.dtype) -> None:
        super().__init__()
        self.table = table.detach()
        self.padding_idx = padding_idx
        self.register_buffer("dtype_of_rows", torch.zeros(0, dtype=dtype), persistent=False)

    @property
    def weight(self) -> torch.Tensor:
        """The float32 table (what code asking an embedding for ``weight`` reads)."""
        return self.table

    @property
    def num_embeddings(self) -> int:
        return int(self.table.shape[0])

    @property
    def embedding_dim(self) -> int:
        return int(self.table.shape[1])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return functional.embedding(ids, self.table, self.padding_idx).to(self.rows_dtype)

    @property
    def rows_dtype(self) -> torch.dtype:
        return self.get_buffer("dtype_of_rows").dtype

    def __deepcopy__(self, memo: dict[int, Any]) -> RowCastEmbedding:
        return RowCastEmbedding(self.table, self.padding_idx, self.rows_dtype)


def mapped_file(tensor: torch.Tensor, maps: Path = Path("/proc/self/maps")) -> tuple[Path, int] | None:
    """The file the tensor's first byte is mapped from and that byte's offset in it, or None for
    memory of the process's own (Linux; elsewhere None)."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return None
    ptr = tensor.data_ptr()
    for line in lines:
        fields = line.split(maxsplit=5)
        start, _, end = fields[0].partition("-")
        if int(start, 16) <= ptr < int(end, 16):
            if len(fields) == 6 and fields[5].startswith("/"):
                return Path(fields[5]), ptr - int(start, 16) + int(fields[2], 16)
            return None
    return None


def file_backed(tensor: torch.Tensor, maps: Path = Path("/proc/self/maps")) -> bool:
    """Whether the tensor's memory lies in a mapping of a file (Linux; elsewhere False)."""
    return mapped_file(tensor, maps) is not None


def table_alone(table: torch.Tensor) -> torch.Tensor:
    """The same float32 table over a mapping of its own bytes of the file, or ``table`` itself.

    transformers maps the whole ``model.safetensors``; the bf16 model keeps only the word table of
    it, but the table held that mapping alive, and with it the pages of every other fp32 weight the
    cast had read (~85 MB at e5-small). A mapping of the table's bytes alone lets the file's mapping
    go with the fp32 weights. Copy-on-write (``mode="c"``): nothing writes to it, and a write could
    not reach the file. A few rows are compared, which holds the offset to the same bytes."""
    where = mapped_file(table)
    if where is None or not table.is_contiguous() or table.dtype != torch.float32 or table.dim() != 2:
        return table
    path, offset = where
    rows = np.memmap(path, dtype=np.float32, mode="c", offset=offset, shape=tuple(table.shape))
    alone = torch.from_numpy(rows)
    probe = torch.tensor(sorted({0, 1, table.shape[0] // 2, table.shape[0] - 1}))
    if not torch.equal(alone[probe], table.detach()[probe]):
        return table
    return alone


def _transformers(model: Any) -> list[Any]:
    """The Hugging Face models inside a sentence-transformers model (its Transformer modules)."""
    return [m.auto_model for m in model.modules() if hasattr(m, "auto_model")]


def _shared(model: Any) -> list[Any]:
    """What a copy shares instead of copying: tokenizers and processors (no weights in them)."""
    out = []
    for m in model.modules():
        for name in ("processor", "tokenizer"):
            obj = getattr(m, name, None)
            if obj is not None and not isinstance(obj, nn.Module | torch.Tensor):
                out.append(obj)
    return out


def to_bf16(model: Any, *, copy_of: bool) -> Any:
    """The model with bfloat16 weights: a copy (``copy_of``, the float32 model stays usable) or the
    model itself, cast in place. Word tables mapped from a file stay float32, cast row by row."""
    tables = {}
    for hf in _transformers(model):
        emb = hf.get_input_embeddings()
        if isinstance(emb, nn.Embedding) and emb.weight.dtype == torch.float32 and file_backed(emb.weight):
            tables[id(hf)] = emb
    if copy_of:
        memo: dict[int, Any] = {id(obj): obj for obj in _shared(model)}
        for emb in tables.values():
            memo[id(emb.weight)] = emb.weight  # not copied: replaced below, shared meanwhile
        for p in model.parameters():
            if id(p) not in memo and p.is_floating_point():
                memo[id(p)] = nn.Parameter(p.detach().to(torch.bfloat16), requires_grad=p.requires_grad)
        twin = copy.deepcopy(model, memo)
        pairs = zip(_transformers(model), _transformers(twin), strict=True)
    else:
        twin = model
        pairs = zip(_transformers(model), _transformers(model), strict=True)
    for hf, hf_twin in pairs:
        emb = tables.get(id(hf))
        if emb is not None:
            table = table_alone(emb.weight.detach())
            hf_twin.set_input_embeddings(RowCastEmbedding(table, emb.padding_idx, torch.bfloat16))
    out = twin.to(torch.bfloat16)
    out.eval()
    return out
