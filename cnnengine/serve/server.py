"""Starts uvicorn for `cnnengine serve`: several worker processes share the CPUs (each gets
available CPUs // workers threads), configured through the environment of the workers."""
import os

from cnnengine.cpu_quota import available_cpus
from cnnengine.model_format import load_graph


def serve(model_path: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          threads: int = None, max_batch: int = 8, max_wait_ms: float = 5.0, max_body_bytes: int = None,
          log_level: str = "warning") -> None:
    try:
        import uvicorn
    except ImportError as error:
        raise ImportError(f"{error}; `cnnengine serve` needs the serve extra: pip install 'cnnengine[serve]'") from None
    load_graph(model_path)  # a bad model fails here, once, with a clear message
    os.environ["CNNENGINE_SERVE_MODEL"] = os.path.abspath(model_path)
    os.environ["CNNENGINE_SERVE_MAX_BATCH"] = str(max_batch)
    os.environ["CNNENGINE_SERVE_MAX_WAIT_MS"] = str(max_wait_ms)
    if max_body_bytes is not None:
        os.environ["CNNENGINE_SERVE_MAX_BODY_BYTES"] = str(max_body_bytes)
    os.environ["CNNENGINE_NUM_THREADS"] = str(threads or max(1, available_cpus() // workers))
    uvicorn.run("cnnengine.serve.app:create_app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level=log_level)
