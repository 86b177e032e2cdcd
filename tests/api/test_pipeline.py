"""The answer pipeline without HTTP: no FastAPI or response schema inside, and the same answer as the route."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime

from api import pipeline
from indexer.settings import PROJECT_ROOT
from kb.filters import ArticleFilter
from kb.models import Channel, Visibility

# the HTTP layer: the pipeline is shared by every boundary, so it imports none of these
HTTP_MODULES = ("fastapi", "starlette", "api.schemas", "api.routers", "api.deps", "api.auth", "api.errors")


def imported_modules(path) -> set[str]:
    """The full names of the modules a file imports, at any depth."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_pipeline_imports_nothing_of_the_http_layer():
    files = sorted((PROJECT_ROOT / "api" / "pipeline").glob("*.py"))
    assert files
    http = {path.name: sorted(name for name in imported_modules(path)
                              if any(name == module or name.startswith(f"{module}.") for module in HTTP_MODULES))
            for path in files}
    assert {name: modules for name, modules in http.items() if modules} == {}


def test_a_message_answered_without_http_is_answered_as_the_route_answers_it(client, services):
    body = {"query": "How can I change my email address? Also, do you accept PayPal?", "channel": "email",
            "subject": "Order BC-123456", "top_k": 4}
    expected = client.post("/v1/answer", json=body).json()
    message = pipeline.Message(text=body["query"], channel=Channel.EMAIL, subject=body["subject"], top_k=4)
    # what the client's key may see: published and internal articles, shown now
    allowed = ArticleFilter(frozenset({Visibility.PUBLISHED, Visibility.INTERNAL}),
                            datetime.now(UTC).replace(second=0, microsecond=0))

    async def ask() -> pipeline.Answer:
        reading = pipeline.read(message, services.embedder.cost)
        return await pipeline.answer(services, services.default, message, allowed, reading)

    answer = asyncio.run(ask())
    assert len(expected["concerns"]) == 2
    assert [(c.text, c.answered, c.confidence, c.article.id) for c in answer.concerns] == [
        (c["text"], c["answered"], c["confidence"], c["article"]["id"]) for c in expected["concerns"]]
    assert [article.id for article in answer.articles] == [article["id"] for article in expected["articles"]]
    assert (answer.language.value, answer.situation.value, answer.answered, answer.handoff, answer.language_fallback,
            [(r.kind, r.value) for r in answer.references]) == (
        expected["language"], expected["situation"], expected["answered"], expected["handoff"],
        expected["language_fallback"], [(r["kind"], r["value"]) for r in expected["references"]])
