"""Process-wide runtime settings: threads and the facts of this build."""
import platform

from cnnengine import _C


def set_num_threads(num_threads: int) -> None:
    """Threads every kernel uses from now on (an int >= 1)."""
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise ValueError(f"num_threads must be an int >= 1, got {num_threads!r}")
    _C.set_num_threads(num_threads)


def get_num_threads() -> int:
    return _C.get_num_threads()


def build_info() -> dict:
    """What this build runs with: kernel ISA, OpenMP runtime, thread count, CPU facts."""
    return {
        "isa": _C.active_isa(),
        "cpu_supports_avx2_fma": _C.cpu_supports_avx2_fma(),
        "openmp": _C.openmp_runtime(),
        "num_threads": _C.get_num_threads(),
        "machine": platform.machine(),
    }
