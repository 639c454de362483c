"""The job's output: a directory of Parquet part files (readable as one table by pandas.read_parquet,
pyarrow.parquet.read_table, ray.data.read_parquet, DuckDB, Spark).

Each part is written under a hidden temporary name and renamed when complete, so a job killed at any
moment leaves only whole parts; re-running with the same directory reads the paths already recorded
(succeeded or failed) and skips them: resume. `_cnnengine_batch.json` records what the job writes
(model, columns); a re-run that would write something else is refused rather than mixing schemas.
"""
import json
import os
import uuid
from typing import List, Optional, Set

from cnnengine.errors import InputError

MANIFEST = "_cnnengine_batch.json"  # leading "_": Parquet readers skip it


class PartitionedOutput:
    """Appends result tables to `directory`, one part file per `rows_per_part` rows."""

    def __init__(self, directory, schema, manifest: dict, rows_per_part: int = 10_000):
        self.directory = os.fspath(directory)
        self.schema = schema
        self.rows_per_part = rows_per_part
        self._pending: List = []
        self._pending_rows = 0
        self._run = uuid.uuid4().hex[:12]
        self._parts = 0
        self.rows_written = 0
        self.failures_written = 0
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise InputError(f"output {self.directory} exists and is not a directory (batch results are a "
                             "directory of Parquet parts; choose a new name)")
        os.makedirs(self.directory, exist_ok=True)
        self._check_manifest(manifest)

    def _check_manifest(self, manifest: dict) -> None:
        path = os.path.join(self.directory, MANIFEST)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as file:
                recorded = json.load(file)
            if recorded != manifest:
                raise InputError(f"{self.directory} holds results of another job ({recorded}); this job would "
                                 f"write {manifest}: use a new output directory")
        elif self.part_files():
            raise InputError(f"{self.directory} holds Parquet files but no {MANIFEST}: not a cnnengine batch output")
        else:
            _write_atomically(path, json.dumps(manifest, sort_keys=True).encode("utf-8"))

    def part_files(self) -> List[str]:
        return sorted(os.path.join(self.directory, name) for name in os.listdir(self.directory)
                      if name.endswith(".parquet") and not name.startswith((".", "_")))

    def done_paths(self) -> Set[str]:
        """Paths that earlier runs recorded, succeeded or failed."""
        from pyarrow import parquet

        done: Set[str] = set()
        for part in self.part_files():
            done.update(parquet.read_table(part, columns=["path"]).column("path").to_pylist())
        return done

    def add(self, table) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.rows_per_part:
            self.flush()

    def flush(self) -> None:
        """Writes the pending rows as one complete part."""
        import pyarrow as pa
        from pyarrow import parquet

        if not self._pending_rows:
            return
        table = pa.concat_tables(self._pending).cast(self.schema)
        name = f"part-{self._run}-{self._parts:05d}.parquet"
        temporary = os.path.join(self.directory, f".{name}.tmp")
        parquet.write_table(table, temporary)
        os.replace(temporary, os.path.join(self.directory, name))
        self._parts += 1
        self.rows_written += table.num_rows
        self.failures_written += table.num_rows - table.column("error").null_count
        self._pending, self._pending_rows = [], 0


def read_results(directory, columns: Optional[List[str]] = None):
    """Every part of a batch output as one pyarrow Table sorted by input index (then path)."""
    from pyarrow import parquet

    table = parquet.read_table(os.fspath(directory), columns=columns)
    return table.sort_by([("index", "ascending"), ("path", "ascending")]) if "index" in table.column_names else table


def _write_atomically(path: str, data: bytes) -> None:
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp")
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)
