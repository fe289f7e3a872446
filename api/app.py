"""The FastAPI app: ``create_app(settings)`` builds it; the lifespan loads the store, the scorer
bundle, the embedding model and the vacancy index once, into a ``Runtime`` the routes share.

Parts can be injected (tests pass a small encoder and a store); whatever is not given is built
from ``settings`` the way the CLI builds it (``matcher.bootstrap``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import docs, errors, web
from api.body import BodyGuard
from api.caching import NoStore
from api.headers import SecurityHeaders
from api.metrics import Metrics, MetricsMiddleware
from api.routes import (
    caseload,
    claimants,
    employers,
    feedback,
    history,
    kennzahlen,
    readings,
    subject,
    system,
    vacancies,
    why_not,
)
from api.runtime import Runtime, single_thread_faiss
from matcher.bootstrap import UNSET, Services, build_use_cases
from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.service import PairScorer
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

WORKER_HEADER = "X-Passgenau-Worker"


def build_runtime(
    settings: Settings,
    *,
    encoder: RecordEncoder | None = None,
    scorer: PairScorer | None = UNSET,
    store: Store | None = None,
) -> Runtime:
    single_thread_faiss()
    services = Services(settings, store=store, encoder=encoder, scorer=scorer)
    services.scorer()  # a refused bundle stops the start before the index is synced
    # The change log's newest row before the store is read: what is logged meanwhile is applied
    # (once more) by the first request, not missed.
    seen = services.store().last_change()
    rt = Runtime(services, services.match_service(with_claimants=True, mmap_index=True), seen=seen)
    log.info("serving %s", rt.info())
    return rt


class WorkerHeader:
    """Name the server process that answered (``api.worker_header``: tests and the load bench check
    that every worker serves the same state). Plain ASGI, as ``MetricsMiddleware`` (why there)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[WORKER_HEADER] = str(os.getpid())
            await send(message)

        await self.app(scope, receive, send_named)


def create_app(
    settings: Settings,
    *,
    encoder: RecordEncoder | None = None,
    scorer: PairScorer | None = UNSET,
    store: Store | None = None,
) -> FastAPI:
    """The app. ``scorer`` None ranks by fit alone; left out, the current trained bundle is loaded."""
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = await run_in_threadpool(build_runtime, settings, encoder=encoder, scorer=scorer, store=store)
        app.state.runtime = rt
        app.state.use_cases = build_use_cases(
            rt.store, rt, rt.services.nightly_eraser(), rt.settings.measures
        )
        try:
            yield
        finally:
            if owns_store:
                rt.services.close()

    app = FastAPI(
        title="passgenau",
        summary="Job-matching suggestions for Jobcenters, ranked by the chance that a placement lasts.",
        version="1",
        lifespan=lifespan,
        # FastAPI's own docs load Swagger UI and ReDoc from a CDN: ours are served offline (api.docs).
        docs_url=None,
        redoc_url=None,
    )
    if settings.api.worker_header:
        app.add_middleware(WorkerHeader)
    app.state.metrics = Metrics()
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(BodyGuard)  # nothing reads a body before it
    app.add_middleware(NoStore)  # its 401 and 413 answers get the header too
    app.add_middleware(SecurityHeaders)  # outermost: every answer gets the policy
    errors.install(app)
    for module in (
        system,
        claimants,
        vacancies,
        employers,
        feedback,
        history,
        subject,
        kennzahlen,
        caseload,
        why_not,
        readings,  # issue 22: wish readings and their corrections
    ):
        app.include_router(module.router)
    app.include_router(web.router)
    app.include_router(docs.router)
    docs.describe_validation_errors(app)
    return app
