"""The case managers' page in a real browser: Debian's chromium, headless, driven by Playwright.

The app runs under uvicorn on a free loopback port in a background thread, over the API tests'
seeded store and service. The test signs in with a case manager's token, finds and opens a
claimant, reads the suggestions with their reasons, records feedback (first breaking the rule that
a proposal names the confirming person, so the server's 422 shows on the page) and checks the
feedback row in the database; reloads and finds both vacancies marked with date and user and in the
claimant's history; opens the proposed vacancy in full (wage with its unit, the commute from this
claimant, its history), prints the Vermittlungsvorschlag on one A4 page, opens the candidates by their
own link and goes back to the claimant. Screenshots go to tmp_path (and to $PASSGENAU_SCREENSHOT_DIR).

chromium comes from Debian (``./dev.sh test`` installs it), never from ``playwright install``.
Without it the test skips locally and fails on CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from matcher.domain import FeedbackAction, RejectReason
from tests.api.test_explanations import bare_number

pytestmark = pytest.mark.slow  # Debian chromium

CHROMIUM = Path("/usr/bin/chromium")
CONFIRMED_BY = "Erika Mustermann"


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _need(ok: bool, reason: str) -> None:
    if ok:
        return
    if _on_ci():
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need(CHROMIUM.exists(), f"{CHROMIUM} missing: Debian's chromium package (./dev.sh test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:  # pragma: no cover - a dev dependency
        _need(False, f"the playwright package is missing ({err}): pip install -e '.[dev]'")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield b
        finally:
            b.close()


class _Server:
    """uvicorn serving ``app`` on a free 127.0.0.1 port in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def _save_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    target = os.environ.get("PASSGENAU_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        copy = Path(target) / name
        shutil.copyfile(path, copy)
        print(f"screenshot: {copy}")
    return path


@pytest.fixture(scope="module")
def served(api_region_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app over a copy of the API tests' seeded region, served by uvicorn on loopback."""
    from api.app import create_app
    from matcher.settings import Settings
    from matcher.store import Store
    from tests.api.conftest import JC_A, SEED, make_tokens, trigram_encoder
    from training.synthetic import generate_region

    data_dir = Path(
        shutil.copytree(api_region_dir, tmp_path_factory.mktemp("browser") / "data", symlinks=True)
    )
    region = generate_region(SEED, 40, 60, placements=600)
    settings = Settings(data_dir=data_dir, as_of=region.reference_date)
    store = Store.open(settings.resolved_database_url)
    tokens, _ = make_tokens(store)
    app = create_app(settings, encoder=trigram_encoder(data_dir), store=store)
    try:
        with _Server(app) as server:
            yield {
                "url": server.url,
                "store": store,
                "tokens": tokens,
                "claimant": sorted(c.id for c in region.claimants if c.jobcenter == JC_A)[0],
            }
    finally:
        store.close()


def test_case_manager_signs_in_opens_a_claimant_and_records_feedback(
    browser: Any, served: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    store = served["store"]
    claimant_id = served["claimant"]
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []  # CSP violations and script errors show up here
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(served["url"] + "/")
        expect(page.get_by_test_id("signin")).to_be_visible()

        # A revoked token is refused with a clear message and is not kept.
        page.get_by_test_id("signin-token").fill(served["tokens"]["revoked"])
        page.get_by_test_id("signin-submit").click()
        expect(page.get_by_test_id("signin-error")).to_have_text("Token ungültig oder widerrufen")
        assert page.evaluate("sessionStorage.getItem('passgenau.token')") is None

        page.get_by_test_id("signin-token").fill(served["tokens"]["cm"])
        page.get_by_test_id("signin-submit").click()
        expect(page.get_by_test_id("whoami")).to_have_text("test-cm · Fallmanagement · Jobcenter JC-GOE")
        assert page.evaluate("sessionStorage.getItem('passgenau.token')") == served["tokens"]["cm"]

        # Search by folded occupation, place, postcode and case manager: rows and the total as the
        # store holds them (counted here from the records, not through the search code).
        own = store.list_claimants(active_only=False, jobcenter="JC-GOE")
        one = next(c for c in own if c.id == claimant_id)
        for q, hit in (("verkaeufer", lambda c: any("verkäufer" in o.lower() or "verkaeufer" in o.lower()
                                                     for o in c.desired_occupations)),
                       (one.municipality, lambda c: one.municipality in c.municipality),
                       (one.postcode, lambda c: c.postcode.startswith(one.postcode)),
                       (one.case_manager, lambda c: c.case_manager.startswith(one.case_manager))):  # fmt: skip
            want = sum(1 for c in own if hit(c))
            assert want > 0, q
            page.get_by_test_id("search-q").fill(q)
            page.get_by_test_id("search-submit").click()
            expect(page.get_by_test_id("search-status")).to_contain_text(f"{want} gefunden")
            expect(page.get_by_test_id("search-row")).to_have_count(min(want, 50))
        _save_screenshot(page, tmp_path, "passgenau-search.png")

        # Find the claimant by id prefix and open them.
        page.get_by_test_id("search-q").fill(claimant_id)
        page.get_by_test_id("search-submit").click()
        link = page.locator(
            f'[data-testid="search-row"][data-id="{claimant_id}"] [data-testid="claimant-link"]'
        )
        link.click()
        expect(page).to_have_url(f"{served['url']}/kunden/{claimant_id}")
        expect(page.get_by_test_id("claimant-heading")).to_have_text(
            f"Vorschläge für Kundennummer {claimant_id}"
        )

        items = page.get_by_test_id("suggestion")
        expect(items).to_have_count(10)
        n = items.count()
        assert n >= 5
        for i in range(n):
            item = items.nth(i)
            reasons = item.get_by_test_id("suggestion-reasons").locator("li")
            assert reasons.count() >= 2, f"suggestion {i + 1} without facts"
            assert reasons.first.inner_text().startswith("Fahrzeit ")
            text = item.inner_text()
            for label in (
                "Chance auf Einstellung",
                "Chance, dass sie 12 Monate hält",
                "Spricht dafür",
                "Spricht dagegen",
                "Fahrzeit",
                "Stunden pro Woche",
                "Haushaltseffekt",
            ):
                assert label in text, (i, label)
            expect(item.get_by_test_id("meaning")).to_contain_text("Von 100 solchen Vorschlägen")
            # The rules of tests/api/test_explanations.py, on the page as shown.
            sides = {}
            for side in ("pro", "contra"):
                lines = item.get_by_test_id(f"suggestion-{side}").get_by_test_id("why-line")
                sides[side] = [
                    (lines.nth(j).get_attribute("data-group"), lines.nth(j).get_attribute("data-source"),
                     lines.nth(j).inner_text()) for j in range(lines.count())
                ]  # fmt: skip
            for side, other in (("pro", "contra"), ("contra", "pro")):
                facing = {g for g, src, _ in sides[other] if src == "reason"}
                for group, src, text in sides[side]:
                    if src == "driver":
                        assert bare_number(text) is None, text
                        assert group not in facing, (i, text, sides)
        expect(page.get_by_test_id("model-version")).to_contain_text("Modell ")
        expect(page.get_by_test_id("model-version")).to_contain_text("Einbettung trigram-64")

        # Record "vorgeschlagen" on the first suggestion: first without the confirming name (the
        # server refuses, and its message is shown), then with it.
        first = items.first
        vacancy_id = first.get_attribute("data-vacancy-id")
        # The card's controls are named after its vacancy.
        expect(first.get_by_role("group", name=re.compile(f"^Rückmeldung zu .*{vacancy_id}"))).to_be_visible()
        expect(
            first.get_by_role("button", name=re.compile(f"Rückmeldung zu .*{vacancy_id}.* speichern"))
        ).to_be_visible()
        first.get_by_test_id("feedback-action").select_option("proposed")
        # The signed-in user is pre-filled as the confirming person; emptied, the server refuses
        # and the page says so in German, naming the field.
        expect(first.get_by_test_id("feedback-confirmed-by")).to_have_value("test-cm")
        first.get_by_test_id("feedback-confirmed-by").fill("")
        first.get_by_test_id("feedback-submit").click()
        status = first.get_by_test_id("feedback-status")
        expect(status).to_have_text(
            "Nicht gespeichert: „Bestätigt durch“: ohne namentliche Bestätigung durch eine Fachkraft"
            " wird nichts vorgeschlagen"
        )
        assert store.list_actions(claimant_id) == []

        first.get_by_test_id("feedback-confirmed-by").fill(CONFIRMED_BY)
        first.get_by_test_id("feedback-submit").click()
        expect(status).to_have_text(f"Gespeichert: vorgeschlagen, bestätigt von {CONFIRMED_BY}.")

        # A rejection of the second suggestion, with a reason code chosen from the list.
        second = items.nth(1)
        second_vacancy = second.get_attribute("data-vacancy-id")
        second.get_by_test_id("feedback-action").select_option("rejected")
        second.get_by_test_id("feedback-reason").select_option("commute")
        second.get_by_test_id("feedback-submit").click()
        expect(second.get_by_test_id("feedback-status")).to_have_text("Gespeichert: abgelehnt.")

        page.get_by_test_id("feedback-status").first.scroll_into_view_if_needed()
        shot = _save_screenshot(page, tmp_path, "passgenau-suggestions.png")
        assert shot.stat().st_size > 10_000

        rows = {(f.vacancy_id, f.action): f for f in store.list_actions(claimant_id)}
        assert set(rows) == {(vacancy_id, FeedbackAction.PROPOSED), (second_vacancy, FeedbackAction.REJECTED)}
        proposed = rows[(vacancy_id, FeedbackAction.PROPOSED)]
        assert (proposed.claimant_id, proposed.confirmed_by, proposed.user) == (
            claimant_id,
            CONFIRMED_BY,
            "test-cm",
        )
        rejected = rows[(second_vacancy, FeedbackAction.REJECTED)]
        assert (rejected.reason_code, rejected.confirmed_by) == ("commute", None)

        # Reload: the proposed vacancy is marked with date and user, the rejected one with its
        # reason; the claimant's history lists both, newest first.
        today = store.list_actions(claimant_id)[0].at.astimezone().strftime("%d.%m.%Y")
        page.reload()
        expect(items).to_have_count(10)
        marked = page.locator(f'[data-testid="suggestion"][data-vacancy-id="{vacancy_id}"]')
        expect(marked.get_by_test_id("handled")).to_have_text(
            f"vorgeschlagen am {today} von test-cm, bestätigt von {CONFIRMED_BY}"
        )
        rejected_card = page.locator(f'[data-testid="suggestion"][data-vacancy-id="{second_vacancy}"]')
        expect(rejected_card.get_by_test_id("handled")).to_have_text(
            f"abgelehnt (Arbeitsweg zu lang oder nicht erreichbar) am {today} von test-cm"
        )
        assert page.get_by_test_id("handled").count() == 2
        # No developer text on the page: no field or feature names, no English sentence.
        shown = page.locator("main").inner_text()
        assert not re.findall(r"\b[a-z]+_[a-z]+\b", shown)
        assert not re.findall(r"\b(?:the|must|without|nothing|no such|is not)\b", shown)
        history = page.get_by_test_id("claimant-history").get_by_test_id("history-row")
        expect(history).to_have_count(2)
        assert history.nth(1).get_attribute("data-vacancy-id") == vacancy_id
        assert history.nth(1).inner_text().split("\t")[2:] == ["vorgeschlagen", "test-cm", CONFIRMED_BY]
        _save_screenshot(page, tmp_path, "passgenau-marked.png")

        # The vacancy page: the title leads to the vacancy in full, with the commute from this
        # claimant and the proposal in the vacancy's history.
        marked.get_by_test_id("vacancy-link").click()
        expect(page).to_have_url(f"{served['url']}/stellen/{vacancy_id}?kunde={claimant_id}")
        v = store.get_vacancy(vacancy_id)
        expect(page.get_by_test_id("vacancy-heading")).to_have_text(v.title)
        facts = page.get_by_test_id("vacancy-facts")
        unit = "pro Stunde" if v.wage_unit.value == "hour" else "pro Monat"
        wage = f"{v.wage:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        expect(facts).to_contain_text(f"{wage} € {unit} (brutto)")
        expect(facts).to_contain_text(f"Arbeitsweg von Kundennummer {claimant_id}")
        for label in ("Arbeitgeber", "Zeitarbeit", "Vertrag", "Arbeitszeit", "Deutschkenntnisse",
                      "Führerschein", "Körperliche Belastung", "Bewerbungsfrist"):  # fmt: skip
            expect(facts).to_contain_text(label)
        vh = page.get_by_test_id("vacancy-history").get_by_test_id("history-row")
        expect(vh).to_have_count(1)
        assert vh.first.get_attribute("data-claimant-id") == claimant_id
        assert vh.first.get_attribute("data-action") == "proposed"
        _save_screenshot(page, tmp_path, "passgenau-vacancy.png")

        # The printable Vermittlungsvorschlag: one A4 page, and the claimant notice of the confirmed
        # proposal on a second (who decided, why, how to object); no buttons or navigation in print.
        page.get_by_test_id("vacancy-print-link").click()
        expect(page).to_have_url(f"{served['url']}/kunden/{claimant_id}/vorschlag/{vacancy_id}")
        expect(page.get_by_test_id("proposal-confirmed")).to_contain_text(f"bestätigt von {CONFIRMED_BY}")
        expect(page.get_by_test_id("proposal-title")).to_have_text(v.title)
        notice = page.get_by_test_id("proposal-notice-text")
        expect(notice).to_contain_text(f"Hinweis zu Ihrem Vermittlungsvorschlag: „{v.title}“")
        expect(notice).to_contain_text(CONFIRMED_BY)
        expect(notice).to_contain_text("Widerspruch")
        _save_screenshot(page, tmp_path, "passgenau-proposal.png")
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages == 2, f"the proposal and its notice print on {pages} pages, not one each"
        page.emulate_media(media="print")
        assert page.get_by_test_id("proposal-print").is_hidden()
        page.emulate_media(media="screen")
        page.go_back()

        # The candidates are a separate link; the way back leads to the vacancy, then the claimant.
        expect(page.get_by_test_id("vacancy-heading")).to_have_text(v.title)
        page.get_by_test_id("vacancy-candidates-link").click()
        expect(page).to_have_url(f"{served['url']}/stellen/{vacancy_id}/kandidaten?kunde={claimant_id}")
        expect(page.get_by_test_id("candidate").first).to_be_visible()
        _save_screenshot(page, tmp_path, "passgenau-candidates.png")
        page.get_by_test_id("candidates-back").click()
        page.get_by_test_id("vacancy-back").click()
        expect(page).to_have_url(f"{served['url']}/kunden/{claimant_id}")
        expect(page.get_by_test_id("claimant-heading")).to_have_text(
            f"Vorschläge für Kundennummer {claimant_id}"
        )
        # "Warum nicht diese Stelle?": a vacancy this claimant's filters exclude, asked for by its
        # number, shows each failed filter with what the vacancy asks and what the claimant brings.
        auth = {"Authorization": f"Bearer {served['tokens']['cm']}"}
        pairs = (
            httpx.get(f"{served['url']}/claimants/{claimant_id}/vacancies/{v.id}", headers=auth).json()
            for v in store.list_vacancies()
            if not v.filled
        )
        excluded = next(p for p in pairs if p["failed"])
        page.get_by_test_id("whynot-id").fill(excluded["vacancy_id"])
        page.get_by_test_id("whynot-submit").click()
        expect(page).to_have_url(f"{served['url']}/stellen/{excluded['vacancy_id']}?kunde={claimant_id}")
        rows = page.get_by_test_id("whynot-row")
        expect(rows).to_have_count(len(excluded["failed"]))
        for i, r in enumerate(excluded["refusals"]):
            expect(rows.nth(i)).to_have_text(f"{r['reason']}{r['vacancy_value']}{r['claimant_value']}")
        _save_screenshot(page, tmp_path, "passgenau-whynot.png")
        page.get_by_test_id("vacancy-back").click()
        page.get_by_test_id("vacancy-link").first.click()

        # The session survives a reload of the tab; signing out forgets the token.
        page.reload()
        expect(page.get_by_test_id("vacancy-facts")).to_be_visible()
        page.get_by_test_id("signout").click()
        expect(page.get_by_test_id("signin")).to_be_visible()
        assert page.evaluate("sessionStorage.length") == 0

        # The token never reached an address.
        assert served["tokens"]["cm"] not in page.url
        # No script error and no policy violation; the wrong token's 401 and the refused
        # proposal's 422 are the only failed requests.
        expected = [f"the server responded with a status of {code}" for code in (401, 422)]
        assert [p for p in problems if not any(e in p for e in expected)] == []
        assert len(problems) == 2, problems
    finally:
        context.close()


def test_api_docs_render_offline_under_the_policy(
    browser: Any, served: dict[str, Any], tmp_path: Path
) -> None:
    """Swagger UI from the app's own files, under the same Content-Security-Policy as every answer:
    it renders the operations, no request leaves the origin, and nothing is blocked (issue 16,
    defect 10)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(served["url"] + "/docs")
        expect(page.locator(".opblock").first).to_be_visible()
        expect(
            page.locator(".opblock-summary-path", has_text="/claimants/{claimant_id}/suggestions")
        ).to_have_count(1)
        expect(
            page.locator(".opblock-summary-path", has_text="/employers/{employer_id}").first
        ).to_be_visible()
        _save_screenshot(page, tmp_path, "docs.png")
    finally:
        context.close()
    assert problems == []
    assert requests and all(u.startswith(served["url"] + "/") or u.startswith("data:") for u in requests), (
        requests
    )


# Every element's right edge within the viewport (a table or a heading wider than a phone's screen
# scrolls the whole page sideways).
_WIDEST = """() => Math.max(0, ...[...document.querySelectorAll('body *')]
    .filter(e => e.getClientRects().length > 0)
    .map(e => e.getBoundingClientRect().right))"""


def test_claimant_list_prints_compactly_and_every_page_fits_390_px(
    browser: Any, served: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 13, items 7 and 8: at 390 px no element is wider than the viewport, on every page of a
    case manager's day; the claimant list prints (A4) with no button, form or navigation."""
    from playwright.sync_api import expect

    claimant_id = served["claimant"]
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(served["url"] + "/")
        page.get_by_test_id("signin-token").fill(served["tokens"]["cm"])
        page.get_by_test_id("signin-submit").click()
        expect(page.get_by_test_id("whoami")).to_be_visible()
        page.get_by_test_id("search-q").fill("K-0000")
        page.get_by_test_id("search-submit").click()
        expect(page.get_by_test_id("search-row").first).to_be_visible()
        widths = {"search": page.evaluate(_WIDEST)}
        page.goto(f"{served['url']}/kunden/{claimant_id}")
        links = page.get_by_test_id("vacancy-link")
        expect(links).to_have_count(10)
        widths["claimant"] = page.evaluate(_WIDEST)
        _save_screenshot(page, tmp_path, "passgenau-390.png")
        vacancy_id = links.first.get_attribute("href").split("/stellen/")[1].split("?")[0]
        links.first.click()
        expect(page.get_by_test_id("vacancy-facts")).to_be_visible()
        widths["vacancy"] = page.evaluate(_WIDEST)
        page.goto(f"{served['url']}/kunden/{claimant_id}/vorschlag/{vacancy_id}")
        expect(page.get_by_test_id("proposal-title")).not_to_be_empty()
        widths["proposal"] = page.evaluate(_WIDEST)
        assert {name: w for name, w in widths.items() if w > 390.5} == {}, widths

        # The list in print: A4, at most two pages, nothing to click or fill in.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{served['url']}/kunden/{claimant_id}")
        expect(page.get_by_test_id("vacancy-link")).to_have_count(10)
        # The rejection reasons offered are the API's enumeration, code for code and text for text.
        offered = page.get_by_test_id("feedback-reason").first.evaluate(
            "s => [...s.options].filter(o => o.value).map(o => [o.value, o.textContent])"
        )
        assert offered == [[r.value, r.label] for r in RejectReason]
        page.emulate_media(media="print")
        visible = page.evaluate(
            """() => [...document.querySelectorAll('button, form, input, select, textarea, nav, .nav')]
                .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 80))"""
        )
        assert visible == []
        # The print date and the list's number (its Protokoll-Nr., the audit id of the shown list).
        head = page.get_by_test_id("print-head")
        expect(head).to_be_visible()
        audit_id = page.get_by_test_id("print-head").get_attribute("data-audit-id")
        assert audit_id and re.fullmatch(r"\d+", audit_id), audit_id
        today = time.strftime("%d.%m.%Y")
        assert re.fullmatch(rf"Gedruckt am {today}, \d\d:\d\d Uhr · Liste Nr\. {audit_id}", head.inner_text())
        page.emulate_media(media="screen")
        expect(head).to_be_hidden()
        page.emulate_media(media="print")
        # The A4 text width (210 mm less the page margins of 33 mm, at 96 px per inch).
        page.set_viewport_size({"width": 669, "height": 900})
        _save_screenshot(page, tmp_path, "passgenau-list-print.png")
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        print(f"the claimant list prints on {pages} A4 pages")
        (tmp_path / "passgenau-list-print.pdf").write_bytes(pdf)
        assert pages <= 2, f"the list of 10 prints on {pages} pages"
    finally:
        context.close()
