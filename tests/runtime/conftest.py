"""A small residual network that still splits its layers over threads (every conv is above the
64k-MAC threshold at batch 1), and a helper that runs Python in a fresh process."""
import os
import subprocess
import sys

import numpy as np
import pytest

from cnnengine import GraphBuilder, _C
from cnnengine.zoo import imagenet_preprocessing


def build_small_resnet(num_threads=None):
    b = GraphBuilder("small_resnet", input_shape=(3, 32, 32), seed=3)
    x = b.relu(b.batch_norm(b.conv2d(b.input, 16, 3, padding=1, bias=False, name="conv1"), name="bn1"))
    y = b.relu(b.conv2d(x, 16, 3, padding=1, name="c2"))
    x = b.relu(b.add(b.conv2d(y, 16, 3, padding=1, name="c3"), x))
    x = b.max_pool2d(x, 2)
    x = b.relu(b.conv2d(x, 32, 3, stride=2, padding=1, name="c4"))
    x = b.flatten(b.adaptive_avg_pool2d(x, 1))
    x = b.linear(x, 10, name="fc")
    return b.build_model(outputs=[x], free_spatial=True, num_threads=num_threads,
                         metadata={"preprocessing": imagenet_preprocessing(crop=32, resize=36)})


@pytest.fixture(autouse=True)
def two_threads():
    """Tests run with 2 threads (the pool in use even on a 1-CPU runner); the setting is restored."""
    previous = _C.get_num_threads()
    _C.set_num_threads(2)
    yield
    _C.set_num_threads(previous)


@pytest.fixture(scope="module")
def small_resnet():
    return build_small_resnet()



def run_python(code, timeout=120, **env):
    """Runs `code` in a fresh interpreter (this checkout on the path); env None removes a variable."""
    environment = {**os.environ}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    environment["PYTHONPATH"] = os.pathsep.join([root, os.path.dirname(os.path.abspath(__file__))])
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=timeout)


def random_batch(rng, n, size=32):
    return rng.standard_normal((n, 3, size, size), dtype=np.float32)
