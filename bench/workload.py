"""What ``make bench`` runs on: the scaled knowledge base, its index, and a query mix.

The knowledge base is the demo KB scaled to 10,000 articles × 4 languages by
:mod:`bench.scaled`; its index is built once and reused while current. The query mix
is made from the 100 demo-KB paraphrases of ``tests/data/paraphrases.yaml`` (25 per
language): each paraphrase as typed, its first 60 % (a search box mid-typing), and
the paraphrase followed by each of the 20 product names of its language — 2,200
distinct queries, shuffled with a fixed seed, so no measured request is a cache hit.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from api.services import seed_tenant
from bench.scaled import PRODUCTS, scaled_articles, write_jsonl
from indexer.build import article_digest, build_index, index_is_current, saved_digests
from indexer.encoders import Encoder
from indexer.settings import DEMO_KB, PROJECT_ROOT
from indexer.sync import open_index
from kb.loader import load_articles
from kb.models import Article, Language
from kb.stores import Scope, create_store

BENCH_DIR = PROJECT_ROOT / "build" / "bench"
KB_DIR = BENCH_DIR / "kb"
TENANT = "bench"
INDEX_ROOT = BENCH_DIR / "indexes"
INDEX_DIR = INDEX_ROOT / TENANT
STORE_PATH = BENCH_DIR / "store.sqlite3"
PARAPHRASES = PROJECT_ROOT / "tests" / "data" / "paraphrases.yaml"
SEED = 20261123


def scaled_kb(count: int, log=print, kb_dir: Path = KB_DIR) -> list[Article]:
    """The scaled knowledge base of ``count`` articles, written to ``kb_dir`` (``build/bench/kb``) when it differs."""
    articles = sorted(scaled_articles(load_articles(DEMO_KB), count), key=lambda a: a.id)
    existing = kb_dir / "articles.jsonl"
    if not existing.is_file() or load_articles(kb_dir) != articles:
        log(f"writing {count} articles to {existing}")
        write_jsonl(articles, existing)
    return articles


def scaled_index(articles: list[Article], encoder: Encoder, log=print, index_dir: Path = INDEX_DIR) -> Path:
    """The index of the scaled knowledge base in ``index_dir``, built (with a progress bar) when missing or stale;
    an index whose only lack is the second encoder's field gets that field filled in place (its e5 vectors kept)."""
    if index_is_current(index_dir, articles, encoder):
        return index_dir
    if saved_digests(index_dir, articles, encoder) == {article.id: article_digest(article) for article in articles}:
        log(f"filling the second encoder's field of the index in {index_dir} (once; its e5 vectors are kept)")
        open_index(articles, encoder, index_dir)
    else:
        log(f"building the index of {len(articles)} articles in {index_dir} (once; reused while current)")
        build_index(articles, encoder, index_dir)
    return index_dir


def bench_key(log=print, store_path: Path = STORE_PATH, kb_dir: Path = KB_DIR) -> str:
    """A fresh key of the bench tenant with every scope (the bench also writes an article) and no
    rate limit (the bench measures the service, not the limiter); the tenant is created from the
    scaled KB in ``kb_dir`` when missing from the store at ``store_path``."""
    store = create_store("sqlite", store_path)
    try:
        if seed_tenant(store, TENANT, kb_dir):
            log(f"bench tenant created in {store_path}")
        secret, _ = store.keys.create(TENANT, set(Scope), "make bench", rate_per_minute=0)
        return secret
    finally:
        store.close()


def query_mix() -> list[tuple[str, Language]]:
    """The distinct benchmark queries with their language, in a fixed shuffled order."""
    paraphrases = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    queries = []
    for by_language in paraphrases.values():
        for code, text in by_language.items():
            language = Language(code)
            queries.append((text, language))
            queries.append((text[: max(2, int(len(text) * 0.6))].strip(), language))
            separator = "" if language in (Language.JA, Language.ZH) else " "
            queries.extend((f"{text}{separator}{product}", language) for product in PRODUCTS[language])
    unique = list(dict.fromkeys(queries))
    random.Random(SEED).shuffle(unique)
    return unique
