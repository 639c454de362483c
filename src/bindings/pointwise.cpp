// Point-wise kernel bindings: the activations of elementwise/activation.h and the broadcasting
// binary ops of elementwise/broadcast_binary.h, each with its *_ref twin.
// Aliasing: out may be the input itself (activation(x, out=x)); for binary ops out may be a or b
// when that operand has the output's full shape (each element is read before it is written).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <vector>

#include "bindings/array_checks.h"
#include "bindings/enum_names.h"
#include "bindings/families.h"
#include "bindings/plan_steps.h"
#include "bindings/out_arg.h"
#include "bindings/activation_arg.h"
#include "elementwise/activation.h"
#include "elementwise/broadcast_binary.h"

namespace cnnengine::bindings {

namespace {

using ActivationKernel = void (*)(const Activation&, const float*, float*, int64_t);

auto activation_call(ActivationKernel kernel, const FloatArray& x, const std::string& kind, double alpha, double beta,
                     const py::object& out_obj) {
    const Activation act = make_activation(kind, alpha, beta);
    FloatArray y = output_array(out_obj, shape_of(x), "activation out");
    require_same_or_disjoint(y, x, "activation input");
    float* out = y.mutable_data();
    const int64_t count = x.size();
    return KernelCall{y, [kernel, act, out, count](const float* in) { kernel(act, in, out, count); }};
}

template <ActivationKernel kernel>
FloatArray run_activation(const py::object& x_obj, const std::string& kind, double alpha, double beta,
                          const py::object& out_obj) {
    const FloatArray x = require_float32(x_obj, "activation input", -1, "any shape");
    return run_now(x, activation_call(kernel, x, kind, alpha, beta, out_obj));
}

using BinaryKernel = void (*)(BinaryOp, const BroadcastShapes&, const float*, const float*, float*);

template <BinaryKernel kernel>
FloatArray run_binary(const py::object& a_obj, const py::object& b_obj, const std::string& op_name,
                      const py::object& out_obj) {
    const BinaryOp op = enum_from_name<BinaryOp>(
        op_name,
        {{"add", BinaryOp::add}, {"sub", BinaryOp::sub}, {"mul", BinaryOp::mul}, {"div", BinaryOp::div},
         {"prelu", BinaryOp::prelu}},
        "binary op");
    const FloatArray a = require_float32(a_obj, "binary a", -1, "any shape");
    const FloatArray b = require_float32(b_obj, "binary b", -1, "a shape that broadcasts with a");
    const BroadcastShapes shapes(shape_of(a), shape_of(b));
    require(shapes.compatible, [&] {
        return "binary " + op_name + ": shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast";
    });
    FloatArray y = output_array(out_obj, shapes.out, "binary out");
    require_same_or_disjoint(y, a, "binary a");
    require_same_or_disjoint(y, b, "binary b");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    kernel(op, shapes, a.data(), b.data(), out);
    return y;
}

}  // namespace

Activation make_activation(const std::string& name, double alpha, double beta) {
    const ActivationKind kind = enum_from_name<ActivationKind>(
        name,
        {{"leaky_relu", ActivationKind::leaky_relu}, {"sigmoid", ActivationKind::sigmoid},
         {"hard_sigmoid", ActivationKind::hard_sigmoid}, {"hard_swish", ActivationKind::hard_swish},
         {"tanh", ActivationKind::tanh}, {"clip", ActivationKind::clip}},
        "activation kind");
    require(!std::isnan(alpha) && !std::isnan(beta), [&] { return "activation " + name + ": alpha and beta must not be NaN"; });
    require(kind != ActivationKind::clip || alpha <= beta, "activation clip: min must be <= max");
    return Activation{kind, static_cast<float>(alpha), static_cast<float>(beta)};
}

void register_pointwise(py::module_& m) {
    const auto activation_args = [&](const char* name, bool with_out, auto entry, const char* doc) {
        def_with_out(m, name, with_out, entry, py::arg("x"), py::arg("kind"), py::arg("alpha") = 0.0,
                     py::arg("beta") = 0.0, doc);
    };
    activation_args("activation", true, &run_activation<activation>,
                    "Point-wise activation `kind` (leaky_relu, sigmoid, hard_sigmoid, hard_swish, tanh, clip) with "
                    "the ONNX meaning of alpha/beta (clip: min/max); any shape; out=x works in place.");
    activation_args("activation_ref", false, &run_activation<activation_ref>,
                    "Reference twin of activation (double precision, single-threaded).");
    m.def(
        "bind_activation",
        [](PlanSteps& steps, const py::object& x_obj, const std::string& kind, double alpha, double beta,
           const py::object& out) {
            const StepInput x = steps.input(x_obj, "activation input", -1, "any shape");
            steps.add(py::none(), activation_call(&activation, x.array, kind, alpha, beta, out), x);
        },
        py::arg("steps"), py::arg("x"), py::arg("kind"), py::arg("alpha"), py::arg("beta"), py::arg("out"),
        "activation(...) as a call of steps.");

    const auto binary_args = [&](const char* name, bool with_out, auto entry, const char* doc) {
        def_with_out(m, name, with_out, entry, py::arg("a"), py::arg("b"), py::arg("op"), doc);
    };
    binary_args("binary", true, &run_binary<broadcast_binary>,
                "a <op> b with numpy broadcasting; op is add, sub, mul, div or prelu (a >= 0 ? a : a * b). "
                "out may be a or b when that operand has the full output shape.");
    binary_args("binary_ref", false, &run_binary<broadcast_binary_ref>,
                "Reference twin of binary (per element, double precision).");
}

}  // namespace cnnengine::bindings
