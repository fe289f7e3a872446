"""The API's interactive documentation (Swagger UI), served from this app: its files come from the
``fastapi-offline`` wheel (Swagger UI 5, which FastAPI's OpenAPI 3.1 needs), nothing from a CDN, so
the docs work offline and run no third-party script on the API's origin. The page has no inline
script (its set-up is ``/docs/init.js``), so it runs under the same Content-Security-Policy as every
other answer (``api.headers``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

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
