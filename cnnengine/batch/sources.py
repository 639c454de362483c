"""Image sources for batch inference, resolved on the driver to one list of paths (input order).

    "photos/**/*.jpg"        a glob (recursive; matches sorted)
    "photos/"                a directory: every image file below it (by extension, sorted)
    "paths.parquet", "x.csv" a table: the image paths in its `column`
    "photos/cat.jpg"         one image path, kept as given even when missing (a failed row later)
    [path, path, ...]        literal image paths, in that order (missing ones become failed rows)

A ray.data.Dataset is not resolved here: it streams through Ray as it is (see ray_runner).
"""
import glob
import os
from typing import List, Sequence, Union

from cnnengine.errors import InputError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                              ".pgm", ".pbm"})
TABLE_EXTENSIONS = (".parquet", ".csv")

Source = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]


def resolve_paths(source: Source, column: str = "path") -> List[str]:
    """The image paths a source names, in input order."""
    if isinstance(source, (str, os.PathLike)):
        return _expand(os.fspath(source), column)
    if isinstance(source, (list, tuple)) and all(isinstance(item, (str, os.PathLike)) for item in source):
        return [os.fspath(item) for item in source]
    raise InputError(f"image source must be a glob, a directory, a .parquet/.csv file of paths, a list of "
                     f"paths or a ray.data.Dataset, got {type(source).__name__}")


def _expand(text: str, column: str) -> List[str]:
    if os.path.isdir(text):
        return sorted(os.path.join(root, name) for root, _, names in os.walk(text) for name in names
                      if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS)
    if os.path.isfile(text) and text.lower().endswith(TABLE_EXTENSIONS):
        return read_path_column(text, column)
    if not os.path.exists(text) and glob.has_magic(text):
        matches = sorted(path for path in glob.glob(text, recursive=True) if os.path.isfile(path))
        if not matches:
            raise InputError(f"no files match {text!r}")
        return matches
    return [text]


def read_path_column(path: str, column: str) -> List[str]:
    """The string column `column` of a Parquet or CSV file (pyarrow), nulls refused."""
    import pyarrow

    if path.lower().endswith(".csv"):
        from pyarrow import csv

        options = csv.ConvertOptions(include_columns=[column], column_types={column: pyarrow.string()})
        try:
            table = csv.read_csv(path, convert_options=options)
        except KeyError:  # pyarrow's ArrowKeyError: no such column
            raise InputError(f"{path} has no column {column!r}") from None
    else:
        from pyarrow import parquet

        if column not in parquet.read_schema(path).names:
            raise InputError(f"{path} has no column {column!r}")
        table = parquet.read_table(path, columns=[column])
    values = table.column(column)
    if not pyarrow.types.is_string(values.type) and not pyarrow.types.is_large_string(values.type):
        raise InputError(f"{path}: column {column!r} must hold image paths (strings), found {values.type}")
    if values.null_count:
        raise InputError(f"{path}: column {column!r} has {values.null_count} empty (null) paths")
    return values.to_pylist()
