"""Who am I, which models, is the service healthy, and its metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import PrincipalDep, ReadsModels, RuntimeDep
from api.routes.common import AUTH_ERRORS, documented
from api.schemas import Health, Me, Models
from matcher.errors import StoreUnavailable

router = APIRouter(tags=["system"])


@router.get("/me", response_model=Me, responses=documented(401, 413, 503))
def me(p: PrincipalDep) -> Me:
    return Me(name=p.name, role=p.role.value, jobcenter=p.jobcenter)


@router.get("/models", response_model=Models, responses=AUTH_ERRORS)
def models(rt: RuntimeDep, p: ReadsModels) -> Models:
    """The scorer bundles on disk and the current one, the embedding model and the index version;
    ``claimants_indexed`` counts the caller's Jobcenter's claimants only (another Jobcenter's
    activity is none of its business)."""
    from models.bundle import current_path

    root = rt.settings.layout.scorer_bundles
    bundles = []
    if root.is_dir():
        # Bundle directories only: not ``current`` (a link to one) nor a write in progress.
        bundles = sorted(
            d.name for d in root.iterdir() if d.is_dir() and not d.is_symlink() and d.name[0] != "."
        )
    current = current_path(root)
    svc = rt.service
    info = rt.info()
    index = svc.index
    return Models(
        model_version=info["model_version"],
        scorer_bundles=bundles,
        scorer_current=None if current is None else current.name,
        embedder_id=info["embedder_id"],
        index_version=info["index_version"],
        index_kind=getattr(index, "kind", None),
        vacancies=info["vacancies"],
        claimants_indexed=rt.claimants_indexed(p.jobcenter),
    )


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(rt: RuntimeDep) -> JSONResponse:
    """Store reachable, model and index loaded (no token needed; no personal data)."""
    info = rt.info()
    body = Health(
        status="ok",
        store=True,
        index_version=info["index_version"],
        model_version=info["model_version"],
        vacancies=info["vacancies"],
    )
    try:
        rt.store.ping()
    except StoreUnavailable as exc:
        body = body.model_copy(update={"status": "unavailable", "store": False, "reason": str(exc)})
        return JSONResponse(status_code=503, content=body.model_dump())
    return JSONResponse(content=body.model_dump())


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    resp: Response = request.app.state.metrics.render()
    return resp
