"""Shared by the batch tests: a few hundred generated images (a handful of them broken), a small
ResNet-18 with random weights and a 32 x 32 recipe, its single-process reference outputs, and one
local Ray cluster for the whole module (Ray takes seconds to start)."""
import os

import numpy as np
import pytest
from PIL import Image

from batch_checks import BROKEN, MISSING, NUM_GOOD, required_module
from cnnengine import zoo
from cnnengine.model import Model


@pytest.fixture(scope="session")
def pyarrow():
    """pyarrow writes the results."""
    required_module("pyarrow.parquet")
    return required_module("pyarrow")


@pytest.fixture(scope="session")
def image_dir(tmp_path_factory):
    """NUM_GOOD images of assorted sizes, modes and formats, plus the BROKEN files."""
    directory = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(9)
    for i in range(NUM_GOOD):
        height, width = int(rng.integers(24, 80)), int(rng.integers(24, 80))
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        image = Image.fromarray(pixels).convert("L" if i % 7 == 0 else "RGB")
        image.save(directory / (f"img{i:03d}.png" if i % 5 == 0 else f"img{i:03d}.jpg"))
    whole = (directory / "img001.jpg").read_bytes()
    (directory / "truncated.jpg").write_bytes(whole[:len(whole) // 2])
    (directory / "text.jpg").write_text("not an image")
    (directory / "empty.png").write_bytes(b"")
    return directory


@pytest.fixture(scope="session")
def image_paths(image_dir):
    """The input list: good and broken images interleaved, and one path that does not exist."""
    paths = sorted(str(path) for path in image_dir.iterdir())
    paths.insert(len(paths) // 2, str(image_dir / MISSING))
    return paths


@pytest.fixture(scope="session")
def graph():
    graph = zoo.build_graph("resnet18", num_classes=10, seed=3)
    graph.metadata["preprocessing"] = dict(graph.metadata["preprocessing"], resize=40, crop=32)
    graph.metadata["labels"] = [f"class{c}" for c in range(10)]
    return graph


@pytest.fixture(scope="session")
def model_file(graph, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "resnet18-32px.npz"
    Model(graph).save(path)
    return path


@pytest.fixture(scope="session")
def reference(graph, image_paths):
    """{path: (logits, embedding)} from single-process Model.predict over all the good images at once."""
    good = [path for path in image_paths if os.path.basename(path).startswith("img")]
    logits = Model(graph, num_threads=1).predict(good)
    embeddings = Model(graph.with_outputs([graph.penultimate_tensor()]), num_threads=1).predict(good)
    return {path: pair for path, pair in zip(good, zip(logits, embeddings))}


@pytest.fixture(scope="module")
def ray_session():
    """A local two-CPU Ray cluster shared by a test module."""
    ray = required_module("ray")
    required_module("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()
