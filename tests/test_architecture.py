"""The architecture contracts of docs/ARCHITECTURE.md (import-linter, configured in pyproject.toml):
the core imports no framework, models imports neither api nor training, only the API imports the
web framework. A broken contract fails here with the import chain that breaks it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # import-linter configures logging with dictConfig, which disables every logger that exists
    # (SQLAlchemy's among them): later tests that read those logs would see nothing.
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg.name: lg.disabled for lg in loggers}
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
    finally:
        for lg in loggers:
            lg.disabled = disabled[lg.name]
