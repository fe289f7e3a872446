"""The API's documentation, served from this app: Swagger UI at ``/docs`` and ReDoc at ``/redoc``.
Their files come from the ``fastapi-offline`` wheel (Swagger UI 5, which FastAPI's OpenAPI 3.1
needs, and ReDoc 2's standalone bundle), nothing from a CDN, so the docs work offline and run no
third-party script on the API's origin. Neither page has an inline script (their set-up is
``/docs/init.js`` and ``/redoc/init.js``) nor loads a web font, so both run under the same
Content-Security-Policy as every other answer (``api.headers``); ReDoc's answers add exactly what
ReDoc was measured to need beyond it (``REDOC_CSP``).
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.headers import CSP

router = APIRouter(include_in_schema=False)


def _bundle_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


# The only files served from the bundle: a fixed list, so no request path can reach another file.
BUNDLE_FILES: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>passgenau API</title>
  <link rel="icon" type="image/png" href="/docs/favicon.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <script src="/docs/swagger-ui-bundle.js" defer></script>
  <script src="/docs/init.js" defer></script>
</head>
<body>
  <div id="swagger-ui"></div>
</body>
</html>
"""

INIT = """"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // No validator badge: it would send the spec to validator.swagger.io.
    validatorUrl: null,
    persistAuthorization: false,
  });
});
"""

FileName = Annotated[str, PathParam(max_length=64)]


def describe_validation_errors(app: FastAPI) -> None:
    """The 422 body in the spec as the app sends it (``api.errors``: loc, msg and type, no input
    or ctx), every field described: FastAPI's default schema lists fields the app never sends and
    describes none."""
    from api.errors import MAX_ERRORS

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["ValidationError"] = {
                "title": "ValidationError",
                "type": "object",
                "required": ["loc", "msg", "type"],
                "description": "One wrong field of a request.",
                "properties": {
                    "loc": {
                        "title": "Location",
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "description": "Where: body, query or path, then the field's name and positions.",
                    },
                    "msg": {"title": "Message", "type": "string", "description": "What is wrong with it."},
                    "type": {
                        "title": "Error Type",
                        "type": "string",
                        "description": "The check that failed (pydantic's error type, e.g. missing, enum).",
                    },
                },
            }
            schemas["HTTPValidationError"] = {
                "title": "HTTPValidationError",
                "type": "object",
                "properties": {
                    "detail": {
                        "title": "Detail",
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/ValidationError"},
                        "description": (
                            f"One entry per wrong field, at most {MAX_ERRORS}; a last entry counts the rest."
                        ),
                    }
                },
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/init.js")
def docs_init() -> Response:
    return Response(INIT, media_type="text/javascript; charset=utf-8")


@router.get("/docs/{name}")
def docs_file(name: FileName) -> FileResponse:
    if name not in BUNDLE_FILES:
        raise HTTPException(status_code=404)
    return FileResponse(_bundle_dir() / name, media_type=BUNDLE_FILES[name])


# -- ReDoc ----------------------------------------------------------------------------------------
# What ReDoc needs beyond the page's policy, measured in headless Chromium (tests/api/
# test_browser_docs.py fails on any report of a refused resource and on any request that leaves
# 127.0.0.1):
# - Its styles are made at run time by styled-components, which inserts <style> elements; under
#   ``style-src 'self'`` their sheets are refused and ReDoc stops ("Something went wrong", error 17).
#   ReDoc gives its ``nonce`` option to styled-components, so each /redoc answer carries a fresh
#   random nonce in its policy and in the page, where ``/redoc/init.js`` reads it: only ReDoc's own
#   style elements are allowed, no 'unsafe-inline'.
# - One <style> element is inserted when the bundle loads, before ReDoc knows the nonce: the
#   perfect-scrollbar stylesheet (6,493 characters), allowed by the hash of its exact text, and of
#   the empty text it has the moment it is inserted. A new bundle with other text fails the test.
# - Its search index runs in a Web Worker started from a blob: URL, which ``default-src 'none'``
#   refuses: ``worker-src blob:`` allows exactly that (a blob is made by a script this origin
#   already runs; no worker from elsewhere).
# - Its menu shows Redocly's logo from cdn.redoc.ly, unconditionally; the policy would refuse it,
#   but the browser would still try. The bundle is served with that one address replaced by an
#   empty data: URL, on which ReDoc's own error handler hides the image (``_redoc_bundle``).
# Scripts, connections, images, fonts and frames stay as strict as the page's.
REDOC_STYLE_HASHES = (
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's stylesheet
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty text it starts with
)
REDOC_EXTRA = "worker-src blob:"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


def redoc_csp(nonce: str) -> str:
    style = " ".join(["style-src 'self'", f"'nonce-{nonce}'", *REDOC_STYLE_HASHES])
    parts = [style if p.startswith("style-src") else p for p in CSP.split("; ")]
    return "; ".join([*parts, REDOC_EXTRA])


@functools.cache
def _redoc_bundle() -> bytes:
    data = (_bundle_dir() / "redoc.standalone.js").read_bytes()
    if data.count(REDOC_LOGO) != 1:
        # Another ReDoc version: serve it as it is and let the browser test say what changed.
        return data
    return data.replace(REDOC_LOGO, b"data:,")


REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>passgenau API – ReDoc</title>
  <link rel="icon" type="image/png" href="/docs/favicon.png">
  <script src="/redoc/redoc.standalone.js" defer></script>
  <script src="/redoc/init.js" defer></script>
</head>
<body>
  <div id="redoc" data-nonce="{nonce}"></div>
</body>
</html>
"""

REDOC_INIT = """"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("redoc");
  Redoc.init(
    "/openapi.json",
    {
      // The nonce of this answer's style-src: styled-components puts it on ReDoc's style elements.
      nonce: root.dataset.nonce,
      // System fonts: no web font is fetched.
      theme: {
        typography: {
          fontFamily: "system-ui, sans-serif",
          headings: { fontFamily: "system-ui, sans-serif" },
        },
      },
      expandResponses: "200,201",
    },
    root,
  );
});
"""


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(
        REDOC_PAGE.replace("{nonce}", nonce),
        headers={"Content-Security-Policy": redoc_csp(nonce), "Cache-Control": "no-store"},
    )


@router.get("/redoc/init.js")
def redoc_init() -> Response:
    return Response(REDOC_INIT, media_type="text/javascript; charset=utf-8")


@router.get("/redoc/redoc.standalone.js")
def redoc_bundle() -> Response:
    return Response(_redoc_bundle(), media_type="text/javascript; charset=utf-8")
