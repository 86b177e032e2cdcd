"""A real ticket system on 127.0.0.1 for the help-desk tests: Request Tracker 5 from Debian's packages
(``request-tracker5`` with ``rt5-db-sqlite`` and ``rt5-standalone``, installed by ``make helpdesk``), a throwaway
instance in a temporary folder, spoken to through its REST 2 API
(https://docs.bestpractical.com/rt/5.0.3/RT/REST2.html).

    with RequestTracker() as tracker:
        ticket = tracker.create_ticket("General", "Printer on fire", "It smokes when I print.", "ada@example.com")
        tracker.client().post(f"/ticket/{ticket}/comment", json={"Content": "...", "ContentType": "text/plain"})
        assert tracker.history(ticket)[-1]["type"] == "Comment"
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from tests.mailservers import group_running
from tests.servers import free_port

RT_HOME = Path("/usr/share/request-tracker5")  # Debian's layout: RT's lib/, etc/ and libexec/ live here
RT_SERVER = RT_HOME / "libexec" / "rt-server"  # RT's Plack server; Starlet (rt5-standalone) serves it
SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")

# Perl with RT's libraries printing a new REST 2 auth token of a user (arguments: the user's name, a description).
# RT::AuthToken (RT::Authen::Token, part of RT since 5.0) keeps only a hash of a token: the token itself is shown
# once, when created, as the web page "Auth Tokens" does; nothing else creates one without a browser.
NEW_AUTH_STRING = r"""
use RT;
RT::LoadConfig();
RT::Init();
my $owner = RT::User->new(RT->SystemUser);
$owner->Load($ARGV[0]);
die "no RT user $ARGV[0]\n" unless $owner->id;
my ($id, $message, $token) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $owner->id, Description => $ARGV[1]);
die "$message\n" unless $id;
print $token;
"""


def request_tracker_installed() -> bool:
    """Whether Debian's RT 5 with its standalone server is installed."""
    return RT_SERVER.is_file() and SETUP_DATABASE.is_file()


def require_request_tracker() -> None:
    """Skip the calling test when RT is missing and cannot be installed here (not root); fail when it is missing
    as root, where ``make helpdesk`` installs it (as CI does)."""
    if request_tracker_installed():
        return
    if os.geteuid() != 0:
        pytest.skip("Request Tracker 5 is not installed and we are not root to install it (make helpdesk, as root)")
    pytest.fail("Request Tracker 5 is not installed: run make helpdesk")


class RequestTracker:
    """A throwaway Request Tracker 5 in a temporary folder: its own configuration (nothing from
    /etc/request-tracker5), SQLite database with RT's initial data (the user ``root``, the queue ``General``, the
    default scrips), Mason caches and outgoing mail (an mbox file: no mail leaves the machine), served by RT's
    standalone server (Starlet, two workers) on a free loopback port; its log (errors only) is ``rt-server.log``.
    """

    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self._client: httpx.Client | None = None

    @property
    def url(self) -> str:
        """The web interface's base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        """The REST 2 API's base URL."""
        return f"{self.url}/REST/2.0"

    def start(self, timeout: float = 60) -> RequestTracker:
        """Start the server (its folder, configuration and database the first time) and wait until it answers."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="kb-rt-"))
            self._configure()
            self._run("database set-up", [str(SETUP_DATABASE), "--action", "init", "--skip-create"])
        with open(self.folder / "rt-server.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(RT_SERVER), "--host", self.host, "--port", str(self.port), "--max-workers", "2"],
                env=self._environment(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"rt-server exited with code {self.process.returncode}:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"RT did not answer on port {self.port} within {timeout} s:\n{self._log_tail()}")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 10) -> None:
        """Stop the server and its workers; the database stays for the next start."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.process is None:
            return
        group = self.process.pid  # started in its own session: its process group holds the workers too
        self._signal(group, signal.SIGTERM)  # not SIGINT, on which rt-server as root chowns /var/lib/request-tracker5
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        while group_running(group):  # a server that did not end in time, or a worker that outlived it
            self._signal(group, signal.SIGKILL)
            time.sleep(0.01)
        self.process.wait()
        self.process = None

    @staticmethod
    def _signal(group: int, number: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, number)

    def close(self) -> None:
        """Stop the server and remove its folder, database included."""
        self.stop()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> RequestTracker:
        try:
            return self.start()
        except BaseException:  # a server that fails to start leaves no process or folder behind either
            self.close()
            raise

    def __exit__(self, *exc_info) -> None:
        self.close()

    def token(self, user: str = "root", description: str = "kb-answers tests") -> str:
        """A new REST 2 auth token of ``user``, sent as ``Authorization: token <token>``.

        Returns:
            The token (``<user id>-<token id>-<secret>``).
        """
        return self._run("token creation", ["perl", f"-I{RT_HOME / 'lib'}", "-e", NEW_AUTH_STRING, user, description])

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the REST 2 API (base URL ``/REST/2.0``) sending ``token`` (a new one of root when None);
        the caller closes it."""
        return httpx.Client(base_url=self.rest_url, headers={"Authorization": f"token {token or self.token()}"},
                            timeout=30)

    def create_ticket(self, queue: str, subject: str, text: str, requester: str) -> int:
        """Create a ticket as root through REST 2 (``POST /ticket``), as a customer's mail would.

        Args:
            queue: the queue's name, such as ``General``.
            subject: the ticket's subject.
            text: its first message, plain text.
            requester: the customer's email address.

        Returns:
            The ticket's id.
        """
        response = self._root_client().post("/ticket", json={
            "Queue": queue, "Subject": subject, "Requestor": requester, "Content": text, "ContentType": "text/plain"})
        response.raise_for_status()
        return int(response.json()["id"])

    def history(self, ticket_id: int) -> list[dict]:
        """A ticket's transactions, oldest first, through REST 2 (``GET /ticket/{id}/history`` and its attachments).

        Returns:
            Per transaction: ``id`` (int), ``type`` (``Create``, ``Comment``, ``Correspond``, ``EmailRecord``,
            ``Status``, ...), ``creator`` (the user's name) and ``content`` (its text and HTML parts, "" when none).
        """
        contents = defaultdict(list)
        for attachment in self._every(f"/ticket/{ticket_id}/attachments", "TransactionId,ContentType,Content"):
            if attachment["ContentType"] in ("text/plain", "text/html"):
                contents[attachment["TransactionId"]].append(attachment["Content"])
        return [{"id": int(transaction["id"]), "type": transaction["Type"], "creator": transaction["Creator"]["id"],
                 "content": "\n".join(contents[transaction["id"]])}
                for transaction in self._every(f"/ticket/{ticket_id}/history", "Type,Creator")]

    def _every(self, path: str, fields: str) -> list[dict]:
        """Every item of a REST 2 collection with these fields, page after page."""
        client = self._root_client()
        response = client.get(path, params={"fields": fields, "per_page": 100})
        items = []
        while True:
            response.raise_for_status()
            page = response.json()
            items += page["items"]
            if "next_page" not in page:
                return items
            response = client.get(page["next_page"])

    def _root_client(self) -> httpx.Client:
        if self._client is None:
            self._client = self.client()
        return self._client

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.rest_url}/rt", timeout=1).status_code == 401  # REST 2 is up, asking for auth
        except httpx.HTTPError:
            return False

    def _run(self, what: str, command: list[str]) -> str:
        """Run an RT command line on this instance's configuration.

        Returns:
            What it printed on stdout.
        """
        done = subprocess.run(command, env=self._environment(), stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"RT {what} failed with code {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _environment(self) -> dict[str, str]:
        # RT reads its site configuration from these instead of /etc/request-tracker5 and its RT_SiteConfig.d
        return {**os.environ, "RT_SITE_CONFIG": str(self.folder / "RT_SiteConfig.pm"),
                "RT_SITE_CONFIG_DIR": str(self.folder / "RT_SiteConfig.d")}

    def _log_tail(self) -> str:
        return (self.folder / "rt-server.log").read_text(errors="replace")[-2000:]

    def _configure(self) -> None:
        for folder in ("RT_SiteConfig.d", "mason", "sessions"):
            (self.folder / folder).mkdir()
        # Mason's caches and RT's own files (the outgoing mbox) go to paths RT takes from RT::Generated, not from
        # Set(): the site configuration, Perl run in package RT, sets them. Errors only are logged: RT warns on
        # every start that it converts HTML to text itself (no w3m or lynx installed). RT checks a token against its
        # bcrypt hash on every request: at the default cost (12) that alone takes half a second; 4 is the least.
        (self.folder / "RT_SiteConfig.pm").write_text(f"""\
Set($rtname, 'kb-test');
Set($Organization, 'example.com');
Set($WebDomain, '{self.host}');
Set($WebPort, {self.port});
Set($WebPath, '');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{self.folder}/rt.sqlite3');
Set($Timezone, 'UTC');
Set($LogToSTDERR, 'error');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($MailCommand, 'mbox');
Set($BcryptCost, 4);
$RT::VarPath = '{self.folder}';
$RT::MasonDataDir = '{self.folder}/mason';
$RT::MasonSessionDir = '{self.folder}/sessions';
1;
""", encoding="utf-8")
