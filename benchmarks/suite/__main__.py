"""Side-by-side CPU benchmark: cnnengine vs PyTorch, ONNX Runtime, OpenVINO and ncnn.

    python benchmarks/suite [--models lenet5 resnet18] [--engines cnnengine torch onnxruntime]
                            [--batches 1 8] [--threads 1 2] [--runs 20] [--rounds 4] [--out DIR]

Every model is built once from torchvision with a fixed seed and exported to each engine's format
(cached, see models.py), so all engines run the same weights; a batch-1 output check against
PyTorch proves it. For each thread count and model, every engine runs in a worker process of its
own (worker.py) with that many threads; the driver asks the workers in turn, round after round
(the engine order rotating), for --runs / --rounds timed calls after --warmup untimed ones, so
machine noise hits every engine alike. Then cold start and peak RSS: a fresh process per engine
imports it, loads the model and predicts batch 1 (--footprint-models, --cold-runs times each,
at the largest --threads).
An engine that is not installed is reported absent; one that fails on a model is reported failed
for it, and the rest goes on. Writes report.md, latency.png and results.json into --out.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[1:1] = [os.path.dirname(HERE)]  # benchmarks/timing.py

import models  # noqa: E402
import report  # noqa: E402
from engines import ALGO_VARIABLE, ENGINES, missing_modules  # noqa: E402
from machine import machine_info, parallel_speedup  # noqa: E402

WORKER = os.path.join(HERE, "worker.py")


class WorkerError(RuntimeError):
    pass


class Worker:
    """A worker process in serve mode; stderr goes to a file (a full pipe would block it)."""

    def __init__(self, engine, model, threads, folder):
        self.threads = threads
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen([sys.executable, WORKER, "serve", engine, model, str(threads), folder],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                         text=True, bufsize=1)
        try:
            self.version = self._answer()["ready"]
        except WorkerError:
            self.close()
            raise

    def ask(self, request):
        self._process.stdin.write(json.dumps(request) + "\n")
        return self._answer()

    def _answer(self):
        """The next JSON object the worker prints (engines may print other lines to stdout)."""
        for line in self._process.stdout:
            if line.startswith("{"):
                return json.loads(line)
        self._process.wait()
        self._stderr.seek(0)
        lines = self._stderr.read().strip().splitlines() or [f"exit status {self._process.returncode}"]
        raise WorkerError(lines[-1])

    def close(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait()
        self._stderr.close()


def run_cold(engine, model, threads, folder):
    result = subprocess.run([sys.executable, WORKER, "cold", engine, model, str(threads), folder],
                            capture_output=True, text=True)
    answers = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not answers:
        raise WorkerError((result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1])
    return json.loads(answers[-1])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/suite", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(models.MODELS), choices=list(models.MODELS))
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--batches", type=int, nargs="+",
                        help="batch sizes for every model (default: 1 and 8; LeNet-5 1 and 64)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    parser.add_argument("--runs", type=int, default=20, help="timed calls per case and engine (default 20)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the runs are split into")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls before each round's runs")
    parser.add_argument("--footprint-models", nargs="*", default=["resnet18"], choices=list(models.MODELS),
                        help="models for cold start and peak RSS, at the largest --threads (default resnet18; "
                             "the option alone: none)")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per engine and model")
    parser.add_argument("--settle", type=float, default=0.1,
                        help="seconds of quiet before each engine's turn (the last one's thread pools stop spinning)")
    parser.add_argument("--cnnengine-algo",
                        help="cnnengine's conv algorithm for every layer it fits (default: the model's own choice); "
                             "gemm measures the im2col+GEMM path alone")
    parser.add_argument("--cache-dir", default=models.default_cache_dir(), help="exported models (reused)")
    parser.add_argument("--refresh", action="store_true", help="export the models again")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "cnnengine-bench-results",
                                                      time.strftime("%Y%m%d-%H%M%S")))
    args = parser.parse_args(argv)
    if min(args.threads + [args.runs, args.rounds] + (args.batches or [1])) < 1 or args.warmup < 0:
        parser.error("threads, runs, rounds and batches must be >= 1, warmup >= 0")
    return args


class Suite:
    def __init__(self, args, progress):
        self.args, self.progress = args, progress
        self.engines = {}  # key -> status entry
        self.results = {"latency": [], "check": [], "footprint": [], "errors": []}
        self.folders = {}  # model -> folder with its exports
        self.failed = set()  # (model, engine) that could not be exported

    def fail(self, model, engine, threads, error):
        self.results["errors"].append({"model": model, "engine": engine, "threads": threads, "message": str(error)})

    def find_engines(self):
        for key in self.args.engines:
            missing = missing_modules(ENGINES[key])
            self.engines[key] = {"title": ENGINES[key].title, "status": "absent" if missing else "ok"}
            if missing:
                self.engines[key]["reason"] = "not installed: " + ", ".join(missing)
        return [key for key, info in self.engines.items() if info["status"] == "ok"]

    def prepare(self, model, engines):
        """Exports what the engines need, one format at a time so one failing export fails only its engines."""
        for kind in dict.fromkeys(ENGINES[key].file for key in engines):
            self.progress.set_description(f"export {model} {kind}")
            try:
                self.folders[model] = models.prepare(model, self.args.cache_dir, [kind], self.args.refresh)
            except Exception as error:  # noqa: BLE001 - reported in the table, the other engines go on
                for key in engines:
                    if ENGINES[key].file == kind:
                        self.failed.add((model, key))
                        self.fail(model, key, None, f"export failed: {error}")
        self.progress.update(1)

    def start_workers(self, model, engines, threads):
        workers = {}
        for key in engines:
            if (model, key) in self.failed:
                continue
            self.progress.set_description(f"load {model} {key} t{threads}")
            try:
                workers[key] = Worker(key, model, threads, self.folders[model])
                self.engines[key]["version"] = workers[key].version
            except WorkerError as error:
                self.fail(model, key, threads, f"load failed: {error}")
        return workers

    def check_outputs(self, model, workers):
        import numpy as np

        outputs = {}
        for key, worker in list(workers.items()):
            output = self.ask(model, key, worker, workers, {"output": 1})
            if output is not None:
                outputs[key] = np.asarray(output, dtype=np.float64)
        if "torch" not in outputs:
            return
        reference = outputs.pop("torch")
        scale = np.abs(reference).max() or 1.0
        for key, output in outputs.items():
            error = np.abs(output.reshape(reference.shape) - reference).max() / scale
            self.results["check"].append({"model": model, "engine": key, "relative_error": float(error)})

    def ask(self, model, key, worker, workers, request):
        """The worker's answer, or None after recording its failure and dropping it."""
        try:
            answer = worker.ask(request)
            return answer.get("output", answer.get("seconds"))
        except (WorkerError, OSError) as error:
            self.fail(model, key, worker.threads, f"run failed: {error}")
            workers.pop(key).close()
            return None

    def measure(self, model, engines, threads):
        workers = self.start_workers(model, engines, threads)
        try:
            if not any(entry["model"] == model for entry in self.results["check"]):  # once, not per thread count
                self.check_outputs(model, workers)
            batches = self.args.batches or models.batches(model)
            runs_per_round = -(-self.args.runs // self.args.rounds)
            samples = {(batch, key): [] for batch in batches for key in workers}
            for round_index in range(self.args.rounds):
                for batch in batches:
                    for key in rotated(list(workers), round_index):
                        if key not in workers:  # failed earlier in this round
                            continue
                        self.progress.set_description(f"{model} b{batch} t{threads} {key}")
                        time.sleep(self.args.settle)
                        seconds = self.ask(model, key, workers[key], workers,
                                           {"batch": batch, "warmup": self.args.warmup, "runs": runs_per_round})
                        samples[batch, key].extend(seconds or [])
                    self.progress.update(1)
            for (batch, key), seconds in samples.items():
                if seconds and key in workers:
                    self.results["latency"].append({"model": model, "batch": batch, "threads": threads,
                                                    "engine": key, "seconds": seconds})
        finally:
            for worker in workers.values():
                worker.close()

    def footprint(self, model, engines, threads):
        entries = {key: {"model": model, "threads": threads, "engine": key, "cold_start_s": [], "peak_rss_mb": []}
                   for key in engines if (model, key) not in self.failed}
        for _ in range(self.args.cold_runs):
            for key in list(entries):
                self.progress.set_description(f"cold start {model} {key}")
                try:
                    answer = run_cold(key, model, threads, self.folders[model])
                except WorkerError as error:
                    self.fail(model, key, threads, f"cold start failed: {error}")
                    del entries[key]
                    continue
                entries[key]["cold_start_s"].append(answer["cold_start_s"])
                entries[key]["peak_rss_mb"].append(answer["peak_rss_mb"])
            self.progress.update(1)
        self.results["footprint"] += entries.values()


def rotated(keys, shift):
    """keys with the first `shift` (mod len) moved to the end: each engine takes every turn in turn."""
    shift = shift % len(keys) if keys else 0
    return keys[shift:] + keys[:shift]


def main(argv=None):
    from tqdm import tqdm

    args = parse_args(argv)
    if args.cnnengine_algo:
        os.environ[ALGO_VARIABLE] = args.cnnengine_algo  # the workers inherit it
    all_models = list(dict.fromkeys(args.models + args.footprint_models))
    steps = len(all_models) + len(args.footprint_models) * args.cold_runs + sum(
        args.rounds * len(args.batches or models.batches(model)) * len(args.threads) for model in args.models)
    machine = machine_info()  # before the run: its load average is the one at the start
    most_threads = max(args.threads)
    machine["parallel_speedup"] = {"threads": most_threads, "start": parallel_speedup(most_threads)}
    with tqdm(total=steps, unit="step", file=sys.stderr) as progress:
        suite = Suite(args, progress)
        engines = suite.find_engines()
        for model in all_models:
            suite.prepare(model, engines)
        for threads in args.threads:
            for model in args.models:
                suite.measure(model, engines, threads)
        for model in args.footprint_models:
            suite.footprint(model, engines, max(args.threads))
    machine["parallel_speedup"]["end"] = parallel_speedup(most_threads)
    results = {"machine": {**machine, "engines": suite.engines},
               "settings": {key: value for key, value in vars(args).items()}, **suite.results}
    paths = report.write(results, args.out)
    print(report.markdown(results))
    print("wrote " + ", ".join(paths.values()), file=sys.stderr)


if __name__ == "__main__":
    main()
