"""`python -m matcher.cli`: the same as the `passgenau` console script."""

from __future__ import annotations

from matcher.cli import app

app()
