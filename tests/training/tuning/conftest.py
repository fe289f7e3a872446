"""The session's multilingual-e5-small build, shared with the embedding-model tests."""

from tests.models.conftest import _model_cache_root, e5_data_dir, e5_dir

__all__ = ["_model_cache_root", "e5_data_dir", "e5_dir"]
