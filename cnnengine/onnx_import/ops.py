"""ONNX operator handlers: each maps one node on run-time tensors onto IR layers. A handler
declares the attributes it understands; the importer refuses any other attribute. Handlers raise
UnsupportedOnnx for what cnnengine cannot run; the importer adds the node's name and index."""
import math

import numpy as np

from cnnengine.onnx_import.folding import BATCH, Dim, UnsupportedOnnx, fold_shape_op, ints

HANDLERS = {}


def handler(*op_types, attributes=()):
    def register(function):
        function.attributes = frozenset(attributes)
        for op_type in op_types:
            HANDLERS[op_type] = function
        return function
    return register


def floats32(value):
    return np.ascontiguousarray(value, dtype=np.float32)


def pair(values, what):
    values = list(values)
    if len(values) != 2:
        raise UnsupportedOnnx(f"{what} {values} must have 2 entries (only 2-D spatial ops are supported)")
    return values


def explicit_pads(im, node, attrs, kernel, stride, dilation):
    """(top, left, bottom, right) from pads or auto_pad; SAME padding must not depend on a free size."""
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if auto_pad in ("NOTSET", "VALID"):
        pads = list(attrs.get("pads", [0, 0, 0, 0])) if auto_pad == "NOTSET" else [0, 0, 0, 0]
        if len(pads) != 4:
            raise UnsupportedOnnx(f"pads {pads} must have 4 entries (2-D)")
        return tuple(pads)
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise UnsupportedOnnx(f"auto_pad {auto_pad!r} is not supported")
    x = im.runtime(node.input[0])
    result = []
    for probe in im.probes:
        totals = []
        for axis in (0, 1):
            size, k, s, d = probe[x][2 + axis], kernel[axis], stride[axis], dilation[axis]
            span = (k - 1) * d + 1
            totals.append(max(0, (math.ceil(size / s) - 1) * s + span - size))
        small = [t // 2 for t in totals]
        large = [t - t // 2 for t in totals]
        begin, end = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
        result.append((begin[0], begin[1], end[0], end[1]))
    if result[0] != result[1]:
        raise UnsupportedOnnx("auto_pad SAME with a stride needs a fixed input size (padding depends on it)")
    return result[0]


# -- convolution and dense ----------------------------------------------------------------------------
def conv_inputs(im, node, attrs):
    """(x, params, IR attributes without padding or channels) shared by Conv and ConvTranspose."""
    x = im.runtime(node.input[0])
    weight = floats32(im.constant(node.input[1], f"{node.op_type} weight"))
    if weight.ndim != 4:
        raise UnsupportedOnnx(f"only 2-D convolutions are supported (weight of shape {weight.shape})")
    bias = im.optional_constant(node, 2, f"{node.op_type} bias")
    params = {"weight": weight} if bias is None else {"weight": weight, "bias": floats32(bias)}
    kernel = pair(attrs.get("kernel_shape", weight.shape[2:]), "kernel_shape")
    if tuple(kernel) != weight.shape[2:]:
        raise UnsupportedOnnx(f"kernel_shape {kernel} does not match the weight {weight.shape}")
    geometry = {"kernel_size": kernel, "stride": pair(attrs.get("strides", [1, 1]), "strides"),
                "dilation": pair(attrs.get("dilations", [1, 1]), "dilations"), "groups": attrs.get("group", 1)}
    return x, params, geometry


@handler("Conv", attributes=("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"))
def conv(im, node, attrs):
    x, params, geometry = conv_inputs(im, node, attrs)
    pads = explicit_pads(im, node, attrs, geometry["kernel_size"], geometry["stride"], geometry["dilation"])
    attrs_ir = dict(geometry, in_channels=im.shape(x)[1], out_channels=params["weight"].shape[0], padding=list(pads))
    im.emit("conv2d", [x], attrs_ir, node.output[0], params)


@handler("ConvTranspose", attributes=("auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                                      "output_shape", "pads", "strides"))
def conv_transpose(im, node, attrs):
    x, params, geometry = conv_inputs(im, node, attrs)
    kernel, stride, dilation = geometry["kernel_size"], geometry["stride"], geometry["dilation"]
    extra = pair(attrs.get("output_padding", [0, 0]), "output_padding")
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if "output_shape" in attrs or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        # ONNX: total = stride * (in - 1) + output_padding + (k - 1) * d + 1 - wanted, split with
        # the smaller half first for SAME_UPPER and last otherwise.
        size = im.static_dims(x, (2, 3), "ConvTranspose output_shape / auto_pad SAME")
        wanted = pair(attrs["output_shape"][-2:], "output_shape") if "output_shape" in attrs else \
            [i * s for i, s in zip(size, stride)]
        totals = [s * (i - 1) + o + (k - 1) * d + 1 - w
                  for s, i, o, k, d, w in zip(stride, size, extra, kernel, dilation, wanted)]
        if min(totals) < 0:
            raise UnsupportedOnnx(f"output size {wanted} needs negative padding")
        begin = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in totals]
        pads = (begin[0], begin[1], totals[0] - begin[0], totals[1] - begin[1])
    else:
        pads = explicit_pads(im, node, attrs, kernel, stride, dilation)
    weight = params["weight"]
    attrs_ir = dict(geometry, in_channels=weight.shape[0], out_channels=weight.shape[1] * geometry["groups"],
                    output_padding=extra, padding=list(pads))
    im.emit("conv_transpose2d", [x], attrs_ir, node.output[0], params)


@handler("Gemm", attributes=("alpha", "beta", "transA", "transB"))
def gemm(im, node, attrs):
    if attrs.get("transA", 0):
        raise UnsupportedOnnx("transA=1 is not supported (the run-time operand must be N x K)")
    x = im.runtime(node.input[0])
    b = floats32(im.constant(node.input[1], "Gemm B"))
    weight = (b if attrs.get("transB", 0) else b.T) * np.float32(attrs.get("alpha", 1.0))
    params = {"weight": weight}
    bias = im.optional_constant(node, 2, "Gemm C")
    if bias is not None:
        bias = floats32(bias) * np.float32(attrs.get("beta", 1.0))
        if bias.size not in (1, weight.shape[0]) or bias.ndim > 2 or (bias.ndim == 2 and bias.shape[0] != 1):
            raise UnsupportedOnnx(f"C of shape {bias.shape} is not a per-output bias of {weight.shape[0]}")
        params["bias"] = np.broadcast_to(bias.reshape(-1), (weight.shape[0],))
    linear(im, x, weight, params, node.output[0])


@handler("MatMul")
def matmul(im, node, attrs):
    x = im.runtime(node.input[0])
    b = floats32(im.constant(node.input[1], "MatMul B"))
    if b.ndim != 2:
        raise UnsupportedOnnx(f"MatMul with a constant of shape {b.shape} is not supported (needs K x M)")
    linear(im, x, b.T, {"weight": b.T}, node.output[0])


def linear(im, x, weight, params, output):
    if len(im.shape(x)) != 2:
        raise UnsupportedOnnx(f"matrix products need an N x K input, got {im.symbolic_shape(x)}")
    im.emit("linear", [x], {"in_features": weight.shape[1], "out_features": weight.shape[0]}, output, params)


@handler("BatchNormalization", attributes=("epsilon", "momentum", "spatial", "training_mode"))
def batch_norm(im, node, attrs):
    if attrs.get("training_mode", 0) or attrs.get("spatial", 1) != 1 or len(node.output) > 1 and any(node.output[1:]):
        raise UnsupportedOnnx("only inference batch normalization (spatial, training_mode=0, one output) is supported")
    x = im.runtime(node.input[0])
    roles = ("weight", "bias", "running_mean", "running_var")
    params = {role: floats32(im.constant(name, f"BatchNormalization {role}")).reshape(-1)
              for role, name in zip(roles, node.input[1:5])}
    im.emit("batch_norm2d", [x], {"num_features": im.shape(x)[1], "eps": float(attrs.get("epsilon", 1e-5))},
            node.output[0], params)


# -- activations -------------------------------------------------------------------------------------
@handler("Relu")
def relu(im, node, attrs):
    im.emit("relu", [im.runtime(node.input[0])], {}, node.output[0])


@handler("LeakyRelu", attributes=("alpha",))
def leaky_relu(im, node, attrs):
    im.emit("leaky_relu", [im.runtime(node.input[0])], {"negative_slope": float(attrs.get("alpha", 0.01))},
            node.output[0])


@handler("Sigmoid", "Tanh", "HardSwish")
def plain_activation(im, node, attrs):
    op = {"Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hard_swish"}[node.op_type]
    im.emit(op, [im.runtime(node.input[0])], {}, node.output[0])


@handler("HardSigmoid", attributes=("alpha", "beta"))
def hard_sigmoid(im, node, attrs):
    im.emit("hard_sigmoid", [im.runtime(node.input[0])],
            {"alpha": float(attrs.get("alpha", 0.2)), "beta": float(attrs.get("beta", 0.5))}, node.output[0])


@handler("Clip", attributes=("min", "max"))
def clip(im, node, attrs):
    x = im.runtime(node.input[0])
    bounds = [attrs.get("min", -math.inf), attrs.get("max", math.inf)]
    for i in (0, 1):
        value = im.optional_constant(node, 1 + i, "Clip bound")
        if value is not None:
            bounds[i] = float(np.asarray(value).reshape(-1)[0])
    if bounds == [0.0, math.inf]:
        im.emit("relu", [x], {}, node.output[0])
    else:
        im.emit("clip", [x], {"min": bounds[0], "max": bounds[1]}, node.output[0])


@handler("PRelu")
def prelu(im, node, attrs):
    x = im.runtime(node.input[0])
    slope = floats32(im.constant(node.input[1], "PRelu slope"))
    slope = slope.reshape(trim_leading_ones(slope.shape, len(im.shape(x))))
    im.emit("prelu", [x], {"slope_shape": list(slope.shape)}, node.output[0], {"weight": slope})


def trim_leading_ones(shape, rank):
    """Drops leading 1s so that a constant's rank does not exceed `rank` (and never covers the batch)."""
    shape = list(shape)
    while shape and shape[0] == 1 and len(shape) >= rank:
        shape.pop(0)
    if len(shape) >= rank:
        raise UnsupportedOnnx(f"a constant of shape {tuple(shape)} would broadcast over the batch")
    return tuple(shape) or (1,)


# -- binary arithmetic -------------------------------------------------------------------------------
@handler("Add", "Sub", "Mul", "Div")
def binary(im, node, attrs):
    op = node.op_type.lower()
    a_name, b_name = node.input[:2]
    if im.is_constant(a_name) or im.is_constant(b_name):
        operand_first = im.is_constant(a_name)
        x = im.runtime(b_name if operand_first else a_name)
        value = floats32(im.constant(a_name if operand_first else b_name, f"{node.op_type} operand"))
        value = value.reshape(trim_leading_ones(value.shape, len(im.shape(x))))
        attrs_ir = {"op": op, "operand_shape": list(value.shape)}
        if operand_first:
            attrs_ir["operand_first"] = True
        im.emit("binary", [x], attrs_ir, node.output[0], {"operand": value})
        return
    a, b = im.runtime(a_name), im.runtime(b_name)
    if op == "add" and all(probe[a] == probe[b] for probe in im.probes):
        im.emit("add", [a, b], {}, node.output[0])  # the residual join: fusable into the conv epilogue
    else:
        im.emit("binary", [a, b], {"op": op}, node.output[0])


@handler("Sum")
def sum_inputs(im, node, attrs):
    total = im.runtime(node.input[0])
    for index, name in enumerate(node.input[1:], start=1):
        other = im.runtime(name)
        if any(probe[total] != probe[other] for probe in im.probes):
            raise UnsupportedOnnx("Sum of differently shaped tensors is not supported")
        total = im.emit("add", [total, other], {}, node.output[0] if index == len(node.input) - 1 else "")
    if len(node.input) == 1:
        im.alias(node.output[0], total)


# -- pooling and reductions --------------------------------------------------------------------------
def pool_window(im, node, attrs):
    """IR pooling attributes; pads may differ at the two ends of an axis. With ceil_mode, a last
    window that would start in the end padding is dropped (PyTorch's rule, which ONNX Runtime
    follows, unlike the ONNX reference's shape formula)."""
    kernel = pair(attrs["kernel_shape"], "kernel_shape")
    stride = pair(attrs.get("strides", [1, 1]), "strides")
    dilation = pair(attrs.get("dilations", [1, 1]), "dilations")
    pads = explicit_pads(im, node, attrs, kernel, stride, dilation)
    return {"kernel_size": kernel, "stride": stride, "padding": list(pads), "dilation": dilation,
            "ceil_mode": bool(attrs.get("ceil_mode", 0))}


@handler("MaxPool", attributes=("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
                                "strides"))
def max_pool(im, node, attrs):
    if len(node.output) > 1 and node.output[1]:
        raise UnsupportedOnnx("the Indices output of MaxPool is not supported")
    im.emit("max_pool2d", [im.runtime(node.input[0])], pool_window(im, node, attrs), node.output[0])


@handler("AveragePool", attributes=("auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads",
                                    "strides"))
def average_pool(im, node, attrs):
    window = pool_window(im, node, attrs)
    if window.pop("dilation") != [1, 1]:
        raise UnsupportedOnnx("dilated average pooling is not supported")
    window["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
    im.emit("avg_pool2d", [im.runtime(node.input[0])], window, node.output[0])


@handler("GlobalAveragePool")
def global_average_pool(im, node, attrs):
    im.emit("adaptive_avg_pool2d", [im.runtime(node.input[0])], {"output_size": [1, 1]}, node.output[0])


@handler("GlobalMaxPool")
def global_max_pool(im, node, attrs):
    x = im.runtime(node.input[0])
    size = list(im.static_dims(x, (2, 3), "GlobalMaxPool"))
    im.emit("max_pool2d", [x], {"kernel_size": size, "stride": size}, node.output[0])


@handler("ReduceMean", attributes=("axes", "keepdims", "noop_with_empty_axes"))
def reduce_mean(im, node, attrs):
    x = im.runtime(node.input[0])
    rank = len(im.shape(x))
    axes = ints(im.constant(node.input[1], "ReduceMean axes"), "axes") if len(node.input) > 1 and node.input[1] \
        else list(attrs.get("axes", []))
    if rank != 4 or sorted(a % rank for a in axes) != [2, 3]:
        raise UnsupportedOnnx(f"ReduceMean is supported over the spatial axes of N x C x H x W only, got axes {axes}")
    keep = attrs.get("keepdims", 1)
    pooled = im.emit("adaptive_avg_pool2d", [x], {"output_size": [1, 1]}, node.output[0] if keep else "")
    if not keep:
        im.emit("reshape", [pooled], {"shape": [im.shape(x)[1]]}, node.output[0])


# -- layout ------------------------------------------------------------------------------------------
@handler("Identity", "Dropout", attributes=("ratio", "seed", "is_test"))
def identity(im, node, attrs):
    if len(node.output) > 1 and node.output[1] and node.output[1] in im.consumed:
        raise UnsupportedOnnx("the mask output of Dropout is not supported")
    im.alias(node.output[0], im.runtime(node.input[0]))


@handler("Cast", attributes=("to", "saturate", "round_mode"))
def cast(im, node, attrs):
    if attrs.get("to") != 1:
        raise UnsupportedOnnx(f"Cast of a run-time tensor to elem_type {attrs.get('to')} (only float32 runs)")
    im.alias(node.output[0], im.runtime(node.input[0]))


@handler("Shape", attributes=("start", "end"))
def shape(im, node, attrs):
    dims = im.symbolic_shape(im.runtime(node.input[0]))
    start, end = attrs.get("start", 0), attrs.get("end", len(dims))
    im.constants[node.output[0]] = np.array(dims[start:end], dtype=object)


def reshape_to(im, x, target, output):
    """IR reshape of x to a full ONNX shape whose first entry must keep the batch."""
    per_sample = math.prod(im.shape(x)[1:])
    first, rest = target[0], list(target[1:])
    keeps_batch = first is BATCH or (im.static_batch is not None and first == im.static_batch) or (
        first == -1 and -1 not in rest and all(isinstance(d, int) for d in rest) and math.prod(rest) == per_sample)
    if not keeps_batch or any(isinstance(d, Dim) for d in rest):
        raise UnsupportedOnnx(f"reshape of {im.symbolic_shape(x)} to {target} does not keep the batch in the "
                              "first dimension")
    if tuple(rest) == tuple(im.shape(x)[1:]):
        im.alias(output, x)
    else:
        im.emit("reshape", [x], {"shape": rest}, output)


@handler("Reshape", attributes=("allowzero",))
def reshape(im, node, attrs):
    x = im.runtime(node.input[0])
    target = list(im.constant(node.input[1], "Reshape shape").reshape(-1))
    source = im.symbolic_shape(x)
    if not attrs.get("allowzero", 0):
        target = [source[i] if isinstance(d, (int, np.integer)) and d == 0 else d for i, d in enumerate(target)]
    reshape_to(im, x, [d if isinstance(d, Dim) else int(d) for d in target], node.output[0])


@handler("Flatten", attributes=("axis",))
def flatten(im, node, attrs):
    x = im.runtime(node.input[0])
    axis = attrs.get("axis", 1) % max(1, len(im.shape(x)))
    if axis != 1:
        raise UnsupportedOnnx(f"Flatten with axis {attrs.get('axis')} would merge the batch with other axes")
    im.emit("flatten", [x], {"start_dim": 1}, node.output[0])


@handler("Squeeze", "Unsqueeze", attributes=("axes",))
def squeeze(im, node, attrs):
    x = im.runtime(node.input[0])
    dims = im.symbolic_shape(x)
    if any(isinstance(d, Dim) for d in dims[1:]):
        raise UnsupportedOnnx(f"{node.op_type} of a tensor with free sizes {dims} is not supported")
    inputs = [np.zeros((1,) + dims[1:], dtype=np.float32)] + \
        [im.constants[name] if name else None for name in node.input[1:]]
    new_shape = fold_shape_op(node.op_type, attrs, inputs, im.opset).shape
    mapped = [BATCH] + list(new_shape[1:])
    if len(new_shape) < 2 or new_shape[0] != 1:
        raise UnsupportedOnnx(f"{node.op_type} of {tuple(dims)} must keep the batch axis first")
    reshape_to(im, x, mapped, node.output[0])


@handler("Transpose", attributes=("perm",))
def transpose(im, node, attrs):
    x = im.runtime(node.input[0])
    perm = list(attrs.get("perm", reversed(range(len(im.shape(x))))))
    if perm != list(range(len(perm))):
        raise UnsupportedOnnx(f"Transpose with perm {perm} of a run-time tensor is not supported (NCHW only)")
    im.alias(node.output[0], x)


@handler("Concat", attributes=("axis",))
def concat(im, node, attrs):
    inputs = [im.runtime(name) for name in node.input]
    rank = len(im.shape(inputs[0]))
    if attrs["axis"] % rank != 1:
        raise UnsupportedOnnx(f"Concat along axis {attrs['axis']} of run-time tensors (only channels, axis 1)")
    im.emit("concat", inputs, {"axis": 1}, node.output[0])


@handler("Split", attributes=("axis", "split", "num_outputs"))
def split(im, node, attrs):
    x = im.runtime(node.input[0])
    shape = im.shape(x)
    if attrs.get("axis", 0) % len(shape) != 1:
        raise UnsupportedOnnx(f"Split along axis {attrs.get('axis', 0)} (only channels, axis 1)")
    if len(node.input) > 1 and node.input[1]:
        sizes = ints(im.constant(node.input[1], "Split sizes"), "split")
    elif "split" in attrs:
        sizes = list(attrs["split"])
    else:  # equal parts, the last one smaller when the channels do not divide (opset 18)
        part = -(-shape[1] // len(node.output))
        sizes = [min(part, shape[1] - i * part) for i in range(len(node.output))]
    if sum(sizes) != shape[1] or len(sizes) != len(node.output) or min(sizes) < 1:
        raise UnsupportedOnnx(f"split sizes {sizes} do not divide {shape[1]} channels into {len(node.output)} parts")
    start = 0
    for output, size in zip(node.output, sizes):
        if output:
            im.emit("channel_slice", [x], {"start": start, "stop": start + size}, output)
        start += size


@handler("Slice")
def slice_channels(im, node, attrs):
    x = im.runtime(node.input[0])
    shape = im.shape(x)
    if len(node.input) < 4 or not node.input[3]:
        raise UnsupportedOnnx("Slice of a run-time tensor needs explicit axes (only channels, axis 1)")
    starts, ends, axes = (ints(im.constant(node.input[i], "Slice argument"), "Slice argument") for i in (1, 2, 3))
    steps = ints(im.constant(node.input[4], "Slice steps"), "steps") if len(node.input) > 4 and node.input[4] \
        else [1] * len(axes)
    if [a % len(shape) for a in axes] != [1] or steps != [1]:
        raise UnsupportedOnnx(f"Slice of a run-time tensor on axes {axes} with steps {steps} (only channels, step 1)")
    start, stop, _ = slice(starts[0], ends[0]).indices(shape[1])
    im.emit("channel_slice", [x], {"start": start, "stop": stop}, node.output[0])


@handler("Softmax", attributes=("axis",))
def softmax(im, node, attrs):
    x = im.runtime(node.input[0])
    rank = len(im.shape(x))
    axis = attrs.get("axis", 1 if im.opset < 13 else -1) % rank
    if im.opset < 13 and any(d != 1 for d in im.symbolic_shape(x)[axis + 1:]):
        raise UnsupportedOnnx(f"Softmax before opset 13 with axis {axis} of {im.symbolic_shape(x)} flattens the "
                              "trailing axes")
    im.emit("softmax", [x], {"axis": axis}, node.output[0])


@handler("LRN", attributes=("alpha", "beta", "bias", "size"))
def lrn(im, node, attrs):
    im.emit("lrn", [im.runtime(node.input[0])], {"size": attrs["size"], "alpha": float(attrs.get("alpha", 1e-4)),
                                                  "beta": float(attrs.get("beta", 0.75)),
                                                  "k": float(attrs.get("bias", 1.0))}, node.output[0])


# -- moving pixels -----------------------------------------------------------------------------------
@handler("Pad", attributes=("mode", "pads", "value"))
def pad(im, node, attrs):
    x = im.runtime(node.input[0])
    if len(node.input) > 3 and node.input[3]:
        raise UnsupportedOnnx("Pad with an axes input is not supported")
    pads = ints(im.constant(node.input[1], "Pad pads"), "pads") if len(node.input) > 1 and node.input[1] \
        else list(attrs["pads"])
    value = im.optional_constant(node, 2, "Pad constant_value")
    value = float(np.asarray(value).reshape(-1)[0]) if value is not None else float(attrs.get("value", 0.0))
    if len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)):
        raise UnsupportedOnnx(f"Pad {pads}: only the spatial axes of N x C x H x W may be padded")
    if min(pads) < 0:
        raise UnsupportedOnnx(f"negative pads {pads} (cropping) are not supported")
    mode = attrs.get("mode", "constant")
    if mode not in ("constant", "reflect", "edge"):
        raise UnsupportedOnnx(f"Pad mode {mode!r} is not supported")
    im.emit("pad2d", [x], {"padding": [pads[2], pads[3], pads[6], pads[7]], "mode": mode, "value": value},
            node.output[0])


RESIZE_ATTRIBUTES = ("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                     "extrapolation_value", "antialias", "keep_aspect_ratio_policy", "scales")


@handler("Resize", "Upsample", attributes=RESIZE_ATTRIBUTES)
def resize(im, node, attrs):
    x = im.runtime(node.input[0])
    mode = {"nearest": "nearest", "linear": "linear", "bilinear": "linear"}.get(attrs.get("mode", "nearest"))
    if mode is None:
        raise UnsupportedOnnx(f"resize mode {attrs.get('mode')!r} is not supported (nearest, linear)")
    if attrs.get("antialias", 0) or attrs.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise UnsupportedOnnx("antialias and keep_aspect_ratio_policy are not supported")
    default_coordinates = "asymmetric" if node.op_type == "Upsample" or im.opset < 11 else "half_pixel"
    coordinates = attrs.get("coordinate_transformation_mode", default_coordinates)
    if coordinates not in ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"):
        raise UnsupportedOnnx(f"coordinate_transformation_mode {coordinates!r} is not supported")
    rounding = attrs.get("nearest_mode", "round_prefer_floor" if node.op_type == "Resize" else "floor")
    if node.op_type == "Upsample" or im.opset < 11:
        scales_index, sizes_index = 1, None
    else:
        scales_index, sizes_index = 2, 3
    scales = attrs.get("scales")
    if scales is None and len(node.input) > scales_index and node.input[scales_index]:
        scales = im.constant(node.input[scales_index], "Resize scales").reshape(-1).tolist()
    sizes = None
    if sizes_index is not None and len(node.input) > sizes_index and node.input[sizes_index]:
        sizes = list(im.constant(node.input[sizes_index], "Resize sizes").reshape(-1))
    attrs_ir = {"mode": mode, "coordinates": coordinates, "nearest_mode": rounding}
    channels = im.symbolic_shape(x)[:2]
    if scales:  # an empty scales input means "use sizes"
        if len(scales) != 4 or scales[0] != 1 or scales[1] != 1:
            raise UnsupportedOnnx(f"scales {scales}: only H and W of N x C x H x W may be resized")
        attrs_ir["scales"] = [float(scales[2]), float(scales[3])]
    elif sizes:
        if len(sizes) != 4 or any(not (s is c or s == c) for s, c in zip(sizes[:2], channels)) or \
                any(isinstance(s, Dim) for s in sizes[2:]):
            raise UnsupportedOnnx(f"sizes {sizes}: only fixed H and W of N x C x H x W may be resized")
        attrs_ir["size"] = [int(sizes[2]), int(sizes[3])]
    else:
        raise UnsupportedOnnx("Resize needs constant scales or sizes")
    im.emit("resize2d", [x], attrs_ir, node.output[0])


@handler("DepthToSpace", attributes=("blocksize", "mode"))
def depth_to_space(im, node, attrs):
    im.emit("depth_to_space", [im.runtime(node.input[0])],
            {"block": attrs["blocksize"], "mode": attrs.get("mode", "DCR")}, node.output[0])
