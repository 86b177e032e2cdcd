"""Query embedding for the whole process: two lanes, a bounded queue, a cache.

Every tenant shares one model, so every tenant's queries are embedded here:

* **Lanes.** A question that makes the model read at most ``short_tokens`` tokens (a search-box
  query, a chat turn) goes to the short lane; longer texts (emails, tickets) to the long lane. Each
  lane has its own worker thread, so short questions never wait behind a batch of long ones.
* **Bounded batches.** A long-lane batch holds at most ``long_batch_tokens`` padded tokens, so the
  model's working memory is bounded whatever the load.
* **Admission.** Each lane admits at most ``queue_tokens`` tokens of queued and running work; past
  that a request is refused at once (:class:`Overloaded`, a 503 with ``Retry-After``) instead of
  waiting without bound.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np

from api.batching import MicroBatcher
from api.cache import LockedLRUCache
from indexer.encoders import Encoder
from kb.text import UnencodableTextError, find_unencodable


class Overloaded(Exception):
    """A lane's queue is full: the request is refused now rather than left to wait.

    Args:
        lane: ``short`` or ``long``.
        retry_after_s: when to try again.
    """

    def __init__(self, lane: str, retry_after_s: int = 1):
        super().__init__(f"the service is busy with {lane} texts right now; retry in {retry_after_s} s")
        self.lane = lane
        self.retry_after_s = retry_after_s


class WorkBudget:
    """Tokens of work a lane may hold at once (queued and running).

    Args:
        capacity: the most tokens admitted at once; one query is always admitted into an empty budget.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.pending = 0
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, tokens: int, lane: str):
        """Hold ``tokens`` of the budget while the block runs.

        Raises:
            Overloaded: the budget cannot take them now.
        """
        with self._lock:
            if self.pending and self.pending + tokens > self.capacity:
                raise Overloaded(lane)
            self.pending += tokens
        try:
            yield
        finally:
            with self._lock:
                self.pending -= tokens


@dataclass(frozen=True)
class Lane:
    """One lane: its batcher and its budget."""

    name: str
    batcher: MicroBatcher
    budget: WorkBudget


class QueryEmbedder:
    """Embeds questions for every tenant: through the cache, in the lane their length calls for.

    Args:
        encoder: the model.
        short_tokens: the longest question (in tokens) of the short lane.
        max_batch: most short questions embedded together.
        long_batch_tokens: most padded tokens in one long-lane batch (bounds the model's memory).
        queue_tokens: the most tokens each lane holds at once (queued and running).
        max_wait_ms: how long a batch waits for company once its first question arrived.
        cache_size: query embeddings remembered (search boxes resend the same prefixes and questions).
    """

    def __init__(self, encoder: Encoder, short_tokens: int = 64, max_batch: int = 32, long_batch_tokens: int = 4096,
                 queue_tokens: int = 16384, max_wait_ms: float = 0.0, cache_size: int = 4096):
        self.encoder = encoder
        self.short_tokens = short_tokens
        longest = encoder.max_tokens
        self.lanes = {
            "short": Lane("short", MicroBatcher(self._encode_batch, max_batch, max_wait_ms), WorkBudget(queue_tokens)),
            "long": Lane("long", MicroBatcher(self._encode_batch, max(1, long_batch_tokens // longest), max_wait_ms),
                         WorkBudget(queue_tokens)),
        }
        self.vectors = LockedLRUCache(cache_size)

    def cost(self, query: str) -> int:
        """Tokens the model reads to embed ``query``.

        Raises:
            UnencodableTextError: the text cannot be embedded (it holds a lone surrogate).
        """
        problem = find_unencodable(query, "query")
        if problem is not None:
            raise UnencodableTextError(problem)
        return self.encoder.count_tokens(query)

    async def embed(self, query: str, tokens: int | None = None, admitted: bool = False) -> np.ndarray:
        """The question's vector.

        Args:
            query: the question.
            tokens: its cost when already counted (:meth:`cost`).
            admitted: its tokens are already held by :meth:`admit` (with the rest of its message).

        Raises:
            Overloaded: its lane is full; nothing was queued.
            UnencodableTextError: the text cannot be embedded (it holds a lone surrogate).
        """
        vector = self.vectors.get(query)
        if vector is not None:
            return vector
        tokens = self.cost(query) if tokens is None else tokens
        lane = self._lane(tokens)
        with nullcontext() if admitted else lane.budget.hold(tokens, lane.name):
            vector = await lane.batcher.submit(query)
        self.vectors.put(query, vector)
        return vector

    @contextmanager
    def admit(self, texts: Sequence[str], costs: Sequence[int]):
        """Hold the lanes' budget for all of a message's texts at once, while the block embeds them with
        ``admitted=True``: a message is taken whole or refused whole, never half embedded and then refused.

        Args:
            texts: the texts.
            costs: their tokens (:meth:`cost`).

        Raises:
            Overloaded: a lane cannot take its share now; nothing was held.
        """
        totals: dict[str, int] = {}
        for text, tokens in zip(texts, costs):
            if text not in self.vectors:
                name = self._lane(tokens).name
                totals[name] = totals.get(name, 0) + tokens
        with ExitStack() as held:
            for name, tokens in sorted(totals.items()):
                held.enter_context(self.lanes[name].budget.hold(tokens, name))
            yield

    def _lane(self, tokens: int) -> Lane:
        return self.lanes["short" if tokens <= self.short_tokens else "long"]

    def _encode_batch(self, queries: Sequence[str]) -> list[np.ndarray]:
        unique = list(dict.fromkeys(queries))
        vectors = dict(zip(unique, self.encoder.encode_queries(unique, batch_size=len(unique))))
        return [vectors[query] for query in queries]

    async def close(self) -> None:
        for lane in self.lanes.values():
            await lane.batcher.close()
