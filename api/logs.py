"""The service's log lines: control characters in a message are escaped, so nothing a caller sends (a
request path with ``%0a``, a header, an article title in an error) can forge a line or move the cursor."""

from __future__ import annotations

import logging
import re

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """``text`` with every control character (and Unicode line separator) written as an escape."""
    return CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class EscapingFormatter(logging.Formatter):
    """A formatter whose messages are one line each: control characters escaped (a traceback that
    follows the message keeps its own lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` through :class:`EscapingFormatter` (unless logging is set up already),
    and have uvicorn's own handlers escape their lines too."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in ("uvicorn", "uvicorn.access"):
        for uvicorn_handler in logging.getLogger(name).handlers:
            uvicorn_handler.setFormatter(EscapingFormatter(LOG_FORMAT))
