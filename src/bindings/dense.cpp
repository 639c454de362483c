// Linear bindings: a layer object that packs its weight once, and the reference twin.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/plan_steps.h"
#include "dense/linear.h"

namespace cnnengine::bindings {

namespace {

struct LinearArgs {
    FloatArray weight;
    std::optional<FloatArray> bias;

    LinearArgs(const py::object& weight_obj, const py::object& bias_obj)
        : weight(require_float32(weight_obj, "linear weight", 2, "out_features x in_features")),
          bias(optional_float32(bias_obj, "linear bias", 1, "out_features")) {
        if (bias) require_shape(*bias, {weight.shape(0)}, "linear bias");
    }
};

// Checks x [N x in_features]; returns out (checked, not overlapping x: the GEMM reads x after
// writing parts of y) or a new y [N x out_features] when out is None.
FloatArray linear_output(const FloatArray& x, int64_t out_features, int64_t in_features, const py::object& out) {
    require(x.shape(1) == in_features, [&] {
        return "linear input has " + std::to_string(x.shape(1)) + " features, the weight expects " +
               std::to_string(in_features) + " (input must be N x in_features)";
    });
    FloatArray y = output_array(out, {x.shape(0), out_features}, "linear out");
    require_disjoint(y, x, "linear input");
    return y;
}

auto linear_call(const Linear& linear, const FloatArray& x, bool relu, const py::object& out) {
    FloatArray y = linear_output(x, linear.out_features(), linear.in_features(), out);
    float* y_data = y.mutable_data();
    const int64_t n = x.shape(0);
    return KernelCall{y, [&linear, n, y_data, relu](const float* x_data) { linear.forward(x_data, n, y_data, relu); }};
}

}  // namespace

void register_dense(py::module_& m) {
    py::class_<Linear>(m, "Linear",
                       "Fully connected layer with its weight packed once. forward(x, relu=False, *, out=None) "
                       "computes relu?(x @ W.T + bias) on N x in_features float32, into out when given "
                       "(a C-contiguous float32 N x out_features array not overlapping x).")
        .def(py::init([](const py::object& weight_obj, const py::object& bias_obj) {
                 const LinearArgs args(weight_obj, bias_obj);
                 py::gil_scoped_release release;
                 return Linear(args.weight.data(), data_or_null(args.bias), args.weight.shape(0), args.weight.shape(1));
             }),
             py::arg("weight"), py::arg("bias") = py::none())
        .def_property_readonly("in_features", &Linear::in_features)
        .def_property_readonly("out_features", &Linear::out_features)
        .def(
            "forward",
            [](const Linear& linear, const py::object& x_obj, bool relu, const py::object& out) {
                const FloatArray x = require_float32(x_obj, "linear input", 2, "N x in_features");
                return run_now(x, linear_call(linear, x, relu, out));
            },
            py::arg("x"), py::arg("relu") = false, py::kw_only(), py::arg("out") = py::none())
        .def(
            "bind",
            [](const py::object& self, PlanSteps& steps, const py::object& x_obj, bool relu, const py::object& out) {
                const StepInput x = steps.input(x_obj, "linear input", 2, "N x in_features");
                steps.add(self, linear_call(self.cast<const Linear&>(), x.array, relu, out), x);
            },
            py::arg("steps"), py::arg("x"), py::arg("relu"), py::arg("out"),
            "forward(x, relu, out=out) as a call of steps.");

    m.def(
        "linear_ref",
        [](const py::object& x_obj, const py::object& weight_obj, const py::object& bias_obj, bool relu) {
            const LinearArgs args(weight_obj, bias_obj);
            const FloatArray x = require_float32(x_obj, "linear input", 2, "N x in_features");
            const int64_t out_features = args.weight.shape(0), in_features = args.weight.shape(1);
            FloatArray y = linear_output(x, out_features, in_features, py::none());
            float* y_data = y.mutable_data();
            py::gil_scoped_release release;
            linear_ref(x.data(), x.shape(0), args.weight.data(), data_or_null(args.bias), out_features, in_features,
                       relu, y_data);
            return y;
        },
        py::arg("x"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("relu") = false,
        "Reference twin of Linear.forward: plain loops, double accumulation.");
}

}  // namespace cnnengine::bindings
