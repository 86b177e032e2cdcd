"""Liveness and readiness."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, response_model_exclude_none=True, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, response_model_exclude_none=True, summary="Model and index are loaded",
            responses={503: {"model": Health}})
def readyz(request: Request):
    services = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse(status_code=503, content={"status": "starting"})
    encoder = services.encoder
    return Health(status="ready", model=Path(encoder.model_dir).name, encoder=f"{encoder.name} ({encoder.precision})",
                  catching_up=sorted(services.opening) or None)
