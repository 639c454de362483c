// ConvTranspose2d bindings: a layer object that packs its weights once, the backward kernels and
// the reference twin. Weight [Cin, Cout/groups, kh, kw] as in PyTorch and ONNX.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/int_args.h"
#include "conv/conv_transpose2d.h"

namespace cnnengine::bindings {

namespace {

constexpr const char* kLayout = "N x C x H x W";
constexpr const char* kWeightLayout = "Cin x Cout/groups x kh x kw";

ConvTranspose2dParams make_params(const FloatArray& weight, const py::handle& stride, const py::handle& padding,
                                  const py::handle& output_padding, const py::handle& dilation, int64_t groups) {
    require(groups >= 1, "conv_transpose2d: groups must be >= 1, got " + std::to_string(groups));
    ConvTranspose2dParams p;
    p.groups = groups;
    p.in_channels = weight.shape(0);
    p.out_channels = weight.shape(1) * groups;
    p.kernel_h = weight.shape(2);
    p.kernel_w = weight.shape(3);
    const auto s = int_pair(stride, "conv_transpose2d stride");
    const auto d = int_pair(dilation, "conv_transpose2d dilation");
    const auto op = int_pair(output_padding, "conv_transpose2d output_padding");
    const auto pad = padding_quad(padding, "conv_transpose2d padding");
    p.stride_h = s[0], p.stride_w = s[1];
    p.dilation_h = d[0], p.dilation_w = d[1];
    p.output_padding_h = op[0], p.output_padding_w = op[1];
    p.pad_top = pad[0], p.pad_left = pad[1], p.pad_bottom = pad[2], p.pad_right = pad[3];
    p.validate();
    return p;
}

// The output shape for input x, after checking x against the layer.
std::vector<int64_t> output_shape(const ConvTranspose2dParams& p, const FloatArray& x) {
    p.validate_input(x.shape(1), x.shape(2), x.shape(3));
    return {x.shape(0), p.out_channels, p.output_h(x.shape(2)), p.output_w(x.shape(3))};
}

std::optional<FloatArray> checked_bias(const py::object& bias_obj, const ConvTranspose2dParams& p) {
    std::optional<FloatArray> bias = optional_float32(bias_obj, "conv_transpose2d bias", 1, "Cout");
    if (bias) require_shape(*bias, {p.out_channels}, "conv_transpose2d bias");
    return bias;
}

}  // namespace

void register_conv_transpose(py::module_& m) {
    py::class_<ConvTranspose2d>(m, "ConvTranspose2d",
                                "Transposed 2-D convolution with weights packed once (GEMM + col2im). "
                                "forward(x, *, out=None) on NCHW float32; out must not overlap x.")
        .def(py::init([](const py::object& weight_obj, const py::object& bias_obj, const py::object& stride,
                         const py::object& padding, const py::object& output_padding, const py::object& dilation,
                         int64_t groups) {
                 const FloatArray weight = require_float32(weight_obj, "conv_transpose2d weight", 4, kWeightLayout);
                 const ConvTranspose2dParams p = make_params(weight, stride, padding, output_padding, dilation, groups);
                 const std::optional<FloatArray> bias = checked_bias(bias_obj, p);
                 py::gil_scoped_release release;
                 return ConvTranspose2d(p, weight.data(), data_or_null(bias));
             }),
             py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
             py::arg("output_padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1)
        .def(
            "forward",
            [](const ConvTranspose2d& layer, const py::object& x_obj, const py::object& out) {
                const FloatArray x = require_float32(x_obj, "conv_transpose2d input", 4, kLayout);
                FloatArray y = output_array(out, output_shape(layer.params(), x), "conv_transpose2d out");
                require_disjoint(y, x, "conv_transpose2d input");
                float* y_data = y.mutable_data();
                py::gil_scoped_release release;
                layer.forward(x.data(), x.shape(0), x.shape(2), x.shape(3), y_data);
                return y;
            },
            py::arg("x"), py::kw_only(), py::arg("out") = py::none());

    m.def(
        "conv_transpose2d_ref",
        [](const py::object& x_obj, const py::object& weight_obj, const py::object& bias_obj, const py::object& stride,
           const py::object& padding, const py::object& output_padding, const py::object& dilation, int64_t groups) {
            const FloatArray x = require_float32(x_obj, "conv_transpose2d input", 4, kLayout);
            const FloatArray weight = require_float32(weight_obj, "conv_transpose2d weight", 4, kWeightLayout);
            const ConvTranspose2dParams p = make_params(weight, stride, padding, output_padding, dilation, groups);
            const std::optional<FloatArray> bias = checked_bias(bias_obj, p);
            FloatArray y = new_float_array(output_shape(p, x));
            float* y_data = y.mutable_data();
            py::gil_scoped_release release;
            conv_transpose2d_ref(p, x.data(), x.shape(0), x.shape(2), x.shape(3), weight.data(), data_or_null(bias),
                                 y_data);
            return y;
        },
        py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
        py::arg("output_padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1,
        "Reference twin of ConvTranspose2d.forward: plain loops, double accumulation.");

    m.def(
        "conv_transpose2d_backward",
        [](const py::object& x_obj, const py::object& weight_obj, const py::object& grad_y_obj, const py::object& stride,
           const py::object& padding, const py::object& output_padding, const py::object& dilation, int64_t groups) {
            const FloatArray x = require_float32(x_obj, "conv_transpose2d_backward x", 4, kLayout);
            const FloatArray weight = require_float32(weight_obj, "conv_transpose2d_backward weight", 4, kWeightLayout);
            const FloatArray grad_y = require_float32(grad_y_obj, "conv_transpose2d_backward grad_y", 4, kLayout);
            const ConvTranspose2dParams p = make_params(weight, stride, padding, output_padding, dilation, groups);
            require_shape(grad_y, output_shape(p, x), "conv_transpose2d_backward grad_y");
            FloatArray grad_x = new_float_array({x.shape(0), x.shape(1), x.shape(2), x.shape(3)});
            FloatArray grad_w = new_float_array({weight.shape(0), weight.shape(1), weight.shape(2), weight.shape(3)});
            FloatArray grad_b = new_float_array({p.out_channels});
            float *gx = grad_x.mutable_data(), *gw = grad_w.mutable_data(), *gb = grad_b.mutable_data();
            {
                py::gil_scoped_release release;
                conv_transpose2d_backward_input(p, weight.data(), grad_y.data(), x.shape(0), x.shape(2), x.shape(3), gx);
                conv_transpose2d_backward_params(p, x.data(), grad_y.data(), x.shape(0), x.shape(2), x.shape(3), gw, gb);
            }
            return py::make_tuple(grad_x, grad_w, grad_b);
        },
        py::arg("x"), py::arg("weight"), py::arg("grad_y"), py::arg("stride") = 1, py::arg("padding") = 0,
        py::arg("output_padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1,
        "(grad_x, grad_weight, grad_bias) of conv_transpose2d(x, weight) for the output gradient grad_y.");
}

}  // namespace cnnengine::bindings
