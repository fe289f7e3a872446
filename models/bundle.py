"""Versioned scorer bundle: two skops files and a manifest with hashes and versions.

Layout under a root (``data_dir/models/scorer``)::

    <utc-stamp>-<short-hash>/
        match.skops       P(good match): fitted on proposals, label "hired"
        sustain.skops     P(sustainable): fitted on placements, label "employed 12 months later"
        manifest.json     library versions, feature lists, embedder id, training snapshot,
                          metrics, sha256 and size of every file
    current -> <utc-stamp>-<short-hash>

A bundle is written into a hidden temporary directory and renamed into place; ``current`` is a
symlink swapped with ``os.replace``, so a reader sees the old bundle or the new one, never half of
one. Loading checks every hash and the library versions, and loads the skops files with an
explicit, reviewed list of trusted types (never ``trusted=True``): anything else raises
``BundleMismatch``. Pickle and joblib never cross from training to serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matcher.errors import BundleMismatch
from matcher.files import fsync_dir
from matcher.text import content_hash
from models.scorer import SustainabilityScorer

log = logging.getLogger(__name__)

FORMAT = "passgenau-scorer-bundle/1"
MODEL_FILES = ("match", "sustain")
CURRENT = "current"

# Types outside skops' default-trusted set that our own dumps contain, reviewed one by one
# (skops.io.get_untrusted_types on a dump of each model kind):
# - our estimator class, which holds only parameters, numpy arrays and stock scikit-learn parts;
# - scipy's BSpline, the spline basis inside SplineTransformer (arrays of knots and coefficients);
# - scipy's array-API alias of numpy.asarray, a function reference BSpline keeps as its namespace;
# - the tree predictor of HistGradientBoostingClassifier (node arrays), for the boosting kind.
TRUSTED_TYPES: tuple[str, ...] = (
    "models.scorer.SustainabilityScorer",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "scipy.interpolate._bsplines.BSpline",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
# A bundle is loaded only by the library versions that wrote it (major.minor for scikit-learn,
# whose estimator internals change between minor releases).
_CHECKED_LIBRARIES = ("scikit-learn", "skops")


@dataclass(frozen=True)
class Bundle:
    path: Path
    version: str  # the directory name: <utc-stamp>-<short-hash>
    manifest: dict[str, Any]
    match: SustainabilityScorer
    sustain: SustainabilityScorer


def library_versions() -> dict[str, str]:
    import numpy
    import scipy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
    }


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest_digest(manifest: dict[str, Any]) -> str:
    """Short hash of the manifest without its version: the version's suffix, so edits show."""
    body = {k: v for k, v in manifest.items() if k != "version"}
    return content_hash(json.dumps(body, sort_keys=True, ensure_ascii=False))[:8]


def write_bundle(
    root: Path,
    models: dict[str, SustainabilityScorer],
    manifest: dict[str, Any],
    *,
    make_current: bool = True,
    now: datetime | None = None,
) -> Path:
    """Write a new bundle under ``root`` and (by default) point ``current`` at it.

    ``models`` holds exactly ``match`` and ``sustain``; ``manifest`` the caller's fields (features,
    embedder, training snapshot, metrics), to which the format, library versions and file hashes
    are added. Returns the bundle directory.
    """
    import skops.io as sio

    if set(models) != set(MODEL_FILES):
        raise ValueError(f"a bundle holds exactly the models {MODEL_FILES}")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        for name in MODEL_FILES:
            path = tmp / f"{name}.skops"
            sio.dump(models[name], path)
            files[path.name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        full = {
            **manifest,
            "format": FORMAT,
            "created": stamp,
            "libraries": library_versions(),
            "files": files,
        }
        version = f"{stamp}-{_manifest_digest(full)}"
        full["version"] = version
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(full, fh, indent=2, sort_keys=True, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(tmp)
        final = root / version
        if final.exists():
            raise FileExistsError(f"bundle {version} exists already")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_dir(root)
    log.info("scorer bundle %s written", version)
    if make_current:
        point_current(root, version)
    return final


def point_current(root: Path, version: str) -> None:
    """Swap the ``current`` symlink to ``version`` atomically (a new link renamed over the old)."""
    if not (root / version / "manifest.json").is_file():
        raise BundleMismatch(f"no bundle {version} under {root}")
    link = root / f".{CURRENT}-{os.getpid()}-{secrets.token_hex(4)}"
    os.symlink(version, link)
    os.replace(link, root / CURRENT)
    fsync_dir(root)


def current_path(root: Path) -> Path | None:
    """The bundle ``current`` points at, or None when there is none."""
    link = root / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = root / os.readlink(link) if link.is_symlink() else link
    if not target.is_dir():
        raise BundleMismatch(f"{link} points at a missing bundle")
    return target


def load_bundle(path: Path) -> Bundle:
    """Load a bundle directory, checking format, library versions, hashes and trusted types."""
    import skops.io as sio

    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleMismatch(f"{path}: unreadable manifest ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BundleMismatch(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    version = str(manifest.get("version", ""))
    if version != path.resolve().name or not version.endswith("-" + _manifest_digest(manifest)):
        raise BundleMismatch(f"{path}: the manifest does not match its version {version!r}")
    have = library_versions()
    for lib in _CHECKED_LIBRARIES:
        wrote = str(manifest.get("libraries", {}).get(lib, "?"))
        if _minor(wrote) != _minor(have[lib]):
            raise BundleMismatch(f"{path}: written with {lib} {wrote}, this is {have[lib]}")
    files = manifest.get("files", {})
    if set(files) != {f"{name}.skops" for name in MODEL_FILES}:
        raise BundleMismatch(f"{path}: the manifest lists {sorted(files)}")
    models: dict[str, SustainabilityScorer] = {}
    for name in MODEL_FILES:
        file = path / f"{name}.skops"
        if not file.is_file() or _sha256(file) != files[file.name].get("sha256"):
            raise BundleMismatch(f"{file}: missing or its sha256 differs from the manifest")
        untrusted = set(sio.get_untrusted_types(file=file)) - set(TRUSTED_TYPES)
        if untrusted:
            raise BundleMismatch(f"{file}: refuses untrusted types {sorted(untrusted)}")
        try:
            model = sio.load(file, trusted=list(TRUSTED_TYPES))
        except Exception as exc:  # skops raises a variety of errors on a bad file
            raise BundleMismatch(f"{file}: cannot be loaded ({type(exc).__name__}: {exc})") from None
        if not isinstance(model, SustainabilityScorer):
            raise BundleMismatch(f"{file}: holds a {type(model).__name__}, not a SustainabilityScorer")
        models[name] = model
    return Bundle(
        path=path,
        version=version,
        manifest=manifest,
        match=models["match"],
        sustain=models["sustain"],
    )
