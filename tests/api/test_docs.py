"""/docs serves Swagger UI from the app itself, and every answer carries the Content-Security-Policy
(issue 16, defect 10: the docs loaded third-party scripts from a CDN on the API's origin, with no
policy on any answer but the page's)."""

from __future__ import annotations

import re
from typing import Any

from api.docs import REDOC_LOGO, REDOC_STYLE_HASHES, redoc_csp
from api.headers import CSP
from tests.api.conftest import ApiEnv


def test_docs_load_nothing_from_elsewhere(api_ro: ApiEnv) -> None:
    r = api_ro.client.get("/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    html = r.text
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!doctype", "")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(refs) == sorted(
        ["/docs/favicon.png", "/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"]
    )
    # No inline script: every <script> has a src (the policy allows none without one).
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    for ref in refs:
        got = api_ro.client.get(ref)
        assert got.status_code == 200 and len(got.content) > 0, ref
        assert got.headers["content-security-policy"] == CSP
    bundle = api_ro.client.get("/docs/swagger-ui-bundle.js")
    assert (
        bundle.headers["content-type"].startswith("text/javascript") and b"SwaggerUIBundle" in bundle.content
    )
    init = api_ro.client.get("/docs/init.js").text
    assert '"/openapi.json"' in init and "validatorUrl: null" in init
    assert api_ro.client.get("/docs/../pyproject.toml").status_code == 404
    assert api_ro.client.get("/docs/redoc.standalone.js").status_code == 404  # ReDoc's are under /redoc


def test_redoc_is_served_from_the_wheel_under_the_page_policy_plus_what_it_needs(api_ro: ApiEnv) -> None:
    """Issue 13, item 11: /redoc (was off: FastAPI's loads ReDoc from a CDN and Google's fonts)."""
    first, second = api_ro.client.get("/redoc"), api_ro.client.get("/redoc")
    assert first.status_code == 200
    html = first.text
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!doctype", "")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(refs) == ["/docs/favicon.png", "/redoc/init.js", "/redoc/redoc.standalone.js"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    # The page's policy, with a fresh nonce and two hashes for ReDoc's styles and a blob: worker.
    nonce = re.search(r'data-nonce="([A-Za-z0-9_-]{24})"', html)
    assert nonce is not None and nonce.group(1) not in second.text
    policy = first.headers["content-security-policy"]
    assert policy == redoc_csp(nonce.group(1))
    page = dict(p.split(" ", 1) for p in CSP.split("; "))
    redoc = dict(p.split(" ", 1) for p in policy.split("; "))
    assert set(redoc) - set(page) == {"worker-src"} and redoc["worker-src"] == "blob:"
    assert {k: v for k, v in redoc.items() if k not in ("style-src", "worker-src")} == {
        k: v for k, v in page.items() if k != "style-src"
    }
    assert redoc["style-src"] == " ".join(["'self'", f"'nonce-{nonce.group(1)}'", *REDOC_STYLE_HASHES])
    assert "unsafe" not in policy
    bundle = api_ro.client.get("/redoc/redoc.standalone.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert b"Redoc" in bundle.content and REDOC_LOGO not in bundle.content
    assert bundle.headers["content-security-policy"] == CSP
    init = api_ro.client.get("/redoc/init.js").text
    assert (
        '"/openapi.json"' in init
        and "nonce: root.dataset.nonce" in init
        and "//" not in init.replace("// ", "")
    )


def test_every_answer_carries_the_policy(api_ro: ApiEnv) -> None:
    cid = api_ro.ids("JC-GOE")[0]
    answers = [
        api_ro.client.get("/"),
        api_ro.client.get("/static/app.js"),
        api_ro.client.get("/openapi.json"),
        api_ro.client.get("/health"),
        api_ro.client.get(f"/claimants/{cid}", headers=api_ro.headers("cm")),
        api_ro.client.get("/claimants/K-nope", headers=api_ro.headers("cm")),
        api_ro.client.get(f"/claimants/{cid}"),  # 401 from the outer middleware
        api_ro.client.get("/nowhere"),
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 200, 404, 401, 404]
    for r in answers:
        assert r.headers["content-security-policy"] == CSP, r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in CSP and "unsafe" not in CSP and "default-src 'none'" in CSP


def _response_schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every schema an answer of the API can hold: named by the operations' responses, then by
    the schemas they name, transitively; inline ones under "<path> <method> <status>"."""
    components = spec["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}
    todo: list[tuple[str, Any]] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        todo.append((f"{path} {method} {status}", media["schema"]))

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    while todo:
        name, node = todo.pop()
        if "properties" in node:
            found[name] = node
        for ref in refs(node):
            if ref not in found:
                found[ref] = components[ref]
                todo.append((ref, components[ref]))
    return found


def _undescribed(name: str, schema: dict[str, Any]) -> list[str]:
    out = []
    for prop, sub in schema.get("properties", {}).items():
        if not str(sub.get("description", "")).strip():
            out.append(f"{name}.{prop}")
        if "properties" in sub:  # an inline object: its own fields too
            out += _undescribed(f"{name}.{prop}", sub)
    return out


def test_every_response_field_is_described(api_ro: ApiEnv) -> None:
    """Issue 13: every field of every answer has a description (meaning, and unit where it has
    one) in the OpenAPI spec that /docs and /redoc render."""
    spec = api_ro.client.get("/openapi.json").json()
    schemas = _response_schemas(spec)
    # The walk reaches the lists, the records, the errors and the nested parts.
    assert {"Suggestions", "MatchItem", "ReaderOut", "VacancyOut", "EmployerIn", "ClaimantOut", "HouseholdIn",
            "ProposalHistoryOut", "HistoryEntry", "ErrorBody", "HTTPValidationError", "ValidationError",
            "NoticeOut", "Health", "Models"} <= set(schemas)  # fmt: skip
    missing = [m for name, s in sorted(schemas.items()) for m in _undescribed(name, s)]
    assert missing == []
    # The 422 body is described as the app sends it (no input or ctx).
    assert set(schemas["ValidationError"]["properties"]) == {"loc", "msg", "type"}


def test_the_walk_finds_an_undescribed_field() -> None:
    spec = {
        "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/A"}}}}}}}},
        "components": {"schemas": {
            "A": {"properties": {"b": {"$ref": "#/components/schemas/B", "description": "a B"}}},
            "B": {"properties": {"ok": {"type": "integer", "description": "count"}, "bare": {"type": "string"}}},
            "Unused": {"properties": {"bare": {"type": "string"}}},
        }},
    }  # fmt: skip
    schemas = _response_schemas(spec)
    assert sorted(schemas) == ["A", "B"]
    assert [m for n, s in sorted(schemas.items()) for m in _undescribed(n, s)] == ["B.bare"]
