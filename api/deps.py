"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.secrets import PasswordBox, SecretsKeyError
from api.services import AnswerService


async def get_answer_service(request: Request) -> AnswerService:
    """The loaded services; 503 while the service is still starting."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(status_code=503, detail="the service is starting; retry shortly",
                            headers={"Retry-After": "2"})
    return services


AnswerServiceDep = Annotated[AnswerService, Depends(get_answer_service)]


def get_password_box(services: AnswerServiceDep) -> PasswordBox:
    """What encrypts mailbox passwords; 503 when the server has no ``KB_SECRETS_KEY``."""
    key = services.settings.secrets_key
    try:
        return PasswordBox(key.get_secret_value() if key else None)
    except SecretsKeyError as error:
        raise HTTPException(status_code=503, detail=f"mailboxes and connectors are not enabled on this server: {error}") from None


PasswordBoxDep = Annotated[PasswordBox, Depends(get_password_box)]
