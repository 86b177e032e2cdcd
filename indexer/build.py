"""Build the vector index of a knowledge base: every article field of every language, embedded.

Fields and prompts: titles and example questions are short, question-like
texts and are embedded with the ``query: `` prompt, so customer questions
match them symmetrically; summaries and bodies are documents and get the
``passage: `` prompt. Lithuanian titles and questions are embedded a second
time without diacritics, as customers often type them (README, "Lithuanian
without diacritics").

On disk (``<index_dir>``): ``vectors.faiss``, ``owners.json`` (which article
field each vector id was made from), ``lexical.npz`` and ``lexical.json`` (the BM25 index and its
documents, so a restart does not re-tokenise the knowledge base), ``digests.json``
(a hash of each indexed article, so a changed knowledge base is caught up article by
article) and ``manifest.json`` (format and model, so an index of another model is
rebuilt, and a checksum of every file, so a torn index is noticed and rebuilt). With the second encoder
its vectors are a second field, ``vectors-2.faiss``; the manifest's ``fields`` names the model of each,
and an index without the second field (or with another second model) is upgraded in place: only the
second field is embedded (:func:`indexer.sync.fill_second_field`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.backends import VectorBackend, create_backend
from indexer.encoders import Encoder
from indexer.lexical import BM25, fold, tokenize
from indexer.vector_sources import Entry, VectorSources
from kb.models import Article, ArticleVariant, Language

log = logging.getLogger(__name__)

# 4: Lithuanian titles and questions also embedded without diacritics.
# 3: a digest per article (digests.json), so a changed knowledge base is caught up article by article;
# 2: owners.json replaced entries.json (format 1), which also held every text.
INDEX_FORMAT = 4
VECTORS_FILE = "vectors.faiss"
# The VectorSources file keeps its name from when the class was VectorOwners, so existing indexes open.
OWNERS_FILE = "owners.json"
DIGESTS_FILE = "digests.json"
# Short, question-like fields get the ``query:`` prompt; every other field is a passage.
QUERY_FIELDS = ("title", "question")
# Languages customers often type without diacritics: their question-like fields are embedded folded too.
FOLDED_LANGUAGES = (Language.LT,)


def article_entries(article: Article) -> list[Entry]:
    """Every indexed (non-empty) text of an article, in a stable order.

    Title, summary, whole body and example questions; in a language of ``FOLDED_LANGUAGES`` also the
    title and questions without diacritics (where that differs).
    """
    entries = []
    for language, variant in sorted(article.variants.items(), key=lambda item: item[0].value):
        fields = [("title", variant.title), ("summary", variant.summary), ("body", variant.body)]
        fields += [("question", q) for q in variant.questions]
        if language in FOLDED_LANGUAGES:
            fields += [(name, fold(text)) for name, text in fields if name in QUERY_FIELDS and fold(text) != text]
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


def article_digest(article: Article) -> str:
    """A hash of every text of an article that is indexed (per language: title, summary, body,
    questions), so a changed article is noticed; one JSON encoding per article, as this runs
    over the whole knowledge base at every start."""
    texts = {language.value: [variant.title, variant.summary, variant.body, list(variant.questions)]
             for language, variant in sorted(article.variants.items(), key=lambda item: item[0].value)}
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()


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
    store = create_backend(backend, encoder.dims)
    store.add(np.arange(len(entries), dtype=np.int64), vectors)
    documents, lexical = lexical_index(articles)
    return write_index(index_dir, encoder, store, VectorSources.of_entries(entries), documents, lexical, articles,
                       build_seconds=round(time.perf_counter() - started, 2))


def write_index(index_dir: Path, encoder: Encoder, backend: VectorBackend, sources: VectorSources,
                documents: list[tuple[str, Language]], lexical: BM25, articles: list[Article], **facts) -> dict:
    """Write an index folder atomically: a staging folder, then a swap (a crash leaves the old one).

    Args:
        index_dir: where the index lives.
        encoder: the model of the vectors.
        backend: the vectors.
        sources: which article field each vector was made from.
        documents: (article id, language) of each lexical document.
        lexical: the BM25 index over them.
        articles: the articles indexed (their digests are recorded).
        facts: more manifest entries.

    Returns:
        The manifest written.
    """
    staging, manifest = stage_index(index_dir, encoder, backend, sources, documents, lexical, articles, **facts)
    return publish_index(staging, index_dir, manifest)


def stage_index(index_dir: Path, encoder: Encoder, backend: VectorBackend, sources: VectorSources,
                documents: list[tuple[str, Language]], lexical: BM25, articles: list[Article],
                **facts) -> tuple[Path, dict]:
    """Write the index's files into a staging folder of its own beside ``index_dir``: the part of a save
    that reads the live index (arguments as :func:`write_index`).

    Returns:
        The staging folder and the manifest to publish it with (:func:`publish_index`).
    """
    staging = index_dir.with_name(f"{index_dir.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    backend.save(staging / VECTORS_FILE)
    lexical.save(staging / "lexical.npz")
    (staging / "lexical.json").write_text(json.dumps([[a, lang.value] for a, lang in documents]), encoding="utf-8")
    sources.save(staging / OWNERS_FILE)
    (staging / DIGESTS_FILE).write_text(json.dumps({a.id: article_digest(a) for a in articles}), encoding="utf-8")
    return staging, {"format": INDEX_FORMAT, "backend": backend.name, "model": encoder.primary.vectors_fingerprint,
                     "fields": list(encoder.field_fingerprints), "articles": len(articles),
                     "vectors": backend.count(), **facts}


def publish_index(staging: Path, index_dir: Path, manifest: dict) -> dict:
    """Make a staged index the index: every file's checksum into the manifest, all of it flushed to
    disk, then swapped in under a lock (needs nothing of the live index).

    Returns:
        The manifest written.
    """
    manifest = {**manifest, "files": {path.name: _file_digest(path) for path in sorted(staging.iterdir())}}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for path in [*staging.iterdir(), staging]:  # on disk before the swap makes them the index
        _fsync(path)
    with _swap_lock(index_dir):
        if index_dir.exists():
            old = index_dir.with_name(index_dir.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(index_dir, old)
            os.replace(staging, index_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, index_dir)
        _fsync(index_dir.parent)
    return manifest


def saved_digests(index_dir: Path, articles: list[Article], encoder: Encoder) -> dict[str, str] | None:
    """The article digests of the index saved in ``index_dir``, or None when it cannot be reused
    (missing, another format or model, files gone, or torn: a file whose checksum is not the one
    the manifest recorded). Older formats are upgraded in place first; a swap that a crash
    interrupted is completed.

    Args:
        index_dir: the index folder.
        articles: the knowledge base now (an index of format 1 or 2 recorded one fingerprint of
            the whole knowledge base: its digests are those of these articles when it matches).
        encoder: the model the vectors must come from (its first field's: a second field of another model,
            or none, is filled in place, see :func:`second_field_state`).
    """
    with _swap_lock(index_dir):
        old = index_dir.with_name(index_dir.name + ".old")
        if not index_dir.exists() and old.is_dir():  # a crash between the two renames of write_index
            os.replace(old, index_dir)
    manifest = _manifest(index_dir)
    model = encoder.primary.vectors_fingerprint
    if manifest.get("format") in (1, 2) and manifest.get("model") == model:
        manifest = _upgrade(index_dir, manifest, articles)
    if (manifest.get("format") != INDEX_FORMAT or manifest.get("model") != model
            or not all((index_dir / name).is_file() for name in (VECTORS_FILE, OWNERS_FILE, DIGESTS_FILE))):
        return None
    torn = [name for name, digest in manifest.get("files", {}).items()
            if not (index_dir / name).is_file() or _file_digest(index_dir / name) != digest]
    if torn:
        log.warning("index at %s is torn (%s not as written): ignoring it", index_dir, ", ".join(torn))
        return None
    try:
        return json.loads((index_dir / DIGESTS_FILE).read_text(encoding="utf-8"))
    except ValueError:
        return None


def second_field_state(index_dir: Path, encoder: Encoder) -> str:
    """Whether the index in ``index_dir`` holds the second field ``encoder`` fills: ``current`` (or none is
    wanted), ``missing`` (an index from before it) or ``stale`` (made with another second model)."""
    manifest = _manifest(index_dir)
    saved = manifest.get("fields", [manifest.get("model")])
    if len(encoder.field_fingerprints) == 1 or saved[1:] == list(encoder.field_fingerprints[1:]):
        return "current"
    return "stale" if len(saved) > 1 else "missing"


def index_is_current(index_dir: Path, articles: list[Article], encoder: Encoder) -> bool:
    """True when ``index_dir`` holds a complete index of exactly these articles with this encoder's vectors."""
    return (saved_digests(index_dir, articles, encoder) == {a.id: article_digest(a) for a in articles}
            and second_field_state(index_dir, encoder) == "current")


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    """Flush a file or a folder's entries to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _swap_lock(index_dir: Path):
    """Held while an index folder is swapped in, or checked for an interrupted swap: processes
    sharing an index root take turns."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.with_name(index_dir.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _manifest(index_dir: Path) -> dict:
    try:
        return json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _upgrade(index_dir: Path, manifest: dict, articles: list[Article]) -> dict:
    """Bring a format-1 or -2 index to the current format without re-embedding: ``owners.json``
    from format 1's ``entries.json``, digests when its knowledge-base fingerprint matches
    ``articles`` (else the index is left to be rebuilt). The manifest is replaced last, so a crash
    half-way leaves an index that is upgraded again on the next start."""
    if manifest.get("kb") != _whole_kb_fingerprint(articles):
        return manifest
    if manifest["format"] == 1:
        entries = [Entry(**entry) for entry in json.loads((index_dir / "entries.json").read_text(encoding="utf-8"))]
        VectorSources.of_entries(entries).save(index_dir / OWNERS_FILE)
    (index_dir / DIGESTS_FILE).write_text(json.dumps({a.id: article_digest(a) for a in articles}), encoding="utf-8")
    upgraded = {**{k: v for k, v in manifest.items() if k != "kb"}, "format": INDEX_FORMAT}
    staged = index_dir / "manifest.json.tmp"
    staged.write_text(json.dumps(upgraded, indent=2), encoding="utf-8")
    os.replace(staged, index_dir / "manifest.json")
    (index_dir / "entries.json").unlink(missing_ok=True)
    log.warning("upgraded the index at %s from format %d to %d (no re-embedding)", index_dir, manifest["format"],
                INDEX_FORMAT)
    return upgraded


def _whole_kb_fingerprint(articles: list[Article]) -> str:
    """The one knowledge-base hash that formats 1 and 2 recorded."""
    digest = hashlib.sha256()
    for article in articles:
        for entry in article_entries(article):
            digest.update(json.dumps(entry.as_dict(), ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()
