"""Every Winograd variant on every distinct 3x3 stride-1 layer of VGG-16 and ResNet-18/50 (their
real channel counts) against a float64 convolution, within the bounds of docs/winograd.md.
Maps larger than 28x28 are cut to 28x28: the error of an output depends on its tile position and
Cin, not on the map size (docs/winograd.md shows the full-size figures)."""
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnengine import _C

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernels"))
from test_winograd import FLOAT64_RTOL, conv3x3_float64, relative_error  # noqa: E402

# (Cin, H=W, Cout)
LAYERS = [(3, 224, 64), (64, 224, 64), (64, 112, 128), (128, 112, 128), (128, 56, 256), (256, 56, 256),
          (256, 28, 512), (512, 28, 512), (512, 14, 512), (64, 56, 64), (128, 28, 128), (256, 14, 256),
          (512, 7, 512)]
MAX_SIZE = 28


@pytest.mark.parametrize("cin, size, cout", LAYERS, ids=lambda v: str(v))
def test_layer_error_against_float64(cin, size, cout):
    rng = np.random.default_rng(cin * 1000 + size)
    size = min(size, MAX_SIZE)
    x = rng.standard_normal((1, cin, size, size), dtype=np.float32)
    weight = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
    bias = rng.standard_normal(cout, dtype=np.float32)
    exact = conv3x3_float64(x, weight, bias, 1)
    for algorithm, rtol in FLOAT64_RTOL.items():
        y = _C.Conv2d(weight, bias, padding=1, algorithm=algorithm).forward(x)
        assert relative_error(y, exact) <= rtol, algorithm
