"""Conv2d (im2col fused into GEMM packing, 1x1 without im2col, direct depthwise) against its
plain-loop twin conv2d_ref and against torch.nn.functional.conv2d.

Tolerances: vs conv2d_ref (double accumulation) |y - ref| <= 1e-5 * max|ref| (K <= 1200 here);
vs PyTorch atol 1e-5 * max|ref|, rtol 1e-4 (DESIGN.md §4, GEMM paths).
"""
import numpy as np
import pytest

from cnnengine import _C

# (batch, cin, h, w, cout, kernel, stride, padding, dilation, groups, algorithm)
# 2 MiB of weights against 49 pixels: the GEMM streams them (sgemm_driver.h: gemm_streams_a).
STREAMED_1X1 = (1, 1024, 7, 7, 520, 1, 1, 0, 1, 1, "gemm_1x1")
CASES = [
    # LeNet-5: 5x5 on 28x28 (padding 2) and 14x14
    (2, 1, 28, 28, 6, 5, 1, 2, 1, 1, "direct_wide"),  # 25 taps: direct (direct_conv2d_wide.h)
    (1, 6, 14, 14, 16, 5, 1, 0, 1, 1, "gemm_im2col"),
    # AlexNet (torchvision): 11x11 stride 4 pad 2, then 5x5 pad 2, 3x3 pad 1
    (1, 3, 63, 63, 16, 11, 4, 2, 1, 1, "gemm_im2col"),
    (1, 5, 21, 29, 8, 7, 4, 3, 1, 1, "gemm_im2col"),  # stride-4 phases of 8, 7, 7, 7 columns
    (1, 13, 15, 15, 19, 5, 1, 2, 1, 1, "gemm_im2col"),
    # AlexNet as published: 2 groups
    (2, 6, 13, 13, 8, 3, 1, 1, 1, 2, "gemm_im2col"),
    (1, 8, 9, 9, 12, 5, 1, 2, 1, 2, "gemm_im2col"),
    # VGG: 3x3 pad 1
    (1, 3, 32, 32, 16, 3, 1, 1, 1, 1, "direct_wide"),
    (3, 16, 7, 7, 32, 3, 1, 1, 1, 1, "gemm_im2col"),
    # GoogLeNet / ResNet stem: 7x7 stride 2 pad 3; 1x1 branches
    (1, 3, 35, 35, 16, 7, 2, 3, 1, 1, "gemm_im2col"),
    (2, 13, 13, 13, 7, 1, 1, 0, 1, 1, "gemm_1x1"),
    # ResNet: 3x3 stride 2 pad 1, 1x1 stride 2 shortcut, 3x3 on 1x1 maps
    (1, 7, 13, 13, 13, 3, 2, 1, 1, 1, "gemm_im2col"),
    (1, 5, 64, 63, 8, 3, 2, 1, 1, 1, "gemm_im2col"),  # 32-wide output rows: whole 16-column panels
    (2, 16, 14, 14, 32, 1, 2, 0, 1, 1, "gemm_im2col"),
    (2, 32, 1, 1, 16, 3, 1, 1, 1, 1, "gemm_im2col"),
    (1, 64, 5, 5, 40, 3, 1, 1, 1, 1, "gemm_im2col"),
    # dilation, asymmetric padding, non-square kernels and strides
    (1, 3, 17, 19, 5, 3, 1, 2, 2, 1, "gemm_im2col"),
    (2, 7, 11, 9, 3, (3, 5), (2, 1), (1, 0, 2, 3), (1, 2), 1, "gemm_im2col"),
    (2, 6, 15, 14, 9, 3, 2, 2, 2, 3, "gemm_im2col"),  # stride and dilation 2 with groups
    (1, 4, 16, 17, 6, (3, 2), 3, (2, 1, 0, 1), (2, 1), 1, "gemm_im2col"),  # stride 3, dilation 2
    # depthwise (multiplier 1 and 2), grouped with few channels per group
    (2, 13, 9, 9, 13, 3, 1, 1, 1, 13, "depthwise_direct"),
    (1, 8, 10, 7, 16, 5, 2, 2, 1, 8, "depthwise_direct"),
    (1, 7, 12, 12, 7, 3, 2, (0, 1, 1, 0), 2, 7, "depthwise_direct"),
    (1, 12, 6, 6, 12, 3, 1, 1, 1, 4, "gemm_im2col"),
    # 1x1 on maps just past whole 16-pixel tiles: the left-over pixels as matrix-vector products
    # (pointwise_tail.h: 7x7 = 3 tiles + 1, 14x14 = 12 tiles + 4); 21 pixels (+5) stay tiled
    (1, 96, 7, 7, 200, 1, 1, 0, 1, 1, "gemm_1x1"),
    (2, 40, 14, 14, 13, 1, 1, 0, 1, 1, "gemm_1x1"),
    (1, 9, 3, 7, 5, 1, 1, 0, 1, 1, "gemm_1x1"),
    # 1x1 reading its input in place (pointwise_strided.h: depth <= 256, whole 16-pixel panels; the
    # 7x7 / 14x14 cases above too) and, deeper, through packed panels
    (2, 256, 4, 8, 9, 1, 1, 0, 1, 1, "gemm_1x1"),
    (1, 300, 4, 8, 10, 1, 1, 0, 1, 1, "gemm_1x1"),
    # weights of 2 MiB and more on 7x7 maps (ResNet-50's layer4): the GEMM streams them once per
    # call, the last pixel included (sgemm_driver.h: gemm_streams_a); 3x3 through im2col too
    STREAMED_1X1,
    (2, 256, 7, 7, 250, 3, 1, 1, 1, 1, "gemm_im2col"),
    # MobileNet stem: 3x3 stride 2 on 3 channels (27 taps), odd size, asymmetric padding
    (1, 3, 57, 57, 16, 3, 2, 1, 1, 1, "direct_wide"),
    (2, 3, 13, 12, 7, 3, 2, (0, 1, 1, 0), 1, 1, "direct_wide"),
    (1, 2, 9, 9, 5, (3, 5), 1, (1, 2, 1, 2), 1, 1, "direct_wide"),
    # one-group direct convs on maps of several row bands (kBandOutputs), each band filled by its thread
    (1, 3, 150, 123, 7, 3, 2, (2, 1, 0, 1), 1, 1, "direct_wide"),
    (1, 2, 70, 66, 5, (3, 5), 1, (1, 2, 1, 2), 1, 1, "direct_wide"),
]
IDS = [f"n{c[0]}c{c[1]}_{c[2]}x{c[3]}_co{c[4]}_k{c[5]}s{c[6]}p{c[7]}d{c[8]}g{c[9]}" for c in CASES]


def kernel_hw(kernel):
    return kernel if isinstance(kernel, tuple) else (kernel, kernel)


def torch_conv(torch, x, w, b, stride, padding, dilation, groups, residual=None, relu=False):
    import torch.nn.functional as F

    xt = torch.from_numpy(x)
    if isinstance(padding, tuple) and len(padding) == 4:
        top, left, bottom, right = padding
        xt = F.pad(xt, (left, right, top, bottom))
        padding = 0
    y = F.conv2d(xt, torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                 stride=stride, padding=padding, dilation=dilation, groups=groups)
    if residual is not None:
        y = y + torch.from_numpy(residual)
    if relu:
        y = torch.relu(y)
    return y.numpy()


def make_case(rng, case):
    n, cin, h, w, cout, kernel, stride, padding, dilation, groups, algorithm = case
    kh, kw = kernel_hw(kernel)
    x = rng.standard_normal((n, cin, h, w), dtype=np.float32)
    weight = rng.standard_normal((cout, cin // groups, kh, kw), dtype=np.float32)
    bias = rng.standard_normal(cout, dtype=np.float32)
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups), algorithm


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_matches_reference_and_torch(rng, torch, case):
    x, weight, bias, params, algorithm = make_case(rng, case)
    conv = _C.Conv2d(weight, bias, **params)
    assert conv.algorithm == algorithm
    y = conv.forward(x)
    ref = _C.conv2d_ref(x, weight, bias, **params)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    expected = torch_conv(torch, x, weight, bias, **params)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5 * scale)


# The residual's own buffer as out (a ResNet shortcut that dies with the conv: memory_plan.py):
# every algorithm, GEMMs of several K blocks (64 x 3 x 3 = 576 deep), which then accumulate
# onto the residual instead of adding it last, and the Winograd variants (their output
# transform reads each residual element right before writing it).
IN_PLACE_CASES = CASES + [(1, 64, 9, 9, 20, 3, 1, 1, 1, 1, "gemm_im2col"),
                          (2, 400, 5, 5, 13, 1, 1, 0, 1, 1, "gemm_1x1"),
                          (2, 8, 7, 7, 20, 3, 1, 1, 1, 1, "winograd_f23"),
                          (1, 16, 13, 11, 24, 3, 1, 1, 1, 1, "winograd_f43"),
                          (1, 24, 14, 14, 40, 3, 1, 1, 1, 1, "winograd_f63")]


@pytest.mark.parametrize("case", IN_PLACE_CASES,
                         ids=IDS + ["deep_im2col", "deep_1x1", "winograd_f23", "winograd_f43", "winograd_f63"])
def test_residual_as_out(rng, case):
    x, weight, bias, params, algorithm = make_case(rng, case)
    conv = _C.Conv2d(weight, bias, algorithm=algorithm, **params)
    residual = rng.standard_normal(conv.forward(x).shape, dtype=np.float32)
    expected = conv.forward(x, residual=residual, relu=True)
    y = residual.copy()
    assert conv.forward(x, residual=y, relu=True, out=y) is y
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-6 * float(np.abs(expected).max()))


# im2col panels (im2col_panel.h): 16 output pixels per panel span 1 to 16 output rows of width
# 1..9, cut by padding on every side; stride 1 and 2 (masked loads on AVX2 and AVX-512), stride 3
# and wide kernels (the scalar fallback), dilation 2; one-column kernels at stride 2 read their
# rows unsplit, every other float.
PANEL_CASES = [(out_w, kernel, stride, dilation, padding)
               for out_w in (1, 2, 3, 4, 5, 7, 9)
               for kernel, stride, dilation, padding in [(3, 1, 1, (1, 2, 0, 1)), (3, 2, 1, (2, 1, 1, 0)),
                                                         (5, 1, 2, (3, 3, 3, 3)), (2, 2, 2, (0, 1, 0, 2)),
                                                         (3, 3, 1, 1), ((1, 13), 1, 1, (0, 6, 0, 6)),
                                                         (1, 2, 1, 0), ((3, 1), 2, 1, (1, 0, 1, 0))]]


@pytest.mark.parametrize("case", PANEL_CASES, ids=str)
def test_im2col_panels_across_rows_and_padding(rng, case):
    out_w, kernel, stride, dilation, padding = case
    kh, kw = kernel_hw(kernel)
    top, left, bottom, right = padding if isinstance(padding, tuple) else (padding,) * 4
    w = max(1, (out_w - 1) * stride + dilation * (kw - 1) + 1 - left - right)  # output width out_w (or more)
    x = rng.standard_normal((1, 3, 6, w), dtype=np.float32)
    weight = rng.standard_normal((5, 3, kh, kw), dtype=np.float32)
    params = dict(stride=stride, padding=padding, dilation=dilation)
    conv = _C.Conv2d(weight, None, algorithm="gemm_im2col", **params)
    y = conv.forward(x)
    ref = _C.conv2d_ref(x, weight, None, **params)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * float(np.abs(ref).max()))


RESIDUAL_CASES = (1, 4, 9, 11, 16, CASES.index(STREAMED_1X1), -2)


@pytest.mark.parametrize("case", [CASES[i] for i in RESIDUAL_CASES], ids=[IDS[i] for i in RESIDUAL_CASES])
def test_fused_residual_and_relu(rng, torch, case):
    x, weight, bias, params, _ = make_case(rng, case)
    conv = _C.Conv2d(weight, bias, **params)
    plain = conv.forward(x)
    residual = rng.standard_normal(plain.shape, dtype=np.float32)
    y = conv.forward(x, residual=residual, relu=True)
    ref = _C.conv2d_ref(x, weight, bias, residual=residual, relu=True, **params)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    expected = torch_conv(torch, x, weight, bias, residual=residual, relu=True, **params)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5 * scale)
    assert (y == 0).any() and (y > 0).any()


@pytest.mark.parametrize("shape", [(1, 33, 7, 7, 19), (2, 8, 2, 10, 7), (1, 5, 1, 17, 6)], ids=str)
def test_pointwise_tail_with_residual_and_relu(rng, torch, shape):
    """The epilogue of the matrix-vector tail (pointwise_tail.h) on rows that are no multiple of 6."""
    n, cin, h, w, cout = shape
    x, weight, bias, params, _ = make_case(rng, (n, cin, h, w, cout, 1, 1, 0, 1, 1, ""))
    conv = _C.Conv2d(weight, bias, **params)
    assert conv.algorithm == "gemm_1x1"
    residual = rng.standard_normal((n, cout, h, w), dtype=np.float32)
    y = conv.forward(x, residual=residual, relu=True)
    ref = _C.conv2d_ref(x, weight, bias, residual=residual, relu=True, **params)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(y, torch_conv(torch, x, weight, bias, residual=residual, relu=True, **params),
                               rtol=1e-4, atol=1e-5 * scale)
    assert (y == 0).any() and (y > 0).any()


# Depthwise shapes for the flat-plane kernel (depthwise_flat.h: out = in / stride, 5x5 kernels or
# rows < 16) and the wide-plane kernel (depthwise_wide.h: other strides 1 or 2, no dilation):
# MobileNet's 3x3 / 5x5 at stride 1 and 2, maps from 1x1 to 57x57, odd channel counts, a
# multiplier of 2, asymmetric and zero padding, and a stride 3 / mixed-stride case that falls back.
DEPTHWISE_CASES = [
    (1, 9, 7, 7, 9, 5, 1, 2),  # flat: MobileNet-V3's last maps
    (1, 5, 14, 14, 10, 3, 2, 1),  # flat: stride 2 to 7 x 7, multiplier 2
    (2, 6, 28, 28, 6, 5, 2, 2),  # flat: stride 2, 5x5, two images
    (1, 4, 8, 12, 4, 3, 2, (0, 0, 1, 1)),  # flat: TensorFlow "SAME" (end-only) padding, not square
    (1, 3, 10, 6, 3, (5, 3), 1, (2, 1, 2, 1)),  # flat: 5x3 kernel
    (1, 3, 6, 6, 3, 1, 1, 0),  # flat: 1x1 depthwise
    (1, 5, 20, 20, 5, 3, 1, 1),  # 3x3 on rows >= 16: wide

    (1, 16, 57, 57, 16, 3, 2, 1),  # MobileNet-V3 first block (odd size)
    (2, 13, 14, 14, 13, 5, 1, 2),
    (1, 7, 14, 14, 7, 5, 2, 2),
    (1, 3, 7, 7, 3, 5, 1, 2),
    (1, 2, 5, 5, 2, 3, 1, 1),
    (1, 3, 1, 1, 3, 3, 1, 1),
    (1, 3, 1, 1, 3, 5, 2, 2),
    (1, 7, 13, 11, 14, 3, 2, (0, 1, 1, 0)),
    (1, 13, 9, 10, 13, (3, 5), 1, (1, 2, 1, 0)),
    (1, 7, 12, 9, 7, 3, 1, 0),
    (1, 3, 10, 10, 3, 3, 3, 1),  # stride 3: the row-loop path
    (1, 3, 10, 10, 3, 3, (1, 2), 1),  # mixed strides: the row-loop path
]


@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=str)
@pytest.mark.parametrize("epilogue", ["plain", "residual_relu"])
def test_depthwise_matches_reference_and_torch(rng, torch, case, epilogue):
    n, cin, h, w, cout, kernel, stride, padding = case
    x, weight, bias, params, _ = make_case(rng, (n, cin, h, w, cout, kernel, stride, padding, 1, cin, ""))
    conv = _C.Conv2d(weight, bias, **params)
    assert conv.algorithm == "depthwise_direct"
    fused = dict(residual=None, relu=False)
    if epilogue == "residual_relu":
        fused = dict(residual=rng.standard_normal(conv.forward(x).shape, dtype=np.float32), relu=True)
    y = conv.forward(x, **fused)
    ref = _C.conv2d_ref(x, weight, bias, **params, **fused)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(y, torch_conv(torch, x, weight, bias, **params, **fused), rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("case", [(1, 13, 9, 9, 7, 3, 1, 1), (2, 8, 14, 13, 3, 5, 2, 2), (1, 7, 1, 1, 5, 3, 2, 1)],
                         ids=str)
def test_direct_wide_on_request_with_many_taps(rng, torch, case):
    """direct_wide on layers the default leaves to GEMM (hundreds of taps across channels)."""
    n, cin, h, w, cout, kernel, stride, padding = case
    x, weight, bias, params, _ = make_case(rng, (n, cin, h, w, cout, kernel, stride, padding, 1, 1, ""))
    conv = _C.Conv2d(weight, bias, algorithm="direct_wide", **params)
    assert conv.algorithm == "direct_wide"
    y = conv.forward(x)
    ref = _C.conv2d_ref(x, weight, bias, **params)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(y, torch_conv(torch, x, weight, bias, **params), rtol=1e-4, atol=1e-5 * scale)


TORCH_ACTIVATIONS = {
    ("hard_swish", 0.0, 0.0): lambda torch, y: torch.nn.functional.hardswish(y),
    ("hard_sigmoid", 1 / 6, 0.5): lambda torch, y: torch.nn.functional.hardsigmoid(y),
    ("clip", 0.0, 6.0): lambda torch, y: torch.nn.functional.relu6(y),
    ("leaky_relu", 0.1, 0.0): lambda torch, y: torch.nn.functional.leaky_relu(y, 0.1),
    ("sigmoid", 0.0, 0.0): lambda torch, y: torch.sigmoid(y),
}


def depthwise_case(case, algorithm="depthwise_direct"):
    n, cin, h, w, cout, kernel, stride, padding = case
    return (n, cin, h, w, cout, kernel, stride, padding, 1, cin, algorithm)


# One case per kernel store that applies the clamp-shaped activations (sigmoid: after the kernel).
FUSED_ACTIVATION_CASES = {
    "dw_flat_s2": depthwise_case((1, 5, 14, 14, 10, 3, 2, 1)),
    "dw_flat_5x5": depthwise_case((2, 6, 28, 28, 6, 5, 2, 2)),
    "dw_wide": depthwise_case((1, 5, 20, 20, 5, 3, 1, 1)),
    "dw_row_loop": depthwise_case((1, 3, 10, 10, 3, 3, 3, 1)),
    "stem_x4": (1, 3, 57, 57, 16, 3, 2, 1, 1, 1, "direct_wide"),
    "direct_wide_single_channels": (2, 3, 13, 12, 7, 3, 2, (0, 1, 1, 0), 1, 1, "direct_wide"),
    "1x1_tail": (1, 96, 7, 7, 200, 1, 1, 0, 1, 1, "gemm_1x1"),
    "1x1_strided": (2, 256, 4, 8, 9, 1, 1, 0, 1, 1, "gemm_1x1"),
    "1x1_packed": (1, 300, 4, 8, 10, 1, 1, 0, 1, 1, "gemm_1x1"),
    "1x1_partial_tile": (1, 9, 3, 7, 5, 1, 1, 0, 1, 1, "gemm_1x1"),
    "im2col_narrow_tail": (1, 13, 15, 15, 19, 5, 1, 2, 1, 1, "gemm_im2col"),
    "im2col_s2": (1, 7, 13, 13, 13, 3, 2, 1, 1, 1, "gemm_im2col"),
    "winograd": (1, 8, 10, 9, 12, 3, 1, 1, 1, 1, "winograd_f43"),
}


@pytest.mark.parametrize("activation", list(TORCH_ACTIVATIONS), ids=lambda a: a[0])
@pytest.mark.parametrize("case", list(FUSED_ACTIVATION_CASES.values()), ids=list(FUSED_ACTIVATION_CASES))
def test_fused_activation_matches_torch(rng, torch, case, activation):
    x, weight, bias, params, algorithm = make_case(rng, case)
    x *= 3  # reach both clamps of the hard activations
    conv = _C.Conv2d(weight, bias, algorithm=algorithm, **params)
    assert conv.algorithm == algorithm
    residual = rng.standard_normal(conv.forward(x).shape, dtype=np.float32)
    y = conv.forward(x, residual=residual, activation=activation)
    # The epilogue alone: the same conv unfused, then the activation's reference.
    unfused = _C.activation_ref(conv.forward(x, residual=residual), *activation)
    np.testing.assert_allclose(y, unfused, rtol=1e-6, atol=1e-6 * float(np.abs(unfused).max()))
    atol = 1e-3 if algorithm.startswith("winograd") else 1e-5  # DESIGN.md §4: Winograd bound
    plain = torch.from_numpy(torch_conv(torch, x, weight, bias, residual=residual, **params))
    expected = TORCH_ACTIVATIONS[activation](torch, plain).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=atol * float(np.abs(expected).max()))
    ref = _C.activation_ref(_C.conv2d_ref(x, weight, bias, residual=residual, **params), *activation)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=atol * float(np.abs(ref).max()))


def test_fused_activation_rejects_bad_arguments(rng):
    conv = _C.Conv2d(np.ones((2, 1, 3, 3), np.float32), groups=2)
    x = np.ones((1, 2, 5, 5), np.float32)
    with pytest.raises(ValueError, match="activation kind"):
        conv.forward(x, activation=("swish", 0.0, 0.0))
    with pytest.raises(ValueError, match="min must be <= max"):
        conv.forward(x, activation=("clip", 6.0, 0.0))


def test_no_bias_and_reuse_across_input_sizes(rng):
    weight = rng.standard_normal((5, 3, 3, 3), dtype=np.float32)
    conv = _C.Conv2d(weight, None, padding=1)
    for n, h, w in [(1, 1, 1), (2, 5, 5), (1, 13, 7)]:
        x = rng.standard_normal((n, 3, h, w), dtype=np.float32)
        ref = _C.conv2d_ref(x, weight, None, padding=1)
        np.testing.assert_allclose(conv.forward(x), ref, rtol=0, atol=1e-5 * float(np.abs(ref).max()))


def test_batch_rows_equal_single_images(rng):
    x, weight, bias, params, _ = make_case(rng, CASES[7])
    conv = _C.Conv2d(weight, bias, **params)
    batched = conv.forward(x)
    for i in range(x.shape[0]):
        np.testing.assert_array_equal(batched[i], conv.forward(x[i:i + 1])[0])


W = np.ones((4, 3, 3, 3), np.float32)
X = np.ones((1, 3, 8, 8), np.float32)


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: _C.Conv2d(W.astype(np.float64)), TypeError, "weight must be float32.*float64"),
        (lambda: _C.Conv2d(W[0]), ValueError, r"weight must be 4-D .*\(3, 3, 3\)"),
        (lambda: _C.Conv2d(W, np.ones(3, np.float32)), ValueError, r"bias must have shape \(4,\), got \(3,\)"),
        (lambda: _C.Conv2d(W, stride=0), ValueError, "stride height must be >= 1"),
        (lambda: _C.Conv2d(W, padding=-1), ValueError, "padding must be >= 0"),
        (lambda: _C.Conv2d(W, padding=(1, 2, 3)), ValueError, "padding must be an int, .*got \\(1, 2, 3\\)"),
        (lambda: _C.Conv2d(W, groups=3), ValueError, "divisible by groups"),
        (lambda: _C.Conv2d(W).forward(X[0]), ValueError, r"input must be 4-D \(N x C x H x W\), got shape \(3, 8, 8\)"),
        (lambda: _C.Conv2d(W).forward(np.ones((1, 5, 8, 8), np.float32)), ValueError, "input has 5 channels, the weight expects 3"),
        (lambda: _C.Conv2d(W).forward(np.ones((1, 3, 2, 2), np.float32)), ValueError, "smaller than the dilated kernel"),
        (lambda: _C.Conv2d(W).forward(X.astype(np.uint8)), TypeError, "input must be float32.*uint8"),
        (lambda: _C.Conv2d(W).forward(np.ones((0, 3, 8, 8), np.float32)), ValueError, "empty"),
        (lambda: _C.Conv2d(W).forward(X, residual=np.ones((1, 4, 5, 5), np.float32)), ValueError,
         r"residual must have shape \(1, 4, 6, 6\)"),
        (lambda: _C.conv2d_ref(X, W, groups=0), ValueError, "groups must be >= 1"),
    ],
)
def test_bad_input_raises(make, error, match):
    with pytest.raises(error, match=match):
        make()
