"""Image sources resolved to paths: glob, directory, Parquet/CSV column, list; clear errors."""
import pytest

from cnnengine.batch.sources import resolve_paths
from cnnengine.errors import InputError


@pytest.fixture
def tree(tmp_path):
    for name in ("b/2.jpg", "a/1.PNG", "a/deeper/3.jpeg", "a/notes.txt", "c.jpg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    return tmp_path


def test_directory_lists_image_files_sorted(tree):
    assert resolve_paths(tree) == [str(tree / n) for n in ("a/1.PNG", "a/deeper/3.jpeg", "b/2.jpg", "c.jpg")]


def test_glob_is_recursive_and_sorted(tree):
    assert resolve_paths(str(tree / "**" / "*.jpg")) == [str(tree / "b/2.jpg"), str(tree / "c.jpg")]
    with pytest.raises(InputError, match="no files match"):
        resolve_paths(str(tree / "*.gif"))


def test_list_keeps_order_and_missing_paths(tree):
    assert resolve_paths([tree / "c.jpg", str(tree / "gone.jpg")]) == [str(tree / "c.jpg"), str(tree / "gone.jpg")]
    assert resolve_paths(str(tree / "gone.jpg")) == [str(tree / "gone.jpg")]  # recorded as a failure later


def test_table_columns(pyarrow, tmp_path):
    from pyarrow import parquet

    (tmp_path / "list.csv").write_text("id,file\n1,x/1.jpg\n2,007.jpg\n")
    assert resolve_paths(tmp_path / "list.csv", column="file") == ["x/1.jpg", "007.jpg"]  # strings, not ints
    parquet.write_table(pyarrow.table({"file": ["p.jpg", "q.jpg"], "n": [1, 2]}), tmp_path / "list.parquet")
    assert resolve_paths(tmp_path / "list.parquet", column="file") == ["p.jpg", "q.jpg"]
    for name in ("list.csv", "list.parquet"):
        with pytest.raises(InputError, match="no column 'path'"):
            resolve_paths(tmp_path / name)
    with pytest.raises(InputError, match="must hold image paths"):
        resolve_paths(tmp_path / "list.parquet", column="n")
    parquet.write_table(pyarrow.table({"path": ["p.jpg", None]}), tmp_path / "nulls.parquet")
    with pytest.raises(InputError, match="1 empty"):
        resolve_paths(tmp_path / "nulls.parquet")


def test_other_sources_are_refused():
    with pytest.raises(InputError, match="image source must be"):
        resolve_paths(42)
    with pytest.raises(InputError, match="image source must be"):
        resolve_paths([b"bytes.jpg"])
