"""The request path under concurrency: micro-batched embedding gives the same answers, repeats hit the cache."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx

from api.embedding import QueryEmbedder
from api.main import create_app
from api.retrieval import Retriever
from evals.common import load_yaml


def test_concurrent_requests_are_batched_and_answered_like_single_ones(settings, services, client):
    queries = [(article_id, text) for article_id, by_language in list(load_yaml("paraphrases.yaml").items())[:8]
               for text in by_language.values()][:24]
    alone = {text: client.get("/v1/search", params={"q": text, "limit": 3}).json() for _, text in queries}
    # no caches: every request goes through the batcher
    embedder = QueryEmbedder(services.encoder, cache_size=0)
    tenant_kb = dataclasses.replace(services.default,
                                    retriever=Retriever(embedder, services.default.index, cache_size=0))
    uncached = dataclasses.replace(services, open_tenants={tenant_kb.tenant: tenant_kb}, embedder=embedder)
    app = create_app(settings, uncached)
    app.state.services = uncached  # the transport below does not run the lifespan

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=client.headers) as http:
            return await asyncio.gather(*(http.get("/v1/search", params={"q": text, "limit": 3})
                                          for _, text in queries))

    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [200] * len(queries)
    for (_, text), response in zip(queries, responses):
        assert [hit["id"] for hit in response.json()["results"]] == [hit["id"] for hit in alone[text]["results"]]
    assert max(embedder.lanes["short"].batcher.batch_sizes) > 1


def test_a_repeated_query_is_served_from_the_cache(client, services):
    query = "how long does a refund take to reach my card"
    first = client.get("/v1/search", params={"q": query}).json()
    hits_before = services.default.retriever.results.hits
    second = client.get("/v1/search", params={"q": query}).json()
    assert services.default.retriever.results.hits == hits_before + 1 and second == first
