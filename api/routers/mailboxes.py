"""/v1/mailboxes: a tenant's support mailboxes, answered by the mailbox worker (admin scope).

Passwords go in, never out: they are stored encrypted with ``KB_SECRETS_KEY`` and no response carries them.
Saving tests the connection first (host name, connection, TLS, login, folders) and says what failed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from api.auth import AdminCaller
from api.deps import AnswerServiceDep, PasswordBoxDep
from api.mailbox.config import MailboxSettings
from api.mailbox.connection import MailServerError, check_mailbox
from api.mailbox.manage import InvalidMailboxName, mailbox_view, save_mailbox
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, MailboxCheckOut, MailboxOut
from api.secrets import SecretsKeyError
from api.services import AnswerService
from kb.stores import StoredMailbox

router = APIRouter(prefix="/v1", tags=["mailboxes"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.get("/mailboxes", response_model=list[MailboxOut], summary="This tenant's mailboxes and how each is served")
def list_mailboxes(services: AnswerServiceDep, caller: AdminCaller) -> list[dict]:
    return [mailbox_view(services.store, stored) for stored in services.store.mailboxes.list(caller.tenant)]


@router.put("/mailboxes/{name}", response_model=MailboxOut, summary="Create or replace a mailbox",
            description="Tests the connection first (unless check=false) and refuses, with 422 naming what failed "
                        "(dns, connect, tls, login, folder), settings that do not work; 201 when created. Omit a "
                        "password to keep the stored one.",
            responses={201: {"model": MailboxOut, "description": "created"}})
def put_mailbox(services: AnswerServiceDep, box: PasswordBoxDep, caller: AdminCaller, name: str,
                body: MailboxSettings, response: Response,
                check: Annotated[bool, Query(description="test the connection before saving")] = True) -> dict:
    try:
        stored, _ = save_mailbox(services.store, box, caller.tenant, name, body, check=check)
    except (InvalidMailboxName, SecretsKeyError) as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except MailServerError as error:
        raise HTTPException(status_code=422, detail=f"the mailbox was not saved: {error}") from None
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    if stored.version == 1:
        response.status_code = 201
    return mailbox_view(services.store, stored)


@router.get("/mailboxes/{name}", response_model=MailboxOut, summary="A mailbox, its status and latest messages")
def get_mailbox(services: AnswerServiceDep, caller: AdminCaller, name: str,
                recent: Annotated[int, Query(ge=0, le=500, description="how many of its latest messages to show, "
                                                                      "with what was done with each")] = 20) -> dict:
    return mailbox_view(services.store, _mailbox(services, caller.tenant, name), recent)


@router.post("/mailboxes/{name}/check", response_model=MailboxCheckOut, summary="Test a saved mailbox's connection",
             description="422 names what failed: dns, connect, tls, login or folder.")
def check_saved_mailbox(services: AnswerServiceDep, box: PasswordBoxDep, caller: AdminCaller,
                        name: str) -> MailboxCheckOut:
    stored = _mailbox(services, caller.tenant, name)
    try:
        found = check_mailbox(MailboxSettings.from_document(stored.document, box))
    except SecretsKeyError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    except MailServerError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    return MailboxCheckOut(idle=found.idle, move=found.move)


@router.delete("/mailboxes/{name}", status_code=204, summary="Remove a mailbox (its worker stops serving it)")
def delete_mailbox(services: AnswerServiceDep, caller: AdminCaller, name: str) -> Response:
    if not services.store.mailboxes.delete(caller.tenant, name):
        raise HTTPException(status_code=404, detail=f"this tenant has no mailbox '{name}'")
    return Response(status_code=204)


def _mailbox(services: AnswerService, tenant: str, name: str) -> StoredMailbox:
    stored = services.store.mailboxes.get(tenant, name)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"this tenant has no mailbox '{name}'")
    return stored
