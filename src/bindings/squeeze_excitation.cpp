// Squeeze-excitation binding: a layer object that packs its two weights once (the fused op of
// passes.fuse_squeeze_excitation), and the reference twin.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <tuple>

#include "bindings/activation_arg.h"
#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/plan_steps.h"
#include "elementwise/squeeze_excitation.h"

namespace cnnengine::bindings {

namespace {

using Gate = std::tuple<std::string, double, double>;

// The weights and biases, checked against each other.
struct SqueezeExcitationArgs {
    FloatArray reduce_weight, expand_weight;
    std::optional<FloatArray> reduce_bias, expand_bias;
    Activation gate;

    SqueezeExcitationArgs(const py::object& reduce_weight_obj, const py::object& reduce_bias_obj,
                          const py::object& expand_weight_obj, const py::object& expand_bias_obj, const Gate& gate_arg)
        : reduce_weight(require_float32(reduce_weight_obj, "squeeze_excitation reduce_weight", 2, "hidden x channels")),
          expand_weight(require_float32(expand_weight_obj, "squeeze_excitation expand_weight", 2, "channels x hidden")),
          reduce_bias(optional_float32(reduce_bias_obj, "squeeze_excitation reduce_bias", 1, "hidden")),
          expand_bias(optional_float32(expand_bias_obj, "squeeze_excitation expand_bias", 1, "channels")),
          gate(make_activation(std::get<0>(gate_arg), std::get<1>(gate_arg), std::get<2>(gate_arg))) {
        require_shape(expand_weight, {reduce_weight.shape(1), reduce_weight.shape(0)}, "squeeze_excitation expand_weight");
        if (reduce_bias) require_shape(*reduce_bias, {reduce_weight.shape(0)}, "squeeze_excitation reduce_bias");
        if (expand_bias) require_shape(*expand_bias, {reduce_weight.shape(1)}, "squeeze_excitation expand_bias");
    }
    int64_t channels() const { return reduce_weight.shape(1); }
    int64_t hidden() const { return reduce_weight.shape(0); }
};

constexpr const char* kInputWhat = "squeeze_excitation input";
constexpr const char* kInputLayout = "N x C x H x W";

void require_channels(const FloatArray& x, int64_t channels) {
    require(x.shape(1) == channels, [&] {
        return std::string(kInputWhat) + " has " + std::to_string(x.shape(1)) + " channels, expected " +
               std::to_string(channels);
    });
}

FloatArray checked_input(const py::object& x_obj, int64_t channels) {
    FloatArray x = require_float32(x_obj, kInputWhat, 4, kInputLayout);
    require_channels(x, channels);
    return x;
}

// The gate applied to x (x's channels checked), into out= (or a new array); out may be x.
auto se_call(const SqueezeExcitation& se, const FloatArray& x, const py::object& out) {
    FloatArray y = output_array(out, {x.shape(0), x.shape(1), x.shape(2), x.shape(3)}, "squeeze_excitation out");
    require_same_or_disjoint(y, x, kInputWhat);
    float* y_data = y.mutable_data();
    const int64_t n = x.shape(0), pixels = x.shape(2) * x.shape(3);
    return KernelCall{y, [&se, n, pixels, y_data](const float* x_data) { se.forward(x_data, n, pixels, y_data); }};
}

}  // namespace

void register_squeeze_excitation(py::module_& m) {
    py::class_<SqueezeExcitation>(m, "SqueezeExcitation",
                                  "Squeeze-and-excitation gate: x * gate(expand(relu?(reduce(mean_hw x)))) per channel, "
                                  "weights packed once.")
        .def(py::init([](const py::object& reduce_weight, const py::object& reduce_bias, const py::object& expand_weight,
                         const py::object& expand_bias, bool reduce_relu, const Gate& gate) {
                 const SqueezeExcitationArgs args(reduce_weight, reduce_bias, expand_weight, expand_bias, gate);
                 py::gil_scoped_release release;
                 return SqueezeExcitation(args.reduce_weight.data(), data_or_null(args.reduce_bias),
                                          args.expand_weight.data(), data_or_null(args.expand_bias), args.channels(),
                                          args.hidden(), reduce_relu, args.gate);
             }),
             py::arg("reduce_weight"), py::arg("reduce_bias"), py::arg("expand_weight"), py::arg("expand_bias"),
             py::arg("reduce_relu"), py::arg("gate"))
        .def(
            "forward",
            [](const SqueezeExcitation& se, const py::object& x_obj, const py::object& out) {
                const FloatArray x = checked_input(x_obj, se.channels());
                return run_now(x, se_call(se, x, out));
            },
            py::arg("x"), py::kw_only(), py::arg("out") = py::none())
        .def(
            "bind",
            [](const py::object& self, PlanSteps& steps, const py::object& x_obj, const py::object& out) {
                const SqueezeExcitation& se = self.cast<const SqueezeExcitation&>();
                const StepInput x = steps.input(x_obj, kInputWhat, 4, kInputLayout);
                require_channels(x.array, se.channels());
                steps.add(self, se_call(se, x.array, out), x);
            },
            py::arg("steps"), py::arg("x"), py::arg("out"), "forward(x, out=out) as a call of steps.");

    m.def(
        "squeeze_excitation_ref",
        [](const py::object& x_obj, const py::object& reduce_weight, const py::object& reduce_bias,
           const py::object& expand_weight, const py::object& expand_bias, bool reduce_relu, const Gate& gate) {
            const SqueezeExcitationArgs args(reduce_weight, reduce_bias, expand_weight, expand_bias, gate);
            const FloatArray x = checked_input(x_obj, args.channels());
            FloatArray y = new_float_array({x.shape(0), x.shape(1), x.shape(2), x.shape(3)});
            squeeze_excitation_ref(x.data(), x.shape(0), args.channels(), x.shape(2) * x.shape(3),
                                   args.reduce_weight.data(), data_or_null(args.reduce_bias), args.expand_weight.data(),
                                   data_or_null(args.expand_bias), args.hidden(), reduce_relu, args.gate, y.mutable_data());
            return y;
        },
        py::arg("x"), py::arg("reduce_weight"), py::arg("reduce_bias"), py::arg("expand_weight"), py::arg("expand_bias"),
        py::arg("reduce_relu"), py::arg("gate"), "Plain-loop twin of SqueezeExcitation.forward (double accumulation).");
}

}  // namespace cnnengine::bindings
