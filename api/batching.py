"""Micro-batching: requests that arrive together share one call of an expensive batch function.

One worker thread runs the batch function, so the event loop never blocks on it. A batch
starts as soon as the worker is free: a lone request goes straight through, and requests
that arrive while a batch is running queue up and go together in the next one. An optional
window (``max_wait_ms``) holds a batch open for more company; ``max_batch`` bounds its size.

A failing batch fails no innocent caller: its items are run again one by one, so only the item
that cannot be processed gets the error, and every other caller gets its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    """Collects items from concurrent callers into batches for one function.

    Args:
        function: maps a list of items to a list of results of the same length, in order.
        max_batch: most items per call.
        max_wait_ms: how long a batch waits for more items once its first one arrived.
        thread_setup: called once in the worker thread before its first batch (per-thread settings).
    """

    def __init__(self, function: Callable[[Sequence[Item]], Sequence[Result]], max_batch: int = 32,
                 max_wait_ms: float = 0.0, thread_setup: Callable[[], None] | None = None):
        self.function = function
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.batch_sizes: list[int] = []  # recent batch sizes, for the metrics
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch", initializer=thread_setup)

    async def submit(self, item: Item) -> Result:
        """The function's result for one item, computed in a batch with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done() or self._loop is not loop:
            self._loop, self._queue = loop, asyncio.Queue()
            self._worker = loop.create_task(self._run())
        future = loop.create_future()
        self._queue.put_nowait((item, future))
        return await future

    async def close(self) -> None:
        """Stop the worker; waiting callers get a cancellation."""
        if self._worker is not None and self._loop is asyncio.get_running_loop():
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self.max_wait
            while len(batch) < self.max_batch:
                if not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            batch = [(item, future) for item, future in batch if not future.cancelled()]
            if not batch:
                continue
            self.batch_sizes = (self.batch_sizes + [len(batch)])[-1000:]
            try:
                results = await loop.run_in_executor(self._executor, self.function, [item for item, _ in batch])
            except Exception as error:
                if len(batch) == 1:
                    _settle(batch[0][1], error=error)
                else:  # run again item by item: only the item at fault gets an error
                    for item, future in batch:
                        try:
                            _settle(future, (await loop.run_in_executor(self._executor, self.function, [item]))[0])
                        except Exception as item_error:
                            _settle(future, error=item_error)
                continue
            for (_, future), result in zip(batch, results):
                _settle(future, result)


def _settle(future: asyncio.Future, result=None, error: Exception | None = None) -> None:
    """Give a waiting caller its result (or error), unless it stopped waiting."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
