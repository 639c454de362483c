"""Runtime tests run with 2 threads and share the small network of small_resnet.py."""
import pytest

from cnnengine import _C
from small_resnet import build_small_resnet


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
