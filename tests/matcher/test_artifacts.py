"""Versioned artifact directories: crash safety at every fault point, hashes, pruning, the writers' lock."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from matcher import artifacts as A
from matcher.errors import BundleMismatch

REPO = Path(__file__).resolve().parents[2]
DIGEST = "manifest_sha256"


def save(root: Path, payload: bytes, *, keep: int = 3) -> str:
    """A minimal writer on top of the module, shaped like the index's save."""
    with A.writer_lock(root):
        A.remove_temporaries(root)
        with A.new_version(root, label="v") as draft:
            draft.write_bytes("data.bin", payload)
            draft.write_with("twice.bin", lambda w: (w.write(payload), w.write(payload)))
            manifest = {"files": draft.files, "note": "Prüfung"}
            manifest[DIGEST] = A.manifest_digest(manifest, without=DIGEST)
            version = f"{A.utc_stamp()}-{manifest[DIGEST][:12]}"
            draft.commit(manifest, version)
        A.point_current(root, version)
        A.prune(root, keep)
    return version


def load(root: Path) -> bytes:
    path = A.current_path(root)
    if path is None:
        raise BundleMismatch(f"nothing at {root}")
    manifest = A.read_manifest(path)
    if not A.digest_matches(manifest, manifest.get(DIGEST), without=DIGEST):
        raise BundleMismatch(f"{path}: manifest does not match its digest")
    for name, entry in manifest["files"].items():
        A.verify_file(path / name, entry)
    return (path / "data.bin").read_bytes()


def test_round_trip_and_layout(tmp_path: Path) -> None:
    version = save(tmp_path, b"eins")
    assert load(tmp_path) == b"eins"
    assert A.current_version(tmp_path) == version and (tmp_path / A.CURRENT).is_symlink()
    assert A.VERSION_PATTERN.match(version)
    manifest = A.read_manifest(tmp_path / version)
    assert manifest["files"]["data.bin"] == {"sha256": hashlib.sha256(b"eins").hexdigest(), "bytes": 4}
    assert manifest["files"]["twice.bin"]["bytes"] == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == [A.LOCK, version, A.CURRENT]


def test_no_version_yet(tmp_path: Path) -> None:
    assert A.current_version(tmp_path) is None and A.current_path(tmp_path) is None
    (tmp_path / A.CURRENT).symlink_to("20260101T000000Z-0123456789ab")
    with pytest.raises(BundleMismatch, match="missing"):
        A.current_path(tmp_path)


@pytest.mark.parametrize("name", ["data.bin", "twice.bin"])
def test_one_changed_byte_is_a_bundle_mismatch(tmp_path: Path, name: str) -> None:
    save(tmp_path, b"a payload of some length")
    path = tmp_path / str(A.current_version(tmp_path)) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(BundleMismatch, match=name):
        load(tmp_path)
    path.unlink()
    with pytest.raises(BundleMismatch, match="missing"):
        load(tmp_path)


def test_an_edited_manifest_is_a_bundle_mismatch(tmp_path: Path) -> None:
    version = save(tmp_path, b"x")
    path = tmp_path / version / A.MANIFEST
    path.write_text(path.read_text(encoding="utf-8").replace("Prüfung", "Prufung"), encoding="utf-8")
    with pytest.raises(BundleMismatch, match="digest"):
        load(tmp_path)
    path.write_text("{not json")
    with pytest.raises(BundleMismatch, match="unreadable"):
        load(tmp_path)


def test_a_digest_of_the_ascii_escaped_json_still_verifies() -> None:
    """Index manifests written before this module hashed ``json.dumps(..., sort_keys=True)``, which
    escapes non-ASCII characters: those manifests must still verify."""
    manifest = {"model_id": "e5-klein-für-Tests", "count": 3}
    old = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    assert old != A.manifest_digest(manifest, without=DIGEST)  # the definitions do differ here
    assert A.digest_matches({**manifest, DIGEST: old}, old, without=DIGEST)
    assert A.digest_matches(manifest, A.manifest_digest(manifest, without=DIGEST)[:8], without=DIGEST)
    assert not A.digest_matches({**manifest, "count": 4}, old, without=DIGEST)
    assert not A.digest_matches(manifest, old[:7], without=DIGEST)  # too short to mean anything
    assert not A.digest_matches(manifest, None, without=DIGEST)


def test_prune_keeps_the_newest_and_the_current(tmp_path: Path) -> None:
    written = [save(tmp_path, f"payload {i}".encode(), keep=3) for i in range(5)]
    assert A.versions(tmp_path) == written[-3:]
    assert load(tmp_path) == b"payload 4"
    # The current version survives pruning even when it is not among the newest.
    A.point_current(tmp_path, written[2])
    assert A.prune(tmp_path, 1) == written[3:]
    assert A.versions(tmp_path) == [written[2]]
    assert load(tmp_path) == b"payload 2"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    save(tmp_path, b"old")
    with pytest.raises(RuntimeError), A.new_version(tmp_path, label="v") as draft:
        draft.write_bytes("data.bin", b"new")
        raise RuntimeError("disk full")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(A.TMP_PREFIX)]
    assert load(tmp_path) == b"old"


def test_an_existing_version_is_not_overwritten(tmp_path: Path) -> None:
    version = save(tmp_path, b"old")
    with pytest.raises(FileExistsError), A.new_version(tmp_path) as draft:
        draft.write_bytes("data.bin", b"new")
        draft.commit({"files": draft.files}, version)
    assert (tmp_path / version / "data.bin").read_bytes() == b"old"


def test_remove_temporaries_spares_only_live_writers(tmp_path: Path) -> None:
    dead = tmp_path / f"{A.TMP_PREFIX}v-999999999-deadbeef"  # a pid that cannot exist
    live = tmp_path / A.temporary_name(A.TMP_PREFIX, "v")  # ours: this process is alive
    legacy = tmp_path / f"{A.TMP_PREFIX}current-99999"  # not in today's format: under the lock, stale
    for path in (dead, live):
        path.mkdir()
    legacy.symlink_to("nowhere")
    (tmp_path / "20260101T000000Z-0123456789ab").mkdir()
    A.remove_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "20260101T000000Z-0123456789ab"])


def test_the_lock_excludes_a_second_writer(tmp_path: Path) -> None:
    first = save(tmp_path, b"first")
    done = threading.Event()

    def second() -> None:
        save(tmp_path, b"second")
        done.set()

    with A.writer_lock(tmp_path):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        # Waiting for the lock: nothing written, nothing removed, the first version still live.
        assert not done.is_set()
        assert A.current_version(tmp_path) == first
    thread.join(timeout=30)
    assert done.is_set() and load(tmp_path) == b"second"


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tests.matcher.test_artifacts import save

    print(save(Path(sys.argv[1]), b"new"), flush=True)
    """
)


@pytest.mark.slow  # a subprocess
@pytest.mark.parametrize("point", A.FAULT_POINTS)
def test_a_write_killed_at_each_fault_point_leaves_a_loadable_version(tmp_path: Path, point: str) -> None:
    save(tmp_path, b"old")
    proc = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        cwd=REPO,
        env={**os.environ, A.KILL_ENV: point, "PYTHONPATH": str(REPO)},
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    live_after_swap = A.FAULT_POINTS.index(point) >= A.FAULT_POINTS.index("version:current-swapped")
    assert load(tmp_path) == (b"new" if live_after_swap else b"old")
    # The next writer removes what the killed one left and goes live.
    save(tmp_path, b"next")
    assert load(tmp_path) == b"next"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(A.TMP_PREFIX)]


def test_fault_point_does_nothing_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(A.KILL_ENV, "another-point")
    A.fault_point("version:renamed")  # still alive
    monkeypatch.delenv(A.KILL_ENV)
    A.fault_point("version:renamed")
