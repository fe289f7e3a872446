"""The Ray engine's address handling, without a cluster."""

from __future__ import annotations

import pytest

from matcher.errors import PassgenauError
from matcher.nightly.engines import LocalEngine, RayEngine, make_engine

ray = pytest.importorskip("ray", reason="the ray engine's package ray is not installed")


def test_make_engine_carries_the_address_and_workers() -> None:
    engine = make_engine("ray", address="10.0.0.1:6379", workers=16)
    assert isinstance(engine, RayEngine) and (engine.address, engine.workers) == ("10.0.0.1:6379", 16)
    assert isinstance(make_engine("local"), LocalEngine)
    with pytest.raises(PassgenauError, match="not one of local, ray"):
        make_engine("spark")


def test_the_local_engine_takes_its_processes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher.settings import Settings

    assert make_engine("local").processes == 1
    monkeypatch.setenv("PASSGENAU_NIGHTLY__PROCESSES", "2")
    ns = Settings().nightly
    assert ns.processes == 2
    engine = make_engine(ns.engine, processes=ns.processes)
    assert isinstance(engine, LocalEngine) and engine.processes == 2
    monkeypatch.setenv("PASSGENAU_NIGHTLY__PROCESSES", "0")
    with pytest.raises(ValueError, match="processes"):
        Settings()


def test_a_ray_client_address_without_ray_client_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from ray._private.utils import get_ray_client_dependency_error

    if get_ray_client_dependency_error() is None:
        pytest.skip("ray[client] is installed here: a ray:// address would really connect")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(PassgenauError, match=r"ray\[client\].*HOST:PORT"):
        RayEngine(address="ray://head:10001")._init(ray)
    assert not ray.is_initialized()
