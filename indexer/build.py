"""Build the vector index of a knowledge base: every article field of every language, embedded.

Fields and prompts: titles and example questions are short, question-like
texts and are embedded with the ``query: `` prompt, so customer questions
match them symmetrically; summaries and bodies are documents and get the
``passage: `` prompt.

On disk (``<index_dir>``): ``vectors.faiss``, ``owners.json`` (which article
field each vector id is), ``lexical.npz`` and ``lexical.json`` (the BM25 index and its
documents, so a restart does not re-tokenise the knowledge base) and
``manifest.json`` (model and knowledge-base fingerprints, so a stale index is
detected and rebuilt).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from indexer.backends import create_backend
from indexer.encoders import Encoder
from indexer.lexical import BM25, tokenize
from indexer.owners import Entry, VectorOwners
from kb.models import Article, ArticleVariant, Language

log = logging.getLogger(__name__)

INDEX_FORMAT = 2  # 2: owners.json replaced entries.json (format 1), which also held every text
OWNERS_FILE = "owners.json"
# Short, question-like fields get the ``query:`` prompt; every other field is a passage.
QUERY_FIELDS = ("title", "question")


def article_entries(article: Article) -> list[Entry]:
    """Every indexed (non-empty) text of an article, in a stable order.

    Title, summary, whole body and example questions.
    """
    entries = []
    for language, variant in sorted(article.variants.items(), key=lambda item: item[0].value):
        fields = [("title", variant.title), ("summary", variant.summary), ("body", variant.body)]
        fields += [("question", q) for q in variant.questions]
        entries.extend(Entry(article.id, language.value, name, text) for name, text in fields if text.strip())
    return entries


def lexical_text(variant: ArticleVariant) -> str:
    """All fields of a variant as one lexical document."""
    return "\n".join([variant.title, *variant.questions, variant.summary, variant.body])


def lexical_index(articles: list[Article]) -> tuple[list[tuple[str, Language]], BM25]:
    """One BM25 document per article variant, tokenised for its language.

    Returns:
        (article id, language) of each document, and the index.
    """
    documents = [(article.id, language) for article in articles for language in article.variants]
    by_id = {article.id: article for article in articles}
    return documents, BM25([tokenize(lexical_text(by_id[article_id].variants[language]), (language.value,))
                            for article_id, language in documents])


def prompt_for(field: str) -> str:
    """``query`` for short question-like fields, ``passage`` for documents."""
    return "query" if field in QUERY_FIELDS else "passage"


def kb_fingerprint(articles: list[Article]) -> str:
    """A hash of everything indexed, so a changed knowledge base is noticed."""
    digest = hashlib.sha256()
    for article in articles:
        for entry in article_entries(article):
            digest.update(json.dumps(entry.as_dict(), ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def embed_entries(encoder: Encoder, entries: list[Entry], progress=None, batch_size: int = 32) -> np.ndarray:
    """Embed entries with the prompt of their field, keeping their order.

    Args:
        encoder: the model, or anything with its ``dim``, ``encode_queries`` and
            ``encode_passages`` (the evaluation's embedding cache).
        entries: what to embed.
        progress: optional callable(n_done) called after each batch.
        batch_size: texts per forward pass.

    Returns:
        float32 array (len(entries), dim).
    """
    vectors = np.zeros((len(entries), encoder.dim), dtype=np.float32)
    groups = {"query": [], "passage": []}
    for i, entry in enumerate(entries):
        groups[prompt_for(entry.field)].append(i)
    for prompt, positions in groups.items():
        # shorter texts first: batches of similar length waste less padding
        positions.sort(key=lambda i: len(entries[i].text))
        encode = encoder.encode_queries if prompt == "query" else encoder.encode_passages
        for start in range(0, len(positions), batch_size):
            batch = positions[start : start + batch_size]
            vectors[batch] = encode([entries[i].text for i in batch], batch_size=batch_size)
            if progress:
                progress(len(batch))
    return vectors


def build_index(articles: list[Article], encoder: Encoder, index_dir: Path, backend: str = "faiss",
                show_progress: bool = True) -> dict:
    """Embed every article field and write the index folder atomically.

    Args:
        articles: the knowledge base.
        encoder: the model.
        index_dir: where the index lives.
        backend: vector backend name.
        show_progress: print a progress bar to stderr.

    Returns:
        The manifest written.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    entries = [entry for article in articles for entry in article_entries(article)]
    with tqdm(total=len(entries), desc="embedding", unit="text", disable=not show_progress) as bar:
        vectors = embed_entries(encoder, entries, progress=bar.update)
    store = create_backend(backend, encoder.dim)
    store.add(np.arange(len(entries), dtype=np.int64), vectors)

    staging = index_dir.with_name(index_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    store.save(staging / "vectors.faiss")
    documents, lexical = lexical_index(articles)
    lexical.save(staging / "lexical.npz")
    (staging / "lexical.json").write_text(json.dumps([[a, lang.value] for a, lang in documents]), encoding="utf-8")
    VectorOwners.of_entries(entries).save(staging / OWNERS_FILE)
    manifest = {
        "format": INDEX_FORMAT,
        "backend": backend,
        "model": encoder.vectors_fingerprint,
        "kb": kb_fingerprint(articles),
        "articles": len(articles),
        "vectors": len(entries),
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if index_dir.exists():
        old = index_dir.with_name(index_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(index_dir, old)
        os.replace(staging, index_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, index_dir)
    return manifest


def index_is_current(index_dir: Path, articles: list[Article], encoder: Encoder) -> bool:
    """True when ``index_dir`` holds a complete index of these articles with this encoder's vectors.

    An index of format 1 with current vectors is upgraded in place first (no re-embedding).
    """
    manifest = _manifest(index_dir)
    if manifest.get("format") == 1 and (index_dir / "entries.json").is_file():
        manifest = _upgrade_from_format_1(index_dir, manifest)
    return (
        manifest.get("format") == INDEX_FORMAT
        and manifest.get("model") == encoder.vectors_fingerprint
        and manifest.get("kb") == kb_fingerprint(articles)
        and (index_dir / "vectors.faiss").is_file()
        and (index_dir / OWNERS_FILE).is_file()
    )


def _manifest(index_dir: Path) -> dict:
    try:
        return json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _upgrade_from_format_1(index_dir: Path, manifest: dict) -> dict:
    """Write ``owners.json`` from a format-1 ``entries.json``; the manifest goes last, so a crash
    half-way leaves an index that is upgraded again on the next start."""
    entries = [Entry(**entry) for entry in json.loads((index_dir / "entries.json").read_text(encoding="utf-8"))]
    VectorOwners.of_entries(entries).save(index_dir / OWNERS_FILE)
    manifest = {**manifest, "format": INDEX_FORMAT}
    staged = index_dir / "manifest.json.tmp"
    staged.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(staged, index_dir / "manifest.json")
    (index_dir / "entries.json").unlink()
    log.warning("upgraded the index at %s from format 1 to %d (no re-embedding)", index_dir, INDEX_FORMAT)
    return manifest
