"""A response model sent as JSON made in the route's own thread.

A plain ``def`` route runs in FastAPI's thread pool; when it returns a model, FastAPI hands the
model to the pool once more to validate it against ``response_model`` and then serialises it on the
event loop. For a model the route has just built from the use case's result that validation
finds nothing, and the extra hand-over between threads costs more than a lookup's own work on busy
cores (bench/README.md, issue 15). ``prepared`` returns the same bytes FastAPI would send (the
model's JSON by alias, ``application/json``) as a ``Response``, which FastAPI passes through; the
route keeps ``response_model`` for the schema and the documentation.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def prepared(model: BaseModel) -> Response:
    """``model`` as FastAPI's ``response_model`` serialisation would send it (status 200)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def prepared_json(body: bytes) -> Response:
    """JSON bytes made by the route (e.g. ``api.suggestions_json``) as the answer (status 200)."""
    return Response(body, media_type="application/json")
