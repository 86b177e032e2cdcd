"""/v1/connectors: help-desk connectors (admin scope), and the receivers their webhooks are sent to.

A receiver (``POST /v1/connectors/{vendor}/{id}``) is called by the help desk, not with an API key: the vendor's
signature (or shared secret) is its authentication (401 otherwise). It checks the delivery, queues it in the store
once per vendor delivery id, and answers at once; the job processor (:mod:`api.connectors.processor`) answers
the ticket in the background.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from api.auth import AdminCaller
from api.connectors.config import ConnectorSettings
from api.connectors.manage import connector_view, create_connector
from api.connectors.vendors import POLLED_VENDORS, create_vendor
from api.connectors.vendors.base import InvalidPayload
from api.deps import AnswerServiceDep, PasswordBoxDep
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, ConnectorOut, Receipt
from api.secrets import SecretsKeyError
from api.services import AnswerService
from kb.stores import StoredConnector

router = APIRouter(prefix="/v1", tags=["connectors"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.post("/connectors/{vendor}/{connector_id}", response_model=Receipt, status_code=202,
             summary="A help desk's webhook delivery (signed by the vendor; no API key)",
             responses={200: {"model": Receipt, "description": "received before: nothing more happens"}})
async def receive(services: AnswerServiceDep, box: PasswordBoxDep, vendor: str, connector_id: str, request: Request,
                  response: Response) -> Receipt:
    if vendor in POLLED_VENDORS:
        raise HTTPException(status_code=404, detail=f"{vendor} connectors read the help desk's new tickets: nothing is "
                                                    "sent to them")
    stored = await asyncio.to_thread(services.store.connectors.find, connector_id)
    if stored is None or stored.document.get("vendor") != vendor:
        raise HTTPException(status_code=404, detail=f"no {vendor} connector '{connector_id}'")
    body = await request.body()
    try:
        settings = ConnectorSettings.from_document(stored.document, box)
    except SecretsKeyError as error:
        raise HTTPException(status_code=503, detail=str(error)) from None
    handler = create_vendor(vendor)
    if not handler.verify(request.headers, body, settings.secret.get_secret_value()):
        raise HTTPException(status_code=401, detail=f"the delivery's signature does not match this connector's secret "
                                                    f"(headers {', '.join(handler.signature_headers)})")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        delivery = handler.read(request.headers, payload)
    except InvalidPayload as error:
        raise HTTPException(status_code=422, detail=f"the delivery cannot be read: {error}") from None
    except ValueError as error:
        raise HTTPException(status_code=400, detail=f"the body must be the vendor's JSON object: {error}") from None
    queued = await asyncio.to_thread(services.store.connector_jobs.enqueue, stored.tenant, connector_id,
                                     delivery.delivery_id, asdict(delivery))
    if queued:
        processor = getattr(request.app.state, "connector_processor", None)
        if processor is not None:
            processor.wake.set()  # at once, not at its next look at the queue
    else:
        response.status_code = 200
    return Receipt(delivery_id=delivery.delivery_id, queued=queued)


@router.post("/connectors", response_model=ConnectorOut, status_code=201, summary="Create a help-desk connector",
             description="The response's receiver_path is the webhook URL's path to paste into the help desk.")
def post_connector(services: AnswerServiceDep, box: PasswordBoxDep, caller: AdminCaller,
                   body: ConnectorSettings) -> dict:
    try:
        return connector_view(services.store, create_connector(services.store, box, caller.tenant, body))
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


@router.get("/connectors", response_model=list[ConnectorOut], summary="This tenant's connectors")
def list_connectors(services: AnswerServiceDep, caller: AdminCaller) -> list[dict]:
    return [connector_view(services.store, stored) for stored in services.store.connectors.list(caller.tenant)]


@router.get("/connectors/{connector_id}", response_model=ConnectorOut,
            summary="A connector, its deliveries per state and the latest ones")
def get_connector(services: AnswerServiceDep, caller: AdminCaller, connector_id: str,
                  recent: Annotated[int, Query(ge=0, le=500, description="how many of its latest deliveries to show, "
                                                                        "with what was done with each")] = 20) -> dict:
    return connector_view(services.store, _connector(services, caller.tenant, connector_id), recent)


@router.put("/connectors/{connector_id}", response_model=ConnectorOut,
            summary="Replace a connector's settings (omit a secret to keep the stored one)")
def put_connector(services: AnswerServiceDep, box: PasswordBoxDep, caller: AdminCaller, connector_id: str,
                  body: ConnectorSettings) -> dict:
    current = _connector(services, caller.tenant, connector_id)
    if body.vendor != current.document["vendor"]:
        raise HTTPException(status_code=422, detail=f"vendor: a {current.document['vendor']} connector stays one; "
                                                    "create a new connector for another help desk")
    document = body.to_document(box, current.document)
    return connector_view(services.store, services.store.connectors.put(caller.tenant, connector_id, document))


@router.delete("/connectors/{connector_id}", status_code=204, summary="Remove a connector (its receiver answers 404)")
def delete_connector(services: AnswerServiceDep, caller: AdminCaller, connector_id: str) -> Response:
    if not services.store.connectors.delete(caller.tenant, connector_id):
        raise HTTPException(status_code=404, detail=f"this tenant has no connector '{connector_id}'")
    return Response(status_code=204)


def _connector(services: AnswerService, tenant: str, connector_id: str) -> StoredConnector:
    stored = services.store.connectors.get(tenant, connector_id)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"this tenant has no connector '{connector_id}'")
    return stored
