"""The server's start hands the heap it freed back to the OS (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes
import platform
from pathlib import Path

import pytest

from api.runtime import return_freed_heap


def _anon_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise LookupError("RssAnon")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_small_blocks_go_back_to_the_os() -> None:
    held = [bytearray(512) for _ in range(200_000)]  # ~100 MB of blocks glibc keeps once freed
    grown = _anon_kb()
    del held
    assert return_freed_heap()
    assert _anon_kb() < grown - 50_000


def test_without_glibc_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libc(name: str) -> None:
        raise OSError(name)

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert return_freed_heap() is False
