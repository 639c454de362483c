"""Shared by the ONNX tests: ONNX Runtime as the reference, tiny graphs built with onnx.helper.

Tolerance (issue 7): max|ours - onnxruntime| <= 1e-4 * max|onnxruntime output| on the GEMM
paths, 1e-3 when a layer of the model runs a Winograd convolution."""
import numpy as np

RTOL_GEMM, RTOL_WINOGRAD = 1e-4, 1e-3


def run_ort(ort, model_bytes, x, input_name=None):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    name = input_name or session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def tolerance(model):
    algorithms = [getattr(kernel, "algorithm", "") for _, _, kernel in model._plan.steps]
    return RTOL_WINOGRAD if any("winograd" in a for a in algorithms) else RTOL_GEMM


def assert_matches_ort(model, x, reference):
    """model.predict(x) against ONNX Runtime's output for x."""
    ours = model.predict(x)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    scale = max(float(np.abs(reference).max()), 1e-30)
    error, rtol = float(np.abs(ours - reference).max()), tolerance(model)
    assert error <= rtol * scale, f"max|diff| {error:.3g} > {rtol} * max|ref| {scale:.3g}"


def make_model(onnx, nodes, input_shape, output_shape=None, initializers=(), opset=17, input_name="x",
               output_name="y"):
    """A one-input, one-output float32 model; dims given as strings are free ('N')."""
    helper = onnx.helper
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(input_name, onnx.TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(output_name, onnx.TensorProto.FLOAT, output_shape)],
        initializer=[onnx.numpy_helper.from_array(np.asarray(value), name) for name, value in initializers])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
