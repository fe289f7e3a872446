"""The architecture contracts of docs/ARCHITECTURE.md (import-linter, configured in pyproject.toml):
the core imports no framework, models imports neither api nor training, only the API imports the
web framework. A broken contract fails here with the import chain that breaks it."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
