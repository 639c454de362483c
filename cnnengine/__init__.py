"""cnnengine: a CPU-first engine that runs and fine-tunes convolutional networks."""
from cnnengine import _C
from cnnengine.builder import GraphBuilder
from cnnengine.errors import CnnEngineError, GraphError, InputError, ModelFormatError
from cnnengine.graph import Graph
from cnnengine.model import Model, load
from cnnengine.runtime import build_info, get_num_threads, set_num_threads

__version__ = "0.1.0"

__all__ = ["CnnEngineError", "Graph", "GraphBuilder", "GraphError", "InputError", "Model", "ModelFormatError",
           "build_info", "get_num_threads", "load", "set_num_threads", "__version__"]


def __getattr__(name):
    """cnnengine.from_torch (cnnengine.convert.from_torch), imported on first use: it needs torch,
    which `import cnnengine` must not load (start-up time and memory of serving processes); for
    the same reason it is not in __all__."""
    if name == "from_torch":
        from cnnengine.convert import from_torch
        return from_torch
    raise AttributeError(f"module 'cnnengine' has no attribute {name!r}")
