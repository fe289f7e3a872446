"""The API docs in a real browser (issue 13, item 11): Swagger UI at /docs and ReDoc at /redoc render
the operations from the app's own files, under the page's Content-Security-Policy (ReDoc: plus
``worker-src blob:``, see ``api.docs``), with no request leaving 127.0.0.1 and nothing refused by
the policy. Every request the browser makes is recorded; one to another host would also be aborted.
Screenshots go to tmp_path (and to $PASSGENAU_SCREENSHOT_DIR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.test_browser import _save_screenshot, browser, served

pytestmark = pytest.mark.slow  # Debian chromium

__all__ = ["browser", "served"]  # the fixtures, shared with the page's browser test


def _open(browser: Any, url: str) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    problems: list[str] = []

    def route(r: Any) -> None:
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    return context, page, requests, problems


def _local(requests: list[str], base: str) -> list[str]:
    """The requests that went anywhere but this app (data: and blob: URLs stay in the browser)."""
    return [u for u in requests if not (u.startswith(base + "/") or u.startswith(("data:", "blob:")))]


def test_swagger_ui_and_redoc_render_offline_under_the_policy(
    browser: Any, served: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = served["url"]
    context, page, requests, problems = _open(browser, base + "/docs")
    try:
        expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
        expect(
            page.locator(".opblock-summary-path", has_text="/vacancies/{vacancy_id}/candidates")
        ).to_have_count(1)
        _save_screenshot(page, tmp_path, "docs-swagger.png")
    finally:
        context.close()
    assert requests and _local(requests, base) == [], requests
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == [], problems

    context, page, requests, problems = _open(browser, base + "/redoc")
    try:
        # The operations, a response field's description and the rejection reasons' enumeration.
        # ReDoc parses the 1 MB bundle and the whole spec before it shows anything: under the shared
        # machine's load that took more than the 5 s expect() waits by default.
        expect(page.get_by_role("heading", name="passgenau").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("/claimants/{claimant_id}/suggestions").first).to_be_attached()
        expect(page.get_by_text("The list's number (Protokoll-Nr.)").first).to_be_attached()
        # The feedback operation's body shows the rejection reasons' enumeration (RejectReason).
        page.get_by_role("menuitem", name="feedback").click()
        page.get_by_role("menuitem", name="Feedback", exact=True).click()
        page.get_by_role("button", name="expand reason_code").first.click()
        expect(page.get_by_text("claimant_declined").first).to_be_attached(timeout=30_000)
        # The search box works: its index is built in the worker that ``worker-src blob:`` allows.
        page.get_by_placeholder("Search...").fill("candidates")
        expect(page.get_by_role("search").get_by_role("menuitem", name="Candidates")).to_be_visible(
            timeout=30_000
        )
        _save_screenshot(page, tmp_path, "docs-redoc.png")
    finally:
        context.close()
    assert requests and _local(requests, base) == [], requests
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == [], problems
    assert [p for p in problems if "error" in p.lower()] == [], problems
