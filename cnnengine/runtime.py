"""Process-wide runtime settings: threads and the facts of this build.

Thread count, first match wins: set_num_threads(); the environment variable CNNENGINE_NUM_THREADS
(then OMP_NUM_THREADS) read at import; else the CPUs the process may use (affinity mask capped by
the container's cgroup CPU quota, see cpu_quota). A Model's own num_threads applies to its calls
only. Idle kernel threads sleep after ~0.2 ms; a forked child gets fresh ones.
"""
import os
import platform
from contextlib import nullcontext
from typing import Optional

from cnnengine import _C
from cnnengine.cpu_quota import available_cpus

THREADS_ENV = "CNNENGINE_NUM_THREADS"


def set_num_threads(num_threads: int) -> None:
    """Threads every kernel uses from now on (an int >= 1)."""
    _C.set_num_threads(check_num_threads(num_threads))


def get_num_threads() -> int:
    return _C.get_num_threads()


def check_num_threads(num_threads, what: str = "num_threads") -> int:
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise ValueError(f"{what} must be an int >= 1, got {num_threads!r}")
    return num_threads


def calling_thread_num_threads(num_threads: Optional[int]):
    """A context manager: kernels called from this thread use `num_threads` inside the block
    (None: no change); other threads' calls are unaffected. Entered on every predict, so it is a
    plain object rather than a generator (~0.3 us instead of ~2.5 us)."""
    return NO_CHANGE if num_threads is None else CallingThreadOverride(num_threads)


NO_CHANGE = nullcontext()


class CallingThreadOverride:
    def __init__(self, num_threads: int):
        self.num_threads = num_threads
        self.previous = 0

    def __enter__(self):
        self.previous = _C.exchange_calling_thread_num_threads(self.num_threads)

    def __exit__(self, *exc_info):
        _C.exchange_calling_thread_num_threads(self.previous)


def default_num_threads() -> int:
    for name in (THREADS_ENV, "OMP_NUM_THREADS"):
        text = os.environ.get(name, "").split(",")[0].strip()
        if text:
            try:
                return check_num_threads(int(text), name)
            except ValueError:
                raise ValueError(f"environment variable {name} must be an int >= 1, got {text!r}") from None
    return available_cpus()


def build_info() -> dict:
    """What this build runs with: kernel ISA, OpenMP runtime, thread count, CPU facts."""
    return {
        "isa": _C.active_isa(),
        "cpu_supports_avx2_fma": _C.cpu_supports_avx2_fma(),
        "cpu_supports_avx512": _C.cpu_supports_avx512(),
        "openmp": _C.openmp_runtime(),
        "num_threads": _C.get_num_threads(),
        "available_cpus": available_cpus(),
        "machine": platform.machine(),
    }


_C.set_num_threads(default_num_threads())
