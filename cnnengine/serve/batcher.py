"""Dynamic micro-batching: samples from concurrent requests are stacked into one network call of
up to max_batch samples, waiting at most max_wait_ms after the first one for others to arrive.
Network calls run one at a time on a dedicated thread (each uses all of the worker's threads;
predict releases the GIL), so the event loop keeps accepting requests meanwhile."""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import numpy as np

from cnnengine.errors import CnnEngineError


class MicroBatcher:
    def __init__(self, model, max_batch: int = 8, max_wait_ms: float = 5.0, metrics=None):
        if max_batch < 1 or max_wait_ms < 0:
            raise ValueError(f"max_batch must be >= 1 and max_wait_ms >= 0, got {max_batch}, {max_wait_ms}")
        self.model, self.max_batch, self.max_wait_s, self.metrics = model, max_batch, max_wait_ms / 1000, metrics
        self._queue: Optional[asyncio.Queue] = None
        self._task: Optional[asyncio.Task] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnengine-batch")

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def predict(self, samples: np.ndarray) -> np.ndarray:
        """Logits for N x C x H x W samples (one request), computed together with other requests'."""
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((samples, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            pending = [await self._queue.get()]
            count = len(pending[0][0])
            deadline = time.monotonic() + self.max_wait_s
            while count < self.max_batch:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout)
                except asyncio.TimeoutError:
                    break
                pending.append(item)
                count += len(item[0])
            for group in _same_shape_groups(pending):
                await self._call(loop, group)

    async def _call(self, loop, group) -> None:
        batch = np.concatenate([samples for samples, _ in group]) if len(group) > 1 else group[0][0]
        if self.metrics:
            self.metrics.record_batch(len(batch))
        try:
            logits = await loop.run_in_executor(self._executor, self.model.predict, batch)
        except CnnEngineError as error:
            if len(group) > 1:  # one request's input (e.g. too small a size) must not fail the others
                for request in group:
                    await self._call(loop, [request])
                return
            _fail(group, error)
            return
        except Exception as error:  # noqa: BLE001 - handed to every waiting request
            _fail(group, error)
            return
        if isinstance(logits, tuple):
            logits = logits[0]
        start = 0
        for samples, future in group:
            if not future.done():  # the client may have gone away
                future.set_result(logits[start:start + len(samples)])
            start += len(samples)


def _fail(group, error) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)


def _same_shape_groups(pending) -> List[list]:
    """Requests grouped by sample shape, in arrival order (only equal shapes stack)."""
    groups = {}
    for samples, future in pending:
        groups.setdefault(samples.shape[1:], []).append((samples, future))
    return list(groups.values())
