"""How the store's SQL tables keep values both engines compare alike: moments as ISO text in UTC
(so they sort and compare as text), true/false as 1/0."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """This moment, as stored."""
    return datetime.now(UTC).isoformat()


def utc(moment: datetime) -> str:
    """A moment as stored: ISO text in UTC."""
    return moment.astimezone(UTC).isoformat()


def flag(value: bool | None) -> int | None:
    """A true/false column's value (None stays None)."""
    return None if value is None else int(value)


def boolean(value: int | None) -> bool | None:
    """A true/false column read back (None stays None)."""
    return None if value is None else bool(value)
