"""The engines compared, each behind the same small interface, imported only in its own worker.

    ENGINES[key] = Engine(title, modules it needs, file it loads (models.FILES key), version(), load())
    run = engine.load(folder, model name, threads)   # import + load; run(x) -> first output as numpy

Thread counts: every engine gets the same number of compute threads (its intra-op pool); the worker
also sets OMP_NUM_THREADS to it before any import. All run float32 (OpenVINO's and ncnn's reduced
precision defaults are turned off). ncnn has no batch axis: a batch runs image by image.
"""
import importlib.util
import os
from typing import Callable, NamedTuple, Tuple

import numpy as np


class Engine(NamedTuple):
    title: str
    modules: Tuple[str, ...]
    file: str
    version: Callable[[], str]
    load: Callable


def missing_modules(engine):
    """Python modules the engine needs that are not installed (empty when it can run)."""
    return [module for module in engine.modules if importlib.util.find_spec(module) is None]


# Set by the driver's --cnnengine-algo: the conv algorithm cnnengine's workers use for every layer it fits.
ALGO_VARIABLE = "CNNENGINE_BENCH_ALGO"


def _cnnengine_version():
    import cnnengine

    algo = os.environ.get(ALGO_VARIABLE)
    return f"{cnnengine.__version__} ({cnnengine.build_info()['isa']}{', algo=' + algo if algo else ''})"


def _load_cnnengine(folder, name, threads):
    import cnnengine

    cnnengine.set_num_threads(threads)
    model = cnnengine.load(os.path.join(folder, "model.npz"), algo=os.environ.get(ALGO_VARIABLE))
    return model.predict


def _torch_version():
    import torch

    return torch.__version__


def _load_torch(folder, name, threads):
    import torch

    from models import torch_module

    torch.set_num_threads(threads)
    module = torch_module(name, device="meta")
    module.load_state_dict(torch.load(os.path.join(folder, "weights.pt"), weights_only=True), assign=True)

    def run(x):
        with torch.inference_mode():
            return module(torch.from_numpy(x)).numpy()
    return run


def _onnxruntime_version():
    import onnxruntime

    return onnxruntime.__version__


def _load_onnxruntime(folder, name, threads):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    session = onnxruntime.InferenceSession(os.path.join(folder, "model.onnx"), options,
                                           providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"input": x})[0]


def _openvino_version():
    import openvino

    return openvino.get_version()


def _load_openvino(folder, name, threads):
    """One compiled model per batch size (static shapes run faster than the free batch axis)."""
    import openvino

    core = openvino.Core()
    source = core.read_model(os.path.join(folder, "model.onnx"))
    config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_PRECISION_HINT": "f32"}
    compiled = {}

    def run(x):
        if x.shape[0] not in compiled:
            model = source.clone()
            model.reshape({"input": list(x.shape)})
            compiled[x.shape[0]] = core.compile_model(model, "CPU", config).create_infer_request()
        return compiled[x.shape[0]].infer({"input": x})[0]
    return run


def _ncnn_version():
    import ncnn

    return ncnn.__version__


def _load_ncnn(folder, name, threads):
    import ncnn

    net = ncnn.Net()
    net.opt.num_threads = threads
    net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.load_param(os.path.join(folder, "ncnn.param"))
    net.load_model(os.path.join(folder, "ncnn.bin"))
    source, target = net.input_names()[0], net.output_names()[0]

    def run(x):
        outputs = []
        for image in x:  # ncnn.Mat wraps the image's memory: x keeps it alive
            extractor = net.create_extractor()
            extractor.input(source, ncnn.Mat(image))
            outputs.append(np.array(extractor.extract(target)[1]))
        return np.stack(outputs)
    return run


ENGINES = {
    "cnnengine": Engine("cnnengine", ("cnnengine",), "cnnengine", _cnnengine_version, _load_cnnengine),
    "torch": Engine("PyTorch", ("torch", "torchvision"), "weights", _torch_version, _load_torch),
    "onnxruntime": Engine("ONNX Runtime", ("onnxruntime",), "onnx", _onnxruntime_version, _load_onnxruntime),
    "openvino": Engine("OpenVINO", ("openvino",), "onnx", _openvino_version, _load_openvino),
    "ncnn": Engine("ncnn", ("ncnn", "pnnx"), "ncnn", _ncnn_version, _load_ncnn),
}
