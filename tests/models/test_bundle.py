"""Scorer bundles: written atomically, loaded only when every hash, version and type checks out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import BundleMismatch
from models import bundle as B
from models.scorer import SustainabilityScorer


class Evil:
    """A type nobody reviewed: a bundle holding it must be refused."""

    def __init__(self) -> None:
        self.payload = "rm -rf /"


def _models(kind: str = "additive") -> dict[str, SustainabilityScorer]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    X[:, 2] = X[:, 2] > 0
    y = (X[:, 0] + 0.5 * X[:, 2] + rng.normal(size=400)) > 0
    if kind == "ga2m":  # an interaction for its search to find, so that the dump holds pair bases
        X = rng.normal(size=(2000, 3))
        X[:, 2] = X[:, 2] > 0
        y = (X[:, 0] + 1.5 * X[:, 1] * X[:, 2] + rng.normal(size=2000)) > 0
    return {
        "match": SustainabilityScorer(binary=[2]).fit(X, y),
        "sustain": SustainabilityScorer(kind=kind, binary=[2], max_iter=30).fit(X[:, ::-1], y),
    }


MANIFEST = {"features": {"match": ["a", "b", "c"], "sustain": ["c", "b", "a"]}, "metrics": {"auc": 0.7}}


def test_round_trip_and_current(tmp_path: Path) -> None:
    models = _models()
    path = B.write_bundle(tmp_path, models, MANIFEST)
    assert B.current_path(tmp_path) == tmp_path / path.name
    loaded = B.load_bundle(B.current_path(tmp_path))  # type: ignore[arg-type]
    X = np.random.default_rng(1).normal(size=(20, 3))
    assert np.array_equal(loaded.sustain.predict_proba(X), models["sustain"].predict_proba(X))
    assert np.array_equal(loaded.match.contributions(X), models["match"].contributions(X))
    assert loaded.version == path.name
    m = loaded.manifest
    assert m["features"] == MANIFEST["features"] and m["metrics"] == MANIFEST["metrics"]
    assert set(m["files"]) == {"match.skops", "sustain.skops"}
    assert {"scikit-learn", "skops", "numpy"} <= set(m["libraries"])
    # a second bundle takes over "current"; the first stays; no temporaries are left behind
    second = B.write_bundle(tmp_path, _models("boosting"), MANIFEST)
    assert B.current_path(tmp_path) == tmp_path / second.name
    assert B.load_bundle(second).sustain.kind == "boosting"
    assert path.is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_no_bundle_yet(tmp_path: Path) -> None:
    assert B.current_path(tmp_path) is None


def test_one_byte_changed_is_refused(tmp_path: Path) -> None:
    path = B.write_bundle(tmp_path, _models(), MANIFEST)
    file = path / "sustain.skops"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x01
    file.write_bytes(bytes(data))
    with pytest.raises(BundleMismatch, match="sha256"):
        B.load_bundle(path)


def test_edited_manifest_is_refused(tmp_path: Path) -> None:
    path = B.write_bundle(tmp_path, _models(), MANIFEST)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["features"]["sustain"] = ["a", "b", "c"]
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleMismatch, match="version"):
        B.load_bundle(path)


def test_a_bundle_written_before_matcher_artifacts_still_loads(tmp_path: Path) -> None:
    """The version's suffix was ``content_hash(json.dumps(body, sort_keys=True, ensure_ascii=False))[:8]``
    (body: the manifest without ``version``); a bundle named that way, with non-ASCII text, loads."""
    from matcher.text import content_hash

    path = B.write_bundle(tmp_path / "new", _models(), MANIFEST)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    manifest["training"] = {"note": "Fallmanagerinnen in Göttingen"}
    del manifest["version"]
    stamp = path.name.split("-")[0]
    version = f"{stamp}-{content_hash(json.dumps(manifest, sort_keys=True, ensure_ascii=False))[:8]}"
    old = tmp_path / "old" / version
    old.mkdir(parents=True)
    for name in ("match.skops", "sustain.skops"):
        (old / name).write_bytes((path / name).read_bytes())
    manifest["version"] = version
    (old / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False))
    (old.parent / "current").symlink_to(version)
    loaded = B.load_bundle(B.current_path(old.parent))  # type: ignore[arg-type]
    assert loaded.version == version and loaded.manifest["training"]["note"].endswith("Göttingen")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = B.write_bundle(tmp_path, _models(), MANIFEST)
    os.remove(path / "match.skops")
    with pytest.raises(BundleMismatch):
        B.load_bundle(path)


def test_untrusted_type_inside_is_refused(tmp_path: Path) -> None:
    models = _models()
    models["sustain"].payload_ = Evil()  # type: ignore[attr-defined]
    path = B.write_bundle(tmp_path, models, MANIFEST)  # hashes are right: only the type is wrong
    with pytest.raises(BundleMismatch, match="untrusted"):
        B.load_bundle(path)


def test_other_library_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = B.write_bundle(tmp_path, _models(), MANIFEST)
    real = B.library_versions()
    monkeypatch.setattr(B, "library_versions", lambda: {**real, "scikit-learn": "0.24.2"})
    with pytest.raises(BundleMismatch, match="scikit-learn"):
        B.load_bundle(path)


def test_trusted_types_cover_our_own_dumps() -> None:
    """The reviewed list is exactly what our dumps need: nothing missing, nothing spare."""
    import skops.io as sio

    needed: set[str] = set()
    for kind in ("additive", "boosting", "ga2m"):
        needed |= set(sio.get_untrusted_types(data=sio.dumps(_models(kind)["sustain"])))
    assert needed == set(B.TRUSTED_TYPES)


def test_ga2m_bundle_round_trips(tmp_path: Path) -> None:
    models = _models("ga2m")
    assert models["sustain"].interactions_  # the search found the pair: the dump holds a PairBasis
    path = B.write_bundle(tmp_path, models, MANIFEST)
    loaded = B.load_bundle(path)
    X = np.random.default_rng(1).normal(size=(50, 3))
    np.testing.assert_array_equal(loaded.sustain.contributions(X), models["sustain"].contributions(X))
    np.testing.assert_array_equal(loaded.sustain.decision_function(X), models["sustain"].decision_function(X))


def test_the_employers_history_travels_with_the_bundle(tmp_path: Path) -> None:
    from models.employer_history import EmployerHistory

    history = EmployerHistory.from_outcomes(["A", "A", "B"], [1, 1, 0])
    path = B.write_bundle(tmp_path, _models(), MANIFEST, employers=history)
    loaded = B.load_bundle(path)
    assert loaded.employers == history
    assert set(loaded.manifest["files"]) == {"match.skops", "sustain.skops", B.EMPLOYERS_FILE}
    assert B.load_bundle(B.write_bundle(tmp_path / "old", _models(), MANIFEST)).employers is None
    (path / B.EMPLOYERS_FILE).write_text(EmployerHistory.from_outcomes(["A"], [0]).to_json())
    with pytest.raises(BundleMismatch, match="sha256"):
        B.load_bundle(path)
