"""Versioned scorer bundle: two skops files and a manifest with hashes and versions.

Layout under a root (``data_dir/models/scorer``)::

    <utc-stamp>-<short-hash>/
        match.skops       P(good match): fitted on proposals, label "hired"
        sustain.skops     P(sustainable): fitted on placements, label "employed 12 months later"
        manifest.json     library versions, feature lists, embedder id, training snapshot,
                          metrics, sha256 and size of every file
    current -> <utc-stamp>-<short-hash>

A bundle is a version directory of :mod:`matcher.artifacts`: written into a hidden temporary
directory and renamed into place; ``current`` is a symlink swapped with ``os.replace``, so a reader
sees the old bundle or the new one, never half of one. The version's short hash is the manifest's
digest, so an edited manifest no longer matches its version. Loading checks every hash and the
library versions, and loads the skops files with an explicit, reviewed list of trusted types (never
``trusted=True``): anything else raises ``BundleMismatch``. Pickle and joblib never cross from training
to serving.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from matcher import artifacts
from matcher.errors import BundleMismatch
from models.employer_history import EmployerHistory
from models.scorer import SustainabilityScorer

log = logging.getLogger(__name__)

FORMAT = "passgenau-scorer-bundle/1"
MODEL_FILES = ("match", "sustain")
EMPLOYERS_FILE = "employers.json"  # the employers' placement history (models.employer_history)
CURRENT = artifacts.CURRENT

# Types outside skops' default-trusted set that our own dumps contain, reviewed one by one
# (skops.io.get_untrusted_types on a dump of each model kind):
# - our estimator class, which holds only parameters, numpy arrays and stock scikit-learn parts,
#   and its ga2m pair bases (a dataclass of two arrays: knots or None, and means);
# - scipy's BSpline, the spline basis inside SplineTransformer (arrays of knots and coefficients);
# - scipy's array-API alias of numpy.asarray, a function reference BSpline keeps as its namespace;
# - the tree predictor of HistGradientBoostingClassifier (node arrays), for the boosting kind.
TRUSTED_TYPES: tuple[str, ...] = (
    "models.interactions.PairBasis",
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
    # The employers' placement history (``employer_lasting``); None in a bundle written before it.
    employers: EmployerHistory | None = None


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


def write_bundle(
    root: Path,
    models: dict[str, SustainabilityScorer],
    manifest: dict[str, Any],
    *,
    make_current: bool = True,
    now: datetime | None = None,
    employers: EmployerHistory | None = None,
) -> Path:
    """Write a new bundle under ``root`` and (by default) point ``current`` at it.

    ``models`` holds exactly ``match`` and ``sustain``; ``manifest`` the caller's fields (features,
    embedder, training snapshot, metrics), to which the format, library versions and file hashes
    are added. Returns the bundle directory.
    """
    import skops.io as sio

    if set(models) != set(MODEL_FILES):
        raise ValueError(f"a bundle holds exactly the models {MODEL_FILES}")
    with artifacts.new_version(root) as draft:
        for name in MODEL_FILES:
            sio.dump(models[name], draft.path / f"{name}.skops")
            draft.adopt(f"{name}.skops")
        if employers is not None:
            (draft.path / EMPLOYERS_FILE).write_text(employers.to_json(), encoding="utf-8")
            draft.adopt(EMPLOYERS_FILE)
        stamp = artifacts.utc_stamp(now)
        full = {
            **manifest,
            "format": FORMAT,
            "created": stamp,
            "libraries": library_versions(),
            "files": draft.files,
        }
        version = f"{stamp}-{artifacts.manifest_digest(full, without='version')[:8]}"
        full["version"] = version
        final = draft.commit(full, version)
    log.info("scorer bundle %s written", version)
    if make_current:
        point_current(root, version)
    return final


def point_current(root: Path, version: str) -> None:
    """Swap the ``current`` symlink to ``version`` atomically (a new link renamed over the old)."""
    if not (root / version / artifacts.MANIFEST).is_file():
        raise BundleMismatch(f"no bundle {version} under {root}")
    artifacts.point_current(root, version)


def current_path(root: Path) -> Path | None:
    """The bundle ``current`` points at, or None when there is none."""
    return artifacts.current_path(root)


def load_bundle(path: Path) -> Bundle:
    """Load a bundle directory, checking format, library versions, hashes and trusted types."""
    import skops.io as sio

    manifest = artifacts.read_manifest(path)
    if manifest.get("format") != FORMAT:
        raise BundleMismatch(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    version = str(manifest.get("version", ""))
    digest = version.rpartition("-")[2]
    if version != path.resolve().name or not artifacts.digest_matches(manifest, digest, without="version"):
        raise BundleMismatch(f"{path}: the manifest does not match its version {version!r}")
    have = library_versions()
    for lib in _CHECKED_LIBRARIES:
        wrote = str(manifest.get("libraries", {}).get(lib, "?"))
        if _minor(wrote) != _minor(have[lib]):
            raise BundleMismatch(f"{path}: written with {lib} {wrote}, this is {have[lib]}")
    files = manifest.get("files", {})
    if set(files) - {EMPLOYERS_FILE} != {f"{name}.skops" for name in MODEL_FILES}:
        raise BundleMismatch(f"{path}: the manifest lists {sorted(files)}")
    employers = None
    if EMPLOYERS_FILE in files:
        artifacts.verify_file(path / EMPLOYERS_FILE, files[EMPLOYERS_FILE])
        try:
            employers = EmployerHistory.from_json((path / EMPLOYERS_FILE).read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise BundleMismatch(f"{path / EMPLOYERS_FILE}: cannot be read ({exc})") from None
    models: dict[str, SustainabilityScorer] = {}
    for name in MODEL_FILES:
        file = path / f"{name}.skops"
        artifacts.verify_file(file, files[file.name])
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
        employers=employers,
    )
