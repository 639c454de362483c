"""Fork after the parent has run threaded predicts: the child's predict completes (its pool is
rebuilt) and gives the parent's numbers. Every wait has a timeout, so a hang fails the test."""
import multiprocessing
import os
import signal
import time

import numpy as np

CHILD_TIMEOUT_S = 60


def wait_or_kill(pid):
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"forked child still running after {CHILD_TIMEOUT_S} s: predict hung")


def test_os_fork_child_predicts(small_resnet, rng):
    x = rng.standard_normal((8, 3, 32, 32), dtype=np.float32)
    expected = small_resnet.predict(x)  # the parent's workers exist now
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(read_end)
            os.write(write_end, small_resnet.predict(x).tobytes())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    status = wait_or_kill(pid)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert np.array_equal(np.frombuffer(data, np.float32).reshape(expected.shape), expected)
    assert np.array_equal(small_resnet.predict(x), expected)  # the parent's pool still works


def predict_in_child(model, x, queue):
    queue.put(model.predict(x))


def test_multiprocessing_fork_workers_predict(small_resnet, rng):
    x = rng.standard_normal((4, 3, 32, 32), dtype=np.float32)
    expected = small_resnet.predict(x)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=predict_in_child, args=(small_resnet, x, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=CHILD_TIMEOUT_S) for _ in workers]
    for worker in workers:
        worker.join(CHILD_TIMEOUT_S)
        assert worker.exitcode == 0
    for result in results:
        assert np.array_equal(result, expected)
