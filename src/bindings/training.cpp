// Training kernels: the backward passes (conv, linear, pooling, batch norm in training mode,
// ReLU, dropout, LRN) and the fused softmax cross-entropy loss, each optimized kernel next to its
// *_ref twin where it has one. Gradients come back as new arrays; arguments are checked here and
// bad ones raise ValueError/TypeError naming them. Kernels: src/conv, src/dense, src/pool,
// src/elementwise, src/loss.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/int_args.h"
#include "conv/conv2d.h"
#include "conv/conv2d_backward.h"
#include "conv/conv3x3_winograd.h"
#include "dense/linear_backward.h"
#include "elementwise/batch_norm_train.h"
#include "elementwise/dropout.h"
#include "elementwise/lrn_backward.h"
#include "elementwise/relu_backward.h"
#include "loss/softmax_cross_entropy.h"
#include "pool/pool2d_backward.h"
#include "training/heap_headroom.h"
#include "training/sgd_step.h"

namespace cnnengine::bindings {

namespace {

using IndexArray = py::array_t<int32_t, py::array::c_style>;
using MaskArray = py::array_t<uint8_t, py::array::c_style>;
using LabelArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;
using OptionalArray = std::optional<FloatArray>;

constexpr const char* kNchw = "N x C x H x W";


OptionalArray new_if(bool wanted, const std::vector<int64_t>& shape) {
    return wanted ? OptionalArray(new_float_array(shape)) : std::nullopt;
}

float* mutable_or_null(OptionalArray& a) { return a ? a->mutable_data() : nullptr; }

py::object or_none(const OptionalArray& a) { return a ? py::object(*a) : py::object(py::none()); }

// dy of the shape that `expected` names, checked.
FloatArray require_grad(const py::object& obj, const std::string& what, const std::vector<int64_t>& expected) {
    FloatArray dy = require_float32(obj, what, static_cast<int>(expected.size()), "the output's shape");
    require_shape(dy, expected, what);
    return dy;
}

// ---- conv2d ---------------------------------------------------------------------------------
using ConvBackward = void (*)(const Conv2dParams&, const float*, int64_t, int64_t, int64_t, const float*,
                              const float*, const Conv2dGrads&);

// The layer's geometry, from a Conv2d or from a training WinogradConv of the layer itself.
const Conv2dParams& layer_params(const Conv2d& conv) { return conv.params(); }
const Conv2dParams& layer_params(const Conv3x3Winograd& conv) {
    require(conv.layout() == WinogradWeights::as_given,
            "conv2d_backward: conv is a data-gradient WinogradConv; pass the layer's own conv");
    return conv.params();
}

template <ConvBackward kernel, class Conv>
py::tuple run_conv_backward(const Conv& conv, const py::object& x_obj, const py::object& weight_obj,
                            const py::object& dy_obj, bool need_dx, bool need_dw, bool need_db) {
    const Conv2dParams& p = layer_params(conv);
    const FloatArray x = require_float32(x_obj, "conv2d_backward input", 4, kNchw);
    const int64_t n = x.shape(0), h = x.shape(2), w = x.shape(3);
    p.validate_input(x.shape(1), h, w);
    const FloatArray weight = require_float32(weight_obj, "conv2d_backward weight", 4, "Cout x Cin/groups x kh x kw");
    require_shape(weight, {p.out_channels, p.in_per_group(), p.kernel_h, p.kernel_w}, "conv2d_backward weight");
    const FloatArray dy = require_grad(dy_obj, "conv2d_backward dy", {n, p.out_channels, p.output_h(h), p.output_w(w)});
    OptionalArray dx = new_if(need_dx, shape_of(x)), dw = new_if(need_dw, shape_of(weight));
    OptionalArray db = new_if(need_db, {p.out_channels});
    {
        py::gil_scoped_release release;
        kernel(p, x.data(), n, h, w, weight.data(), dy.data(),
               Conv2dGrads{mutable_or_null(dx), mutable_or_null(dw), mutable_or_null(db)});
    }
    return py::make_tuple(or_none(dx), or_none(dw), or_none(db));
}

// ---- Winograd convs of training ------------------------------------------------------------
// The weight array's shape for `layout`: [Cout, Cin, 3, 3] as given, [Cin, Cout, 3, 3] for a data gradient.
std::vector<int64_t> winograd_weight_shape(const Conv3x3Winograd& conv) {
    const Conv2dParams& p = conv.params();
    return conv.layout() == WinogradWeights::as_given ? std::vector<int64_t>{p.out_channels, p.in_channels, 3, 3}
                                                      : std::vector<int64_t>{p.in_channels, p.out_channels, 3, 3};
}

Conv3x3Winograd make_winograd_conv(const py::object& weight_obj, const py::object& padding, int tile,
                                   bool data_gradient) {
    const FloatArray weight = require_float32(weight_obj, "WinogradConv weight", 4, "Cout x Cin x 3 x 3");
    require(weight.shape(2) == 3 && weight.shape(3) == 3, "WinogradConv weight: needs a 3x3 kernel");
    Conv2dParams p;
    p.out_channels = weight.shape(data_gradient ? 1 : 0);
    p.in_channels = weight.shape(data_gradient ? 0 : 1);
    p.kernel_h = p.kernel_w = 3;
    const auto pad = padding_quad(padding, "WinogradConv padding");
    p.pad_top = pad[0], p.pad_left = pad[1], p.pad_bottom = pad[2], p.pad_right = pad[3];
    const WinogradWeights layout = data_gradient ? WinogradWeights::data_gradient : WinogradWeights::as_given;
    py::gil_scoped_release release;
    return Conv3x3Winograd(p, tile, weight.data(), layout);
}

void load_winograd_conv(Conv3x3Winograd& conv, const py::object& weight_obj) {
    const FloatArray weight = require_float32(weight_obj, "WinogradConv weight", 4, "as at construction");
    require_shape(weight, winograd_weight_shape(conv), "WinogradConv weight");
    py::gil_scoped_release release;
    conv.load(weight.data());
}

FloatArray run_winograd_conv(const Conv3x3Winograd& conv, const py::object& x_obj, const py::object& bias_obj) {
    const Conv2dParams& p = conv.params();
    const FloatArray x = require_float32(x_obj, "WinogradConv input", 4, kNchw);
    const int64_t n = x.shape(0), h = x.shape(2), w = x.shape(3);
    p.validate_input(x.shape(1), h, w);
    const OptionalArray bias = optional_float32(bias_obj, "WinogradConv bias", 1, "Cout");
    if (bias) require_shape(*bias, {p.out_channels}, "WinogradConv bias");
    FloatArray y = new_float_array({n, p.out_channels, p.output_h(h), p.output_w(w)});
    float* y_data = y.mutable_data();
    py::gil_scoped_release release;
    conv.forward(x.data(), n, h, w, bias ? bias->data() : nullptr, nullptr, false, y_data);
    return y;
}

// ---- pooling --------------------------------------------------------------------------------
Pool2dParams pool_params(const std::string& op, const py::object& kernel_size, const py::object& stride,
                         const py::object& padding, const py::object& dilation, bool ceil_mode) {
    Pool2dParams p;
    const auto k = int_pair(kernel_size, op + ": kernel_size");
    const auto s = stride.is_none() ? k : int_pair(stride, op + ": stride");
    const auto pad = padding_quad(padding, op + ": padding");
    const auto d = int_pair(dilation, op + ": dilation");
    p.kernel_h = k[0], p.kernel_w = k[1], p.stride_h = s[0], p.stride_w = s[1];
    p.pad_top = pad[0], p.pad_left = pad[1], p.pad_bottom = pad[2], p.pad_right = pad[3];
    p.dilation_h = d[0], p.dilation_w = d[1];
    p.ceil_mode = ceil_mode;
    return p;
}

// The input's N x C x H x W from a shape tuple.
std::array<int64_t, 4> input_shape_of(const py::object& obj, const std::string& what) {
    const auto shape = obj.cast<std::vector<int64_t>>();
    require(shape.size() == 4 && shape[0] >= 1 && shape[1] >= 1 && shape[2] >= 1 && shape[3] >= 1,
            what + " input_shape must be four positive ints (N, C, H, W)");
    return {shape[0], shape[1], shape[2], shape[3]};
}

// dy checked against the pool's output for `input_shape`, and a new dx of that shape.
std::pair<FloatArray, FloatArray> pool_grads(const std::string& op, const py::object& dy_obj,
                                             const std::array<int64_t, 4>& in, const Pool2dShape& s) {
    FloatArray dy = require_grad(dy_obj, op + " dy", {in[0], in[1], s.out_h, s.out_w});
    return {dy, new_float_array({in[0], in[1], in[2], in[3]})};
}

template <decltype(&max_pool2d_with_indices) kernel>
py::tuple run_max_pool_train(const py::object& x_obj, const py::object& kernel_size, const py::object& stride,
                             const py::object& padding, const py::object& dilation, bool ceil_mode) {
    const FloatArray x = require_float32(x_obj, "max_pool2d_train input", 4, kNchw);
    const Pool2dParams p = pool_params("max_pool2d_train", kernel_size, stride, padding, dilation, ceil_mode);
    const Pool2dShape s = pool2d_shape("max_pool2d_train", x.shape(0) * x.shape(1), x.shape(2), x.shape(3), p);
    require(x.shape(2) * x.shape(3) < (int64_t(1) << 31), "max_pool2d_train: planes over 2^31 pixels");
    FloatArray y = new_float_array({x.shape(0), x.shape(1), s.out_h, s.out_w});
    IndexArray indices(std::vector<py::ssize_t>{x.shape(0), x.shape(1), s.out_h, s.out_w});
    float* y_data = y.mutable_data();
    int32_t* index_data = indices.mutable_data();
    {
        py::gil_scoped_release release;
        kernel(x.data(), y_data, index_data, s, p);
    }
    return py::make_tuple(y, indices);
}

FloatArray run_max_pool_backward(const py::object& dy_obj, const IndexArray& indices, const py::object& shape_obj,
                                 const py::object& gate_obj) {
    const auto in = input_shape_of(shape_obj, "max_pool2d_backward");
    const FloatArray dy = require_float32(dy_obj, "max_pool2d_backward dy", 4, kNchw);
    require(dy.shape(0) == in[0] && dy.shape(1) == in[1], "max_pool2d_backward: dy and input_shape disagree on N x C");
    require(indices.ndim() == 4 && shape_of(indices) == shape_of(dy),
            "max_pool2d_backward: indices must have dy's shape " + shape_string(dy));
    Pool2dShape s{in[0] * in[1], in[2], in[3], dy.shape(2), dy.shape(3)};
    std::optional<FloatArray> gate;
    if (!gate_obj.is_none()) gate = require_grad(gate_obj, "max_pool2d_backward gate", shape_of(dy));
    FloatArray dx = new_float_array({in[0], in[1], in[2], in[3]});
    float* dx_data = dx.mutable_data();
    bool inside;
    {
        py::gil_scoped_release release;
        inside = max_pool2d_backward(dy.data(), indices.data(), data_or_null(gate), dx_data, s);
    }
    require(inside, "max_pool2d_backward: an index lies outside the input plane");
    return dx;
}

FloatArray run_max_pool_backward_ref(const py::object& x_obj, const py::object& dy_obj, const py::object& kernel_size,
                                     const py::object& stride, const py::object& padding, const py::object& dilation,
                                     bool ceil_mode) {
    const FloatArray x = require_float32(x_obj, "max_pool2d_backward_ref input", 4, kNchw);
    const Pool2dParams p = pool_params("max_pool2d_backward_ref", kernel_size, stride, padding, dilation, ceil_mode);
    const std::array<int64_t, 4> in{x.shape(0), x.shape(1), x.shape(2), x.shape(3)};
    const Pool2dShape s = pool2d_shape("max_pool2d_backward_ref", in[0] * in[1], in[2], in[3], p);
    auto [dy, dx] = pool_grads("max_pool2d_backward_ref", dy_obj, in, s);
    max_pool2d_backward_ref(x.data(), dy.data(), dx.mutable_data(), s, p);
    return dx;
}

template <void (*kernel)(const float*, float*, const Pool2dShape&, const Pool2dParams&)>
FloatArray run_avg_pool_backward(const py::object& dy_obj, const py::object& shape_obj, const py::object& kernel_size,
                                 const py::object& stride, const py::object& padding, bool ceil_mode,
                                 bool count_include_pad) {
    const auto in = input_shape_of(shape_obj, "avg_pool2d_backward");
    Pool2dParams p = pool_params("avg_pool2d_backward", kernel_size, stride, padding, py::int_(1), ceil_mode);
    p.count_include_pad = count_include_pad;
    const Pool2dShape s = pool2d_shape("avg_pool2d_backward", in[0] * in[1], in[2], in[3], p);
    auto [dy, dx] = pool_grads("avg_pool2d_backward", dy_obj, in, s);
    float* dx_data = dx.mutable_data();
    {
        py::gil_scoped_release release;
        kernel(dy.data(), dx_data, s, p);
    }
    return dx;
}

template <void (*kernel)(const float*, float*, const Pool2dShape&)>
FloatArray run_adaptive_backward(const py::object& dy_obj, const py::object& shape_obj) {
    const auto in = input_shape_of(shape_obj, "adaptive_avg_pool2d_backward");
    const FloatArray dy = require_float32(dy_obj, "adaptive_avg_pool2d_backward dy", 4, kNchw);
    const Pool2dShape s =
        adaptive_pool2d_shape("adaptive_avg_pool2d_backward", in[0] * in[1], in[2], in[3], dy.shape(2), dy.shape(3));
    auto [checked_dy, dx] = pool_grads("adaptive_avg_pool2d_backward", dy_obj, in, s);
    float* dx_data = dx.mutable_data();
    {
        py::gil_scoped_release release;
        kernel(checked_dy.data(), dx_data, s);
    }
    return dx;
}

// ---- linear ---------------------------------------------------------------------------------
template <decltype(&linear_backward) kernel>
py::tuple run_linear_backward(const py::object& x_obj, const py::object& weight_obj, const py::object& dy_obj,
                              bool need_dx, bool need_dw, bool need_db) {
    const FloatArray weight = require_float32(weight_obj, "linear_backward weight", 2, "out_features x in_features");
    const FloatArray x = require_float32(x_obj, "linear_backward input", 2, "N x in_features");
    const int64_t n = x.shape(0), out_f = weight.shape(0), in_f = weight.shape(1);
    require(x.shape(1) == in_f, [&] {
        return "linear_backward input has " + std::to_string(x.shape(1)) + " features, expected " + std::to_string(in_f);
    });
    const FloatArray dy = require_grad(dy_obj, "linear_backward dy", {n, out_f});
    OptionalArray dx = new_if(need_dx, {n, in_f}), dw = new_if(need_dw, {out_f, in_f}), db = new_if(need_db, {out_f});
    {
        py::gil_scoped_release release;
        kernel(x.data(), weight.data(), dy.data(), n, out_f, in_f, mutable_or_null(dx), mutable_or_null(dw),
               mutable_or_null(db));
    }
    return py::make_tuple(or_none(dx), or_none(dw), or_none(db));
}

// ---- batch norm (training) ------------------------------------------------------------------
// x as N x C x inner.
struct ChannelSplit {
    int64_t batch, channels, inner = 1;
    explicit ChannelSplit(const FloatArray& x) : batch(x.shape(0)), channels(x.shape(1)) {
        for (py::ssize_t d = 2; d < x.ndim(); ++d) inner *= x.shape(d);
    }
};

OptionalArray channel_vector(const py::object& obj, const std::string& what, int64_t channels) {
    OptionalArray v = optional_float32(obj, what, 1, "C");
    if (v) require_shape(*v, {channels}, what);
    return v;
}

FloatArray require_x_nc(const py::object& obj, const std::string& what) {
    FloatArray x = require_float32(obj, what, -1, "N x C x H x W or N x C");
    require(x.ndim() == 2 || x.ndim() == 4, [&] { return what + " must be N x C or N x C x H x W, got " + shape_string(x); });
    return x;
}

template <decltype(&batch_norm_train_forward) kernel>
py::tuple run_bn_train(const py::object& x_obj, const py::object& weight_obj, const py::object& bias_obj,
                       const py::object& running_mean_obj, const py::object& running_var_obj, double eps,
                       double momentum) {
    const FloatArray x = require_x_nc(x_obj, "batch_norm_train input");
    const ChannelSplit s(x);
    require(s.batch * s.inner > 1,
            [&] { return "batch_norm_train needs more than one value per channel, got input " + shape_string(x); });
    require(std::isfinite(eps) && eps >= 0, "batch_norm_train eps must be >= 0");
    require(std::isfinite(momentum) && momentum >= 0 && momentum <= 1, "batch_norm_train momentum must be in [0, 1]");
    const OptionalArray weight = channel_vector(weight_obj, "batch_norm_train weight", s.channels);
    const OptionalArray bias = channel_vector(bias_obj, "batch_norm_train bias", s.channels);
    // The running statistics are updated in place: they must be the caller's own float32 arrays.
    std::optional<FloatArray> running_mean, running_var;
    if (!running_mean_obj.is_none()) running_mean = output_array(running_mean_obj, {s.channels}, "batch_norm_train running_mean");
    if (!running_var_obj.is_none()) running_var = output_array(running_var_obj, {s.channels}, "batch_norm_train running_var");
    FloatArray y = new_float_array(shape_of(x)), mean = new_float_array({s.channels});
    FloatArray invstd = new_float_array({s.channels});
    float *y_data = y.mutable_data(), *mean_data = mean.mutable_data(), *invstd_data = invstd.mutable_data();
    float* rm = running_mean ? running_mean->mutable_data() : nullptr;
    float* rv = running_var ? running_var->mutable_data() : nullptr;
    {
        py::gil_scoped_release release;
        kernel(x.data(), y_data, s.batch, s.channels, s.inner, data_or_null(weight), data_or_null(bias), eps, momentum,
               rm, rv, BatchNormBatchStats{mean_data, invstd_data});
    }
    return py::make_tuple(y, mean, invstd);
}

template <decltype(&batch_norm_train_backward) kernel>
py::tuple run_bn_train_backward(const py::object& x_obj, const py::object& dy_obj, const py::object& weight_obj,
                                const py::object& mean_obj, const py::object& invstd_obj, bool need_dx,
                                bool need_params) {
    const FloatArray x = require_x_nc(x_obj, "batch_norm_train_backward input");
    const ChannelSplit s(x);
    const FloatArray dy = require_grad(dy_obj, "batch_norm_train_backward dy", shape_of(x));
    const OptionalArray weight = channel_vector(weight_obj, "batch_norm_train_backward weight", s.channels);
    const OptionalArray mean = channel_vector(mean_obj, "batch_norm_train_backward mean", s.channels);
    const OptionalArray invstd = channel_vector(invstd_obj, "batch_norm_train_backward invstd", s.channels);
    require(mean && invstd, "batch_norm_train_backward needs the forward's mean and invstd");
    OptionalArray dx = new_if(need_dx, shape_of(x)), dweight = new_if(need_params, {s.channels});
    OptionalArray dbias = new_if(need_params, {s.channels});
    {
        py::gil_scoped_release release;
        kernel(x.data(), dy.data(), mutable_or_null(dx), s.batch, s.channels, s.inner, data_or_null(weight),
               mean->data(), invstd->data(), mutable_or_null(dweight), mutable_or_null(dbias));
    }
    return py::make_tuple(or_none(dx), or_none(dweight), or_none(dbias));
}

// ---- LRN and the loss -----------------------------------------------------------------------
template <decltype(&lrn_backward) kernel>
FloatArray run_lrn_backward(const py::object& x_obj, const py::object& dy_obj, int64_t size, double alpha, double beta,
                            double k) {
    const FloatArray x = require_float32(x_obj, "lrn_backward input", 4, kNchw);
    const FloatArray dy = require_grad(dy_obj, "lrn_backward dy", shape_of(x));
    require(size >= 1, "lrn_backward size must be >= 1");
    FloatArray dx = new_float_array(shape_of(x));
    float* dx_data = dx.mutable_data();
    py::gil_scoped_release release;
    kernel(x.data(), dy.data(), dx_data, x.shape(0), x.shape(1), x.shape(2) * x.shape(3), size, alpha, beta, k);
    return dx;
}

template <decltype(&softmax_cross_entropy) kernel>
py::tuple run_cross_entropy(const py::object& logits_obj, const py::object& labels_obj, double smoothing,
                            bool need_grad) {
    const FloatArray logits = require_float32(logits_obj, "softmax_cross_entropy logits", 2, "N x classes");
    const LabelArray labels = LabelArray::ensure(labels_obj);
    require(labels && labels.ndim() == 1 && labels.shape(0) == logits.shape(0),
            "softmax_cross_entropy labels must be N integers, one per row of logits " + shape_string(logits));
    require(std::isfinite(smoothing) && smoothing >= 0 && smoothing <= 1,
            "softmax_cross_entropy label_smoothing must be in [0, 1]");
    const int64_t classes = logits.shape(1);
    for (py::ssize_t i = 0; i < labels.size(); ++i)
        require(labels.data()[i] >= 0 && labels.data()[i] < classes,
                "softmax_cross_entropy label " + std::to_string(labels.data()[i]) + " is outside [0, " +
                    std::to_string(classes) + ")");
    OptionalArray grad = new_if(need_grad, shape_of(logits));
    float* grad_data = mutable_or_null(grad);
    double loss;
    {
        py::gil_scoped_release release;
        loss = kernel(logits.data(), labels.data(), logits.shape(0), classes, smoothing, grad_data);
    }
    return py::make_tuple(loss, or_none(grad));
}

}  // namespace

void register_training(py::module_& m) {
    const auto conv_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("conv"), py::arg("x"), py::arg("weight"), py::arg("dy"), py::arg("need_dx") = true,
              py::arg("need_dw") = true, py::arg("need_db") = true, doc);
    };
    py::class_<Conv3x3Winograd>(
        m, "WinogradConv",
        "A training conv by Winograd (3x3, stride 1) whose transformed weights are rebuilt in place by "
        "load(weight) at every step. WinogradConv(weight, padding, tile, data_gradient=False): tile 2, 4 or 6; "
        "with data_gradient the conv maps dy of the layer with this weight [Cout, Cin, 3, 3] to its dx (pass "
        "padding 2 - p). forward(x, bias=None) -> new NCHW array.")
        .def(py::init(&make_winograd_conv), py::arg("weight"), py::arg("padding"), py::arg("tile"),
             py::arg("data_gradient") = false)
        .def("load", &load_winograd_conv, py::arg("weight"))
        .def("forward", &run_winograd_conv, py::arg("x"), py::arg("bias") = py::none());
    conv_args("conv2d_backward", &run_conv_backward<conv2d_backward, Conv2d>,
              "(dx, dw, db) of the convolution `conv` (a Conv2d, for its geometry) at input x with weight, given "
              "dy; unwanted gradients come back as None. GEMM + im2row/col2im, depthwise direct.");
    conv_args("conv2d_backward", &run_conv_backward<conv2d_backward, Conv3x3Winograd>,
              "Overload: `conv` a WinogradConv of the layer (not a data-gradient one).");
    conv_args("conv2d_backward_ref", &run_conv_backward<conv2d_backward_ref, Conv2d>,
              "Reference twin of conv2d_backward: plain loops, double accumulation.");

    const auto max_train_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("x"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
              py::arg("dilation") = 1, py::arg("ceil_mode") = false, doc);
    };
    max_train_args("max_pool2d_train", &run_max_pool_train<max_pool2d_with_indices>,
                   "(y, indices): max pooling that also records each window's winner (in-plane int32 index).");
    max_train_args("max_pool2d_train_ref", &run_max_pool_train<max_pool2d_with_indices_ref>,
                   "Reference twin of max_pool2d_train: one window at a time.");
    m.def("max_pool2d_backward", &run_max_pool_backward, py::arg("dy"), py::arg("indices"), py::arg("input_shape"),
          py::arg("gate") = py::none(),
          "dx of max pooling from the winners recorded by max_pool2d_train; with `gate` (dy's shape) dy is dropped "
          "where gate <= 0: pass the pooled output of ReLU-then-pool computed as pool-then-ReLU.");
    m.def("max_pool2d_backward_ref", &run_max_pool_backward_ref, py::arg("x"), py::arg("dy"), py::arg("kernel_size"),
          py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("dilation") = 1,
          py::arg("ceil_mode") = false, "Reference twin: finds each window's winner again from x.");
    const auto avg_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("dy"), py::arg("input_shape"), py::arg("kernel_size"),
              py::arg("stride") = py::none(), py::arg("padding") = 0, py::arg("ceil_mode") = false,
              py::arg("count_include_pad") = true, doc);
    };
    avg_args("avg_pool2d_backward", &run_avg_pool_backward<avg_pool2d_backward>, "dx of avg_pool2d.");
    avg_args("avg_pool2d_backward_ref", &run_avg_pool_backward<avg_pool2d_backward_ref>,
             "Reference twin of avg_pool2d_backward (gathers, double).");
    m.def("adaptive_avg_pool2d_backward", &run_adaptive_backward<adaptive_avg_pool2d_backward>, py::arg("dy"),
          py::arg("input_shape"), "dx of adaptive_avg_pool2d (the output size is dy's).");
    m.def("adaptive_avg_pool2d_backward_ref", &run_adaptive_backward<adaptive_avg_pool2d_backward_ref>, py::arg("dy"),
          py::arg("input_shape"), "Reference twin of adaptive_avg_pool2d_backward (gathers, double).");

    const auto linear_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("x"), py::arg("weight"), py::arg("dy"), py::arg("need_dx") = true,
              py::arg("need_dw") = true, py::arg("need_db") = true, doc);
    };
    linear_args("linear_backward", &run_linear_backward<linear_backward>,
                "(dx, dw, db) of y = x @ W.T + b given dy (None for unwanted ones), on the packed SGEMM.");
    linear_args("linear_backward_ref", &run_linear_backward<linear_backward_ref>,
                "Reference twin of linear_backward: plain loops, double accumulation.");

    const auto bn_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("x"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
              py::arg("running_mean") = py::none(), py::arg("running_var") = py::none(), py::arg("eps") = 1e-5,
              py::arg("momentum") = 0.1, doc);
    };
    bn_args("batch_norm_train", &run_bn_train<batch_norm_train_forward>,
            "(y, mean, invstd): batch norm with batch statistics; running_mean/var (float32 arrays) are updated "
            "in place with momentum (unbiased variance), as PyTorch does in training mode.");
    bn_args("batch_norm_train_ref", &run_bn_train<batch_norm_train_forward_ref>,
            "Reference twin of batch_norm_train (double, one channel at a time).");
    const auto bn_back_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("x"), py::arg("dy"), py::arg("weight"), py::arg("mean"), py::arg("invstd"),
              py::arg("need_dx") = true, py::arg("need_params") = true, doc);
    };
    bn_back_args("batch_norm_train_backward", &run_bn_train_backward<batch_norm_train_backward>,
                 "(dx, dweight, dbias) of batch_norm_train given dy and the forward's mean and invstd.");
    bn_back_args("batch_norm_train_backward_ref", &run_bn_train_backward<batch_norm_train_backward_ref>,
                 "Reference twin of batch_norm_train_backward (double).");

    m.def(
        "sgd_step",
        [](const py::object& param_obj, const py::object& grad_obj, const py::object& buffer_obj, double lr,
           double momentum, double dampening, bool nesterov, double weight_decay, bool first) {
            if (!py::isinstance<py::array>(param_obj)) throw py::type_error("sgd_step param must be a numpy float32 array");
            FloatArray param = output_array(param_obj, shape_of(py::reinterpret_borrow<py::array>(param_obj)),
                                                  "sgd_step param");
            const FloatArray grad = require_grad(grad_obj, "sgd_step grad", shape_of(param));
            require_disjoint(param, grad, "sgd_step grad");
            std::optional<FloatArray> buffer;
            if (!buffer_obj.is_none()) buffer = output_array(buffer_obj, shape_of(param), "sgd_step momentum_buffer");
            if (buffer) require_disjoint(*buffer, param, "sgd_step param"), require_disjoint(*buffer, grad, "sgd_step grad");
            require(buffer.has_value() == (momentum != 0.0), "sgd_step: a momentum buffer goes with momentum != 0");
            const SgdHyper h{static_cast<float>(lr), static_cast<float>(momentum), static_cast<float>(dampening),
                             static_cast<float>(weight_decay), nesterov};
            float* param_data = param.mutable_data();
            float* buffer_data = buffer ? buffer->mutable_data() : nullptr;
            py::gil_scoped_release release;
            sgd_step(param_data, grad.data(), buffer_data, param.size(), h, first);
        },
        py::arg("param"), py::arg("grad"), py::arg("momentum_buffer"), py::arg("lr"), py::arg("momentum"),
        py::arg("dampening"), py::arg("nesterov"), py::arg("weight_decay"), py::arg("first"),
        "One torch.optim.SGD update of `param` (and its momentum buffer) in place; on the `first` step the "
        "buffer must hold zeros.");
    m.def("keep_heap_headroom", &keep_heap_headroom, py::arg("bytes"),
          "Keeps up to `bytes` of freed heap in the process (glibc M_TOP_PAD) so that training steps "
          "reuse pages instead of faulting in fresh ones; False where unsupported.");
    m.def(
        "relu_backward",
        [](const py::object& y_obj, const py::object& dy_obj) {
            const FloatArray y = require_float32(y_obj, "relu_backward y", -1, "any shape");
            const FloatArray dy = require_grad(dy_obj, "relu_backward dy", shape_of(y));
            FloatArray dx = new_float_array(shape_of(y));
            float* dx_data = dx.mutable_data();
            py::gil_scoped_release release;
            relu_backward(y.data(), dy.data(), dx_data, y.size());
            return dx;
        },
        py::arg("y"), py::arg("dy"), "dx of ReLU from its output y: 0 where y <= 0, else dy (NaN passes, as in PyTorch).");
    m.def(
        "dropout",
        [](const py::object& x_obj, double p, uint64_t seed) {
            const FloatArray x = require_float32(x_obj, "dropout input", -1, "any shape");
            require(std::isfinite(p) && p >= 0 && p < 1, "dropout p must be in [0, 1)");
            FloatArray y = new_float_array(shape_of(x));
            MaskArray mask(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
            float* y_data = y.mutable_data();
            uint8_t* mask_data = mask.mutable_data();
            {
                py::gil_scoped_release release;
                dropout_forward(x.data(), y_data, mask_data, x.size(), p, seed);
            }
            return py::make_tuple(y, mask);
        },
        py::arg("x"), py::arg("p"), py::arg("seed"),
        "(y, mask): inverted dropout, the same mask for the same seed on any thread count.");
    m.def(
        "dropout_backward",
        [](const py::object& dy_obj, const MaskArray& mask, double p) {
            const FloatArray dy = require_float32(dy_obj, "dropout_backward dy", -1, "any shape");
            require(shape_of(mask) == shape_of(dy), "dropout_backward: mask and dy shapes differ");
            require(std::isfinite(p) && p >= 0 && p < 1, "dropout_backward p must be in [0, 1)");
            FloatArray dx = new_float_array(shape_of(dy));
            float* dx_data = dx.mutable_data();
            py::gil_scoped_release release;
            dropout_backward(dy.data(), mask.data(), dx_data, dy.size(), p);
            return dx;
        },
        py::arg("dy"), py::arg("mask"), py::arg("p"), "dx of dropout: dy * mask / (1 - p).");

    const auto lrn_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("x"), py::arg("dy"), py::arg("size"), py::arg("alpha") = 1e-4,
              py::arg("beta") = 0.75, py::arg("k") = 1.0, doc);
    };
    lrn_args("lrn_backward", &run_lrn_backward<lrn_backward>, "dx of lrn (N x C x H x W).");
    lrn_args("lrn_backward_ref", &run_lrn_backward<lrn_backward_ref>, "Reference twin of lrn_backward (double).");

    const auto ce_args = [&](const char* name, auto entry, const char* doc) {
        m.def(name, entry, py::arg("logits"), py::arg("labels"), py::arg("label_smoothing") = 0.0,
              py::arg("need_grad") = true, doc);
    };
    ce_args("softmax_cross_entropy", &run_cross_entropy<softmax_cross_entropy>,
            "(mean loss, dlogits or None): softmax + cross-entropy over N x classes logits and integer labels, "
            "with optional label smoothing (torch.nn.functional.cross_entropy).");
    ce_args("softmax_cross_entropy_ref", &run_cross_entropy<softmax_cross_entropy_ref>,
            "Reference twin of softmax_cross_entropy (double).");
}

}  // namespace cnnengine::bindings
