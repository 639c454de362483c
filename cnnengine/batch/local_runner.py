"""The in-process engine (the default without Ray): a thread pool of `workers` threads, each taking
whole batches (decode, preprocess, predict) on one shared Model; the kernels release the GIL, so
the threads' engine work runs in parallel. Results come back in input order."""
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, List, Optional

from cnnengine import _C


def run_local(predictor, paths: List[str], indices: List[int], batch_size: int, workers: int,
              threads: int, on_table: Callable, progress: Optional[Callable[[int], None]] = None) -> None:
    """Calls on_table(table) for each batch's results, in input order. `threads` engine threads per
    worker: the process-wide setting is workers x threads for the job (restored after)."""
    starts = range(0, len(paths), batch_size)
    previous = _C.get_num_threads()
    _C.set_num_threads(threads)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cnnengine-batch") as pool:
            for table in _ordered(pool, lambda s: predictor(paths[s:s + batch_size], indices[s:s + batch_size]),
                                  starts, window=2 * workers):
                on_table(table)
                if progress is not None:
                    progress(table.num_rows)
    finally:
        _C.set_num_threads(previous)


def _ordered(pool: ThreadPoolExecutor, fn, items, window: int) -> Iterator:
    """pool.map with at most `window` calls in flight (pool.map would submit millions at once);
    pending calls are cancelled when the consumer stops early (an error, Ctrl-C)."""
    pending = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
