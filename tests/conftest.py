"""Shared fixtures: PyTorch as the reference (required in CI, optional locally), seeded RNG."""
import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch for reference tests. CI installs it, so there a missing torch is an error."""
    try:
        import torch as torch_module
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("PyTorch is not installed (pip install torch==2.14.1)")
    torch_module.set_num_threads(1)
    return torch_module


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
