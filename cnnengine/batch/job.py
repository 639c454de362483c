"""predict_images: a model over an image collection, results to Parquet, on Ray or in-process."""
import hashlib
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

from cnnengine.batch.local_runner import run_local
from cnnengine.batch.output import PartitionedOutput
from cnnengine.batch.predictor import BatchPredictor, Outputs, image_recipe, prediction_graph
from cnnengine.batch.sources import resolve_paths
from cnnengine.errors import InputError
from cnnengine.graph import Graph

ENGINES = ("auto", "local", "ray")


@dataclass(frozen=True)
class BatchReport:
    """What one run did: images it processed (failures included), images skipped as already done."""
    engine: str
    processed: int
    failures: int
    skipped: int
    seconds: float
    output: str

    @property
    def images_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (f"{self.processed} images in {self.seconds:.1f} s ({self.images_per_second:.1f} img/s, {self.engine}), "
                f"{self.failures} failed, {self.skipped} skipped as already done -> {self.output}")


def predict_images(model, source, out, *, top: int = 5, embeddings: bool = False, raw: bool = False,
                   engine: str = "auto", ray_address: Optional[str] = None, batch_size: int = 16,
                   workers: Optional[int] = None, threads: Optional[int] = None, path_column: str = "path",
                   rows_per_part: int = 10_000, progress: bool = False) -> BatchReport:
    """Runs `model` (a model file, a Model or a Graph) over the images of `source` and writes one
    row per image to the Parquet directory `out` (columns: see cnnengine.batch.predictor).

    source: a glob, a directory, a .parquet/.csv file with a `path_column`, a list of paths, or a
      ray.data.Dataset with a `path_column`. Images already recorded in `out` are skipped (resume).
    engine: "ray" (map_batches on an actor pool; connects to `ray_address`, or starts a local Ray
      when none is running), "local" (a thread pool in this process), "auto": Ray when it is
      installed or a Dataset/address is given, else local.
    workers x threads: parallel workers (Ray actors or threads) x engine threads each. Defaults: one
      thread per worker and one worker per CPU (of this machine, or of the Ray cluster).
    """
    graph = _graph_of(model)
    outputs = Outputs(top=top, embeddings=embeddings, raw=raw)
    for name, value in (("batch_size", batch_size), ("workers", workers), ("threads", threads),
                        ("rows_per_part", rows_per_part)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InputError(f"{name} must be an int >= 1, got {value!r}")
    engine = _choose_engine(engine, source, ray_address)
    image_recipe(prediction_graph(graph, outputs))  # refuse a model the job cannot run before any work
    is_dataset = _is_ray_dataset(source)
    paths = None if is_dataset else resolve_paths(source, path_column)
    writer = PartitionedOutput(out, outputs.schema(), _manifest(graph, outputs), rows_per_part)
    done = writer.done_paths()
    if not is_dataset:
        todo = [i for i, path in enumerate(paths) if path not in done]
        skipped = len(paths) - len(todo)
    start = time.perf_counter()
    try:
        if engine == "local":
            workers, threads = _workers_and_threads(os.cpu_count() or 1, workers, threads)
            with _progress(len(todo), progress) as update:
                run_local(BatchPredictor(graph, outputs), [paths[i] for i in todo], todo, batch_size, workers,
                          threads, writer.add, update)
        elif is_dataset or todo:
            from cnnengine.batch.ray_runner import run_on_ray

            with _ray_session(ray_address) as ray:
                workers, threads = _workers_and_threads(int(ray.cluster_resources().get("CPU", 1)), workers, threads)
                ray_source = source if is_dataset else ([paths[i] for i in todo], todo)
                run_on_ray(graph, outputs, ray_source, batch_size, workers, threads, writer.add,
                           path_column, skip=done if is_dataset else frozenset())
    finally:
        writer.flush()  # every finished row is kept, even when the job stops early
    if is_dataset:
        skipped = len(done)  # a Dataset is not counted up front: report what resume could skip
    return BatchReport(engine, writer.rows_written, writer.failures_written, skipped,
                       time.perf_counter() - start, writer.directory)


def _workers_and_threads(cpus: int, workers: Optional[int], threads: Optional[int]):
    """Defaults: one engine thread per worker, one worker per CPU; given one, the other fills the CPUs."""
    if threads is None:
        threads = max(1, cpus // workers) if workers else 1
    return workers or max(1, cpus // threads), threads


def _graph_of(model) -> Graph:
    from cnnengine.model import Model
    from cnnengine.model_format import load_graph

    if isinstance(model, Graph):
        return model
    if isinstance(model, Model):
        return model.graph
    if isinstance(model, (str, os.PathLike)):
        return load_graph(model)
    raise InputError(f"model must be a model file path, a cnnengine.Model or a Graph, got {type(model).__name__}")


def _choose_engine(engine: str, source, ray_address) -> str:
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, got {engine!r}")
    wants_ray = ray_address is not None or _is_ray_dataset(source)
    if engine == "local" and wants_ray:
        raise InputError("a ray_address or a ray.data.Dataset source needs the Ray engine, not engine='local'")
    if engine == "auto":
        engine = "ray" if wants_ray or _ray_installed() else "local"
    if engine == "ray" and not _ray_installed():
        raise InputError('the Ray engine needs Ray: pip install "cnnengine[batch]" (or run with the local engine)')
    return engine


def _ray_installed() -> bool:
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def _is_ray_dataset(source) -> bool:
    ray_data = sys.modules.get("ray.data")  # a Dataset implies Ray is imported already
    return ray_data is not None and isinstance(source, ray_data.Dataset)


def _manifest(graph: Graph, outputs: Outputs) -> dict:
    """What the output directory holds: the model (by content) and the columns."""
    digest = hashlib.sha256(json.dumps([graph.structure(), graph.metadata], sort_keys=True).encode("utf-8"))
    for name in sorted(graph.params):
        digest.update(name.encode("utf-8"))
        digest.update(graph.params[name].tobytes())
    return {"model": graph.metadata.get("name", graph.name), "model_sha256": digest.hexdigest(),
            "columns": outputs.schema().names, "top": outputs.top}


class _ray_session:
    """Connects to `address` (or starts a local Ray) unless Ray is already initialised; shuts down
    only what it started."""

    def __init__(self, address):
        self.address, self.started = address, False

    def __enter__(self):
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, log_to_driver=False)
            self.started = True
        return ray

    def __exit__(self, *exc):
        if self.started:
            import ray

            ray.shutdown()


@contextmanager
def _progress(total: int, enabled: bool):
    """tqdm's update function when enabled and tqdm is installed (the local engine: Ray draws its
    own progress bars), else None."""
    try:
        from tqdm import tqdm
    except ImportError:
        enabled = False
    if not enabled:
        yield None
        return
    with tqdm(total=total, unit="img", desc="batch-predict") as bar:
        yield bar.update
