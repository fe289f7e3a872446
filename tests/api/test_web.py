"""The web page's routes and files, without a browser (the browser test drives the page itself)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.web
from api.web import STATIC, STATIC_FILES, TEMPLATES, reject_reason_options
from matcher.domain import RejectReason

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(api.web.router)
    return TestClient(app)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/meine-kunden",
        "/kunden/K-000017",
        "/stellen/V-000001",
        "/stellen/V-000001/kandidaten",
        "/kunden/K-1/vorschlag/V-1",
    ],
)
def test_every_page_address_serves_the_shell_with_a_strict_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    shell = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    assert r.text == shell.replace("<!-- reject-reasons -->", reject_reason_options(), 1)


def test_shell_is_german_accessible_and_has_no_inline_script(client: TestClient) -> None:
    page = _parse(client.get("/").text)
    html = [a for t, a in page.tags if t == "html"]
    assert html == [{"lang": "de"}]
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts == [{"src": "/static/app.js", "defer": None}]
    assert page.script_text == []
    # No inline event handlers or styles (the policy would block them anyway).
    for _tag, attrs in page.tags:
        assert not [k for k in attrs if k.startswith("on") or k == "style"], attrs
    # Every input and select has a label naming it.
    labelled = {a["for"] for t, a in page.tags if t == "label"}
    fields = [a["id"] for t, a in page.tags if t in ("input", "select")]
    assert fields == [
        "token",
        "q",
        "caseload-cm",
        "whynot-id",
        "lc-contract",
        "lc-temp",
        "lc-hours-min",
        "lc-hours-max",
        "lc-commute",
    ]
    assert set(fields) <= labelled
    assert sum(1 for t, _ in page.tags if t == "h1") == 7  # one per view; only one is shown


@pytest.mark.parametrize(("name", "media_type"), sorted(STATIC_FILES.items()))
def test_static_files_are_served_from_the_list(client: TestClient, name: str, media_type: str) -> None:
    r = client.get(f"/static/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    assert r.content == (STATIC / name).read_bytes()
    assert "default-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name", ["web.py", "..%2Fweb.py", "../web.py", "index.html", "app.js.map", "%2e%2e%2f__init__.py", ""]
)
def test_nothing_else_is_served_as_a_static_file(client: TestClient, name: str) -> None:
    assert client.get(f"/static/{name}").status_code == 404


@pytest.mark.parametrize("path", ["/kunden/<script>", "/kunden/" + "K" * 65, "/stellen/..%2F..%2Fetc"])
def test_page_addresses_only_take_ids(client: TestClient, path: str) -> None:
    assert client.get(path).status_code in (404, 422)


def test_page_files_load_nothing_from_elsewhere() -> None:
    for path in [TEMPLATES / "index.html", *(STATIC / n for n in STATIC_FILES)]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        assert "@import" not in text, path


def test_script_builds_the_page_without_html_from_data() -> None:
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    # The token lives in sessionStorage and the Authorization header only.
    assert "localStorage" not in js
    assert "document.cookie" not in js
    assert js.count("sessionStorage.setItem(") == 1
    assert "Authorization: `Bearer ${" in js
    assert "Token ungültig oder widerrufen" in js


def test_package_data_ships_the_page_files() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["api"]
    api_dir = ROOT / "api"
    files = [TEMPLATES / "index.html", *(STATIC / n for n in STATIC_FILES)]
    for f in files:
        rel = f.relative_to(api_dir).as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), rel


# -- `passgenau demo` ends by serving the page ------------------------------------------------------
def test_demo_serves_the_page_with_a_case_manager_token(
    api_region_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    import uvicorn
    from fastapi import FastAPI

    from api.auth import authenticate
    from matcher.cli.demo import serve_demo
    from matcher.settings import Settings
    from matcher.store import Store

    data_dir = Path(shutil.copytree(api_region_dir, tmp_path / "data"))
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings.resolved_database_url)
    calls: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    claimant = sorted(c.id for c in store.list_claimants(active_only=True))[0]
    try:
        serve_demo(settings, store, claimant, "127.0.0.1", 8123)
        out = capsys.readouterr().out
        [(app, kw)] = calls
        assert isinstance(app, FastAPI)
        assert (kw["host"], kw["port"]) == ("127.0.0.1", 8123)
        assert "   address: http://127.0.0.1:8123/\n" in out
        assert f"http://127.0.0.1:8123/kunden/{claimant}\n" in out
        secret = re.search(r"demo token \(case_manager, Jobcenter ([^,]+), tok-\w+\): (pg_\S+)\n", out)
        assert secret is not None, out
        principal = authenticate(store, f"Bearer {secret.group(2)}", ())
        assert (principal.role, principal.jobcenter) == (
            "case_manager",
            store.get_claimant(claimant).jobcenter,
        )
        assert principal.jobcenter == secret.group(1)
    finally:
        store.close()


def test_demo_without_the_lookup_stops_after_the_import(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from matcher.cli import app

    args = [
        "--data-dir",
        str(tmp_path),
        "demo",
        "--claimants",
        "30",
        "--vacancies",
        "30",
        "--placements",
        "200",
    ]
    result = CliRunner().invoke(app, [*args, "--no-lookup"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "region built and imported" in result.output
    assert "Serving" not in result.output
    help_text = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--serve", "--no-serve", "--host", "--port"):
        assert option in help_text, option


class _Options(HTMLParser):
    """The <option> elements inside <template id="reject-reasons">, as (value, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.options: list[tuple[str, str]] = []
        self._inside = False
        self._value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "template" and dict(attrs).get("id") == "reject-reasons":
            self._inside = True
        elif tag == "option" and self._inside:
            self._value = dict(attrs)["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._value is not None:
            self.options.append((self._value, data))
            self._value = None


def test_the_page_offers_exactly_the_apis_rejection_reasons(client: TestClient) -> None:
    """Issue 13: one enumeration (matcher.domain.RejectReason) for the API's validation, its
    OpenAPI schema and the page's choices; its docstring (the API docs' text) lists the same."""
    p = _Options()
    p.feed(client.get("/kunden/K-000017").text)
    assert p.options == [(r.value, r.label) for r in RejectReason]
    assert len(p.options) == 11 and ("childcare", "Kinderbetreuung nicht vereinbar") in p.options
    documented = re.findall(r"- ``([a-z_]+)``: (.+)", RejectReason.__doc__ or "")
    assert documented == p.options
    # The script builds its select from that template, not from a list of its own.
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    assert 'getElementById("reject-reasons")' in script and '"childcare"' not in script


def test_openapi_shows_the_rejection_reasons_as_an_enumeration() -> None:
    from api.schemas import FeedbackIn

    schema = FeedbackIn.model_json_schema()
    ref = next(x for x in schema["properties"]["reason_code"]["anyOf"] if "$ref" in x)["$ref"]
    enum = schema["$defs"][ref.rsplit("/", 1)[1]]
    assert enum["enum"] == [r.value for r in RejectReason]
    assert "Kinderbetreuung nicht vereinbar" in enum["description"]
