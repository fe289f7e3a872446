"""The wish readings on the claimant page in a real browser (Debian's chromium, headless, Playwright;
issue 22): a claimant with a wish in Ukrainian (Cyrillic) and one in Arabic (right to left) sees each
original as written, the Arabic laid out right to left, the German occupation each was read as next
to it; a correction in one click (search, choose) is stored and changes the suggestions, and undoing
it brings the earlier list back. Screenshots are saved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.browser_session import signed_in
from tests.api.test_browser import _WIDEST, _save_screenshot, browser, served  # noqa: F401 (fixtures)
from tests.api.test_readings import AR, OWN_WORDS, UK

pytestmark = pytest.mark.slow  # Debian chromium


def _call(app: dict[str, Any], method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(
        method, app["url"] + path, headers={"Authorization": f"Bearer {app['tokens']['cm']}"}, **kw
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def _ids(items: Any) -> list[str]:
    return [items.nth(i).get_attribute("data-vacancy-id") for i in range(items.count())]


def test_own_words_in_cyrillic_and_arabic_their_reading_and_a_correction(
    browser: Any,  # noqa: F811
    served: dict[str, Any],  # noqa: F811
    tmp_path: Any,
) -> None:
    from playwright.sync_api import expect

    cid = _call(served, "POST", "/claimants", json=OWN_WORDS)["id"]
    before = [s["vacancy_id"] for s in _call(served, "GET", f"/claimants/{cid}/suggestions")["suggestions"]]
    with signed_in(browser, served["url"], served["tokens"]["cm"], who="test-cm") as session:
        page, problems = session.page, session.problems
        page.goto(f"{served['url']}/kunden/{cid}")
        items = page.get_by_test_id("suggestion")
        expect(items).to_have_count(10)
        assert _ids(items) == before
        readings = page.get_by_test_id("readings-list").locator("li.reading")
        expect(readings).to_have_count(3)

        # The originals as written: same characters, the Arabic right to left, the Cyrillic left to
        # right, both marked as of a language the page cannot name (not German).
        uk, ar, de = (page.get_by_test_id(f"reading-{i}") for i in range(3))
        for row, words, direction in ((uk, UK, "ltr"), (ar, AR, "rtl")):
            wish = row.get_by_test_id("reading-wish")
            assert wish.text_content() == words
            assert wish.evaluate("e => getComputedStyle(e).direction") == direction
            assert wish.get_attribute("lang") == "" and wish.get_attribute("dir") == "auto"
        assert de.get_by_test_id("reading-wish").get_attribute("lang") is None
        # The reading next to each: what the API says the lookup's grounder made of it.
        api = _call(served, "GET", f"/claimants/{cid}/readings")["readings"]
        lager = api[2]["read_as"][0]
        expect(de.get_by_test_id("reading-as")).to_have_text(f"{lager['title']} (KldB {lager['kldb']})")
        for row, w in ((uk, api[0]), (ar, api[1])):
            if w["read_as"]:
                first = w["read_as"][0]
                expect(row.get_by_test_id("reading-as")).to_contain_text(
                    f"{first['title']} (KldB {first['kldb']})"
                )
            else:
                expect(row.get_by_test_id("reading-as")).to_have_text(
                    "keine sichere Zuordnung – bitte Beruf wählen"
                )
            # The alternatives are offered in the select, in the API's order.
            options = row.get_by_test_id("reading-select").locator("option")
            expect(options).to_have_count(1 + len(w["alternatives"]))
        _save_screenshot(page, tmp_path, "passgenau-readings.png")

        # One click after a search: the Ukrainian wish is read as Berufskraftfahrer from now on.
        uk.get_by_test_id("reading-search").fill("kraftfahrer")
        expect(uk.get_by_test_id("reading-select").locator("option[value='52122']")).to_have_count(1)
        uk.get_by_test_id("reading-select").select_option("52122")
        expect(uk.get_by_test_id("reading-as")).to_contain_text(
            "Berufskraftfahrer (KldB 52122) – korrigiert von test-cm"
        )
        after = [
            s["vacancy_id"] for s in _call(served, "GET", f"/claimants/{cid}/suggestions")["suggestions"]
        ]
        assert after != before
        page.wait_for_function(
            "ids => [...document.querySelectorAll('[data-testid=suggestion]')]"
            ".map(e => e.dataset.vacancyId).join() === ids.join()",
            arg=after,
        )
        assert served["store"].wish_corrections([cid]) == {cid: {UK: "52122"}}
        # The Arabic original is still as written after the page re-drew the readings.
        assert ar.get_by_test_id("reading-wish").text_content() == AR
        _save_screenshot(page, tmp_path, "passgenau-readings-corrected.png")

        # Undone: the model's reading again, and the list of before.
        uk.get_by_test_id("reading-reset").click()
        expect(uk.get_by_test_id("reading-reset")).to_have_count(0)
        page.wait_for_function(
            "ids => [...document.querySelectorAll('[data-testid=suggestion]')]"
            ".map(e => e.dataset.vacancyId).join() === ids.join()",
            arg=before,
        )
        assert served["store"].wish_corrections([cid]) == {}

        # On a phone (390 px) the readings with their select and search fit the width.
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(readings).to_have_count(3)
        expect(items).to_have_count(10)
        assert page.evaluate(_WIDEST) <= 390.5
        _save_screenshot(page, tmp_path, "passgenau-readings-390.png")
        assert problems == []
