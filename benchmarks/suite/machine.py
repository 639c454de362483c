"""The facts about this machine that a later run must match before its numbers are compared."""
import os
import platform
import sys

# CPU flags that decide which kernels the engines can run
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
             "avx512_bf16", "avx_vnni", "amx_tile", "amx_bf16")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OMP_PROC_BIND", "GOMP_SPINCOUNT", "KMP_BLOCKTIME",
                    "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")


def _cpuinfo():
    """{key: value} of the first processor in /proc/cpuinfo ({} where there is none)."""
    try:
        with open("/proc/cpuinfo") as file:
            text = file.read().split("\n\n")[0]
    except OSError:
        return {}
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in text.splitlines())}


def _memory_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return None


def machine_info():
    import numpy

    import cnnengine

    cpu = _cpuinfo()
    flags = set(cpu.get("flags", "").split())
    return {
        "cpu_model": cpu.get("model name") or platform.processor() or platform.machine(),
        "isa_flags": [flag for flag in ISA_FLAGS if flag in flags],
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "cnnengine_build": cnnengine.build_info(),
        "thread_environment": {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ},
    }


def parallel_speedup(threads, seconds=0.5):
    """How many times faster `threads` threads run a compute-bound product than one thread
    (cnnengine's SGEMM, 512^3, the two alternating for `seconds`): about `threads` when the CPUs
    are whole cores to this run, less when the host shares them. On a 2-vCPU VM, ResNet-18 at 2
    threads ran at 1-thread speed for whole rounds while both vCPUs stayed busy."""
    import time

    import numpy as np

    import cnnengine
    from cnnengine import _C

    if threads < 2:
        return 1.0
    a = np.ones((512, 512), np.float32)
    samples = {1: [], threads: []}
    previous = cnnengine.get_num_threads()
    try:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or not samples[threads]:
            for count, times in samples.items():
                cnnengine.set_num_threads(count)
                start = time.perf_counter()
                _C.sgemm(a, a)
                times.append(time.perf_counter() - start)
    finally:
        cnnengine.set_num_threads(previous)
    return float(np.median(samples[1]) / np.median(samples[threads]))
