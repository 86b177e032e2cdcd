"""``python -m api.admin``: tenants and API keys from the command line (the store of ``KB_STORE_PATH``).

    python -m api.admin tenant create acme --kb-dir path/to/kb
    python -m api.admin tenant origins acme https://help.acme.com  # pages that may call the API (CORS)
    python -m api.admin tenant links acme 'https://help.acme.com/{language}/articles/{id}'  # article URLs
    python -m api.admin keys create --tenant acme --scopes search --name "help centre widget"
    python -m api.admin keys list --tenant acme
    python -m api.admin keys revoke --tenant acme <key id>
    python -m api.admin import --tenant acme path/to/kb  # or a .jsonl file: a report line per article
    python -m api.admin demo-keys --origin http://127.0.0.1:8000  # what `make serve` runs: the demo tenant,
                                                                  # its three keys and its page's origin

Keys are printed once and stored only as hashes. A running server takes in articles imported here
from the store's change feed (within a second or so, plus the time to embed them). Every input is
checked exactly as the HTTP API checks it (the same models and rules); a mistake is one line
``error: ...`` on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from api.auth import create_api_key
from api.cors import normalise_origin
from api.schemas import KeyIn, LinksIn, OriginsIn
from api.services import seed_tenant
from api.settings import Settings
from api.writes import import_items
from kb.loader import JSONL_FILE, load_articles
from kb.stores import Scope, Store, StoreUnavailableError, checked_tenant_name, create_store

DEMO_SCOPES = {"search": {Scope.SEARCH}, "answer": {Scope.ANSWER}, "admin": set(Scope)}
KEY_OPTIONS = {"scopes": "--scopes", "name": "--name", "rate_per_minute": "--rate"}  # KeyIn's fields
ORIGIN_OPTIONS = {"origins": "origins"}  # OriginsIn's
LINK_OPTIONS = {"article_url": "article_url"}  # LinksIn's
Model = TypeVar("Model", bound=BaseModel)


def demo_keys(store: Store, settings: Settings, path: Path | None = None,
              origins: Sequence[str] = ()) -> dict[str, str]:
    """The demo tenant's search, answer and admin keys: those in ``path`` while they still work, else new ones.

    Args:
        store: the store.
        settings: the demo tenant and its knowledge base.
        path: where the keys are kept; ``settings.demo_keys_file`` when None.
        origins: web origins added to the demo tenant's allowed origins (where its demo page is served).

    Returns:
        ``{"search": ..., "answer": ..., "admin": ...}`` (``admin`` holds every scope), also written to ``path``.
    """
    path = path or settings.demo_keys_file
    seed_tenant(store, settings.tenant, settings.kb_dir)
    if origins:
        store.origins.replace(settings.tenant, [*store.origins.of(settings.tenant),
                                                *(normalise_origin(origin) for origin in origins)])
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    keys = {}
    for name, scopes in DEMO_SCOPES.items():
        key = store.keys.find(saved[name]) if isinstance(saved.get(name), str) else None
        if key is not None and key.tenant == settings.tenant and key.scopes == frozenset(scopes):
            keys[name] = saved[name]
        else:
            keys[name], _ = store.keys.create(settings.tenant, scopes, f"demo {name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return keys


def read_items(path: Path) -> list[tuple[str, object]]:
    """The articles of a KB directory or JSONL file as (where, mapping), or (where, error message)
    for an unreadable file or line, so one bad item does not stop the others."""
    path = Path(path)
    if path.is_dir():
        files = sorted((path / "articles").glob("*.yaml"))
        lines = [path / JSONL_FILE] if (path / JSONL_FILE).is_file() else []
    elif path.suffix == ".jsonl" and path.is_file():
        files, lines = [], [path]
    else:
        raise FileNotFoundError(f"{path}: neither a knowledge-base directory nor a .jsonl file")
    items: list[tuple[str, object]] = []
    for file in files:
        try:
            items.append((str(file), yaml.safe_load(file.read_text(encoding="utf-8"))))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            items.append((str(file), f"not valid YAML: {error}"))
    for file in lines:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    items.append((f"{file}:{number}", json.loads(line)))
                except (ValueError, RecursionError) as error:  # RecursionError: nested ~1,000 levels deep
                    items.append((f"{file}:{number}", f"not valid JSON: {error}"))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.admin", description="Tenants and API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    tenant = commands.add_parser("tenant", help="create a tenant, set its allowed origins").add_subparsers(
        dest="action", required=True)
    create_tenant = tenant.add_parser("create", help="create a tenant, optionally with a knowledge base")
    create_tenant.add_argument("tenant")
    create_tenant.add_argument("--kb-dir", type=Path, help="import this knowledge-base directory")
    origins = tenant.add_parser("origins", help="show or set the web origins whose pages may call the API with "
                                                "the tenant's keys (CORS; none by default)")
    origins.add_argument("tenant")
    origins.add_argument("origins", nargs="*", help="the new list, replacing the old one, e.g. https://help.acme.com")
    origins.add_argument("--clear", action="store_true", help="allow no origin")
    links = tenant.add_parser("links", help="show or set the help centre's article URL pattern (answers carry URLs)")
    links.add_argument("tenant")
    links.add_argument("article_url", nargs="?", help="e.g. https://help.acme.com/{language}/articles/{id}")
    links.add_argument("--clear", action="store_true", help="no URLs in answers")
    keys = commands.add_parser("keys", help="create, list or revoke API keys").add_subparsers(dest="action",
                                                                                             required=True)
    create_key = keys.add_parser("create", help="create a key and print it (shown once)")
    create_key.add_argument("--tenant", required=True)
    create_key.add_argument("--scopes", required=True, help="comma-separated: search, answer, admin")
    create_key.add_argument("--name", default="", help="what the key is for")
    create_key.add_argument("--rate", type=int, help="its own limit in requests per minute, 0 to 1,000,000 "
                                                     "(0: none; KB_MAX_UNLIMITED_KEYS_PER_TENANT such keys at most)")
    list_keys = keys.add_parser("list", help="list a tenant's keys")
    list_keys.add_argument("--tenant", required=True)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("--tenant", required=True)
    revoke.add_argument("key_id")
    bulk = commands.add_parser("import", help="create or replace articles from a KB directory or JSONL file")
    bulk.add_argument("--tenant", required=True)
    bulk.add_argument("path", type=Path, help="a knowledge-base directory (articles/*.yaml, articles.jsonl) "
                                              "or a .jsonl file")
    demo = commands.add_parser("demo-keys", help="the demo tenant and its keys, written to build/demo-keys.json")
    demo.add_argument("--out", type=Path, help="where the keys are written (default: KB_DEMO_KEYS_FILE)")
    demo.add_argument("--origin", action="append", default=[],
                      help="an origin the demo page is served from, allowed for the demo tenant (repeatable)")
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


def checked(model: type[Model], options: dict[str, str], **fields) -> Model:
    """Command-line input checked by the HTTP API's own request model.

    Args:
        model: the request model of the matching HTTP call (e.g. ``KeyIn`` for ``POST /v1/keys``).
        options: the command-line option of each of the model's fields, to name in messages.
        fields: the model's fields.

    Returns:
        The model.

    Raises:
        ValueError: each problem on one line, named by its option (``--rate: Input should be ...``).
    """
    try:
        return model(**fields)
    except ValidationError as error:
        problems = (f"{options[str(problem['loc'][0])]}: {problem['msg'].removeprefix('Value error, ')}"
                    for problem in error.errors())
        raise ValueError("; ".join(dict.fromkeys(problems))) from None


def _run(args, store: Store, settings: Settings) -> int:
    if getattr(args, "tenant", None) is not None:
        checked_tenant_name(args.tenant)
    if args.command == "tenant" and args.action == "origins":
        if args.origins or args.clear:
            store.origins.replace(args.tenant, checked(OriginsIn, ORIGIN_OPTIONS, origins=args.origins).origins)
        allowed = store.origins.of(args.tenant)
        print(f"tenant {args.tenant} allows " + (", ".join(allowed) if allowed else "no origin (closed)"))
    elif args.command == "tenant" and args.action == "links":
        if args.article_url or args.clear:
            store.links.set(args.tenant, None if args.clear else checked(LinksIn, LINK_OPTIONS,
                                                                         article_url=args.article_url).article_url)
        pattern = store.links.pattern(args.tenant)
        print(f"tenant {args.tenant} links articles to " + (pattern or "nothing (answers carry no URL)"))
    elif args.command == "tenant":
        if args.tenant in store.tenants():
            raise ValueError(f"tenant '{args.tenant}' exists already")
        articles = load_articles(args.kb_dir) if args.kb_dir else []
        store.ensure_tenant(args.tenant)
        for article in articles:
            store.articles.put(args.tenant, article)
        print(f"tenant {args.tenant} created with {len(articles)} articles")
    elif args.command == "import":
        if args.tenant not in store.tenants():
            raise LookupError(f"no tenant '{args.tenant}' (python -m api.admin tenant create {args.tenant})")

        report = import_items(read_items(args.path), lambda article_id: store.articles.get(args.tenant, article_id),
                              lambda article: store.articles.put(args.tenant, article))
        for item in report.items:
            print(f"{item.status:<9} {item.id or '-':<40} {' '.join((item.error or '').split())}")
        print(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
              f"rejected {report.rejected} (a running server takes them in from the store's change feed)")
        return 1 if report.rejected else 0
    elif args.command == "keys" and args.action == "create":
        request = checked(KeyIn, KEY_OPTIONS, scopes=[scope.strip() for scope in args.scopes.split(",")],
                          name=args.name, rate_per_minute=args.rate)
        secret, key = create_api_key(store, settings, args.tenant, request)
        print(f"key {key.id} for tenant {key.tenant}, scopes {', '.join(sorted(s.value for s in key.scopes))}:\n"
              f"{secret}")
        print("store it now: it is not shown again", file=sys.stderr)
    elif args.command == "keys" and args.action == "list":
        for key in store.keys.list(args.tenant):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            print(f"{key.id}  {','.join(sorted(s.value for s in key.scopes)):<20} {state:<22} {key.name}")
    elif args.command == "keys" and args.action == "revoke":
        if not store.keys.revoke(args.tenant, args.key_id):
            raise LookupError(f"tenant '{args.tenant}' has no live key '{args.key_id}'")
        print(f"key {args.key_id} revoked")
    else:
        keys = demo_keys(store, settings, args.out, args.origin)
        print(f"demo tenant '{settings.tenant}' keys (also in {args.out or settings.demo_keys_file}), "
              f"allowed origins: {', '.join(store.origins.of(settings.tenant)) or 'none'}:")
        for name, secret in keys.items():
            print(f"  {name:<7} {secret}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
