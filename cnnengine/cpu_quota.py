"""CPUs this process may really use: its affinity mask, capped by the cgroup CPU quota of a
container (cgroup v2 `cpu.max` of its cgroup and every ancestor, or v1 `cpu.cfs_quota_us`), so a
2-CPU container on a 64-core host gets 2 threads, not 64."""
import math
import os
from typing import Optional

CGROUP_ROOT = "/sys/fs/cgroup"


def available_cpus(cgroup_root: str = CGROUP_ROOT, proc_cgroup: str = "/proc/self/cgroup") -> int:
    """min(affinity mask, cgroup quota rounded up), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def cgroup_cpu_quota(cgroup_root: str = CGROUP_ROOT, proc_cgroup: str = "/proc/self/cgroup") -> Optional[float]:
    """The tightest CPU quota (in CPUs) over this process's cgroup and its ancestors; None if unlimited."""
    v2, v1 = _own_cgroup_paths(proc_cgroup)
    limits = []
    if v2 is not None:
        directory = os.path.join(cgroup_root, v2.lstrip("/"))
        while True:
            limits.append(_read_v2_limit(os.path.join(directory, "cpu.max")))
            if os.path.normpath(directory) == os.path.normpath(cgroup_root):
                break
            directory = os.path.dirname(directory)
    for base in (os.path.join(cgroup_root, "cpu", (v1 or "/").lstrip("/")), os.path.join(cgroup_root, "cpu")):
        limits.append(_read_v1_limit(base))
    limits = [limit for limit in limits if limit is not None]
    return min(limits) if limits else None


def _own_cgroup_paths(proc_cgroup):
    """(v2 path, v1 cpu controller path) from /proc/self/cgroup lines "id:controllers:path"."""
    v2 = v1 = None
    try:
        with open(proc_cgroup) as file:
            for line in file:
                parts = line.rstrip("\n").split(":", 2)
                if len(parts) != 3:
                    continue
                if parts[0] == "0" and parts[1] == "":
                    v2 = parts[2]
                elif "cpu" in parts[1].split(","):
                    v1 = parts[2]
    except OSError:
        pass
    return v2, v1


def _read_v2_limit(path) -> Optional[float]:
    """`cpu.max` holds "QUOTA PERIOD" or "max PERIOD"."""
    fields = _read_fields(path)
    if len(fields) != 2 or fields[0] == "max":
        return None
    return _ratio(fields[0], fields[1])


def _read_v1_limit(directory) -> Optional[float]:
    quota, period = _read_fields(os.path.join(directory, "cpu.cfs_quota_us")), \
        _read_fields(os.path.join(directory, "cpu.cfs_period_us"))
    if len(quota) != 1 or len(period) != 1:
        return None
    return _ratio(quota[0], period[0])  # a quota of -1 means unlimited


def _ratio(quota, period) -> Optional[float]:
    try:
        quota, period = int(quota), int(period)
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _read_fields(path):
    try:
        with open(path) as file:
            return file.read().split()
    except OSError:
        return []
