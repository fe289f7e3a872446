"""The case managers' web page (German): served by the API app, talking to the JSON endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
