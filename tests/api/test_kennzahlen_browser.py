"""The team-lead page of the key figures in a real browser (Debian's chromium, headless, Playwright).

The app is served by uvicorn on loopback over the key-figures store of ``test_kennzahlen_api``;
the browser sends the team lead's token as a header (the page is a plain printable document, like
the Auskunft). It checks the team's section, that every plot decoded (naturalWidth > 0) under the
page's Content-Security-Policy with no violation reported, and saves a screenshot (tmp_path and
$PASSGENAU_SCREENSHOT_DIR) and a PDF print of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.test_browser import _save_screenshot, _Server, browser  # noqa: F401 (fixture)
from tests.api.test_kennzahlen_api import kz_app

pytestmark = pytest.mark.slow  # Debian chromium


def test_the_team_lead_page_renders_with_its_plots(
    browser: Any,  # noqa: F811
    api_region_dir: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    _, stored, app, tokens = kz_app(api_region_dir, tmp_path / "data")
    try:
        with _Server(app) as server:
            context = browser.new_context(
                locale="de-DE",
                viewport={"width": 1100, "height": 900},
                extra_http_headers={"Authorization": f"Bearer {tokens['lead']}"},
            )
            page = context.new_page()
            problems: list[str] = []  # CSP violations show up as console errors
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server.url + "/kennzahlen?format=html&from=2023-01-01&to=2026-11-01")
            expect(page.locator("h1")).to_have_text("Kennzahlen nach §48a SGB II aus passgenau")
            expect(page.locator("h2").first).to_have_text("Team GOE-Mitte (JC-GOE)")
            imgs = page.locator("img")
            expect(imgs).to_have_count(3)  # trends, forecast, the capacity constraint's effect
            widths = page.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
            assert widths == [750, 750, 750], widths
            assert "Wirkung der Kapazitätsgrenze" in page.inner_text("body")
            assert page.locator("table").count() >= 5
            assert "Integrationsquote" in page.inner_text("body")
            _save_screenshot(page, tmp_path, "kennzahlen-team-lead.png")
            page.pdf(path=str(tmp_path / "kennzahlen.pdf"), format="A4")
            assert (tmp_path / "kennzahlen.pdf").stat().st_size > 10_000
            assert problems == [], problems
            # The same page for a case manager asking for the team: refused.
            cm = browser.new_context(extra_http_headers={"Authorization": f"Bearer {tokens['cm']}"})
            resp = cm.new_page().goto(server.url + "/kennzahlen?format=html&team=GOE-Mitte")
            assert resp is not None and resp.status == 403
            cm.close()
            context.close()
    finally:
        stored.store.close()
