"""`passgenau nightly`: the command of the nightly match lists."""

from __future__ import annotations
