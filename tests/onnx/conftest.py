"""The onnx and onnxruntime packages: required in CI (like torch), optional locally."""
import os

import pytest


def _required(name):
    try:
        return __import__(name)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"{name} is not installed (pip install 'cnnengine[test]')")


@pytest.fixture(scope="session")
def onnx():
    return _required("onnx")


@pytest.fixture(scope="session")
def ort():
    return _required("onnxruntime")
