// Conv2d bindings: a layer object that packs its weights once, and the reference twin.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <tuple>

#include "bindings/activation_arg.h"
#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/int_args.h"
#include "bindings/plan_steps.h"
#include "conv/conv2d.h"
#include "conv/conv2d_ref.h"
#include "conv/conv3x3_winograd_ref.h"

namespace cnnengine::bindings {

namespace {

constexpr const char* kInputLayout = "N x C x H x W";

// Conv2dParams from a weight [Cout, Cin/groups, kh, kw] and PyTorch-style arguments.
Conv2dParams make_params(const FloatArray& weight, const py::handle& stride, const py::handle& padding,
                         const py::handle& dilation, int64_t groups) {
    Conv2dParams p;
    require(groups >= 1, "conv2d: groups must be >= 1, got " + std::to_string(groups));
    p.groups = groups;
    p.out_channels = weight.shape(0);
    p.in_channels = weight.shape(1) * groups;
    p.kernel_h = weight.shape(2);
    p.kernel_w = weight.shape(3);
    const auto s = int_pair(stride, "conv2d stride");
    const auto d = int_pair(dilation, "conv2d dilation");
    const auto pad = padding_quad(padding, "conv2d padding");
    p.stride_h = s[0];
    p.stride_w = s[1];
    p.dilation_h = d[0];
    p.dilation_w = d[1];
    p.pad_top = pad[0];
    p.pad_left = pad[1];
    p.pad_bottom = pad[2];
    p.pad_right = pad[3];
    p.validate();
    return p;
}

std::optional<FloatArray> checked_bias(const py::object& bias_obj, const Conv2dParams& p) {
    std::optional<FloatArray> bias = optional_float32(bias_obj, "conv2d bias", 1, "Cout");
    if (bias) require_shape(*bias, {p.out_channels}, "conv2d bias");
    return bias;
}

// Checks x against the layer and the residual's shape; returns out, checked, or a new output when
// out is None. out must not overlap x (read while y is written); it may be the residual's own
// buffer (a ResNet shortcut that dies here: Conv2d::forward), but not part of it.
FloatArray prepare_output(const Conv2dParams& p, const FloatArray& x, const std::optional<FloatArray>& residual,
                          const py::object& out) {
    const int64_t n = x.shape(0), h = x.shape(2), w = x.shape(3);
    p.validate_input(x.shape(1), h, w);
    const std::vector<int64_t> shape{n, p.out_channels, p.output_h(h), p.output_w(w)};
    if (residual) require_shape(*residual, shape, "conv2d residual");
    FloatArray y = output_array(out, shape, "conv2d out");
    require_disjoint(y, x, "conv2d input");
    if (residual) require_same_or_disjoint(y, *residual, "conv2d residual");
    return y;
}

// The checked forward call; run(x, residual or null).
auto conv_call(const Conv2d& conv, const FloatArray& x, const std::optional<FloatArray>& residual, bool relu,
               const py::object& out, const py::object& activation_obj) {
    std::optional<Activation> activation;
    if (!activation_obj.is_none()) {
        const auto [kind, alpha, beta] = activation_obj.cast<std::tuple<std::string, double, double>>();
        activation = make_activation(kind, alpha, beta);
    }
    FloatArray y = prepare_output(conv.params(), x, residual, out);
    float* y_data = y.mutable_data();
    const int64_t n = x.shape(0), h = x.shape(2), w = x.shape(3);
    return KernelCall{y, [&conv, n, h, w, y_data, relu, activation](const float* x_data, const float* residual_data) {
                          conv.forward(x_data, n, h, w, y_data, residual_data, relu,
                                       activation ? &*activation : nullptr);
                      }};
}

}  // namespace

void register_conv(py::module_& m) {
    py::class_<Conv2d>(m, "Conv2d",
                       "2-D convolution with weights packed once for one algorithm ('default' picks gemm_1x1, "
                       "gemm_im2col or depthwise_direct by shape; also 'gemm', 'winograd_f23', 'winograd_f43', "
                       "'winograd_f63'). forward(x, residual=None, relu=False, *, out=None, activation=None) computes "
                       "relu?(conv(x) + bias + residual) on NCHW float32, into out when given (a C-contiguous "
                       "float32 array of the output shape, not overlapping x; it may be residual itself), then the "
                       "activation (kind, alpha, beta) of cnnengine._C.activation when given (clamp-shaped kinds fused "
                       "into the kernels' stores).")
        .def(py::init([](const py::object& weight_obj, const py::object& bias_obj, const py::object& stride,
                         const py::object& padding, const py::object& dilation, int64_t groups,
                         const std::string& algorithm) {
                 const FloatArray weight = require_float32(weight_obj, "conv2d weight", 4, "Cout x Cin/groups x kh x kw");
                 const Conv2dParams p = make_params(weight, stride, padding, dilation, groups);
                 const std::optional<FloatArray> bias = checked_bias(bias_obj, p);
                 const ConvAlgorithm chosen = resolve_conv_algorithm(p, algorithm);
                 py::gil_scoped_release release;
                 return Conv2d(p, weight.data(), data_or_null(bias), chosen);
             }),
             py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
             py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("algorithm") = "default")
        .def_property_readonly("algorithm", [](const Conv2d& c) { return conv_algorithm_name(c.algorithm()); })
        .def_property_readonly("residual_in_place", &Conv2d::residual_in_place,
                               "True when forward(x, residual=r, out=r) forms the sum in place (False: it reads "
                               "a copy of r)")
        .def(
            "forward",
            [](const Conv2d& conv, const py::object& x_obj, const py::object& residual_obj, bool relu,
               const py::object& out, const py::object& activation_obj) {
                const FloatArray x = require_float32(x_obj, "conv2d input", 4, kInputLayout);
                const std::optional<FloatArray> residual = optional_float32(residual_obj, "conv2d residual", 4, kInputLayout);
                const auto call = conv_call(conv, x, residual, relu, out, activation_obj);
                py::gil_scoped_release release;
                call.run(x.data(), data_or_null(residual));
                return call.y;
            },
            py::arg("x"), py::arg("residual") = py::none(), py::arg("relu") = false, py::kw_only(),
            py::arg("out") = py::none(), py::arg("activation") = py::none())
        .def(
            "bind",
            [](const py::object& self, PlanSteps& steps, const py::object& x_obj, const py::object& residual_obj,
               bool relu, const py::object& out, const py::object& activation_obj) {
                const StepInput x = steps.input(x_obj, "conv2d input", 4, kInputLayout);
                std::optional<StepInput> residual;
                if (!residual_obj.is_none()) residual = steps.input(residual_obj, "conv2d residual", 4, kInputLayout);
                const auto call = conv_call(self.cast<const Conv2d&>(), x.array,
                                                residual ? std::optional<FloatArray>(residual->array) : std::nullopt,
                                                relu, out, activation_obj);
                steps.add(py::make_tuple(self, call.y),
                          [run = call.run, x = x.cell, residual = residual ? residual->cell : nullptr] {
                              run(*x, residual ? *residual : nullptr);
                          });
            },
            py::arg("steps"), py::arg("x"), py::arg("residual"), py::arg("relu"), py::arg("out"),
            py::arg("activation"), "forward(x, residual, relu, out=out, activation=activation) as a call of steps.");

    m.def(
        "conv2d_ref",
        [](const py::object& x_obj, const py::object& weight_obj, const py::object& bias_obj, const py::object& stride,
           const py::object& padding, const py::object& dilation, int64_t groups, const py::object& residual_obj,
           bool relu) {
            const FloatArray x = require_float32(x_obj, "conv2d input", 4, kInputLayout);
            const FloatArray weight = require_float32(weight_obj, "conv2d weight", 4, "Cout x Cin/groups x kh x kw");
            const Conv2dParams p = make_params(weight, stride, padding, dilation, groups);
            const std::optional<FloatArray> bias = checked_bias(bias_obj, p);
            const std::optional<FloatArray> residual = optional_float32(residual_obj, "conv2d residual", 4, kInputLayout);
            FloatArray y = prepare_output(p, x, residual, py::none());
            float* y_data = y.mutable_data();
            py::gil_scoped_release release;
            conv2d_ref(p, x.data(), x.shape(0), x.shape(2), x.shape(3), weight.data(), data_or_null(bias),
                       data_or_null(residual), relu, y_data);
            return y;
        },
        py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
        py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("residual") = py::none(), py::arg("relu") = false,
        "Reference twin of Conv2d.forward: plain loops, double accumulation.");

    m.def(
        "conv3x3_winograd_ref",
        [](const py::object& x_obj, const py::object& weight_obj, const py::object& bias_obj, const py::object& padding,
           int tile, const py::object& residual_obj, bool relu) {
            const FloatArray x = require_float32(x_obj, "conv2d input", 4, kInputLayout);
            const FloatArray weight = require_float32(weight_obj, "conv2d weight", 4, "Cout x Cin x 3 x 3");
            const Conv2dParams p = make_params(weight, py::int_(1), padding, py::int_(1), 1);
            require(winograd_applicable(p), "conv3x3_winograd_ref: the weight must be Cout x Cin x 3 x 3");
            const std::optional<FloatArray> bias = checked_bias(bias_obj, p);
            const std::optional<FloatArray> residual = optional_float32(residual_obj, "conv2d residual", 4, kInputLayout);
            FloatArray y = prepare_output(p, x, residual, py::none());
            float* y_data = y.mutable_data();
            py::gil_scoped_release release;
            conv3x3_winograd_ref(p, tile, x.data(), x.shape(0), x.shape(2), x.shape(3), weight.data(),
                                 data_or_null(bias), data_or_null(residual), relu, y_data);
            return y;
        },
        py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("padding") = 0, py::arg("tile") = 4,
        py::arg("residual") = py::none(), py::arg("relu") = false,
        "Reference twin of Conv2d's Winograd paths (tile = 2, 4 or 6): the same algorithm in plain loops.");
}

}  // namespace cnnengine::bindings
