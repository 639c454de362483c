"""Each supported ONNX operator as a small graph, imported and run by cnnengine and compared with
ONNX Runtime (tolerance in conftest.py), at batch 1 and 3 where the batch is free."""
import numpy as np
import pytest

from cnnengine import Model
from cnnengine.onnx_import import import_onnx

from onnx_parity import assert_matches_ort, make_model, run_ort


def check(onnx, ort, rng, nodes, input_shape, initializers=(), opset=17, batches=(1, 3), scale=1.0):
    model = make_model(onnx, nodes, ("N",) + tuple(input_shape), initializers=initializers, opset=opset)
    data = model.SerializeToString()
    ours = Model(import_onnx(data))
    for batch in batches:
        x = (rng.standard_normal((batch,) + tuple(input_shape)) * scale).astype(np.float32)
        assert_matches_ort(ours, x, run_ort(ort, data, x))
    return ours


def node(onnx, op, inputs, outputs=("y",), **attrs):
    return onnx.helper.make_node(op, list(inputs), list(outputs), **attrs)


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("op,attrs", [("Relu", {}), ("LeakyRelu", {"alpha": 0.1}), ("Sigmoid", {}), ("Tanh", {}),
                                      ("HardSigmoid", {"alpha": 0.25, "beta": 0.4}), ("HardSwish", {}),
                                      ("Clip", {"min": -1.0, "max": 2.0})])
def test_activations(onnx, ort, rng, op, attrs):
    opset = 9 if op == "Clip" else 17  # Clip bounds are attributes before opset 11
    check(onnx, ort, rng, [node(onnx, op, ["x"], **attrs)], (3, 5, 6), opset=opset, scale=4)


def test_clip_bounds_as_inputs_and_relu6(onnx, ort, rng):
    for bounds, expected_op in (([0.0, 6.0], "clip"), ([0.0, np.inf], "relu"), ([-2.0, 2.0], "clip")):
        inits = [("lo", np.float32(bounds[0])), ("hi", np.float32(bounds[1]))]
        model = check(onnx, ort, rng, [node(onnx, "Clip", ["x", "lo", "hi"])], (3, 4, 4), inits, opset=13, scale=5)
        assert [n.op for n in model.graph.nodes] == [expected_op]


def test_prelu_per_channel(onnx, ort, rng):
    check(onnx, ort, rng, [node(onnx, "PRelu", ["x", "slope"])], (4, 5, 5), [("slope", randn(rng, 4, 1, 1))])


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("constant_shape", [(), (4, 1, 1), (1, 4, 1, 1), (5,)], ids=str)
def test_binary_with_constant(onnx, ort, rng, op, constant_shape):
    c = np.asarray(rng.uniform(0.5, 2, constant_shape), dtype=np.float32)
    check(onnx, ort, rng, [node(onnx, op, ["x", "c"])], (4, 3, 5), [("c", c)])
    check(onnx, ort, rng, [node(onnx, op, ["c", "x"])], (4, 3, 5), [("c", c)])


@pytest.mark.parametrize("op", ["Add", "Mul", "Sub", "Div"])
def test_binary_squeeze_excitation_gate(onnx, ort, rng, op):
    """x * sigmoid(conv(avgpool(x))): the gate [N, C, 1, 1] broadcasts over the feature map."""
    nodes = [node(onnx, "GlobalAveragePool", ["x"], ["p"]), node(onnx, "Conv", ["p", "w"], ["g"]),
             node(onnx, "Sigmoid", ["g"], ["s"]), node(onnx, op, ["x", "s"])]
    check(onnx, ort, rng, nodes, (6, 5, 5), [("w", randn(rng, 6, 6, 1, 1))])


@pytest.mark.parametrize("gate, relu, bias, order", [
    ("HardSigmoid", True, True, "x*s"), ("Sigmoid", False, False, "s*x"), ("HardSigmoid", True, False, "s*x")],
    ids=str)
def test_mobilenet_v3_squeeze_excitation_block(onnx, ort, rng, gate, relu, bias, order):
    """Global pool -> 1x1 conv (+ ReLU) -> 1x1 conv + gate activation -> channel multiply, with and
    without biases, gate on either side: one squeeze_excitation node."""
    reduce_inputs, expand_inputs = ["p", "w1"] + ["b1"] * bias, ["r" if relu else "c1", "w2"] + ["b2"] * bias
    nodes = [node(onnx, "GlobalAveragePool", ["x"], ["p"]), node(onnx, "Conv", reduce_inputs, ["c1"]),
             *([node(onnx, "Relu", ["c1"], ["r"])] if relu else []), node(onnx, "Conv", expand_inputs, ["c2"]),
             node(onnx, gate, ["c2"], ["s"], **({"alpha": 1 / 6} if gate == "HardSigmoid" else {})),
             node(onnx, "Mul", ["x", "s"] if order == "x*s" else ["s", "x"])]
    inits = [("w1", randn(rng, 3, 12, 1, 1)), ("w2", randn(rng, 12, 3, 1, 1))]
    inits += [("b1", randn(rng, 3)), ("b2", randn(rng, 12))] if bias else []
    model = check(onnx, ort, rng, nodes, (12, 5, 5), inits, scale=3)
    [fused] = model._plan.nodes
    assert fused.op == "squeeze_excitation" and fused.attrs["reduce_relu"] == relu and \
        fused.attrs["gate"][0] == {"HardSigmoid": "hard_sigmoid", "Sigmoid": "sigmoid"}[gate]


def test_squeeze_excitation_is_not_fused_when_the_pooled_map_feeds_another_layer(onnx, ort, rng):
    """The chain's tensors must feed only the next step: here the pooled map is also added to the
    result, so the four layers stay, and the 1x1 convs on the 1x1 map run as matrix-vector products
    (PointwiseConv)."""
    nodes = [node(onnx, "GlobalAveragePool", ["x"], ["p"]), node(onnx, "Conv", ["p", "w1"], ["c1"]),
             node(onnx, "Relu", ["c1"], ["r"]), node(onnx, "Conv", ["r", "w2"], ["c2"]),
             node(onnx, "HardSigmoid", ["c2"], ["s"], alpha=1 / 6), node(onnx, "Mul", ["x", "s"], ["m"]),
             node(onnx, "Add", ["m", "p"])]
    model = check(onnx, ort, rng, nodes, (6, 4, 4), [("w1", randn(rng, 3, 6, 1, 1)), ("w2", randn(rng, 6, 3, 1, 1))],
                  scale=3)
    assert [(n.op, n.attrs.get("relu"), n.attrs.get("activation", [None])[0]) for n in model._plan.nodes] == \
        [("adaptive_avg_pool2d", None, None), ("conv2d", True, None), ("conv2d", None, "hard_sigmoid"),
         ("binary", None, None), ("binary", None, None)]
    assert all(kernel.linear is not None for _, _, kernel in model._plan.steps[1:3])  # the 1x1-map path ran


def test_pointwise_conv_on_larger_maps_after_a_1x1_input(onnx, ort, rng):
    """One 1x1 conv kernel serving a 1x1 map (matrix-vector path) and then a 4x4 map (GEMM)."""
    nodes = [node(onnx, "Conv", ["x", "w"], ["c"]), node(onnx, "HardSwish", ["c"])]
    model = make_model(onnx, nodes, ("N", 6, "H", "W"), initializers=[("w", randn(rng, 5, 6, 1, 1))])
    data = model.SerializeToString()
    ours = Model(import_onnx(data))
    for shape in [(1, 6, 1, 1), (2, 6, 4, 4), (3, 6, 1, 1)]:
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        assert_matches_ort(ours, x, run_ort(ort, data, x))


def test_same_shape_add_becomes_a_fusable_residual(onnx, ort, rng):
    nodes = [node(onnx, "Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), node(onnx, "Add", ["c", "x"], ["s"]),
             node(onnx, "Relu", ["s"])]
    model = check(onnx, ort, rng, nodes, (4, 6, 6), [("w", randn(rng, 4, 4, 3, 3))])
    assert [(n.op, n.attrs.get("residual"), n.attrs.get("relu")) for n in model._plan.nodes] == \
        [("conv2d", True, True)]


@pytest.mark.parametrize("act", [("HardSwish", {}), ("HardSigmoid", {"alpha": 0.2, "beta": 0.5}),
                                 ("Clip", {"min": 0.0, "max": 6.0})], ids=lambda a: a[0])
def test_conv_activation_is_fused(onnx, ort, rng, act):
    """MobileNet-V3's conv -> HardSwish / HardSigmoid, MobileNet-V2's ReLU6: one conv step."""
    op, attrs = act
    nodes = [node(onnx, "Conv", ["x", "w"], ["c"], group=4, pads=[1, 1, 1, 1]), node(onnx, op, ["c"], **attrs)]
    model = check(onnx, ort, rng, nodes, (4, 7, 7), [("w", randn(rng, 4, 1, 3, 3))], opset=9 if op == "Clip" else 17,
                  scale=4)
    assert [(n.op, n.attrs.get("activation", [None])[0]) for n in model._plan.nodes] == \
        [("conv2d", {"HardSwish": "hard_swish", "HardSigmoid": "hard_sigmoid", "Clip": "clip"}[op])]


def test_sum_of_three(onnx, ort, rng):
    nodes = [node(onnx, "Relu", ["x"], ["a"]), node(onnx, "Sigmoid", ["x"], ["b"]), node(onnx, "Sum", ["x", "a", "b"])]
    check(onnx, ort, rng, nodes, (2, 3, 3))


@pytest.mark.parametrize("attrs", [{"pads": [1, 2, 0, 1], "strides": [2, 1]}, {"auto_pad": "SAME_UPPER"},
                                   {"auto_pad": "SAME_LOWER", "strides": [2, 2]}, {"dilations": [2, 2]}, {"group": 2, "pads": [1, 1, 1, 1]},
                                   {"auto_pad": "VALID", "strides": [2, 2]}])
def test_conv_padding_modes(onnx, ort, rng, attrs):
    groups = attrs.get("group", 1)
    inits = [("w", randn(rng, 6, 4 // groups, 3, 3)), ("b", randn(rng, 6))]
    check(onnx, ort, rng, [node(onnx, "Conv", ["x", "w", "b"], **attrs)], (4, 9, 8), inits)


def test_depthwise_conv_and_batch_norm(onnx, ort, rng):
    inits = [("w", randn(rng, 8, 1, 3, 3)), ("s", rng.uniform(0.5, 2, 8).astype(np.float32)), ("b", randn(rng, 8)),
             ("m", randn(rng, 8)), ("v", rng.uniform(0.5, 2, 8).astype(np.float32))]
    nodes = [node(onnx, "Conv", ["x", "w"], ["c"], group=8, pads=[1, 1, 1, 1]),
             node(onnx, "BatchNormalization", ["c", "s", "b", "m", "v"], epsilon=1e-3)]
    model = check(onnx, ort, rng, nodes, (8, 7, 7), inits)
    assert [n.op for n in model._plan.nodes] == ["conv2d"]  # BN folded into the conv


@pytest.mark.parametrize("attrs", [{"strides": [2, 2]}, {"strides": [2, 2], "pads": [1, 0, 0, 1], "output_padding": [1, 0]},
                                   {"strides": [2, 3], "group": 2, "dilations": [2, 1]},
                                   {"strides": [2, 2], "output_shape": [10, 9]},
                                   {"strides": [2, 2], "auto_pad": "SAME_UPPER"}])
def test_conv_transpose(onnx, ort, rng, attrs):
    groups = attrs.get("group", 1)
    inits = [("w", randn(rng, 4, 6 // groups, 3, 3)), ("b", randn(rng, 6))]
    check(onnx, ort, rng, [node(onnx, "ConvTranspose", ["x", "w", "b"], **attrs)], (4, 5, 5), inits)


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ("MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 1, 1]}),
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 0, 1]}),
    ("MaxPool", {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 1, 0, 0], "ceil_mode": 1}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [0, 0, 1, 1]}),  # Inception-v1 pool5
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 1, 1, 0], "count_include_pad": 1}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 0, 1], "ceil_mode": 1}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ("GlobalAveragePool", {}), ("GlobalMaxPool", {})])
def test_pooling(onnx, ort, rng, op, attrs):
    check(onnx, ort, rng, [node(onnx, op, ["x"], **attrs)], (3, 9, 9))


def test_ceil_mode_drops_a_window_that_starts_in_the_end_padding(onnx, ort, rng):
    """On 6x6, window 4 of 2x2 stride 2 would start in the bottom/right padding: ONNX's shape
    formula counts it, ONNX Runtime and PyTorch drop it (3x3 output)."""
    attrs = {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 1, 1], "ceil_mode": 1}
    model = check(onnx, ort, rng, [node(onnx, "MaxPool", ["x"], **attrs)], (2, 6, 6))
    assert model.graph.nodes[0].attrs["padding"] == [0, 0, 1, 1]


@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_mean_over_space(onnx, ort, rng, keepdims):
    check(onnx, ort, rng, [node(onnx, "ReduceMean", ["x"], axes=[2, 3], keepdims=keepdims)], (5, 4, 6), opset=13)
    check(onnx, ort, rng, [node(onnx, "ReduceMean", ["x", "axes"], keepdims=keepdims)], (5, 4, 6),
          [("axes", np.array([-1, -2], np.int64))], opset=18)


@pytest.mark.parametrize("opset", [11, 13])
def test_gemm_matmul_flatten_softmax(onnx, ort, rng, opset):
    nodes = [node(onnx, "Flatten", ["x"], ["f"]), node(onnx, "Gemm", ["f", "w", "b"], ["g"], transB=1, alpha=0.5),
             node(onnx, "MatMul", ["g", "m"], ["h"]), node(onnx, "Softmax", ["h"], axis=1)]
    inits = [("w", randn(rng, 7, 24)), ("b", randn(rng, 7)), ("m", randn(rng, 7, 5))]
    check(onnx, ort, rng, nodes, (2, 3, 4), inits, opset=opset)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad(onnx, ort, rng, mode):
    inits = [("pads", np.array([0, 0, 1, 2, 0, 0, 2, 0], np.int64)), ("value", np.float32(0.5))]
    check(onnx, ort, rng, [node(onnx, "Pad", ["x", "pads", "value"], mode=mode)], (2, 4, 5), inits, opset=13)


@pytest.mark.parametrize("attrs,scales", [
    ({"mode": "nearest"}, [1, 1, 2, 2]),
    ({"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}, [1, 1, 2, 3]),
    ({"mode": "linear"}, [1, 1, 2, 2]),
    ({"mode": "linear", "coordinate_transformation_mode": "align_corners"}, [1, 1, 1.5, 2]),
    ({"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"}, [1, 1, 0.5, 3]),
    ({"mode": "linear", "coordinate_transformation_mode": "asymmetric"}, [1, 1, 2, 2])])
def test_resize_with_scales(onnx, ort, rng, attrs, scales):
    inits = [("scales", np.array(scales, np.float32))]
    check(onnx, ort, rng, [node(onnx, "Resize", ["x", "", "scales"], **attrs)], (3, 4, 6), inits, opset=13)


def test_resize_with_sizes_from_a_shape_subgraph_and_old_upsample(onnx, ort, rng):
    """sizes = Concat(Shape(x)[0:2], [9, 5]): folded at import with the batch left free."""
    nodes = [node(onnx, "Shape", ["x"], ["shape"]), node(onnx, "Slice", ["shape", "zero", "two"], ["nc"]),
             node(onnx, "Concat", ["nc", "hw"], ["sizes"], axis=0),
             node(onnx, "Resize", ["x", "", "", "sizes"], mode="linear")]
    inits = [("zero", np.array([0], np.int64)), ("two", np.array([2], np.int64)), ("hw", np.array([9, 5], np.int64))]
    check(onnx, ort, rng, nodes, (3, 4, 6), inits, opset=13)
    check(onnx, ort, rng, [node(onnx, "Upsample", ["x", "scales"], mode="nearest")], (3, 4, 6),
          [("scales", np.array([1, 1, 2, 2], np.float32))], opset=9)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(onnx, ort, rng, mode):
    check(onnx, ort, rng, [node(onnx, "DepthToSpace", ["x"], blocksize=2, mode=mode)], (12, 3, 4))


def test_concat_lrn_identity_dropout(onnx, ort, rng):
    nodes = [node(onnx, "Identity", ["x"], ["i"]), node(onnx, "Dropout", ["i"], ["d"]),
             node(onnx, "LRN", ["d"], ["l"], size=3, alpha=1e-2, beta=0.75, bias=2.0),
             node(onnx, "Concat", ["l", "x"], axis=1)]
    check(onnx, ort, rng, nodes, (4, 3, 3))


@pytest.mark.parametrize("opset", [11, 13, 18])
def test_split_and_slice_along_channels(onnx, ort, rng, opset):
    if opset == 11:
        split = node(onnx, "Split", ["x"], ["a", "b", "c"], axis=1, split=[2, 3, 1])
        inits = []
    elif opset == 13:
        split = node(onnx, "Split", ["x", "sizes"], ["a", "b", "c"], axis=1)
        inits = [("sizes", np.array([2, 3, 1], np.int64))]
    else:
        split = node(onnx, "Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)
        inits = []
    nodes = [split, node(onnx, "Relu", ["b"], ["r"]), node(onnx, "Concat", ["c", "r", "a"], ["m"], axis=1),
             node(onnx, "Slice", ["m", "start", "end", "axis"], ["s"]), node(onnx, "Sigmoid", ["s"])]
    inits += [("start", np.array([1], np.int64)), ("end", np.array([-1], np.int64)), ("axis", np.array([1], np.int64))]
    check(onnx, ort, rng, nodes, (6, 4, 3), inits, opset=opset)
