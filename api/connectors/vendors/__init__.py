"""The help-desk vendors: one module each behind :class:`~api.connectors.vendors.base.Vendor`, picked by name."""

from __future__ import annotations

from api.connectors.vendors.base import Credentials, Delivery, InvalidPayload, Vendor, WriteBack

VENDORS = ("zendesk", "freshdesk", "zammad", "chatwoot")

__all__ = ["VENDORS", "Credentials", "Delivery", "InvalidPayload", "Vendor", "WriteBack", "create_vendor"]


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
    raise ValueError(f"unknown help-desk vendor {name!r}: choose one of {', '.join(VENDORS)}")
