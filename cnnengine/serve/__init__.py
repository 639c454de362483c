"""`cnnengine serve`: an HTTP server for one model (Starlette on uvicorn, `pip install .[serve]`).

    POST /predict   image bytes (any Content-Type but JSON), or JSON: a float array of one sample
                    (C x H x W) or a batch (N x C x H x W), or {"inputs": ...}; ?top=K (default 5)
                    -> {"predictions": [[{"label", "probability"}, ...] per sample]}
    GET  /health    -> {"status": "ok", "model": NAME}
    GET  /metrics   Prometheus text: requests, errors, latency and batch-size histograms

Concurrent requests are grouped into micro-batches (up to max_batch samples, waiting at most
max_wait_ms for more). Bad input is a 400 (undecodable image, malformed JSON, wrong shape),
an oversized body a 413; neither is ever a 500.
"""
