"""The bf16 form of the model: the same bits as the plain cast, without a second tokenizer or word table."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from models.e5bf16 import RowCastEmbedding, file_backed, mapped_file, table_alone, to_bf16
from models.embedder import build_embedder


def test_rows_cast_after_the_gather_equal_a_lookup_in_the_cast_table() -> None:
    g = torch.Generator().manual_seed(3)
    table = torch.randn(50, 16, generator=g) * torch.logspace(-6, 6, 16)  # every exponent range
    ids = torch.tensor([[0, 7, 49, 7], [3, 3, 1, 0]])
    plain = nn.Embedding(50, 16, padding_idx=1, _weight=table.clone()).to(torch.bfloat16)
    cast = RowCastEmbedding(table, 1, torch.bfloat16)
    out = cast(ids)
    assert out.dtype == torch.bfloat16
    assert torch.equal(out, plain(ids))


def test_the_table_stays_float32_through_to_and_deepcopy() -> None:
    table = torch.arange(12, dtype=torch.float32).reshape(4, 3)
    holder = nn.Sequential(RowCastEmbedding(table, None, torch.float32))
    holder = holder.to(torch.bfloat16)
    emb = holder[0]
    assert emb.table.dtype == torch.float32 and emb(torch.tensor([2])).dtype == torch.bfloat16
    twin = copy.deepcopy(holder)[0]
    assert twin.table.data_ptr() == emb.table.data_ptr()  # shared, not copied
    assert (twin.num_embeddings, twin.embedding_dim) == (4, 3) and list(holder.state_dict()) == []


def test_file_backed_tells_a_mapped_file_from_heap_memory(tmp_path: Path) -> None:
    path = tmp_path / "t.f32"
    np.arange(4096, dtype=np.float32).tofile(path)
    mapped = torch.from_numpy(np.memmap(path, dtype=np.float32, mode="c"))
    assert file_backed(mapped)
    assert not file_backed(torch.zeros(4096))
    assert not file_backed(mapped, maps=tmp_path / "missing")


def test_table_alone_maps_just_the_tables_bytes_of_the_same_file(tmp_path: Path) -> None:
    """A table inside a larger mapped file is mapped again over its own bytes: the same values, at
    the same file offset (not page-aligned here), so that the file's whole mapping can go."""
    path = tmp_path / "weights.bin"
    table = np.arange(300 * 8, dtype=np.float32).reshape(300, 8) / 7
    with path.open("wb") as f:
        f.write(b"h" * 132)
        f.write(table.tobytes())
        f.write(b"t" * 5000)
    whole = torch.from_numpy(np.memmap(path, dtype=np.uint8, mode="c"))
    inside = whole[132 : 132 + table.nbytes].view(torch.float32).reshape(300, 8)
    alone = table_alone(inside)
    assert alone.data_ptr() != inside.data_ptr() and torch.equal(alone, inside)
    assert torch.equal(alone, torch.from_numpy(table))
    assert mapped_file(inside) == (path, 132) == mapped_file(alone)
    heap = torch.from_numpy(table.copy())
    assert table_alone(heap) is heap  # not file-backed: kept as it is


def _plain_bf16(model: Any) -> Any:
    """The bf16 model as the embedder made it before: a deep copy cast whole."""
    return copy.deepcopy(model).to(torch.bfloat16).eval()


def test_bf16_copy_encodes_the_same_bits_and_shares_tokenizer_and_table(
    e5_dir: Path, german_texts: list[str]
) -> None:
    emb = build_embedder(str(e5_dir), e5_dir.parent.parent, threads=2, batch_size=8, backend="fp32")
    fp32 = emb._model
    before = fp32.encode(german_texts, batch_size=8, convert_to_numpy=True)
    twin = to_bf16(fp32, copy_of=True)
    hf, hf_twin = fp32[0].auto_model, twin[0].auto_model
    table = hf_twin.get_input_embeddings()
    assert isinstance(table, RowCastEmbedding)
    fp32_table = hf.get_input_embeddings().weight
    # The fp32 table's bytes of model.safetensors, mapped on their own (the file's whole mapping goes
    # with the fp32 model); read only where compared.
    assert table.table.data_ptr() != fp32_table.data_ptr() and table.table.dtype == torch.float32
    assert mapped_file(table.table) == mapped_file(fp32_table) and mapped_file(table.table) is not None
    rows = torch.randint(0, fp32_table.shape[0], (2_000,), generator=torch.Generator().manual_seed(1))
    assert torch.equal(table.table[rows], fp32_table.detach()[rows])
    assert twin.tokenizer is fp32.tokenizer
    assert {p.dtype for p in twin.parameters()} == {torch.bfloat16}
    with torch.inference_mode():
        ours = twin.encode(german_texts, batch_size=8, convert_to_numpy=True)
        plain = _plain_bf16(fp32).encode(german_texts, batch_size=8, convert_to_numpy=True)
        after = fp32.encode(german_texts, batch_size=8, convert_to_numpy=True)
    assert np.array_equal(ours, plain)
    assert np.array_equal(after, before)  # the fp32 model is untouched by its copy


def test_bf16_backend_in_place_equals_the_copy(e5_dir: Path, german_texts: list[str]) -> None:
    data = e5_dir.parent.parent
    auto_copy = to_bf16(build_embedder(str(e5_dir), data, threads=2, backend="fp32")._model, copy_of=True)
    bf16 = build_embedder(str(e5_dir), data, threads=2, batch_size=8, backend="bf16")
    assert isinstance(bf16._model[0].auto_model.get_input_embeddings(), RowCastEmbedding)
    with torch.inference_mode():
        expected = auto_copy.encode(german_texts, batch_size=8, convert_to_numpy=True)
        ours = bf16._model.encode(german_texts, batch_size=8, convert_to_numpy=True)
    assert np.array_equal(ours, expected)
