"""One engine, one model, one thread count, in a process of its own (started by the driver).

    worker.py serve ENGINE MODEL THREADS FOLDER   loads, says {"ready": ...}, then answers requests
        one JSON line each on stdin: {"batch": B, "warmup": W, "runs": R} -> {"seconds": [...]}
                                     {"output": B} -> {"output": nested list} (for the weight check)
    worker.py cold ENGINE MODEL THREADS FOLDER    import + load + one batch-1 predict, then
        {"cold_start_s": ..., "peak_rss_mb": ...} and exit

Cold start is timed from this file's first line (numpy and the engine imported after it);
the interpreter's own start-up, the same for every engine, is not in it. Inputs are random
normal float32 with a seed fixed per batch size, the same for every engine.
"""
import time

START = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def random_input(model, batch):
    import numpy as np

    from models import input_shape

    return np.random.default_rng(batch).standard_normal((batch,) + input_shape(model), dtype=np.float32)


def peak_rss_mb():
    """This process's peak resident memory (Linux). VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over exec, so a child of the (large) driver would report the driver's peak."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def reply(message):
    print(json.dumps(message), flush=True)


def serve(run, model):
    from cnnengine.bench import time_calls

    inputs = {}
    for line in sys.stdin:
        request = json.loads(line)
        if "output" in request:
            reply({"output": run(random_input(model, request["output"])).tolist()})
            continue
        batch = request["batch"]
        x = inputs.setdefault(batch, random_input(model, batch))
        reply({"seconds": time_calls(lambda: run(x), request["runs"], request["warmup"])})


def main():
    mode, engine_key, model, threads, folder = sys.argv[1:6]
    threads = int(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # before any OpenMP runtime loads
    from engines import ENGINES

    engine = ENGINES[engine_key]
    run = engine.load(folder, model, threads)
    if mode == "cold":
        run(random_input(model, 1))
        reply({"cold_start_s": time.perf_counter() - START, "peak_rss_mb": peak_rss_mb()})
        return
    reply({"ready": engine.version()})
    serve(run, model)


if __name__ == "__main__":
    main()
