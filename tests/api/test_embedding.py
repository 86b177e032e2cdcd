"""The process's query embedder: lanes by length, bounded queues, a failing item fails only itself."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from api.embedding import Overloaded, QueryEmbedder
from kb.text import UnencodableTextError

LONG_EMAIL = ("Hello, I ordered a winter jacket two weeks ago and it still has not arrived. The tracking page says "
              "the parcel is in transit, but nothing has changed for five days. ") * 8


@pytest.fixture()
def embedder(services):
    if services.settings.vector_backend != "faiss":
        pytest.skip("the embedder is the same whichever backend holds the vectors")
    return QueryEmbedder(services.encoder, cache_size=0)


def test_a_failing_item_in_a_real_batch_fails_only_its_own_request(embedder, services):
    """A lone surrogate makes the tokenizer raise for the whole batch; the batcher runs the batch
    again item by item, so only that caller gets the error."""
    questions = [f"where is my parcel number {number}" for number in range(12)]
    poisoned = "\ud800 refund"
    batcher = embedder.lanes["short"].batcher
    gate = threading.Event()
    real_function = batcher.function

    def held_first(items):  # hold the first batch, so the rest queue up and go together
        gate.wait(10)
        return real_function(items)

    batcher.function = held_first

    async def main():
        first = asyncio.ensure_future(batcher.submit("warm-up question"))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(batcher.submit(text)) for text in [*questions[:6], poisoned, *questions[6:]]]
        await asyncio.sleep(0.05)
        gate.set()
        await first
        return await asyncio.gather(*rest, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert max(batcher.batch_sizes) == len(questions) + 1  # the poisoned item really was in the batch
    failed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(failed) == 1 and outcomes[6] is failed[0]
    alone = services.encoder.encode_queries(questions)
    answered = np.stack([outcome for outcome in outcomes if not isinstance(outcome, Exception)])
    np.testing.assert_allclose(answered, alone, atol=1e-5)


def test_text_that_cannot_be_encoded_is_the_callers_fault(embedder):
    with pytest.raises(UnencodableTextError, match="query: character 3 is a lone surrogate"):
        asyncio.run(embedder.embed("abc\udfff"))


def test_long_texts_take_their_own_lane_with_batches_bounded_by_tokens(embedder):
    assert embedder.cost("where is my parcel") <= embedder.short_tokens < embedder.cost(LONG_EMAIL)
    assert embedder.lanes["short"].batcher.max_batch == 32
    assert embedder.lanes["long"].batcher.max_batch == 4096 // 512  # batches of at most 4,096 padded tokens
    asyncio.run(embedder.embed(LONG_EMAIL))
    asyncio.run(embedder.embed("where is my parcel"))
    assert embedder.lanes["long"].batcher.batch_sizes == [1] and embedder.lanes["short"].batcher.batch_sizes == [1]


def test_a_short_question_is_not_held_up_by_a_long_batch(embedder):
    long_lane = embedder.lanes["long"].batcher
    gate = threading.Event()
    real_function = long_lane.function
    long_lane.function = lambda items: (gate.wait(10), real_function(items))[1]

    async def main():
        email = asyncio.ensure_future(embedder.embed(LONG_EMAIL))
        await asyncio.sleep(0.05)
        vector = await embedder.embed("reset my password")
        still_waiting = not email.done()
        gate.set()
        return vector, still_waiting, await email

    vector, email_was_still_waiting, email_vector = asyncio.run(main())
    assert email_was_still_waiting and vector.shape == email_vector.shape == (embedder.encoder.dim,)


def test_a_full_lane_refuses_at_once_and_the_other_lane_still_serves(embedder):
    long_lane = embedder.lanes["long"]
    with long_lane.budget.hold(long_lane.budget.capacity, "long"):
        with pytest.raises(Overloaded, match="busy with long texts"):
            asyncio.run(embedder.embed(LONG_EMAIL))
        assert asyncio.run(embedder.embed("reset my password")).shape == (embedder.encoder.dim,)
    assert long_lane.budget.pending == 0
    assert asyncio.run(embedder.embed(LONG_EMAIL)).shape == (embedder.encoder.dim,)  # admitted again


def test_a_message_is_admitted_whole_or_refused_whole(embedder):
    """A mail's texts hold the lanes' budget together: when one lane cannot take its share, nothing is held
    and nothing is embedded (the short lane is not left half used by a message that then fails)."""
    texts = ["where is my parcel", "can I pay by invoice", LONG_EMAIL]
    costs = [embedder.cost(text) for text in texts]
    short, long = embedder.lanes["short"], embedder.lanes["long"]
    with long.budget.hold(long.budget.capacity, "long"):
        with pytest.raises(Overloaded, match="busy with long texts"):
            with embedder.admit(texts, costs):
                pytest.fail("a message the long lane cannot take must not be admitted")
        assert short.budget.pending == 0
    with embedder.admit(texts, costs):
        assert short.budget.pending == costs[0] + costs[1] and long.budget.pending == costs[2]

        async def embed_all():
            return await asyncio.gather(*(embedder.embed(text, cost, admitted=True)
                                          for text, cost in zip(texts, costs)))

        vectors = asyncio.run(embed_all())
    assert short.budget.pending == long.budget.pending == 0 and len(vectors) == 3
