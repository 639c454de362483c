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
