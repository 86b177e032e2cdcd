"""Real mail servers on 127.0.0.1 for the mailbox tests: a throwaway Dovecot IMAP server (Debian's
``dovecot-imapd``, installed by ``make mailserver``) and an aiosmtpd SMTP server that keeps what it receives.

    with Dovecot({"support@example.com": "secret"}) as imap, SmtpSink() as smtp:
        uid = imap.deliver("support@example.com", raw_message)
        ...
        assert smtp.wait_for(1)[0].recipients == ["customer@example.com"]
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from tests.servers import free_port

APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


def dovecot_binary() -> str | None:
    """The ``dovecot`` program (in /usr/sbin, often not on a user's PATH), or None when not installed."""
    return shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")


def require_dovecot() -> None:
    """Skip the calling test when Dovecot is missing and cannot be installed here (not root); fail when it
    is missing as root, where ``make mailserver`` installs it (as CI does)."""
    if dovecot_binary():
        return
    if os.geteuid() != 0:
        pytest.skip("Dovecot is not installed and we are not root to install it (make mailserver, as root)")
    pytest.fail("Dovecot is not installed: run make mailserver")


def group_running(group: int) -> bool:
    """Whether a process of this process group still runs (an exited one left to init to reap does not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:  # ended meanwhile
            continue
        if int(process_group) == group and state != "Z":
            return True
    return False


class Dovecot:
    """A throwaway Dovecot IMAP server in a temporary folder: its own configuration (nothing from
    /etc/dovecot), plain IMAP on a free loopback port with plaintext login, users from a passwd-file,
    Maildir storage, the folders INBOX, Drafts and Done created and subscribed, IDLE on.

    Args:
        users: mail users, name -> password.
    """

    def __init__(self, users: dict[str, str]):
        self.users = dict(users)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Dovecot:
        """Start the server (its folder and configuration the first time) and wait for the IMAP greeting."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="kb-dovecot-"))
            self._configure()
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("Dovecot is not installed: run make mailserver")
        self.process = subprocess.Popen([binary, "-F", "-c", str(self.folder / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._greets():
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with code {self.process.returncode}: "
                                   f"{self.process.stderr.read().decode(errors='replace')}{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"dovecot did not greet on port {self.port} within {timeout} s{self._log_tail()}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10) -> None:
        """Stop the server and every process it started, which closes its clients' connections (the master
        alone would leave its IMAP processes serving for a while); the mail stays for the next start."""
        if self.process is None:
            return
        group = self.process.pid  # started in its own session: its process group holds every Dovecot process
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill(group)
        self.process.wait()
        while group_running(group):
            if time.monotonic() > deadline:
                self._kill(group)
            time.sleep(0.01)
        self.process.stderr.close()
        self.process = None

    @staticmethod
    def _kill(group: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def restart(self) -> None:
        """Stop and start again on the same port, with the same mail."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its folder, mail included."""
        self.stop()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Dovecot:
        try:
            return self.start()
        except BaseException:  # a server that fails to start leaves no process or folder behind either
            self.close()
            raise

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self, user: str) -> IMAPClient:
        """A logged-in IMAP client of ``user`` (the caller logs out)."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        return client

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> int | None:
        """Put a raw RFC 5322 message into ``user``'s ``folder`` by IMAP APPEND, as a real server receives it.

        Returns:
            Its UID (from the server's APPENDUID answer), None when the server gave none.
        """
        client = self.connect(user)
        try:
            answer = client.append(folder, raw)
        finally:
            client.logout()
        match = APPENDUID.search(answer)
        return int(match.group(1)) if match else None

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, set[str]]]:
        """Every message in ``user``'s ``folder``, oldest first, read without marking it seen.

        Returns:
            (raw message, its flags and keywords such as ``\\Seen`` or ``$Answered``) per message; ``\\Recent``,
            which only says which session saw the message first, is left out.
        """
        client = self.connect(user)
        try:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
        finally:
            client.logout()
        return [(fetched[uid][b"BODY[]"], {flag.decode() for flag in fetched[uid][b"FLAGS"]} - {"\\Recent"})
                for uid in sorted(fetched)]

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as connection:
                return connection.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def _log_tail(self) -> str:
        log = self.folder / "dovecot.log"
        return "\n" + log.read_text(errors="replace")[-2000:] if log.is_file() else ""

    def _configure(self) -> None:
        # Dovecot refuses to give mail to uid 0. As root the mail belongs to "nobody", which every Debian
        # has and which owns nothing else (Dovecot's own users "dovecot" and "dovenull" are for its internal
        # and login processes); the temporary folder is opened to it. As another user, Dovecot runs wholly
        # as that user (no chroot, which needs root).
        as_root = os.geteuid() == 0
        mail_user = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())
        mail = self.folder / "mail"
        mail.mkdir()
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
        self.folder.chmod(0o755)
        passwords = self.folder / "users"
        passwords.write_text("".join(f"{name}:{{PLAIN}}{password}\n" for name, password in self.users.items()),
                             encoding="utf-8")
        passwords.chmod(0o644)  # read by the auth process, which runs as Dovecot's internal user
        # as another user than root, every process runs as that user, and none chroots (which needs root)
        own_user = "" if as_root else f"""
default_internal_user = {mail_user.pw_name}
default_internal_group = {grp.getgrgid(mail_user.pw_gid).gr_name}
default_login_user = {mail_user.pw_name}"""
        chroot = "" if as_root else "\n  chroot ="
        (self.folder / "dovecot.conf").write_text(f"""\
base_dir = {self.folder}/run
state_dir = {self.folder}/state
instance_name = kb-dovecot-{self.port}
log_path = {self.folder}/dovecot.log
protocols = imap
listen = {self.host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {mail_user.pw_uid}
first_valid_gid = {mail_user.pw_gid}{own_user}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwords}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
namespace inbox {{
  inbox = yes
  mailbox INBOX {{
    auto = subscribe
  }}
  mailbox Drafts {{
    auto = subscribe
    special_use = \\Drafts
  }}
  mailbox Done {{
    auto = subscribe
  }}
}}
service imap-login {{{chroot}
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# the tests' mailboxes share one user on different folders, each served on its own connection (a real
# deployment has a user per mailbox; Dovecot allows 10 connections per user and address by default)
protocol imap {{
  mail_max_userip_connections = 200
}}
# a refused login is answered at once, and refusals do not slow down the next logins from 127.0.0.1
auth_failure_delay = 0
service anvil {{{chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""", encoding="utf-8")


class ReceivedMail(NamedTuple):
    """One message as the SMTP server received it: the envelope's sender (MAIL FROM) and recipients (RCPT TO),
    and the message's bytes exactly as sent."""

    sender: str
    recipients: list[str]
    raw: bytes


class SmtpSink:
    """An SMTP server (aiosmtpd) on a free loopback port that keeps every message it receives.

    Args:
        users: when given, senders must log in (AUTH PLAIN or LOGIN, allowed without TLS) as one of these,
            name -> password, as a real submission server asks.
    """

    def __init__(self, users: dict[str, str] | None = None):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.users = users
        self._received: list[ReceivedMail] = []
        self._arrival = threading.Condition()
        self._refusing = False
        # a login without TLS, on the loopback interface; it is required by handle_DATA (aiosmtpd's own
        # auth_required would warn about the missing TLS on every connection)
        login = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname=self.host, port=self.port, enable_SMTPUTF8=True,
                                      **(login if users else {}))

    def start(self) -> SmtpSink:
        """Start serving (in a thread of its own)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving; what arrived stays readable."""
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def refuse(self, refusing: bool = True) -> None:
        """Answer every DATA with 451 (a temporary failure, to be retried) while ``refusing``."""
        self._refusing = refusing

    def messages(self) -> list[ReceivedMail]:
        """A copy of what has arrived so far, in order."""
        with self._arrival:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 30) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages have arrived.

        Returns:
            Every message so far.

        Raises:
            TimeoutError: fewer arrived within ``timeout`` seconds.
        """
        with self._arrival:
            if not self._arrival.wait_for(lambda: len(self._received) >= count, timeout):
                raise TimeoutError(f"{len(self._received)} of {count} messages arrived within {timeout} s")
            return list(self._received)

    async def handle_DATA(self, server, session, envelope) -> str:
        """aiosmtpd's hook for a message's data: keep it (or refuse it)."""
        if self.users and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if self._refusing:
            return "451 4.3.0 Try again later"
        with self._arrival:
            self._received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                               envelope.original_content))
            self._arrival.notify_all()
        return "250 2.0.0 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        known = (isinstance(auth_data, LoginPassword)
                 and self.users.get(auth_data.login.decode()) == auth_data.password.decode())
        return AuthResult(success=known, handled=False)  # not handled: aiosmtpd answers a refusal with 535
