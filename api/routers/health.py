"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, summary="Model and index are loaded",
            responses={503: {"model": Health}})
def readyz(request: Request):
    if getattr(request.app.state, "services", None) is None:
        return JSONResponse(status_code=503, content={"status": "starting"})
    return Health(status="ready")
