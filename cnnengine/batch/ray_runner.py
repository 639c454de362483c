"""The Ray Data engine: the documented batch-inference pattern, `map_batches` with a callable class
on an actor pool. Each actor builds the Model once from the graph (sent once through the object
store, so workers need no shared filesystem for the model), decodes and preprocesses its images with
the stored recipe, and runs batched predict on `num_cpus` = engine threads: no oversubscription.
Result tables stream back to the driver, which writes the Parquet parts (output.py)."""
from typing import Callable, List

from cnnengine.batch.predictor import BatchPredictor, Outputs
from cnnengine.errors import InputError

MAX_ROWS_PER_BLOCK = 1024


class _RayPredictor:
    """The actor: one BatchPredictor per worker process, owning the process's engine threads."""

    def __init__(self, graph_ref, skip_ref, outputs: Outputs, threads: int, path_column: str, index_column):
        import ray

        from cnnengine.runtime import set_num_threads

        set_num_threads(threads)
        self.predictor = BatchPredictor(ray.get(graph_ref), outputs)
        self.skip = ray.get(skip_ref)
        self.path_column, self.index_column = path_column, index_column

    def __call__(self, batch):
        paths = batch.column(self.path_column).to_pylist()
        indices = batch.column(self.index_column).to_pylist() if self.index_column else [None] * len(paths)
        if self.skip:
            kept = [i for i, path in enumerate(paths) if path not in self.skip]
            paths, indices = [paths[i] for i in kept], [indices[i] for i in kept]
        return self.predictor(paths, indices)


def run_on_ray(graph, outputs: Outputs, source, batch_size: int, workers: int, threads: int,
               on_table: Callable, path_column: str = "path", skip=frozenset()) -> None:
    """Runs the job on the connected Ray cluster: `workers` actors with `threads` CPUs each.
    `source`: (paths, indices) resolved by the driver, or a ray.data.Dataset with a `path_column`
    (any other columns are ignored); `skip`: paths to drop (resume of a Dataset source)."""
    import ray

    if isinstance(source, tuple):
        rows_per_block = _rows_per_block(len(source[0]), batch_size, workers)
        dataset, path_column, index_column = paths_dataset(*source, rows_per_block), "path", "index"
    else:
        dataset, index_column = source, None
        if path_column not in dataset.columns():
            raise InputError(f"the dataset has no column {path_column!r} of image paths "
                             f"(columns: {dataset.columns()})")
    results = dataset.map_batches(
        _RayPredictor, batch_format="pyarrow", batch_size=batch_size, num_cpus=threads,
        compute=ray.data.ActorPoolStrategy(size=workers),
        fn_constructor_kwargs={"graph_ref": ray.put(graph), "skip_ref": ray.put(frozenset(skip)), "outputs": outputs,
                               "threads": threads, "path_column": path_column, "index_column": index_column})
    for table in results.iter_batches(batch_size=None, batch_format="pyarrow"):
        on_table(table)


def _rows_per_block(rows: int, batch_size: int, workers: int) -> int:
    """Blocks are what Ray hands to actors: at least 4 per actor (so all are busy and a slow one
    does not hold the tail), whole batches, and at most MAX_ROWS_PER_BLOCK."""
    per_block = -(-rows // (4 * workers))
    return max(batch_size, min(MAX_ROWS_PER_BLOCK, -(-per_block // batch_size) * batch_size))


def paths_dataset(paths: List[str], indices: List[int], rows_per_block: int):
    """A Dataset of (path, index) rows in blocks of `rows_per_block`."""
    import pyarrow as pa
    import ray

    table = pa.table({"path": pa.array(paths, pa.string()), "index": pa.array(indices, pa.int64())})
    return ray.data.from_arrow([table.slice(start, rows_per_block) for start in range(0, len(paths), rows_per_block)])
