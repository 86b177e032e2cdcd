"""``kb-answers mailbox``: support mailboxes from the command line, and the worker that answers them.

    kb-answers mailbox add --tenant acme support settings.yaml  save (after a connection test; --no-check skips it)
    kb-answers mailbox list --tenant acme                       the tenant's mailboxes and their status
    kb-answers mailbox show --tenant acme support [--recent 20] one mailbox, with what was done with its mail
    kb-answers mailbox check --tenant acme support              test a saved mailbox's connection
    kb-answers mailbox remove --tenant acme support
    kb-answers mailbox worker [--once]                          answer every mailbox (python -m api.mailbox)

The settings file is YAML or JSON with the fields of ``PUT /v1/mailboxes/{name}`` (README, "The support
mailbox"); a password may come from the environment instead (``--imap-password-env``), so it never sits in a
file. Mistakes are one line ``error: ...`` and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from api.logs import configure_logging
from api.mailbox.config import MailboxSettings
from api.mailbox.connection import MailServerError, check_mailbox
from api.mailbox.manage import mailbox_view, save_mailbox
from api.secrets import PasswordBox, SecretsKeyError
from api.settings import Settings
from api.settings_files import read_settings
from kb.stores import StoreUnavailableError, checked_tenant_name, create_store

log = logging.getLogger("kb_mailbox")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb-answers mailbox", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or replace a mailbox from a settings file")
    add.add_argument("name")
    add.add_argument("settings", type=Path, help="a YAML or JSON file with the mailbox's settings")
    add.add_argument("--imap-password-env", help="read the IMAP password from this environment variable")
    add.add_argument("--smtp-password-env", help="read the SMTP password from this environment variable")
    add.add_argument("--no-check", action="store_true", help="save without testing the connection")
    for name, text in (("list", "the tenant's mailboxes and their status"), ("show", "one mailbox and its latest mail"),
                       ("check", "test a saved mailbox's connection"), ("remove", "remove a mailbox")):
        command = commands.add_parser(name, help=text)
        if name != "list":
            command.add_argument("name")
        if name == "show":
            command.add_argument("--recent", type=int, default=20, help="how many of its latest messages to show")
    for command in (add, *(commands.choices[name] for name in ("list", "show", "check", "remove"))):
        command.add_argument("--tenant", required=True)
    worker = commands.add_parser("worker", help="answer every mailbox until stopped (SIGTERM, Ctrl-C)")
    worker.add_argument("--once", action="store_true", help="one pass over each mailbox, then exit")
    worker.add_argument("--max-mailboxes", type=int, default=50, help="most mailboxes this process serves")
    worker.add_argument("--lease", type=float, default=60.0, help="seconds a mailbox's lease lasts unless renewed")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        box = PasswordBox(settings.secrets_key.get_secret_value() if settings.secrets_key else None)
        if args.command == "worker":
            return run_worker(settings, box, args.once, args.max_mailboxes, args.lease)
        store = create_store(settings.store, settings.store_location)
        try:
            return _manage(args, store, box)
        finally:
            store.close()
    except (ValueError, LookupError, OSError, StoreUnavailableError, MailServerError) as error:
        print("error: " + " ".join(str(error).split()), file=sys.stderr)  # one line, whatever the message
        return 2


def _manage(args, store, box: PasswordBox) -> int:
    tenant = checked_tenant_name(args.tenant)
    if tenant not in store.tenants():
        raise LookupError(f"no tenant '{tenant}' (kb-answers tenant create {tenant})")
    if args.command == "add":
        settings = read_settings(args.settings, MailboxSettings, {"imap.password": args.imap_password_env,
                                                                  "smtp.password": args.smtp_password_env})
        stored, found = save_mailbox(store, box, tenant, args.name, settings, check=not args.no_check)
        checked = f"; connection tested (IMAP IDLE: {'yes' if found.idle else 'no'})" if found else ""
        print(f"mailbox {tenant}/{args.name} saved, version {stored.version}{checked}")
        return 0
    if args.command == "list":
        for stored in store.mailboxes.list(tenant):
            _print(mailbox_view(store, stored))
        return 0
    stored = store.mailboxes.get(tenant, args.name)
    if stored is None:
        raise LookupError(f"tenant '{tenant}' has no mailbox '{args.name}'")
    if args.command == "show":
        _print(mailbox_view(store, stored, args.recent))
    elif args.command == "check":
        found = check_mailbox(MailboxSettings.from_document(stored.document, box))
        print(f"mailbox {tenant}/{args.name}: IMAP and SMTP logins work, folders found; IMAP IDLE: "
              f"{'yes' if found.idle else 'no'}")
    else:
        store.mailboxes.delete(tenant, args.name)
        print(f"mailbox {tenant}/{args.name} removed (a worker serving it stops within a poll)")
    return 0


def _print(view: dict) -> None:
    print(json.dumps(view, ensure_ascii=False, indent=2, default=str))


def run_worker(settings: Settings, box: PasswordBox, once: bool, max_mailboxes: int, lease_s: float) -> int:
    """Load the service (model, store, indexes) and serve the mailboxes until SIGTERM or Ctrl-C."""
    from api.mailbox.worker import MailboxWorker
    from api.services import load_answer_service

    configure_logging(settings.log_level)
    services = load_answer_service(settings)
    worker = MailboxWorker(services, box, lease_s=lease_s, max_mailboxes=max_mailboxes)
    try:
        return asyncio.run(_serve_once(worker) if once else _serve(worker))
    finally:
        services.close()


async def _serve(worker) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    log.info("mailbox worker %s started", worker.holder)
    await worker.run(stop)
    log.info("mailbox worker %s stopped", worker.holder)
    return 0


async def _serve_once(worker) -> int:
    """One pass over every mailbox no other worker serves now (for a scheduler such as cron)."""
    from api.mailbox.worker import LeaseLost

    failed = 0
    for stored in await asyncio.to_thread(worker.store.mailboxes.list):
        key = (stored.tenant, stored.name)
        if stored.document.get("policy") == "off":
            continue
        try:
            report = await worker.poll_once(*key)
            log.info("mailbox %s/%s: %s", *key, report.outcomes or "no new mail")
        except LeaseLost as error:
            log.info("mailbox %s/%s: %s", *key, error)
        except (MailServerError, SecretsKeyError) as error:
            failed += 1
            log.error("mailbox %s/%s: %s", *key, error)
            worker.store.mailboxes.record_poll(*key, str(error))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
