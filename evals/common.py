"""Shared helpers of the evaluations: the demo index, labelled data, table printing."""

from __future__ import annotations

from pathlib import Path

import yaml

from indexer.settings import (
    DEMO_INDEX,
    DEMO_KB,
    MODEL_FOLDERS,
    PROJECT_ROOT,
    default_model_dir,
    default_model_name,
    model_dir,
)

TEST_DATA = PROJECT_ROOT / "tests" / "data"


def load_yaml(name: str):
    return yaml.safe_load((TEST_DATA / name).read_text(encoding="utf-8"))


def model_folder(model: str) -> Path:
    """The folder of a model: ours by name (``base``, ``adapted``), else ``model`` is the folder's path."""
    return model_dir(model) if model in MODEL_FOLDERS else Path(model)


def model_label(model: str) -> str:
    """A short name for a model in tables and file names: ours by name, another by its folder's name."""
    return model if model in MODEL_FOLDERS else Path(model).name


def service_model() -> str:
    """The service's model: its name when it is one of ours, else its folder (``$KB_MODEL_DIR``)."""
    name = default_model_name()
    return name if default_model_dir().resolve() == model_dir(name).resolve() else str(default_model_dir())


def demo_index(encoder_name: str | None = None, model: str | None = None):
    """The demo knowledge base's index with the named encoder and model (default: the service's),
    built first when missing or stale — the demo tenant's index ``build/index/demo`` for the
    service's encoder and model, ``build/index-<encoder>`` or ``build/index-<encoder>-<model label>``
    for the others.

    Args:
        encoder_name: a runtime of :data:`indexer.encoders.ENCODERS`.
        model: ``base`` or ``adapted`` (:data:`indexer.settings.MODEL_FOLDERS`), or the path of a
            sentence-transformers model folder.

    Returns:
        The loaded :class:`indexer.search.ArticleIndex`.
    """
    from indexer.build import build_index, index_is_current
    from indexer.encoders import DEFAULT_ENCODER, create_encoder
    from indexer.search import ArticleIndex
    from kb.loader import load_articles

    encoder_name = encoder_name or DEFAULT_ENCODER
    model = model or service_model()
    if encoder_name == DEFAULT_ENCODER and model == service_model():
        index_dir = DEMO_INDEX
    else:
        index_dir = PROJECT_ROOT / "build" / (f"index-{encoder_name}" + ("" if model == "base" else f"-{model_label(model)}"))
    encoder = create_encoder(encoder_name, model_folder(model))
    articles = load_articles(DEMO_KB)
    if not index_is_current(index_dir, articles, encoder):
        build_index(articles, encoder, index_dir)
    return ArticleIndex.load(articles, index_dir, encoder)


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    """Print a plain-text table with right-aligned numbers."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths)))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()
