// Element-wise kernel bindings: relu, add, batch norm (+ folding into a conv), softmax, LRN,
// concat. Each optimized kernel with a reduction or a rewritten formula has a *_ref twin that
// takes the same arguments. Arrays are NCHW float32 (N x C for the rank-2 forms).
//
// The optimized kernels (not the twins, not relu_ or fold_batch_norm) take out= (bindings/out_arg.h).
// Aliasing, from the loops in src/elementwise/:
//   relu, add, batch_norm, softmax: out may be an input itself (relu(x, out=x), add(a, b, out=a)
//     or out=b, batch_norm(x, ..., out=x), softmax(x, out=x)): each reads element i before it writes
//     element i and never reads it again (softmax: per row or pixel block, max pass, exp pass
//     x -> y, scale pass on y). A partial overlap, or an overlap with batch-norm parameters, raises.
//   lrn: out must not overlap x: the sliding window subtracts channel c - size/2 after that
//     channel's output was written.
//   concat: out must not overlap any input.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/out_arg.h"
#include "elementwise/add.h"
#include "elementwise/batch_norm.h"
#include "elementwise/batch_norm_fold.h"
#include "elementwise/batch_norm_ref.h"
#include "elementwise/concat.h"
#include "elementwise/lrn.h"
#include "elementwise/lrn_ref.h"
#include "elementwise/relu.h"
#include "elementwise/softmax.h"
#include "elementwise/softmax_ref.h"

namespace cnnengine::bindings {

namespace {

std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// A float32 array of rank 2 (N x C) or 4 (N x C x H x W).
FloatArray require_nc_or_nchw(const py::object& obj, const std::string& what) {
    FloatArray x = require_float32(obj, what, -1, "N x C x H x W or N x C");
    require(x.ndim() == 2 || x.ndim() == 4,
            [&] { return what + " must be 2-D (N x C) or 4-D (N x C x H x W), got shape " + shape_string(x); });
    return x;
}

// Python's axis (negative counts from the end) checked against `rank`.
int normalize_axis(int axis, int rank, const std::string& what) {
    require(axis >= -rank && axis < rank, [&] {
        return what + " axis must be in [" + std::to_string(-rank) + ", " + std::to_string(rank) + ") for a " +
               std::to_string(rank) + "-D input, got " + std::to_string(axis);
    });
    return axis < 0 ? axis + rank : axis;
}

// The array as outer x shape[axis] x inner.
struct AxisSplit {
    int64_t outer = 1, mid = 1, inner = 1;
    AxisSplit(const py::array& a, int axis) {
        for (int d = 0; d < a.ndim(); ++d) (d < axis ? outer : d == axis ? mid : inner) *= a.shape(d);
    }
};

// A per-channel parameter vector of length `channels`; None allowed when `optional`.
std::optional<FloatArray> channel_param(const py::object& obj, const std::string& what, int64_t channels,
                                        bool optional) {
    require(optional || !obj.is_none(), [&] { return what + " is required, got None"; });
    std::optional<FloatArray> p = optional_float32(obj, what, 1, "C");
    if (p) require_shape(*p, {channels}, what);
    return p;
}

void require_eps(double eps, const std::string& what) {
    require(std::isfinite(eps) && eps >= 0.0, [&] { return what + " eps must be a finite number >= 0, got " + number(eps); });
}

// The four batch-norm parameter vectors of one call, checked against the channel count.
struct BatchNormParams {
    std::optional<FloatArray> mean, var, weight, bias;
    BatchNormParams(const std::string& op, int64_t channels, const py::object& mean_obj, const py::object& var_obj,
                    const py::object& weight_obj, const py::object& bias_obj, double eps)
        : mean(channel_param(mean_obj, op + " mean", channels, false)),
          var(channel_param(var_obj, op + " var", channels, false)),
          weight(channel_param(weight_obj, op + " weight", channels, true)),
          bias(channel_param(bias_obj, op + " bias", channels, true)) {
        require_eps(eps, op);
    }
};

using BatchNormKernel = void (*)(const float*, float*, int64_t, int64_t, int64_t, const float*, const float*,
                                 const float*, const float*, double);

template <BatchNormKernel kernel>
FloatArray run_batch_norm(const py::object& x_obj, const py::object& mean, const py::object& var,
                          const py::object& weight, const py::object& bias, double eps, const py::object& out_obj) {
    const FloatArray x = require_nc_or_nchw(x_obj, "batch_norm input");
    const AxisSplit s(x, 1);
    const BatchNormParams p("batch_norm", s.mid, mean, var, weight, bias, eps);
    FloatArray y = output_array(out_obj, shape_of(x), "batch_norm out");
    require_same_or_disjoint(y, x, "batch_norm input");
    require_disjoint(y, p.mean, "batch_norm mean");
    require_disjoint(y, p.var, "batch_norm var");
    require_disjoint(y, p.weight, "batch_norm weight");
    require_disjoint(y, p.bias, "batch_norm bias");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    kernel(x.data(), out, s.outer, s.mid, s.inner, p.mean->data(), p.var->data(), data_or_null(p.weight),
           data_or_null(p.bias), eps);
    return y;
}

using SoftmaxKernel = void (*)(const float*, float*, int64_t, int64_t, int64_t);

template <SoftmaxKernel kernel>
FloatArray run_softmax(const py::object& x_obj, int axis, const py::object& out_obj) {
    const FloatArray x = require_nc_or_nchw(x_obj, "softmax input");
    const AxisSplit s(x, normalize_axis(axis, static_cast<int>(x.ndim()), "softmax"));
    FloatArray y = output_array(out_obj, shape_of(x), "softmax out");
    require_same_or_disjoint(y, x, "softmax input");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    kernel(x.data(), out, s.outer, s.mid, s.inner);
    return y;
}

using LrnKernel = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, double, double, double);

template <LrnKernel kernel>
FloatArray run_lrn(const py::object& x_obj, int64_t size, double alpha, double beta, double k,
                   const py::object& out_obj) {
    const FloatArray x = require_float32(x_obj, "lrn input", 4, "N x C x H x W");
    require(size >= 1, [&] { return "lrn size must be >= 1, got " + std::to_string(size); });
    require(std::isfinite(alpha), [&] { return "lrn alpha must be finite, got " + number(alpha); });
    require(std::isfinite(beta), [&] { return "lrn beta must be finite, got " + number(beta); });
    require(std::isfinite(k), [&] { return "lrn k must be finite, got " + number(k); });
    const AxisSplit s(x, 1);
    FloatArray y = output_array(out_obj, shape_of(x), "lrn out");
    require_disjoint(y, x, "lrn input");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    kernel(x.data(), out, s.outer, s.mid, s.inner, size, alpha, beta, k);
    return y;
}

py::tuple run_fold_batch_norm(const py::object& w_obj, const py::object& b_obj, const py::object& mean,
                              const py::object& var, const py::object& weight, const py::object& bias, double eps,
                              const py::object& out_weight) {
    const FloatArray w = require_float32(w_obj, "fold_batch_norm conv_weight", -1, "Cout x Cin/groups x kh x kw");
    require(w.ndim() == 4 || w.ndim() == 2,
            "fold_batch_norm conv_weight must be 4-D (Cout x Cin/groups x kh x kw) or 2-D (out x in), got shape " +
                shape_string(w));
    const int64_t out_channels = w.shape(0), per_output = w.size() / out_channels;
    const std::optional<FloatArray> conv_bias = channel_param(b_obj, "fold_batch_norm conv_bias", out_channels, true);
    const BatchNormParams p("fold_batch_norm", out_channels, mean, var, weight, bias, eps);
    // Each weight is read before it is written, so out_weight may be conv_weight itself.
    FloatArray new_w = output_array(out_weight, shape_of(w), "fold_batch_norm out_weight");
    require_same_or_disjoint(new_w, w, "fold_batch_norm conv_weight");
    FloatArray new_b = new_float_array({out_channels});
    float* w_out = new_w.mutable_data();
    float* b_out = new_b.mutable_data();
    {
        py::gil_scoped_release release;
        fold_batch_norm(w.data(), data_or_null(conv_bias), out_channels, per_output, p.mean->data(), p.var->data(),
                        data_or_null(p.weight), data_or_null(p.bias), eps, w_out, b_out);
    }
    return py::make_tuple(new_w, new_b);
}

FloatArray run_concat(const py::object& seq, int axis, const py::object& out_obj) {
    if (!py::isinstance<py::list>(seq) && !py::isinstance<py::tuple>(seq))
        throw py::type_error("concat takes a list or tuple of float32 arrays, got " +
                             std::string(py::str(py::type::handle_of(seq).attr("__name__"))));
    const py::sequence items = py::reinterpret_borrow<py::sequence>(seq);
    require(py::len(items) >= 1, "concat needs at least one input array, got an empty sequence");
    std::vector<FloatArray> inputs;
    for (size_t i = 0; i < py::len(items); ++i) {
        const std::string what = "concat input " + std::to_string(i);
        inputs.push_back(require_nc_or_nchw(items[i], what));
    }
    const FloatArray& first = inputs[0];
    const int rank = static_cast<int>(first.ndim());
    axis = normalize_axis(axis, rank, "concat");
    std::vector<int64_t> out_shape = shape_of(first);
    out_shape[axis] = 0;
    std::vector<const float*> data;
    std::vector<int64_t> rows;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const FloatArray& a = inputs[i];
        bool same = a.ndim() == rank;
        for (int d = 0; same && d < rank; ++d) same = d == axis || a.shape(d) == first.shape(d);
        require(same, [&] {
            return "concat input " + std::to_string(i) + " has shape " + shape_string(a) + " but input 0 has shape " +
                   shape_string(first) + ": all dimensions except axis " + std::to_string(axis) + " must match";
        });
        out_shape[axis] += a.shape(axis);
        const AxisSplit s(a, axis);
        data.push_back(a.data());
        rows.push_back(s.mid * s.inner);
    }
    FloatArray y = output_array(out_obj, out_shape, "concat out");
    for (size_t i = 0; i < inputs.size(); ++i) require_disjoint(y, inputs[i], "concat input " + std::to_string(i));
    float* out = y.mutable_data();
    const int64_t outer = AxisSplit(first, axis).outer;
    py::gil_scoped_release release;
    concat(data.data(), rows.data(), static_cast<int64_t>(data.size()), outer, out);
    return y;
}

// The in-place ReLU writes through the caller's buffer, so it cannot work on a copy.
py::array run_relu_inplace(const py::object& x_obj) {
    const FloatArray x = require_float32(x_obj, "relu_ input", -1, "any shape");
    py::array original = py::reinterpret_borrow<py::array>(x_obj);
    require(original.flags() & py::array::c_style,
            "relu_ input must be C-contiguous to be modified in place, got a strided view of shape " +
                shape_string(original) + " (use relu, or np.ascontiguousarray first)");
    require(original.writeable(), "relu_ input is read-only");
    float* data = static_cast<float*>(original.mutable_data());
    const int64_t n = original.size();
    {
        py::gil_scoped_release release;
        relu(data, data, n);
    }
    return original;
}

}  // namespace

void register_elementwise(py::module_& m) {
    def_with_out(
        m, "relu", true,
        [](const py::object& x_obj, const py::object& out_obj) {
            const FloatArray x = require_float32(x_obj, "relu input", -1, "any shape");
            FloatArray y = output_array(out_obj, shape_of(x), "relu out");
            require_same_or_disjoint(y, x, "relu input");
            float* out = y.mutable_data();
            py::gil_scoped_release release;
            relu(x.data(), out, x.size());
            return y;
        },
        py::arg("x"), "max(x, 0) (any shape) into a new array, or into out (out=x works in place).");
    m.def("relu_", &run_relu_inplace, py::arg("x"),
          "max(x, 0) in place on a C-contiguous, writeable float32 array; returns x.");
    def_with_out(
        m, "add", true,
        [](const py::object& a_obj, const py::object& b_obj, bool relu_flag, const py::object& out_obj) {
            const FloatArray a = require_float32(a_obj, "add a", -1, "any shape");
            const FloatArray b = require_float32(b_obj, "add b", -1, "same shape as a");
            require_shape(b, shape_of(a), "add b (the shape of a)");
            FloatArray y = output_array(out_obj, shape_of(a), "add out");
            require_same_or_disjoint(y, a, "add a");
            require_same_or_disjoint(y, b, "add b");
            float* out = y.mutable_data();
            py::gil_scoped_release release;
            add(a.data(), b.data(), out, a.size(), relu_flag);
            return y;
        },
        py::arg("a"), py::arg("b"), py::arg("relu") = false,
        "a + b (same shapes), with ReLU fused when relu=True; out=a or out=b works in place.");

    const auto bn_args = [&](const char* name, bool with_out, auto entry, const char* doc) {
        def_with_out(m, name, with_out, entry, py::arg("x"), py::arg("mean"), py::arg("var"),
                     py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("eps") = 1e-5, doc);
    };
    bn_args("batch_norm", true, &run_batch_norm<batch_norm_inference>,
            "Inference batch norm over dim 1 of N x C or N x C x H x W: x * scale + shift with "
            "scale = weight / sqrt(var + eps), shift = bias - mean * scale. weight/bias None mean 1/0. "
            "out=x works in place.");
    bn_args("batch_norm_ref", false, &run_batch_norm<batch_norm_ref>,
            "Reference twin of batch_norm: (x - mean) / sqrt(var + eps) * weight + bias in double.");
    m.def("fold_batch_norm", &run_fold_batch_norm, py::arg("conv_weight"), py::arg("conv_bias"), py::arg("mean"),
          py::arg("var"), py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("eps") = 1e-5,
          py::kw_only(), py::arg("out_weight") = py::none(),
          "(new_weight, new_bias) of a conv (Cout x Cin/g x kh x kw) or dense (out x in) layer with the "
          "following inference batch norm folded in; conv_bias may be None. out_weight receives the new "
          "weight (conv_weight itself folds in place).");

    def_with_out(m, "softmax", true, &run_softmax<softmax>, py::arg("x"), py::arg("axis") = 1,
                 "Numerically stable softmax of an N x K or N x C x H x W array over `axis`; out=x works in "
                 "place.");
    def_with_out(m, "softmax_ref", false, &run_softmax<softmax_ref>, py::arg("x"), py::arg("axis") = 1,
                 "Reference twin of softmax (double, single-threaded).");

    const auto lrn_args = [&](const char* name, bool with_out, auto entry, const char* doc) {
        def_with_out(m, name, with_out, entry, py::arg("x"), py::arg("size"), py::arg("alpha") = 1e-4,
                     py::arg("beta") = 0.75, py::arg("k") = 1.0, doc);
    };
    lrn_args("lrn", true, &run_lrn<lrn>,
             "Local response norm across channels, as torch.nn.functional.local_response_norm (N x C x H x W); "
             "out must not overlap x.");
    lrn_args("lrn_ref", false, &run_lrn<lrn_ref>, "Reference twin of lrn (direct window sums, std::pow in double).");

    def_with_out(m, "concat", true, &run_concat, py::arg("arrays"), py::arg("axis") = 1,
                 "Concatenate N x C x H x W (or N x C) float32 arrays along `axis` (default: channels); out "
                 "must not overlap any input.");
}

}  // namespace cnnengine::bindings
