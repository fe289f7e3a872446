"""The claimant page's list controls, "Warum nicht diese Stelle?" by title and the excluded counts
expanded, in a real browser (Debian's chromium, headless, Playwright), checked against the API's
own answers: "weitere anzeigen" grows the list by ten up to 50; contract and temp agency narrow it
in the API's order; a bad hours band shows the server's 422 in German naming the field; a title word
lists the vacancies it finds with their reasons; each excluded count opens to its vacancies; each
card's controls and bars are named after the vacancy; the confirming name is pre-filled.
Screenshots are saved."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from matcher.search_text import fold
from tests.api.browser_session import signed_in
from tests.api.test_browser import _WIDEST, _save_screenshot, browser, served  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow  # Debian chromium


def _api(app: dict[str, Any], path: str, **params: Any) -> Any:
    r = httpx.get(app["url"] + path, params=params,
                  headers={"Authorization": f"Bearer {app['tokens']['cm']}"})  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def _ids(locator: Any, attr: str = "data-vacancy-id") -> list[str]:
    return [locator.nth(i).get_attribute(attr) for i in range(locator.count())]


def test_list_controls_why_not_by_title_and_the_excluded_vacancies(
    browser: Any,  # noqa: F811
    served: dict[str, Any],  # noqa: F811
    tmp_path: Any,
) -> None:
    from playwright.sync_api import expect

    cid = served["claimant"]
    with signed_in(browser, served["url"], served["tokens"]["cm"], who="test-cm") as session:
        page, problems = session.page, session.problems
        page.goto(f"{served['url']}/kunden/{cid}")
        items = page.get_by_test_id("suggestion")
        expect(items).to_have_count(10)

        # "weitere anzeigen": ten more at a time, in the API's order, until the list ends (or 50).
        full = _api(served, f"/claimants/{cid}/suggestions", k=50)["suggestions"]
        assert len(full) > 10
        more = page.get_by_test_id("suggestions-more")
        shown = 10
        while shown < min(50, len(full)):
            expect(more).to_be_visible()
            more.click()
            shown = min(shown + 10, len(full))
            expect(items).to_have_count(shown)
        expect(more).to_be_hidden()
        assert _ids(items) == [s["vacancy_id"] for s in full[:shown]]

        # Accessibility: each card's controls and bars are named after its vacancy; the confirming
        # name is the signed-in user's, editable.
        first = items.first
        title, vid = full[0]["title"], full[0]["vacancy_id"]
        expect(page.get_by_role("combobox", name=f"Aktion zu „{title}“ ({vid})", exact=True)).to_have_count(1)
        expect(first.get_by_test_id("feedback-confirmed-by")).to_have_value("test-cm")
        labels = first.locator("meter").evaluate_all("ms => ms.map(m => m.getAttribute('aria-label'))")
        assert labels == [f"Chance auf Einstellung, {title}", f"Chance, dass sie 12 Monate hält, {title}"]

        # Contract and temp agency: the API's narrowed list, in its order, and what was left out.
        page.get_by_test_id("lc-contract").select_option("permanent")
        page.get_by_test_id("lc-temp").select_option("false")
        page.get_by_test_id("lc-apply").click()
        narrowed = _api(
            served, f"/claimants/{cid}/suggestions", k=10, contract="permanent", temp_agency="false"
        )
        expect(items).to_have_count(len(narrowed["suggestions"]))
        assert _ids(items) == [s["vacancy_id"] for s in narrowed["suggestions"]]
        expect(page.get_by_test_id("claimant-status")).to_contain_text("Durch Ihre Auswahl ausgeblendet:")
        _save_screenshot(page, tmp_path, "passgenau-list-controls.png")

        # A band upside down: the server's 422, in German, naming the field.
        page.get_by_test_id("lc-hours-min").fill("30")
        page.get_by_test_id("lc-hours-max").fill("20")
        page.get_by_test_id("lc-apply").click()
        expect(page.get_by_test_id("claimant-status")).to_have_text(
            "Eingabe nicht gültig: „Wochenstunden von“: darf nicht über „Wochenstunden bis“ liegen"
        )
        page.get_by_test_id("lc-reset").click()
        expect(items).to_have_count(10)

        # The excluded counts: one group per filter that excludes any; each opens to its vacancies.
        counts = {
            f: n for f, n in _api(served, f"/claimants/{cid}/suggestions", k=1)["excluded"].items() if n
        }
        groups = page.get_by_test_id("excluded-group")
        expect(groups).to_have_count(len(counts))
        name = max(counts, key=lambda f: counts[f])
        group = page.locator(f'[data-testid="excluded-group"][data-filter="{name}"]')
        group.get_by_test_id("excluded-summary").click()
        want = _api(served, f"/claimants/{cid}/excluded", filter=name, limit=50)
        rows = group.get_by_test_id("excluded-row")
        expect(rows).to_have_count(len(want["vacancies"]))
        assert _ids(rows) == [v["vacancy_id"] for v in want["vacancies"]]
        expect(group.get_by_test_id("excluded-summary")).to_contain_text(f"{counts[name]} Stelle")
        _save_screenshot(page, tmp_path, "passgenau-excluded.png")

        # "Warum nicht diese Stelle?" by a title word, typed without umlauts.
        word = next(w for v in want["vacancies"] for w in re.split(r"[\s/()–-]+", v["title"]) if len(w) >= 5)
        typed = fold(word)
        found = _api(served, f"/claimants/{cid}/why-not", q=typed)
        assert found["total"] > 0
        page.get_by_test_id("whynot-id").fill(typed)
        page.get_by_test_id("whynot-submit").click()
        results = page.get_by_test_id("whynot-result")
        expect(results).to_have_count(len(found["vacancies"]))
        assert _ids(results) == [v["vacancy_id"] for v in found["vacancies"]]
        for i, v in enumerate(found["vacancies"]):
            assert results.nth(i).get_attribute("data-failed") == " ".join(v["failed"])
            expect(results.nth(i).get_by_test_id("refusal-row")).to_have_count(len(v["refusals"]))
        _save_screenshot(page, tmp_path, "passgenau-whynot-title.png")
        # With the why-not results and an excluded group open, the page still fits a phone (390 px).
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate(_WIDEST) <= 390.5
        # The upside-down band's 422 is the only failed request.
        assert problems == [
            "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
        ]
