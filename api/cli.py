"""``kb-answers``: the one command line of the service (installed by ``pip install``; ``python -m api.cli`` too).

    kb-answers serve [--host 127.0.0.1] [--port 8000]      the API (what ``make serve`` runs)
    kb-answers index build|rebuild|convert|export-onnx ...  the model and the indexes (``python -m indexer``;
                                                            ``install-use``: the second encoder's model)
    kb-answers adapt [--force] ...                          apply the committed adapter (``python -m indexer.adapt``)
    kb-answers tenant|keys|import|demo-keys ...             tenants, keys and articles (``python -m api.admin``)
    kb-answers mailbox add|list|show|check|remove|worker    support mailboxes and their worker (api/mailbox/cli.py)
    kb-answers connector add|list|show|remove              help-desk connectors (api/connectors/cli.py)
    kb-answers secrets-key                                  a new key for KB_SECRETS_KEY (api/secrets.py)

Each group is its module's own command line, so ``kb-answers index build --help`` and
``python -m indexer build --help`` say the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

ADMIN_COMMANDS = ("tenant", "keys", "import", "demo-keys")


def serve(argv: list[str]) -> int:
    """Run the API under uvicorn (the application factory, as in production)."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="kb-answers serve", description="Run the API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run("api.main:create_app", factory=True, host=args.host, port=args.port, access_log=False)
    return 0


def _index(argv: list[str]) -> int:
    from indexer.__main__ import main

    return main(argv)


def _adapt(argv: list[str]) -> int:
    from indexer.adapt import main

    return main(argv)


def secrets_key(argv: list[str]) -> int:
    """Print a new key for ``KB_SECRETS_KEY`` (mailbox passwords and connector secrets are encrypted with it)."""
    from api.secrets import new_key

    argparse.ArgumentParser(prog="kb-answers secrets-key", description=secrets_key.__doc__).parse_args(argv)
    print(new_key())
    return 0


def _connector(argv: list[str]) -> int:
    from api.connectors.cli import main

    return main(argv)


def _mailbox(argv: list[str]) -> int:
    from api.mailbox.cli import main

    return main(argv)


def _admin(argv: list[str]) -> int:
    from api.admin import main

    return main(argv)


def command_for(name: str) -> Callable[[list[str]], int] | None:
    """The command line that runs ``name``'s group, None for an unknown name."""
    if name in ADMIN_COMMANDS:
        return _admin
    return {"serve": serve, "index": _index, "adapt": _adapt, "mailbox": _mailbox, "connector": _connector,
            "secrets-key": secrets_key}.get(name)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    command = command_for(argv[0])
    if command is None:
        print(f"kb-answers: unknown command {argv[0]!r}; one of serve, index, adapt, mailbox, connector, secrets-key, "
              f"{', '.join(ADMIN_COMMANDS)} (kb-answers --help)", file=sys.stderr)
        return 2
    # the admin CLI's own parser reads its command word; the others get what follows theirs
    return command(argv if command is _admin else argv[1:])


if __name__ == "__main__":
    sys.exit(main())
