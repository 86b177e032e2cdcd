"""The help-desk vendors: one module each behind :class:`~api.connectors.vendors.base.Vendor`, picked by name."""

from __future__ import annotations

from api.connectors.vendors.base import Credentials, Delivery, InvalidPayload, Vendor, WriteBack

WEBHOOK_VENDORS = ("zendesk", "freshdesk", "zammad", "chatwoot")  # they call our receivers
POLLED_VENDORS = ("rt",)  # we read their new tickets (api/connectors/rt_poller.py)
VENDORS = WEBHOOK_VENDORS + POLLED_VENDORS

__all__ = ["POLLED_VENDORS", "VENDORS", "WEBHOOK_VENDORS", "Credentials", "Delivery", "InvalidPayload", "Vendor", "WriteBack", "create_vendor"]


def create_vendor(name: str) -> Vendor:
    """The vendor of that name.

    Args:
        name: one of :data:`VENDORS`.

    Returns:
        The vendor.

    Raises:
        ValueError: an unknown name, naming the choices.
    """
    if name == "zendesk":
        from api.connectors.vendors.zendesk import Zendesk
        return Zendesk()
    if name == "freshdesk":
        from api.connectors.vendors.freshdesk import Freshdesk
        return Freshdesk()
    if name == "zammad":
        from api.connectors.vendors.zammad import Zammad
        return Zammad()
    if name == "chatwoot":
        from api.connectors.vendors.chatwoot import Chatwoot
        return Chatwoot()
    if name == "rt":
        from api.connectors.vendors.rt import RequestTracker
        return RequestTracker()
    raise ValueError(f"unknown help-desk vendor {name!r}: choose one of {', '.join(VENDORS)}")
