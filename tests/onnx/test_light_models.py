"""The ONNX graphs shipped in the onnx wheel (onnx/backend/test/data/light: opset 9, Caffe2
exports whose weights are ConstantOfShape nodes filled with 0.02) with those nodes replaced by
random initializers, against ONNX Runtime. Weights get N(0, 1/fan_in), BN scales U(0.5, 1.5), variances U(0.5, 1.5), other vectors
U(-0.2, 0.2), so activations neither vanish nor explode; the final Softmax is cut off so the
logits are compared (softmax of random logits saturates to equal probabilities). AlexNet and
VGG-19 are compared on their flattened features (the graph is cut before the first Gemm): their
fully connected weights (58M and 124M of random numbers) would cost a minute of CI; the Gemm path
is covered by ResNet-50 here and the torchvision exports."""
import os

import numpy as np
import pytest

from cnnengine import Model
from cnnengine.onnx_import import import_onnx

from onnx_parity import assert_matches_ort, run_ort

SUPPORTED = ["bvlc_alexnet", "resnet50", "squeezenet", "vgg19", "inception_v1", "inception_v2"]
CUT_BEFORE_GEMM = {"bvlc_alexnet", "vgg19"}


def cut_before_first_gemm(model):
    """Keeps only the nodes that compute the first Gemm's input, and makes that the output."""
    output = next(n for n in model.graph.node if n.op_type == "Gemm").input[0]
    needed, kept = {output}, []
    for node in reversed(list(model.graph.node)):
        if needed & set(node.output):
            needed.update(node.input)
            kept.append(node)
    model.graph.ClearField("node")
    model.graph.node.extend(reversed(kept))
    model.graph.output[0].name = output
    model.graph.output[0].type.tensor_type.ClearField("shape")


def light_model(onnx, name, rng):
    model = onnx.load(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light",
                                   f"light_{name}.onnx"))
    numpy_helper = onnx.numpy_helper
    if name in CUT_BEFORE_GEMM:
        cut_before_first_gemm(model)
    bn = [n for n in model.graph.node if n.op_type == "BatchNormalization"]
    scales, variances = {n.input[1] for n in bn}, {n.input[4] for n in bn}
    shapes = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in [n for n in model.graph.node if n.op_type == "ConstantOfShape"]:
        shape, name = tuple(int(d) for d in shapes[node.input[0]]), node.output[0]
        if name in scales or name in variances:
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            value = rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(np.prod(shape[1:])))
        else:
            value = rng.uniform(-0.2, 0.2, shape)
        model.graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), name))
        model.graph.node.remove(node)
    unused = {t.name for t in model.graph.initializer} - {i for n in model.graph.node for i in n.input}
    for tensor in [t for t in model.graph.initializer if t.name in unused]:
        model.graph.initializer.remove(tensor)
    for value in [v for v in model.graph.input if v.name in unused]:  # IR 3 lists initializers as inputs
        model.graph.input.remove(value)
    last = model.graph.node[-1]
    if last.op_type == "Softmax":
        model.graph.output[0].name = last.input[0]
        model.graph.output[0].type.tensor_type.ClearField("shape")
        model.graph.node.remove(last)
    return model


@pytest.mark.parametrize("name", SUPPORTED)
def test_light_model_with_random_weights_matches_onnxruntime(onnx, ort, name):
    rng = np.random.default_rng(7)
    model = light_model(onnx, name, rng)
    data = model.SerializeToString()
    ours = Model(import_onnx(data), num_threads=2)
    shape = (1,) + ours.graph.inputs[0].shape
    x = rng.standard_normal(shape).astype(np.float32)
    assert_matches_ort(ours, x, run_ort(ort, data, x, ours.graph.inputs[0].name))

