"""``python -m api.admin``: tenants and API keys from the command line (the store of ``KB_STORE_PATH``).

    python -m api.admin tenant create acme --kb-dir path/to/kb
    python -m api.admin keys create --tenant acme --scopes search --name "help centre widget"
    python -m api.admin keys list --tenant acme
    python -m api.admin keys revoke --tenant acme <key id>
    python -m api.admin demo-keys        # what `make serve` runs: the demo tenant and its three keys

Keys are printed once and stored only as hashes. Writes made here while a server runs reach its
index on the server's next start; use the HTTP API (``/v1/articles/import``) for a running server.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.services import seed_tenant
from api.settings import Settings
from indexer.settings import PROJECT_ROOT
from kb.loader import load_articles
from kb.stores import Scope, Store, create_store

DEMO_KEYS_FILE = PROJECT_ROOT / "build" / "demo-keys.json"
DEMO_SCOPES = {"search": {Scope.SEARCH}, "answer": {Scope.ANSWER}, "admin": set(Scope)}


def demo_keys(store: Store, settings: Settings, path: Path = DEMO_KEYS_FILE) -> dict[str, str]:
    """The demo tenant's search, answer and admin keys: those in ``path`` while they still work, else new ones.

    Returns:
        ``{"search": ..., "answer": ..., "admin": ...}`` (``admin`` holds every scope), also written to ``path``.
    """
    seed_tenant(store, settings.tenant, settings.kb_dir)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    keys = {}
    for name, scopes in DEMO_SCOPES.items():
        key = store.find_key(saved[name]) if isinstance(saved.get(name), str) else None
        if key is not None and key.tenant == settings.tenant and key.scopes == frozenset(scopes):
            keys[name] = saved[name]
        else:
            keys[name], _ = store.create_key(settings.tenant, scopes, f"demo {name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.admin", description="Tenants and API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    tenant = commands.add_parser("tenant", help="create a tenant").add_subparsers(dest="action", required=True)
    create_tenant = tenant.add_parser("create", help="create a tenant, optionally with a knowledge base")
    create_tenant.add_argument("tenant")
    create_tenant.add_argument("--kb-dir", type=Path, help="import this knowledge-base directory")
    keys = commands.add_parser("keys", help="create, list or revoke API keys").add_subparsers(dest="action",
                                                                                             required=True)
    create_key = keys.add_parser("create", help="create a key and print it (shown once)")
    create_key.add_argument("--tenant", required=True)
    create_key.add_argument("--scopes", required=True, help="comma-separated: search, answer, admin")
    create_key.add_argument("--name", default="", help="what the key is for")
    create_key.add_argument("--rate", type=int, help="its own limit in requests per minute (0: none)")
    list_keys = keys.add_parser("list", help="list a tenant's keys")
    list_keys.add_argument("--tenant", required=True)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("--tenant", required=True)
    revoke.add_argument("key_id")
    demo = commands.add_parser("demo-keys", help="the demo tenant and its keys, written to build/demo-keys.json")
    demo.add_argument("--out", type=Path, default=DEMO_KEYS_FILE)
    args = parser.parse_args(argv)

    settings = Settings()
    store = create_store(settings.store, settings.store_path)
    try:
        return _run(args, store, settings)
    except (ValueError, LookupError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _run(args, store: Store, settings: Settings) -> int:
    if args.command == "tenant":
        if args.tenant in store.tenants():
            raise ValueError(f"tenant '{args.tenant}' exists already")
        articles = load_articles(args.kb_dir) if args.kb_dir else []
        store.ensure_tenant(args.tenant)
        for article in articles:
            store.put_article(args.tenant, article)
        print(f"tenant {args.tenant} created with {len(articles)} articles")
    elif args.command == "keys" and args.action == "create":
        scopes = {Scope(scope.strip()) for scope in args.scopes.split(",") if scope.strip()}
        secret, key = store.create_key(args.tenant, scopes, args.name, args.rate)
        print(f"key {key.id} for tenant {key.tenant}, scopes {', '.join(sorted(s.value for s in scopes))}:\n{secret}")
        print("store it now: it is not shown again", file=sys.stderr)
    elif args.command == "keys" and args.action == "list":
        for key in store.list_keys(args.tenant):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            print(f"{key.id}  {','.join(sorted(s.value for s in key.scopes)):<20} {state:<22} {key.name}")
    elif args.command == "keys" and args.action == "revoke":
        if not store.revoke_key(args.tenant, args.key_id):
            raise LookupError(f"tenant '{args.tenant}' has no live key '{args.key_id}'")
        print(f"key {args.key_id} revoked")
    else:
        keys = demo_keys(store, settings, args.out)
        print(f"demo tenant '{settings.tenant}' keys (also in {args.out}):")
        for name, secret in keys.items():
            print(f"  {name:<7} {secret}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
