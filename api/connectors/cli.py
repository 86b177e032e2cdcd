"""``kb-answers connector``: help-desk connectors from the command line (the same settings and checks as
``/v1/connectors``).

    kb-answers connector add --tenant acme zendesk.yaml --secret-env ZD_SECRET --token-env ZD_TOKEN
    kb-answers connector list --tenant acme                     the tenant's connectors and their receivers
    kb-answers connector show --tenant acme <id> [--recent 20]   one connector, with what was done with each delivery
    kb-answers connector remove --tenant acme <id>

The settings file is YAML or JSON with the fields of ``POST /v1/connectors`` (README, "Help-desk connectors");
the webhook secret and the API token may come from the environment instead, so they never sit in a file. Mistakes
are one line ``error: ...`` and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.connectors.config import ConnectorSettings
from api.connectors.manage import connector_view, create_connector, receiver_path
from api.secrets import PasswordBox
from api.settings import Settings
from api.settings_files import read_settings
from kb.stores import StoreUnavailableError, checked_tenant_name, create_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb-answers connector", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create a connector from a settings file")
    add.add_argument("settings", type=Path, help="a YAML or JSON file with the connector's settings")
    add.add_argument("--secret-env", help="read the webhook secret from this environment variable")
    add.add_argument("--token-env", help="read the help desk's API token from this environment variable")
    commands.add_parser("list", help="the tenant's connectors")
    for name, text in (("show", "one connector and its latest deliveries"), ("remove", "remove a connector")):
        command = commands.add_parser(name, help=text)
        command.add_argument("id")
        if name == "show":
            command.add_argument("--recent", type=int, default=20, help="how many of its latest deliveries to show")
    for command in commands.choices.values():
        command.add_argument("--tenant", required=True)
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        store = create_store(settings.store, settings.store_location)
        try:
            return _run(args, store, settings)
        finally:
            store.close()
    except (ValueError, LookupError, OSError, StoreUnavailableError) as error:
        print("error: " + " ".join(str(error).split()), file=sys.stderr)  # one line, whatever the message
        return 2


def _run(args, store, settings: Settings) -> int:
    tenant = checked_tenant_name(args.tenant)
    if tenant not in store.tenants():
        raise LookupError(f"no tenant '{tenant}' (kb-answers tenant create {tenant})")
    if args.command == "add":
        box = PasswordBox(settings.secrets_key.get_secret_value() if settings.secrets_key else None)
        connector = read_settings(args.settings, ConnectorSettings, {"secret": args.secret_env,
                                                                     "token": args.token_env})
        stored = create_connector(store, box, tenant, connector)
        path = receiver_path(stored)
        print(f"connector {stored.id} ({connector.vendor}) for tenant {tenant}: " +
              (f"send its webhooks to <this server>{path}" if path else "its new tickets are read every "
               f"{settings.connector_poll_s:g} s"))
    elif args.command == "list":
        for stored in store.connectors.list(tenant):
            _print(connector_view(store, stored))
    else:
        stored = store.connectors.get(tenant, args.id)
        if stored is None:
            raise LookupError(f"tenant '{tenant}' has no connector '{args.id}'")
        if args.command == "show":
            _print(connector_view(store, stored, args.recent))
        else:
            store.connectors.delete(tenant, args.id)
            print(f"connector {args.id} removed (its receiver answers 404 from now on)")
    return 0


def _print(view: dict) -> None:
    print(json.dumps(view, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
