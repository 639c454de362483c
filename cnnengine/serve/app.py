"""The Starlette application: routes, request parsing, status codes, metrics."""
import contextlib
import json
import os
import time

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cnnengine.errors import CnnEngineError
from cnnengine.model import Model, load
from cnnengine.ranking import top_k
from cnnengine.runtime import default_num_threads, set_num_threads
from cnnengine.serve.batcher import MicroBatcher
from cnnengine.serve.metrics import Metrics

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def create_app(model: Model, max_batch: int = 8, max_wait_ms: float = 5.0,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    metrics = Metrics()
    batcher = MicroBatcher(model, max_batch=max_batch, max_wait_ms=max_wait_ms, metrics=metrics)

    async def predict(request: Request) -> Response:
        started = time.perf_counter()
        try:
            top = _top(request, model)
            body = await _read_body(request, max_body_bytes)
            samples = await run_in_threadpool(_samples, model, body, request.headers.get("content-type", ""))
            logits = await batcher.predict(samples)
            ranked = top_k(logits, model.labels, top)
            response = JSONResponse({"predictions": [[{"label": label, "probability": p} for label, p in best]
                                                     for best in ranked]})
        except BadRequest as error:
            response = JSONResponse({"error": str(error)}, status_code=error.status)
        except CnnEngineError as error:
            response = JSONResponse({"error": str(error)}, status_code=400)
        metrics.record_request("/predict", response.status_code, time.perf_counter() - started)
        return response

    async def health(request: Request) -> Response:
        metrics.record_request("/health", 200, 0.0)
        return JSONResponse({"status": "ok", "model": model.name})

    async def render_metrics(request: Request) -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        yield
        await batcher.stop()

    app = Starlette(routes=[Route("/predict", predict, methods=["POST"]), Route("/health", health),
                            Route("/metrics", render_metrics)], lifespan=lifespan)
    app.state.metrics = metrics
    return app


def create_app_from_environment() -> Starlette:
    """The app for a uvicorn worker process, configured by `cnnengine serve` through the environment."""
    set_num_threads(default_num_threads())  # this worker's share of the CPUs (CNNENGINE_NUM_THREADS)
    model = load(os.environ["CNNENGINE_SERVE_MODEL"])
    return create_app(model, max_batch=int(os.environ.get("CNNENGINE_SERVE_MAX_BATCH", "8")),
                      max_wait_ms=float(os.environ.get("CNNENGINE_SERVE_MAX_WAIT_MS", "5")),
                      max_body_bytes=int(os.environ.get("CNNENGINE_SERVE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)))


def _top(request: Request, model: Model) -> int:
    text = request.query_params.get("top", "5")
    try:
        top = int(text)
    except ValueError:
        top = 0
    if top < 1:
        raise BadRequest(400, f"top must be a positive integer, got {text!r}")
    return top


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(413, f"request body of {int(declared):,} bytes is over the limit of {limit:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise BadRequest(400, "empty request body: send image bytes or a JSON array")
    return body


def _samples(model: Model, body: bytes, content_type: str) -> np.ndarray:
    """The request's N x C x H x W float32 samples, checked against the model (runs off the event loop)."""
    if "json" not in content_type:
        return model.prepare_input(body)  # encoded image bytes
    try:
        value = json.loads(body)
        if isinstance(value, dict):
            value = value["inputs"]
        array = np.asarray(value, dtype=np.float32)
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise BadRequest(400, f"JSON body must be a float array or {{\"inputs\": array}} ({error})") from None
    if array.ndim == len(model.graph.inputs[0].shape):  # one sample without the batch axis
        array = array[None]
    return model.prepare_input(array)
