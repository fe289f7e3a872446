"""Which embedding model a setting stands for: "auto" is the tuned e5-small once it was built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.errors import EmbedderUnavailable
from models.embedder import AUTO, E5_SMALL, TUNED, built, choose_model, resolve_model, tuned_ready


def _tuned(data_dir: Path, manifest: dict[str, object] | None) -> Path:
    folder = data_dir / "models" / TUNED
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_auto_is_e5_small_until_a_tuned_model_is_built(tmp_path: Path) -> None:
    assert tuned_ready(tmp_path) is False
    assert choose_model(AUTO, tmp_path) == E5_SMALL
    assert built(AUTO, tmp_path) is False  # e5-small not built either in a fresh data dir


def test_auto_is_the_tuned_model_once_its_manifest_is_written(tmp_path: Path) -> None:
    folder = _tuned(tmp_path, {"weights_sha256": "ab" * 32, "base_model": E5_SMALL})
    assert choose_model(AUTO, tmp_path) == TUNED
    assert resolve_model(AUTO, tmp_path) == folder
    assert built(AUTO, tmp_path) is True


def test_a_tuned_folder_without_a_weights_hash_is_not_used(tmp_path: Path) -> None:
    _tuned(tmp_path, {"base_model": E5_SMALL})  # an interrupted or foreign folder
    assert choose_model(AUTO, tmp_path) == E5_SMALL
    with pytest.raises(EmbedderUnavailable, match="tune-embedder"):
        resolve_model(TUNED, tmp_path)


def test_an_explicit_setting_stands_for_itself(tmp_path: Path) -> None:
    _tuned(tmp_path, {"weights_sha256": "ab" * 32})
    assert choose_model(E5_SMALL, tmp_path) == E5_SMALL
    assert choose_model("/some/folder", tmp_path) == "/some/folder"


def test_a_model_folder_names_its_grounding_floor(tmp_path: Path) -> None:
    from models.embedder import GROUNDING_FLOOR, grounding_floor

    folder = _tuned(tmp_path, {"weights_sha256": "ab" * 32, "grounding_floor": 0.71})
    assert grounding_floor(folder) == 0.71
    (folder / "manifest.json").write_text(json.dumps({"grounding_floor": "low"}), encoding="utf-8")
    assert grounding_floor(folder) == GROUNDING_FLOOR == 0.85
    assert grounding_floor(tmp_path / "absent") == 0.85
