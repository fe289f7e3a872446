"""The Förderempfehlung section of the claimant page in a real browser (Debian's chromium, headless).

Signs in as a case manager, opens a claimant without a driving licence to whom a measure is offered, and checks the section: at
most three measures with their figures in German with units, each expandable to the vacancies it
opens, the others listed as changing nothing worth a measure, and the notice that the figures are the
model's estimate. Screenshot to tmp_path (and $PASSGENAU_SCREENSHOT_DIR).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.browser_session import signed_in
from tests.api.test_browser import _save_screenshot, browser, served  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow  # Debian chromium


def test_the_claimant_page_shows_the_foerderempfehlung(
    browser: Any,  # noqa: F811
    served: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    store = served["store"]
    own = store.list_claimants(active_only=False, jobcenter="JC-GOE")
    # The first claimant without class B for whom the model offers a measure (for whom none is
    # offered the section says so: that case is the API test's).
    headers = {"Authorization": f"Bearer {served['tokens']['cm']}"}
    cid = next(
        c
        for c in sorted(c.id for c in own if "B" not in c.licences)
        if httpx.get(f"{served['url']}/claimants/{c}/measures", headers=headers).json()["offered"]
    )
    with signed_in(
        browser, served["url"], served["tokens"]["cm"], who="test-cm", timeout_ms=15_000
    ) as session:
        page, problems = session.page, session.problems
        page.goto(f"{served['url']}/kunden/{cid}")
        section = page.get_by_test_id("measures")
        expect(section.locator("h2")).to_have_text("Förderempfehlung")
        status = page.get_by_test_id("measures-status")
        expect(status).to_contain_text(re.compile(r"Stellen der letzten 12 Monate"))
        offered = page.locator('[data-testid^="measure-"]').filter(has=page.get_by_test_id("measure-summary"))
        n = offered.count()
        assert 1 <= n <= 3, status.inner_text()
        first = offered.first
        text = first.inner_text()
        assert "Erwartete dauerhafte Vermittlungen (erste 10 Vorschläge)" in text
        assert re.search(r"\d+ Stellen", text) and re.search(r"etwa \d+(,\d)? Monat", text)
        assert re.search(r"[+−]\d+,\d{3} je Monat", text) and "SGB" in text
        assert re.search(r"\d,\d\d → \d,\d\d \([+−]\d,\d\d\)", text)
        first.get_by_test_id("measure-opened-list").locator("summary").click()
        expect(first.get_by_test_id("measure-opened-list")).to_have_attribute("open", "")
        opened = first.get_by_test_id("measure-opened")
        if opened.count():
            expect(opened.first).to_contain_text(re.compile(r"befristet|unbefristet"))
        page.get_by_test_id("measures-others").locator("summary").click()
        assert "ändert" in page.get_by_test_id("measures-others").inner_text()
        expect(page.get_by_test_id("measures-notice")).to_contain_text("keine Zusage")
        section.scroll_into_view_if_needed()
        _save_screenshot(page, tmp_path, "passgenau-foerderempfehlung.png")
        section.screenshot(path=str(tmp_path / "foerderempfehlung-section.png"))
        assert problems == [], problems
