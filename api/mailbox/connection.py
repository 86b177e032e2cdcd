"""Connections to a mailbox's servers — IMAP (``imapclient``) and SMTP (``smtplib``) — and the test made when a
mailbox is saved, which says what failed: the host name, the connection, TLS, the login or a folder."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from api.mailbox.config import MailboxSettings, Security, ServerSettings, default_port

TIMEOUT_S = 30.0


class MailServerError(Exception):
    """A mail server could not be used.

    Args:
        server: ``imap`` or ``smtp``.
        stage: what failed: ``dns``, ``connect``, ``tls``, ``login`` or ``folder``.
        detail: what the system or the server said.
    """

    def __init__(self, server: str, stage: str, detail: str):
        super().__init__(f"{server} {stage}: {detail}")
        self.server = server
        self.stage = stage
        self.detail = detail


@dataclass(frozen=True)
class CheckResult:
    """What a mailbox's test found: each server's capabilities worth knowing."""

    idle: bool  # the IMAP server offers IDLE (new mail is read at once)
    move: bool  # it offers MOVE (handled mail moves in one step)


def open_imap(settings: MailboxSettings, timeout: float = TIMEOUT_S) -> IMAPClient:
    """A logged-in IMAP connection.

    Raises:
        MailServerError: the stage that failed.
    """
    server = settings.imap
    port = server.port or default_port("imap", server.security)
    _resolve("imap", server.host, port)
    context = ssl.create_default_context()
    try:
        client = IMAPClient(server.host, port=port, ssl=server.security is Security.SSL, ssl_context=context,
                            timeout=timeout)
    except ssl.SSLError as error:
        raise MailServerError("imap", "tls", _said(error)) from None
    except OSError as error:
        raise MailServerError("imap", "connect", f"{server.host}:{port}: {_said(error)}") from None
    try:
        if server.security is Security.STARTTLS:
            try:
                client.starttls(context)
            except (ssl.SSLError, IMAPClientError) as error:
                raise MailServerError("imap", "tls", _said(error)) from None
        try:
            client.login(server.user, server.password.get_secret_value() if server.password else "")
        except LoginError as error:
            raise MailServerError("imap", "login", f"user {server.user!r} refused: {_said(error)}") from None
    except BaseException:
        _close(client)
        raise
    return client


def open_smtp(settings: MailboxSettings, timeout: float = TIMEOUT_S) -> smtplib.SMTP:
    """A logged-in SMTP connection (no login when the server offers none and no password is set).

    Raises:
        MailServerError: the stage that failed.
    """
    server = settings.smtp
    port = server.port or default_port("smtp", server.security)
    _resolve("smtp", server.host, port)
    context = ssl.create_default_context()
    try:
        if server.security is Security.SSL:
            client = smtplib.SMTP_SSL(server.host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, port, timeout=timeout)
    except ssl.SSLError as error:
        raise MailServerError("smtp", "tls", _said(error)) from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailServerError("smtp", "connect", f"{server.host}:{port}: {_said(error)}") from None
    try:
        client.ehlo()
        if server.security is Security.STARTTLS:
            try:
                client.starttls(context=context)
                client.ehlo()
            except (ssl.SSLError, smtplib.SMTPException) as error:
                raise MailServerError("smtp", "tls", _said(error)) from None
        user, password = settings.smtp_login()
        if password and client.has_extn("auth"):
            try:
                client.login(user, password)
            except smtplib.SMTPException as error:
                raise MailServerError("smtp", "login", f"user {user!r} refused: {_said(error)}") from None
    except BaseException:
        _close(client)
        raise
    return client


def check_mailbox(settings: MailboxSettings, timeout: float = 10.0) -> CheckResult:
    """Connect and log in to both servers and find the folders, as the worker will.

    Raises:
        MailServerError: the first thing that failed.
    """
    client = open_imap(settings, timeout)
    try:
        capabilities = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
        existing = {name for _, _, name in client.list_folders()}
        for role, folder in (("inbox", settings.folders.inbox), ("drafts", settings.folders.drafts),
                             ("done", settings.folders.done)):
            if folder is not None and folder not in existing and not (role == "inbox" and folder.upper() == "INBOX"):
                raise MailServerError("imap", "folder", f"the {role} folder {folder!r} does not exist; the server "
                                                        f"has: {', '.join(sorted(existing)[:30])}")
    finally:
        _close(client)
    _close(open_smtp(settings, timeout))
    return CheckResult(idle="IDLE" in capabilities, move="MOVE" in capabilities)


def server_address(server: ServerSettings, protocol: str) -> str:
    """``host:port`` of a server, for messages."""
    return f"{server.host}:{server.port or default_port(protocol, server.security)}"


def _resolve(protocol: str, host: str, port: int) -> None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise MailServerError(protocol, "dns", f"the host name {host!r} does not resolve: {error.strerror}") from None
    except UnicodeError:  # a label over 63 characters, an empty one ('a..b'): IDNA cannot encode it
        raise MailServerError(protocol, "dns", f"{host!r} is not a valid host name") from None


def _said(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def _close(client) -> None:
    """Close a connection that may already be broken."""
    try:
        client.logout() if isinstance(client, IMAPClient) else client.quit()
    except Exception:  # noqa: S110 (closing a broken connection: nothing to do about it)
        pass
