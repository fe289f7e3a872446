"""A signed-in page of the served app in Debian's chromium, with the console errors it logs: the
set-up every page test starts from."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SignedIn:
    page: Any
    problems: list[str] = field(default_factory=list)  # console errors and uncaught page errors


@contextlib.contextmanager
def signed_in(
    browser: Any, url: str, token: str, *, who: str, timeout_ms: int = 10_000
) -> Iterator[SignedIn]:
    """Sign in on ``url`` with ``token`` through the page's own form; the header must then name
    ``who``. The browser context is closed afterwards whatever the test did."""
    from playwright.sync_api import expect

    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        session = SignedIn(page)
        page.on("console", lambda m: session.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.problems.append(str(e)))
        page.goto(url + "/")
        page.get_by_test_id("signin-token").fill(token)
        page.get_by_test_id("signin-submit").click()
        expect(page.get_by_test_id("whoami")).to_contain_text(who)
        yield session
    finally:
        context.close()
