"""Persistent embedding cache keyed by model id and content hash.

Layout under ``root/<model-slug>/``:

    manifest.json      model id, dimension, committed row count, generation
    keys-<gen>.txt     one content hash a line, in row order
    vectors-<gen>.f32  float32 rows, appended

Appends go to the end of ``keys.txt`` and ``vectors.f32`` first; the manifest's row count, replaced
atomically, is the commit point. A process killed mid-append leaves rows past the count, which the
next writer truncates: nothing half-written is ever read. Only texts whose hash is not in the cache
are embedded, in chunks that are committed one by one, so a killed embedding run resumes where it
stopped. Compaction (erasure) writes the next generation's files and then switches the manifest to
them, so it too is all or nothing; a compaction killed after the switch leaves the old generation's
files (with the erased vectors), which the next writer removes, as it removes temporary files.
Writers hold an exclusive file lock; readers need none.

A reader looks at the manifest on every read (another process may have committed rows), but
re-reads it only when the file at its path is another one than it read last: it keeps the manifest
it read open, so that file's inode cannot be freed and handed to a new file, and every commit
renames a new file into place (``write_atomic``). One ``stat`` whose inode, size and times equal
those of the open file therefore means no commit since; reading and parsing the JSON on every
lookup cost ~0.2 ms of a lookup's CPU (bench/README.md, issue 15).

The vectors are not held in memory: each read maps the committed rows, gathers the wanted ones and
unmaps them. A server's cache holds every vacancy's vector (154 MB at 100,000 × 384) beside the index
that holds them as well; read once at start, they would stay resident for nothing. Mapped per read,
only the rows of that read count towards the process's memory, and only while it reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from matcher.artifacts import writer_lock
from matcher.files import write_atomic

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
EncodeFn = Callable[[Sequence[str]], F32]
# Rows a read maps at a time (12 MB at dim 384): a large read holds one block's pages, not the file's.
READ_BLOCK = 8192


@dataclass(frozen=True)
class _HeldManifest:
    """A manifest as read, with the open descriptor that keeps its inode from being reused."""

    stamp: tuple[int, int, int, int, int]
    committed: tuple[int, int]
    close: Callable[[], object]  # weakref.finalize: closes the descriptor once (replaced, or collected)


def _stamp(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _slug(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id).strip("_") or "model"


class EmbeddingCache:
    """Vectors of one embedding model, looked up by content hash."""

    def __init__(self, root: Path, model_id: str, dim: int) -> None:
        self.model_id = model_id
        self.dim = dim
        self.dir = Path(root) / _slug(model_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._manifest = self.dir / "manifest.json"
        self._index: dict[str, int] = {}
        self._loaded: tuple[int, int] = (-1, -1)
        self._held: _HeldManifest | None = None
        if not self._manifest.exists():
            with self._lock():
                if not self._manifest.exists():
                    self._commit(0)
        self._check_manifest()

    @classmethod
    def every_model(cls, root: Path) -> list[EmbeddingCache]:
        """The caches of every embedding model under ``root`` (each opened by its own manifest), for
        what must reach every vector of a record: an earlier model's cache holds it as well."""
        caches = []
        for manifest in sorted(Path(root).glob("*/manifest.json")):
            m = json.loads(manifest.read_text())
            model_id, dim = m.get("model_id"), m.get("dim")
            if isinstance(model_id, str) and isinstance(dim, int) and _slug(model_id) == manifest.parent.name:
                caches.append(cls(root, model_id, dim))
        return caches

    # -- persistence -----------------------------------------------------------------------------
    def _lock(self) -> contextlib.AbstractContextManager[None]:
        return writer_lock(self.dir)

    def _read_manifest(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self._manifest.read_text())
        return data

    def _check_manifest(self) -> None:
        m = self._read_manifest()
        if m.get("model_id") != self.model_id or m.get("dim") != self.dim:
            from matcher.errors import BundleMismatch

            raise BundleMismatch(
                f"embedding cache {self.dir} holds {m.get('model_id')} (dim {m.get('dim')}), "
                f"not {self.model_id} (dim {self.dim})"
            )

    def _committed(self) -> tuple[int, int]:
        """The committed row count and generation: from the manifest read last while the file at
        the manifest's path is that one still (see the module doc), else read again."""
        held = self._held
        if held is not None and _stamp(os.stat(self._manifest)) == held.stamp:
            return held.committed
        return self._read_committed()

    def _read_committed(self) -> tuple[int, int]:
        """Read the manifest through a descriptor that is kept open until the next read."""
        fd = os.open(self._manifest, os.O_RDONLY)
        try:
            stamp = _stamp(os.fstat(fd))
            parts = []
            while chunk := os.read(fd, 65536):
                parts.append(chunk)
            m = json.loads(b"".join(parts))
        except BaseException:
            os.close(fd)
            raise
        count, gen = m["count"], m.get("generation", 0)
        committed = (count if isinstance(count, int) else 0), (gen if isinstance(gen, int) else 0)
        old, self._held = self._held, _HeldManifest(stamp, committed, weakref.finalize(self, _close, fd))
        if old is not None:
            old.close()
        return committed

    def _paths(self, gen: int) -> tuple[Path, Path]:
        return self.dir / f"keys-{gen}.txt", self.dir / f"vectors-{gen}.f32"

    def _commit(self, count: int, gen: int = 0) -> None:
        body = {"model_id": self.model_id, "dim": self.dim, "count": count, "generation": gen, "format": 1}
        write_atomic(self._manifest, json.dumps(body, sort_keys=True).encode())

    def _refresh(self) -> None:
        """Read the keys committed since the last look (another process may have added some)."""
        count, gen = self._committed()
        if (count, gen) == self._loaded:
            return
        keys_path, _ = self._paths(gen)
        if count == 0:
            self._index = {}
        else:
            with open(keys_path, encoding="ascii") as fh:
                keys = [next(fh).rstrip("\n") for _ in range(count)]
            self._index = {k: i for i, k in enumerate(keys)}
        self._loaded = (count, gen)

    def _rows(self, rows: npt.NDArray[np.int64]) -> F32:
        """The committed vectors at ``rows`` (a copy), read in blocks of ``READ_BLOCK`` rows in file
        order, each through a mapping of just its span of the loaded generation's file that is gone
        again before the next: a server's start gathers all 100,000 vacancy vectors, and one mapping
        of the whole file held its 154 MB resident beside the gathered copy until the end."""
        _, gen = self._loaded
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        if not len(rows):
            return out
        _, vectors_path = self._paths(gen)
        row_bytes = self.dim * 4
        order = np.argsort(rows, kind="stable")
        with open(vectors_path, "rb") as fh:
            for b in range(0, len(order), READ_BLOCK):
                sel = order[b : b + READ_BLOCK]
                at = rows[sel]
                lo, hi = int(at[0]) * row_bytes, (int(at[-1]) + 1) * row_bytes
                start = lo - lo % mmap.ALLOCATIONGRANULARITY
                with mmap.mmap(fh.fileno(), hi - start, access=mmap.ACCESS_READ, offset=start) as mm:
                    span = np.frombuffer(mm, dtype=np.float32, offset=lo - start).reshape(-1, self.dim)
                    out[sel] = span[at - at[0]]  # a gather: a copy, nothing points into the mapping
                    del span  # the mapping closes only when no array looks into it
        return out

    def _sweep(self, gen: int) -> None:
        """Remove what a killed writer left (under the lock, so no writer is running): files of other
        generations, which after a compaction still hold the erased vectors, and temporary files."""
        current = set(self._paths(gen))
        for path in self.dir.iterdir():
            stale_generation = (
                re.fullmatch(r"(keys-\d+\.txt|vectors-\d+\.f32)", path.name) and path not in current
            )
            if stale_generation or path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)

    def _truncate_uncommitted(self, count: int, gen: int) -> None:
        """Cut rows a killed writer appended but never committed."""
        keys_path, vectors_path = self._paths(gen)
        if vectors_path.exists() and vectors_path.stat().st_size != count * self.dim * 4:
            with open(vectors_path, "r+b") as fh:
                fh.truncate(count * self.dim * 4)
        if keys_path.exists():
            with open(keys_path, "r+b") as fh:
                lines = fh.read().split(b"\n")
                keep = b"".join(line + b"\n" for line in lines[:count])
                fh.seek(0)
                fh.write(keep)
                fh.truncate(len(keep))

    # -- API -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        self._refresh()
        return len(self._index)

    def get(self, hashes: Sequence[str]) -> tuple[F32, npt.NDArray[np.bool_]]:
        """Vectors for the hashes (zeros where missing) and a mask of which were found."""
        try:
            return self._get_once(hashes)
        except FileNotFoundError:
            # A compaction switched generations between the refresh and the read and removed the
            # old file: the next refresh reads the new generation, which holds the rows.
            return self._get_once(hashes)

    def _get_once(self, hashes: Sequence[str]) -> tuple[F32, npt.NDArray[np.bool_]]:
        self._refresh()
        rows = np.array([self._index.get(h, -1) for h in hashes], dtype=np.int64)
        found = rows >= 0
        if found.all():
            return self._rows(rows), found  # one gather, no second full-size copy
        out = np.zeros((len(hashes), self.dim), dtype=np.float32)
        out[found] = self._rows(rows[found])
        return out, found

    def add(self, hashes: Sequence[str], vectors: F32) -> None:
        """Append vectors for hashes not yet cached, then commit."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(hashes), self.dim):
            raise ValueError(f"expected vectors of shape ({len(hashes)}, {self.dim}), got {vectors.shape}")
        with self._lock():
            count, gen = self._read_committed()
            self._truncate_uncommitted(count, gen)
            self._sweep(gen)
            self._refresh()
            new: dict[str, int] = {}
            for i, h in enumerate(hashes):
                if h not in self._index and h not in new:
                    new[h] = i
            if not new:
                return
            rows = vectors[list(new.values())]
            keys_path, vectors_path = self._paths(gen)
            with open(vectors_path, "ab") as fh:
                fh.write(rows.tobytes())
                fh.flush()
                os.fsync(fh.fileno())
            with open(keys_path, "a", encoding="ascii") as fk:
                fk.write("".join(h + "\n" for h in new))
                fk.flush()
                os.fsync(fk.fileno())
            self._commit(count + len(new), gen)
        log.debug("embedding cache %s: %d new vectors", self.dir.name, len(new))

    def embed(
        self,
        hashes: Sequence[str],
        texts: Sequence[str],
        encode: EncodeFn,
        *,
        chunk: int = 256,
        progress: bool = False,
        desc: str = "embedding",
    ) -> F32:
        """Vectors for all texts, embedding only those whose hash is not cached yet."""
        if len(hashes) != len(texts):
            raise ValueError("hashes and texts differ in length")
        out, found = self.get(hashes)
        todo: dict[str, int] = {}
        for i in np.flatnonzero(~found):
            todo.setdefault(hashes[int(i)], int(i))
        if todo:
            from tqdm import tqdm

            items = list(todo.items())
            bar = tqdm(total=len(items), desc=desc, unit="text", disable=not progress, leave=False)
            try:
                for start in range(0, len(items), chunk):
                    part = items[start : start + chunk]
                    vecs = encode([texts[i] for _, i in part])
                    self.add([h for h, _ in part], vecs)
                    bar.update(len(part))
            finally:
                bar.close()
            out, found = self.get(hashes)
        return out

    def compact(self, drop: set[str]) -> int:
        """Rewrite the cache without the given hashes (erasure); returns how many were dropped."""
        with self._lock():
            count, gen = self._read_committed()
            self._truncate_uncommitted(count, gen)
            self._sweep(gen)
            self._refresh()
            keep = [h for h in self._index if h not in drop]
            dropped = len(self._index) - len(keep)
            if not dropped:
                return 0
            rows = self._rows(np.fromiter((self._index[h] for h in keep), dtype=np.int64, count=len(keep)))
            new_keys, new_vectors = self._paths(gen + 1)
            write_atomic(new_vectors, np.ascontiguousarray(rows).tobytes())
            write_atomic(new_keys, "".join(h + "\n" for h in keep).encode("ascii"))
            self._commit(len(keep), gen + 1)
            for old in self._paths(gen):
                old.unlink(missing_ok=True)
        return dropped
