"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.services import AnswerService


async def get_answer_service(request: Request) -> AnswerService:
    """The loaded services; 503 while the service is still starting."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(status_code=503, detail="the service is starting; retry shortly",
                            headers={"Retry-After": "2"})
    return services


AnswerServiceDep = Annotated[AnswerService, Depends(get_answer_service)]
