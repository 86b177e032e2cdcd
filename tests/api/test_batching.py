"""Micro-batching and the LRU cache, on their own (no model)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from api.batching import MicroBatcher
from api.cache import LockedLRUCache


def run(coroutine):
    return asyncio.run(coroutine)


def test_concurrent_items_share_batches_and_keep_their_order():
    calls = []

    def square(items):
        calls.append(list(items))
        time.sleep(0.02)  # while this runs, the others queue up
        return [item * item for item in items]

    async def main():
        batcher = MicroBatcher(square, max_batch=8)
        results = await asyncio.gather(*(batcher.submit(i) for i in range(20)))
        await batcher.close()
        return results

    assert run(main()) == [i * i for i in range(20)]
    assert len(calls) < 20 and max(len(c) for c in calls) <= 8
    assert sorted(item for call in calls for item in call) == list(range(20))


def test_a_lone_item_does_not_wait_for_company():
    async def main():
        batcher = MicroBatcher(lambda items: items, max_batch=32, max_wait_ms=0)
        result = await batcher.submit("only")
        await batcher.close()
        return result, batcher.batch_sizes

    assert run(main()) == ("only", [1])


def test_the_window_collects_items_that_arrive_within_it():
    async def main():
        batcher = MicroBatcher(lambda items: items, max_batch=32, max_wait_ms=30)
        first = asyncio.ensure_future(batcher.submit(1))
        await asyncio.sleep(0.005)
        second = asyncio.ensure_future(batcher.submit(2))
        results = await asyncio.gather(first, second)
        await batcher.close()
        return results, batcher.batch_sizes

    assert run(main()) == ([1, 2], [2])


def test_a_failing_batch_fails_each_caller_and_the_worker_goes_on():
    def fail_on_three(items):
        if 3 in items:
            raise RuntimeError("bad item")
        return items

    async def main():
        batcher = MicroBatcher(fail_on_three, max_batch=1)
        with pytest.raises(RuntimeError, match="bad item"):
            await batcher.submit(3)
        after = await batcher.submit(4)
        await batcher.close()
        return after

    assert run(main()) == 4


def test_the_batch_function_runs_off_the_event_loop():
    threads = []

    async def main():
        batcher = MicroBatcher(lambda items: threads.append(threading.current_thread()) or items)
        await batcher.submit(1)
        await batcher.close()

    run(main())
    assert threads and threads[0] is not threading.main_thread()


def test_lru_forgets_the_least_recently_used():
    cache = LockedLRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the oldest
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2 and (cache.hits, cache.misses) == (3, 1)


def test_lru_of_size_zero_keeps_nothing():
    cache = LockedLRUCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None


def test_thread_setup_runs_once_in_the_worker_thread():
    setups = []

    async def main():
        batcher = MicroBatcher(lambda items: items, thread_setup=lambda: setups.append(threading.current_thread()))
        for item in range(3):
            await batcher.submit(item)
        await batcher.close()

    run(main())
    assert len(setups) == 1 and setups[0] is not threading.main_thread()
