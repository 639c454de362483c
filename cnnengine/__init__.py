"""cnnengine: a CPU-first engine that runs and fine-tunes convolutional networks."""
from cnnengine import _C
from cnnengine.runtime import build_info, get_num_threads, set_num_threads

__version__ = "0.1.0"

__all__ = ["build_info", "get_num_threads", "set_num_threads", "__version__"]
