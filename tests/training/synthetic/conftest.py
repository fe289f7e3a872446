"""Regions shared by the tests of the synthetic generator (generated once per test run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.synthetic import Region, generate_region, write_region


@pytest.fixture(scope="package")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Region, Path]:
    region = generate_region(7, 400, 300, placements=1500)
    out = tmp_path_factory.mktemp("small")
    write_region(region, out)
    return region, out


@pytest.fixture(scope="package")
def big7() -> Region:
    return generate_region(7, 3000, 2000)
