"""My caseload in a real browser (Debian's chromium, headless, Playwright): a case manager signs in,
opens "Meine Kunden" before any nightly run (no lists yet), then `passgenau nightly` runs (the real
command, in process, on the test's trigram embedder) and a reload shows each of their claimants
with the new list, as the database holds it, every entry marked "neu". A screenshot is saved."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.browser_session import signed_in
from tests.api.test_browser import _WIDEST, _save_screenshot, _Server, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # Debian chromium

CM = "fm-007"


@pytest.fixture
def caseload_app(api_region_dir: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    from api.app import create_app
    from api.auth import create_token
    from matcher.settings import KennzahlenSettings, Settings
    from matcher.store import Store
    from tests.api.conftest import JC_A, _region, trigram_encoder

    data_dir = Path(shutil.copytree(api_region_dir, tmp_path / "data", symlinks=True))
    region = _region()
    settings = Settings(data_dir=data_dir, as_of=region.reference_date)
    store = Store.open(settings.resolved_database_url)
    _, secret = create_token(store, CM, "case_manager", JC_A)
    # A team lead of GOE-Mitte (fm-007's team), named so in the settings.
    _, lead = create_token(store, "Frau Teamleitung", "team_lead", JC_A)
    settings = settings.model_copy(
        update={"kennzahlen": KennzahlenSettings(team_leads={"Frau Teamleitung": ("GOE-Mitte",)})}
    )
    app = create_app(settings, encoder=trigram_encoder(data_dir), store=store)
    own = sorted(c.id for c in region.claimants if c.case_manager == CM and c.active)
    try:
        with _Server(app) as server:
            team = sorted(
                c.id for c in region.claimants if c.jobcenter == JC_A and c.team == "GOE-Mitte" and c.active
            )
            yield {"url": server.url, "store": store, "token": secret, "own": own, "lead": lead, "team": team,
                   "data_dir": data_dir, "as_of": region.reference_date}  # fmt: skip
    finally:
        store.close()


def passgenau_nightly(data_dir: Path, as_of: str, run_id: str) -> str:
    """`passgenau --data-dir D nightly --run-id R`, the real command on the trigram embedder."""
    from typer.testing import CliRunner

    from matcher.bootstrap import Services
    from matcher.cli import app
    from matcher.cli.base import set_services_factory
    from tests.api.conftest import trigram_encoder

    previous = set_services_factory(lambda s: Services(s, encoder=trigram_encoder(s.data_dir)))
    try:
        args = [
            "--data-dir",
            str(data_dir),
            "nightly",
            "--run-id",
            run_id,
            "--no-progress",
            "--engine",
            "local",
        ]
        result = CliRunner().invoke(app, args, env={"PASSGENAU_AS_OF": as_of})
    finally:
        set_services_factory(previous)
    assert result.exit_code == 0, result.output
    return result.output


def test_after_the_nightly_run_the_caseload_page_shows_the_new_lists(
    browser: Any,  # noqa: F811
    caseload_app: dict[str, Any],
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    app = caseload_app
    with signed_in(browser, app["url"], app["token"], who=CM) as session:
        page, problems = session.page, session.problems
        page.get_by_test_id("caseload-link").click()
        expect(page).to_have_url(app["url"] + "/meine-kunden")
        expect(page.get_by_test_id("caseload-heading")).to_have_text("Meine Kunden")
        expect(page.get_by_test_id("caseload-run")).to_have_text(
            "Noch kein nächtlicher Lauf abgeschlossen: es gibt noch keine Listen."
        )
        expect(page.get_by_test_id("caseload-claimant")).to_have_count(len(app["own"]))
        expect(page.get_by_test_id("caseload-entry")).to_have_count(0)

        out = passgenau_nightly(app["data_dir"], app["as_of"].isoformat(), "night-1")
        assert "nightly run night-1 complete" in out
        rows = app["store"].list_nightly("night-1", case_manager=CM)
        assert rows  # the command wrote lists for this case manager

        page.reload()
        day = app["as_of"].strftime("%d.%m.%Y")
        expect(page.get_by_test_id("caseload-run")).to_contain_text(
            f"Nächtliche Liste vom {day} (Lauf night-1"
        )
        cards = page.get_by_test_id("caseload-claimant")
        expect(cards).to_have_count(len(app["own"]))
        assert [cards.nth(i).get_attribute("data-claimant-id") for i in range(cards.count())] == app["own"]
        for cid in app["own"]:
            card = page.locator(f'[data-testid="caseload-claimant"][data-claimant-id="{cid}"]')
            want = [r.vacancy_id for r in rows if r.claimant_id == cid]
            entries = card.get_by_test_id("caseload-entry")
            expect(entries).to_have_count(len(want))
            assert [entries.nth(i).get_attribute("data-vacancy-id") for i in range(len(want))] == want
            # The first run: every entry is new.
            expect(card.get_by_test_id("caseload-new")).to_have_count(len(want))
        expect(page.get_by_test_id("caseload-status")).to_contain_text(
            f"{len(app['own'])} Kundinnen und Kunden, erster nächtlicher Lauf"
        )
        _save_screenshot(page, tmp_path, "passgenau-caseload.png")

        # An entry opens the vacancy from this claimant (the way back leads to them).
        first = rows[0]
        page.locator(
            f'[data-claimant-id="{first.claimant_id}"] [data-vacancy-id="{first.vacancy_id}"] a'
        ).click()
        expect(page).to_have_url(f"{app['url']}/stellen/{first.vacancy_id}?kunde={first.claimant_id}")
        expect(page.get_by_test_id("vacancy-heading")).to_have_text(first.payload["title"])
        assert problems == [], problems


def test_a_team_lead_sees_the_team_and_picks_one_case_manager(
    browser: Any,  # noqa: F811
    caseload_app: dict[str, Any],
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    app = caseload_app
    passgenau_nightly(app["data_dir"], app["as_of"].isoformat(), "night-1")
    with signed_in(browser, app["url"], app["lead"], who="Teamleitung") as session:
        page = session.page
        page.get_by_test_id("caseload-link").click()
        expect(page.get_by_test_id("caseload-heading")).to_have_text("Kundinnen und Kunden meines Teams")
        cards = page.get_by_test_id("caseload-claimant")
        expect(cards).to_have_count(len(app["team"]))
        assert [cards.nth(i).get_attribute("data-claimant-id") for i in range(cards.count())] == app["team"]
        rows = app["store"].list_nightly("night-1")
        expect(page.get_by_test_id("caseload-entry")).to_have_count(
            sum(r.claimant_id in app["team"] for r in rows)
        )
        page.get_by_test_id("caseload-cm").select_option(CM)
        expect(page).to_have_url(f"{app['url']}/meine-kunden?fallmanager={CM}")
        expect(cards).to_have_count(len(app["own"]))
        assert [cards.nth(i).get_attribute("data-claimant-id") for i in range(cards.count())] == app["own"]
        _save_screenshot(page, tmp_path, "passgenau-caseload-team.png")
        # On a phone (390 px) no element of the page is wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate(_WIDEST) <= 390.5
