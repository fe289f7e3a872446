"""The nightly per-team table of the Förderempfehlung: counts, suppression, the files, the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context, write_team_demand
from matcher.measures.team import team_table
from matcher.nightly.engines import LocalEngine
from matcher.nightly.runner import NightlyRunner
from matcher.store import Store
from tests.matcher.nightly.region import TermsScorer, build_region, fake_encoder, settings_for


def test_each_claimant_counts_once_and_small_cells_are_suppressed() -> None:
    best = [("JC-A", "T1", "car")] * 6 + [("JC-A", "T1", "licence_b")] * 2 + [("JC-A", "T1", None)] * 5
    best += [("JC-A", "T0", "car")] * 3
    best += [("JC-A", "T2", "car")] * 7 + [("JC-A", "T2", "licence_b")] * 8
    t = team_table(best, ["licence_b", "car"], ["Führerschein B", "Auto"], min_cell=5)
    assert t.keys == ("licence_b", "car", "none")
    assert [(r.team, r.claimants, r.cells) for r in t.rows] == [
        ("T0", "< 5", ("< 5", "< 5", "< 5")),
        # One small cell (2) would be 13 − 6 − 5: the smallest shown one (5) is blanked too.
        ("T1", 13, ("< 5", 6, "x")),
        ("T2", 15, (8, "x", "< 5")),  # the zero of "none" is small too
    ]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store, Path]:
    data_dir = tmp_path_factory.mktemp("nightly-measures")
    store = build_region(data_dir, claimants=80, vacancies=120)
    settings = settings_for(data_dir)
    services = Services(settings, store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer())
    service = services.match_service()
    ctx = build_context(services, progress=False, service=service)
    summary = NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=data_dir / "out",
        run_id="m1",
        engine=LocalEngine(),
        progress=False,
    ).run()
    cache_before = sorted(p.name for p in (data_dir / "embeddings").rglob("keys-*"))
    keys_before = sum(len(p.read_text().splitlines()) for p in (data_dir / "embeddings").rglob("keys-*"))
    html = write_team_demand(services, service, ctx.claimants, summary)
    keys_after = sum(len(p.read_text().splitlines()) for p in (data_dir / "embeddings").rglob("keys-*"))
    assert keys_after == keys_before, "a changed profile's vector was cached"
    assert sorted(p.name for p in (data_dir / "embeddings").rglob("keys-*")) == cache_before
    return html, store, summary.run_dir


def test_the_nightly_table_is_written_per_team_with_suppression(run_dir: tuple[Path, Store, Path]) -> None:
    html, store, folder = run_dir
    body = json.loads((folder / "foerderbedarf.json").read_text(encoding="utf-8"))
    assert body["min_cell"] == 5 and body["market_months"] == 12
    assert [m["key"] for m in body["measures"]][-1] == "none"
    total = 0
    for team in body["teams"]:
        cells = list(team["best"].values())
        assert all(c in ("< 5", "x") or (isinstance(c, int) and c >= 5) for c in cells)
        assert sum(c == "< 5" for c in cells) != 1 or "x" in cells
        if isinstance(team["claimants"], int):
            total += team["claimants"]
    assert 0 < total <= 80
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="de"' in page
    assert "Förderbedarf nach Team" in page and "Anzahl Personen" in page and "&lt; 5" in page
    entry = store.list_audit()[-1]
    assert entry.action == "nightly.measures" and entry.payload["claimants"] == 80


@pytest.mark.slow  # Debian chromium
def test_the_team_table_renders_in_chromium(run_dir: tuple[Path, Store, Path], tmp_path: Path) -> None:
    from tests.api.test_browser import CHROMIUM, _need, _save_screenshot

    _need(CHROMIUM.exists(), f"{CHROMIUM} missing")
    from playwright.sync_api import sync_playwright

    html, _, _ = run_dir
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = b.new_page(locale="de-DE", viewport={"width": 1400, "height": 700})
            page.goto(html.as_uri())
            assert page.locator("h1").inner_text() == "Förderbedarf nach Team"
            headers = page.locator("th").all_inner_texts()
            assert headers[:2] == ["Team", "Personen"] and "Führerschein Klasse B" in headers
            assert page.locator("tbody tr").count() >= 1
            _save_screenshot(page, tmp_path, "passgenau-foerderbedarf.png")
        finally:
            b.close()
