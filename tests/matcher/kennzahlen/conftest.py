from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.matcher.kennzahlen.region import StoredRegion, build


@pytest.fixture(scope="session")
def kz_region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoredRegion]:
    # On tmpfs where there is one: the fixture's few thousand small transactions then cost no fsync.
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("kz")
    r = build(root)
    try:
        yield r
    finally:
        r.store.close()
        if root.parent == shm:
            shutil.rmtree(root, ignore_errors=True)
