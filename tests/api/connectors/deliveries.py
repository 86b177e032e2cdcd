"""Webhook deliveries as the help desks send them: the documented samples (tests/data/helpdesk) and each
vendor's way of signing them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

SAMPLES = Path(__file__).parents[2] / "data" / "helpdesk"
WEBHOOK_KEY = "whsec-our-own-test-secret"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def raw(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def zendesk_headers(body: bytes, secret: str = WEBHOOK_KEY) -> dict[str, str]:
    timestamp = "2021-03-25T05:09:27Z"
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {"x-zendesk-webhook-signature": base64.b64encode(digest).decode(),
            "x-zendesk-webhook-signature-timestamp": timestamp,
            "x-zendesk-webhook-invocation-id": "8350205582", "x-zendesk-webhook-id": "01F1KRFQ6BG29CNWFR60NK5FNY"}


def zammad_headers(body: bytes, secret: str = WEBHOOK_KEY) -> dict[str, str]:
    return {"User-Agent": "Zammad User Agent", "X-Zammad-Trigger": "kb answers",
            "X-Zammad-Delivery": "c1e9a4b2-58f7-4a8e-9b0d-3f2a7e6d1c55",
            "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def chatwoot_headers(body: bytes, secret: str = WEBHOOK_KEY) -> dict[str, str]:
    timestamp = "1627063370"
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Chatwoot-Signature": f"sha256={digest}", "X-Chatwoot-Timestamp": timestamp}


def freshdesk_headers(body: bytes, secret: str = WEBHOOK_KEY) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-KB-Secret": secret}


def chatwoot_pending(content: str = "My order has not arrived yet.") -> dict:
    payload = sample("chatwoot-message_created.json")
    payload["conversation"]["status"] = "pending"
    payload["content"] = content
    return payload


def signed_delivery(vendor: str, text: str, number: int, secret: str = WEBHOOK_KEY) -> tuple[bytes, dict[str, str]]:
    """A customer message as ``vendor`` delivers it: its documented sample with ``text`` as the customer's words,
    ``number`` as its ticket and delivery ids, signed the vendor's way with ``secret``.

    Returns:
        The body and the headers.
    """
    if vendor == "zendesk":
        payload = sample("zendesk-trigger.json")
        payload["ticket"]["id"], payload["comment"]["id"], payload["comment"]["text"] = str(number), str(number), text
        body = raw(payload)
        return body, {**zendesk_headers(body, secret), "x-zendesk-webhook-invocation-id": f"invocation-{number}"}
    if vendor == "freshdesk":
        payload = sample("freshdesk-automation.json")
        payload["ticket"]["id"], payload["ticket"]["description"] = str(number), text
        body = raw(payload)
        return body, freshdesk_headers(body, secret)
    if vendor == "zammad":
        payload = sample("zammad-trigger.json")
        payload["ticket"]["id"] = payload["article"]["ticket_id"] = payload["article"]["id"] = number
        payload["article"]["body"], payload["article"]["content_type"] = text, "text/plain"
        body = raw(payload)
        return body, {**zammad_headers(body, secret), "X-Zammad-Delivery": f"delivery-{number}"}
    payload = chatwoot_pending(text)
    payload["id"] = payload["conversation"]["id"] = number
    body = raw(payload)
    return body, chatwoot_headers(body, secret)
