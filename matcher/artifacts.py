"""Versioned artifact directories: complete versions beside each other, a ``current`` symlink to one.

Layout under a root (the scorer bundles and the vacancy index use it; the e5 build and the embedding
cache use its lock, hashes and clean-up)::

    current -> 20260125T064912Z-3f2a1c9e0b7d     swapped by renaming a new symlink over it (atomic)
    20260125T064912Z-3f2a1c9e0b7d/
        manifest.json    the caller's fields, with ``files``: sha256 and size of every other file
        ...
    .tmp-<label>-<pid>-<hex>/                    a write in progress, or left by a killed writer
    .lock                                        writers' exclusive flock (where the caller locks)

A new version is written into a unique temporary directory beside the others, every file and the
directory fsynced, then renamed to its version name, so a version directory is always complete;
only then does ``current`` move. A process killed at any point leaves the previous version loadable.

``fault_point(name)`` is the one crash-test hook of the project: when ``$PASSGENAU_TEST_KILL_AT``
names the point, the process SIGKILLs itself there. This module passes the points in
``FAULT_POINTS``; the nightly run and retraining pass their own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from matcher.errors import BundleMismatch
from matcher.files import fsync_dir, fsync_file

log = logging.getLogger(__name__)

CURRENT = "current"
MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"
LOCK = ".lock"
KILL_ENV = "PASSGENAU_TEST_KILL_AT"
# Where a version write can be killed: the files and manifest are on disk in the temporary
# directory; the directory has its version name; ``current`` points at it.
FAULT_POINTS = ("version:files-written", "version:renamed", "version:current-swapped")
# <utc-stamp>-<hex digest>: the scorer bundles use 8 hex digits, the index 12.
VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8,64}$")
# The tail of every temporary name this module makes: "-<pid>-<8 hex>".
_TMP_TAIL = re.compile(r"-(\d+)-[0-9a-f]{8}$")

FileEntry = dict[str, Any]  # {"sha256": hex, "bytes": size}


def fault_point(name: str) -> None:
    """Kill this process here when ``$PASSGENAU_TEST_KILL_AT`` names this point (crash tests only)."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def utc_stamp(now: datetime | None = None) -> str:
    """``20260125T064912Z``: the first part of a version name (sorts by time)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


# -- hashes -------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> FileEntry:
    """``{"sha256": ..., "bytes": ...}`` of a file, read in 1 MiB blocks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "bytes": size}


class HashingWriter:
    """File wrapper that hashes and counts what is written (``np.save`` writes through it in chunks)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sha.update(view)
        self.size += view.nbytes
        return self.fh.write(view)


def _canonical(manifest: Mapping[str, Any], without: str, *, ascii_only: bool) -> bytes:
    body = {key: value for key, value in manifest.items() if key != without}
    return json.dumps(body, sort_keys=True, ensure_ascii=ascii_only).encode("utf-8")


def manifest_digest(manifest: Mapping[str, Any], *, without: str) -> str:
    """sha256 (hex) of the manifest without the field ``without`` that records it, so edits show."""
    return hashlib.sha256(_canonical(manifest, without, ascii_only=False)).hexdigest()


def digest_matches(manifest: Mapping[str, Any], recorded: object, *, without: str) -> bool:
    """True when ``recorded`` (the full digest or a prefix of at least 8 hex digits) fits the manifest.

    Index manifests written before this module escaped non-ASCII characters in the hashed JSON; the
    escaped spelling encodes the same content, so it is accepted too.
    """
    if not isinstance(recorded, str) or len(recorded) < 8:
        return False
    for ascii_only in (False, True):
        if (
            hashlib.sha256(_canonical(manifest, without, ascii_only=ascii_only))
            .hexdigest()
            .startswith(recorded)
        ):
            return True
    return False


def verify_file(path: Path, entry: Mapping[str, Any]) -> None:
    """Raise BundleMismatch unless ``path`` exists with the sha256 (and size, if recorded) of ``entry``."""
    try:
        got = sha256_file(path)
    except OSError:
        got = None
    if (
        got is None
        or got["sha256"] != entry.get("sha256")
        or ("bytes" in entry and got["bytes"] != entry["bytes"])
    ):
        raise BundleMismatch(f"{path}: missing or its sha256 differs from the manifest")


def read_manifest(path: Path) -> dict[str, Any]:
    """The ``manifest.json`` of a version directory; BundleMismatch when it is missing or not JSON."""
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleMismatch(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(data, dict):
        raise BundleMismatch(f"{path}: the manifest is not a JSON object")
    return data


# -- the writers' lock and what killed writers leave ----------------------------------------------------


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed): one writer at a time.

    Locks are per open file, so two threads of one process exclude each other as well.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        t0 = time.perf_counter()
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        waited = time.perf_counter() - t0
        if waited > 0.5:
            log.info("waited %.1f s for another writer (%s)", waited, path)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def writer_lock(root: Path) -> contextlib.AbstractContextManager[None]:
    """The exclusive lock of the writers of ``root`` (``root/.lock``)."""
    return exclusive_lock(root / LOCK)


def temporary_name(prefix: str, label: str = "") -> str:
    """A name no other writer uses: ``<prefix><label>-<pid>-<8 hex>`` (``remove_temporaries`` reads it)."""
    head = f"{prefix}{label}-" if label else prefix
    return f"{head}{os.getpid()}-{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_temporaries(folder: Path, prefix: str = TMP_PREFIX) -> None:
    """Remove what killed writers left in ``folder``: entries whose name starts with ``prefix``.

    Call it holding the writers' lock. An entry named by ``temporary_name`` whose process is still
    alive is kept all the same: where locks do not work (some network filesystems) it is a writer's.
    """
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix):
            continue
        tail = _TMP_TAIL.search(entry.name)
        if tail is not None and _pid_alive(int(tail.group(1))):
            continue
        log.info("removing %s left by an interrupted write", entry)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


# -- writing a version ----------------------------------------------------------------------------------


class Draft:
    """A version being written in its temporary directory ``path``; ``files`` collects the hashes."""

    def __init__(self, root: Path, path: Path) -> None:
        self.root = root
        self.path = path
        self.files: dict[str, FileEntry] = {}
        self.committed: Path | None = None

    def _write(self, name: str, write: Callable[[HashingWriter], object]) -> FileEntry:
        with open(self.path / name, "xb") as fh:
            hw = HashingWriter(fh)
            write(hw)
            fh.flush()
            os.fsync(fh.fileno())
        return {"sha256": hw.sha.hexdigest(), "bytes": hw.size}

    def write_with(self, name: str, write: Callable[[HashingWriter], object]) -> FileEntry:
        """Create file ``name`` by calling ``write`` on a hashing writer; fsync it and record it."""
        self.files[name] = self._write(name, write)
        return self.files[name]

    def write_bytes(self, name: str, data: bytes) -> FileEntry:
        """Create file ``name`` holding ``data``; fsync it and record it."""
        return self.write_with(name, lambda w: w.write(data))

    def adopt(self, name: str) -> FileEntry:
        """Record a file a library wrote into ``path`` itself (e.g. skops): fsync and hash it."""
        fsync_file(self.path / name)
        self.files[name] = sha256_file(self.path / name)
        return self.files[name]

    def commit(self, manifest: Mapping[str, Any], version: str) -> Path:
        """Write ``manifest.json`` last, fsync, rename the directory to ``root/version``; returns it.

        Raises FileExistsError when that version exists already (its content would be the same).
        """
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
        self._write(MANIFEST, lambda w: w.write(text))
        fsync_dir(self.path)
        fault_point(FAULT_POINTS[0])
        final = self.root / version
        if final.exists():
            raise FileExistsError(f"version {version} exists already under {self.root}")
        os.rename(self.path, final)
        self.committed = final
        fsync_dir(self.root)
        fault_point(FAULT_POINTS[1])
        return final


@contextlib.contextmanager
def new_version(root: Path, label: str = "") -> Iterator[Draft]:
    """A ``Draft`` in a fresh temporary directory under ``root``; removed if the block fails.

    ``label`` (e.g. the version, when known in advance) goes into the temporary name.
    """
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / temporary_name(TMP_PREFIX, label)
    tmp.mkdir()
    draft = Draft(root, tmp)
    try:
        yield draft
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if draft.committed is None:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the current pointer and pruning --------------------------------------------------------------------


def point_current(root: Path, version: str) -> None:
    """Point ``root/current`` at ``version``: a new relative symlink renamed over the old one (atomic)."""
    tmp = root / temporary_name(TMP_PREFIX, CURRENT)
    os.symlink(version, tmp)  # relative: the root can be moved or mounted elsewhere
    try:
        os.replace(tmp, root / CURRENT)  # readers see the old version or the new, never neither
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(root)
    fault_point(FAULT_POINTS[2])


def current_version(root: Path) -> str | None:
    """The version ``root/current`` points to, or None; cheap enough to poll for a reload."""
    try:
        return os.readlink(Path(root) / CURRENT)
    except OSError:
        return None


def current_path(root: Path) -> Path | None:
    """The directory ``root/current`` points at, or None; BundleMismatch when it points at nothing."""
    link = root / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = root / os.readlink(link) if link.is_symlink() else link
    if not target.is_dir():
        raise BundleMismatch(f"{link} points at a missing version")
    return target


def _saved_ns(path: Path) -> int:
    try:
        return (path / MANIFEST).stat().st_mtime_ns
    except OSError:
        return 0


def versions(root: Path, pattern: re.Pattern[str] = VERSION_PATTERN) -> list[str]:
    """Complete version directories under ``root``, oldest first by when their manifest was written."""
    dirs = [p for p in root.iterdir() if pattern.match(p.name) and p.is_dir() and not p.is_symlink()]
    # By the manifest's mtime (written last): stamps alone tie within a second.
    return [p.name for p in sorted(dirs, key=lambda p: (_saved_ns(p), p.name))]


def prune(root: Path, keep: int, pattern: re.Pattern[str] = VERSION_PATTERN) -> list[str]:
    """Remove all but the ``keep`` newest versions (the current one always stays); returns the removed."""
    live = current_version(root)
    old = [v for v in versions(root, pattern) if v != live]
    gone = old[: max(0, len(old) - max(0, keep - 1))]
    for name in gone:
        log.info("pruning version %s under %s", name, root)
        shutil.rmtree(root / name, ignore_errors=True)
    return gone
