"""Thread count: default from the CPUs the process may use, the environment variable, the
process-wide setter and per-model/per-thread counts; idle threads sleep; torch in the same process."""
import json
import os
import threading

import numpy as np
import pytest

import cnnengine
from cnnengine import _C
from cnnengine.cpu_quota import available_cpus, cgroup_cpu_quota
from cnnengine.runtime import calling_thread_num_threads
from fresh_python import run_python


def test_default_is_the_available_cpus_and_env_overrides():
    code = "import cnnengine; print(cnnengine.get_num_threads())"
    plain = run_python(code, CNNENGINE_NUM_THREADS=None, OMP_NUM_THREADS=None)
    assert plain.returncode == 0, plain.stderr
    assert int(plain.stdout) == available_cpus()
    forced = run_python(code, CNNENGINE_NUM_THREADS="3")
    assert forced.returncode == 0, forced.stderr
    assert int(forced.stdout) == 3
    bad = run_python(code, CNNENGINE_NUM_THREADS="lots")
    assert bad.returncode != 0 and "CNNENGINE_NUM_THREADS must be an int >= 1, got 'lots'" in bad.stderr


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota_is_the_tightest_over_ancestors(tmp_path):
    proc = tmp_path / "proc_cgroup"
    write(proc, "0::/kubepods/pod1/app\n")
    write(tmp_path / "cg/kubepods/pod1/app/cpu.max", "max 100000\n")
    write(tmp_path / "cg/kubepods/pod1/cpu.max", "150000 100000\n")  # 1.5 CPUs for the pod
    write(tmp_path / "cg/kubepods/cpu.max", "800000 100000\n")
    assert cgroup_cpu_quota(str(tmp_path / "cg"), str(proc)) == 1.5
    assert available_cpus(str(tmp_path / "cg"), str(proc)) == min(2, len(os.sched_getaffinity(0)))


def test_cgroup_unlimited_and_v1(tmp_path):
    proc = tmp_path / "proc_cgroup"
    write(proc, "0::/\n")
    write(tmp_path / "v2/cpu.max", "max 100000\n")
    assert cgroup_cpu_quota(str(tmp_path / "v2"), str(proc)) is None
    write(proc, "4:cpu,cpuacct:/docker/abc\n")
    write(tmp_path / "v1/cpu/docker/abc/cpu.cfs_quota_us", "100000\n")
    write(tmp_path / "v1/cpu/docker/abc/cpu.cfs_period_us", "100000\n")
    assert cgroup_cpu_quota(str(tmp_path / "v1"), str(proc)) == 1.0
    assert available_cpus(str(tmp_path / "v1"), str(proc)) == 1
    write(tmp_path / "v1/cpu/docker/abc/cpu.cfs_quota_us", "-1\n")
    assert cgroup_cpu_quota(str(tmp_path / "v1"), str(proc)) is None


def test_calling_thread_override_leaves_other_threads_alone():
    seen = {}
    with calling_thread_num_threads(5):
        seen["here"] = cnnengine.get_num_threads()
        worker = threading.Thread(target=lambda: seen.update(other=cnnengine.get_num_threads()))
        worker.start()
        worker.join()
    assert seen == {"here": 5, "other": 2}
    assert cnnengine.get_num_threads() == 2


def test_model_num_threads_sizes_the_pool_and_is_changeable(rng):
    from small_resnet import build_small_resnet

    model = build_small_resnet(num_threads=3)
    x = rng.standard_normal((4, 3, 32, 32), dtype=np.float32)
    expected = model.predict(x)
    assert _C.pool_worker_count() >= 2  # 3 threads: the caller and two workers
    model.num_threads = 1
    assert np.array_equal(model.predict(x), expected)
    with pytest.raises(ValueError, match="num_threads must be an int >= 1"):
        model.num_threads = 0


IDLE_CPU_CODE = """
import time, numpy as np, cnnengine
from small_resnet import build_small_resnet
cnnengine.set_num_threads(2)
model = build_small_resnet()
x = np.random.default_rng(0).standard_normal((8, 3, 64, 64), dtype=np.float32)
for _ in range(3):
    model.predict(x)
time.sleep(1.0)
start = time.process_time()  # CPU time of every thread of the process
time.sleep(1.0)
print(time.process_time() - start, cnnengine._C.pool_worker_count())
"""


def test_threads_sleep_after_predict():
    result = run_python(IDLE_CPU_CODE)
    assert result.returncode == 0, result.stderr
    cpu_seconds, workers = result.stdout.split()
    assert int(workers) >= 1  # the workers exist, and they are not spinning:
    assert float(cpu_seconds) < 0.05  # < 5% of one core over the second after the first idle second


TORCH_CODE = """
import json, sys, numpy as np
order = sys.argv[1].split(",")
for name in order:
    __import__(name)
import torch, cnnengine
from small_resnet import build_small_resnet
torch.set_num_threads(2)
cnnengine.set_num_threads(2)
x = np.random.default_rng(0).standard_normal((4, 3, 32, 32), dtype=np.float32)
ours = build_small_resnet().predict(x)
theirs = torch.nn.functional.conv2d(torch.from_numpy(x), torch.ones(8, 3, 3, 3)).sum().item()
again = build_small_resnet().predict(x)
print(json.dumps([ours.tolist(), theirs, bool(np.array_equal(ours, again))]))
"""


def test_torch_and_cnnengine_in_either_import_order():
    results = []
    for order in ("torch,cnnengine", "cnnengine,torch"):
        result = run_python(TORCH_CODE.replace("sys.argv[1]", repr(order)))
        assert result.returncode == 0, f"{order}: {result.stderr[-2000:]}"
        results.append(json.loads(result.stdout))
    assert results[0] == results[1]
    assert results[0][2]


def test_caller_floating_point_state_is_restored_after_threaded_predict(small_resnet, rng):
    small_resnet.predict(rng.standard_normal((8, 3, 32, 32), dtype=np.float32) * np.float32(1e-39))
    assert np.float32(1e-38) / np.float32(1e3) != 0  # FTZ is off again on this thread
    assert np.float32(1e-39) * np.float32(1) != 0  # and DAZ too: a denormal input is not zeroed
