// Pooling bindings: max_pool2d, avg_pool2d, adaptive_avg_pool2d (NCHW float32, PyTorch's
// signatures and output shapes) and their *_ref twins. Window parameters accept an int or an
// (h, w) pair, padding also (top, left, bottom, right) (bindings/int_args.h); the C++ side (pool/pool2d_shape.cpp) checks their values.
// The optimized kernels take out= (bindings/out_arg.h), which must not overlap the input: output
// planes are written while input planes are still being read. Kernels: src/pool/.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <string>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "bindings/int_args.h"
#include "bindings/out_arg.h"
#include "bindings/plan_steps.h"
#include "pool/pool2d.h"

namespace cnnengine::bindings {

namespace {

using PoolKernel = void (*)(const float*, float*, const Pool2dShape&, const Pool2dParams&);
using AdaptiveKernel = void (*)(const float*, float*, const Pool2dShape&);

constexpr const char* kLayout = "N x C x H x W";

// output_size as an int or a pair whose None entries keep the input size (PyTorch's rule).
std::array<int64_t, 2> output_size_pair(const py::object& obj, const std::string& what, int64_t in_h,
                                        int64_t in_w) {
    const bool pair = (py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) && py::len(obj) == 2;
    if (!pair) return int_pair(obj, what);
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    return int_pair(py::make_tuple(seq[0].is_none() ? py::int_(in_h) : py::object(seq[0]),
                                   seq[1].is_none() ? py::int_(in_w) : py::object(seq[1])),
                    what);
}

void set_pair(int64_t& h, int64_t& w, const std::array<int64_t, 2>& hw) {
    h = hw[0];
    w = hw[1];
}

Pool2dParams window_params(const std::string& op, const py::object& kernel_size, const py::object& stride,
                           const py::object& padding, bool ceil_mode) {
    Pool2dParams p;
    set_pair(p.kernel_h, p.kernel_w, int_pair(kernel_size, op + ": kernel_size"));
    set_pair(p.stride_h, p.stride_w,
             stride.is_none() ? std::array<int64_t, 2>{p.kernel_h, p.kernel_w} : int_pair(stride, op + ": stride"));
    const auto pad = padding_quad(padding, op + ": padding");
    p.pad_top = pad[0], p.pad_left = pad[1], p.pad_bottom = pad[2], p.pad_right = pad[3];
    p.ceil_mode = ceil_mode;
    return p;
}

// The call of kernel(x, y) for N x C x out_h x out_w outputs, into out= (or a new array).
template <class Kernel>
auto planes_call(const std::string& op, const FloatArray& x, const Pool2dShape& s, const py::object& out_obj,
                 Kernel kernel) {
    FloatArray y = output_array(out_obj, {x.shape(0), x.shape(1), s.out_h, s.out_w}, op + " out");
    require_disjoint(y, x, op + " input");
    float* out = y.mutable_data();
    return KernelCall{y, [kernel, out](const float* in) { kernel(in, out); }};
}

auto pool_call(const char* op, const FloatArray& x, const Pool2dParams& p, PoolKernel kernel, const py::object& out) {
    const Pool2dShape s = pool2d_shape(op, x.shape(0) * x.shape(1), x.shape(2), x.shape(3), p);
    return planes_call(op, x, s, out, [kernel, s, p](const float* in, float* y) { kernel(in, y, s, p); });
}

auto adaptive_pool_call(const char* op, const FloatArray& x, const py::object& output_size, AdaptiveKernel kernel,
                        const py::object& out) {
    const auto [out_h, out_w] = output_size_pair(output_size, std::string(op) + ": output_size", x.shape(2), x.shape(3));
    const Pool2dShape s = adaptive_pool2d_shape(op, x.shape(0) * x.shape(1), x.shape(2), x.shape(3), out_h, out_w);
    return planes_call(op, x, s, out, [kernel, s](const float* in, float* y) { kernel(in, y, s); });
}

Pool2dParams max_pool_params(const char* op, const py::object& kernel_size, const py::object& stride,
                             const py::object& padding, const py::object& dilation, bool ceil_mode) {
    Pool2dParams p = window_params(op, kernel_size, stride, padding, ceil_mode);
    set_pair(p.dilation_h, p.dilation_w, int_pair(dilation, std::string(op) + ": dilation"));
    return p;
}

// with_out: the optimized kernel, which takes out=; the *_ref twins keep their signatures.
void def_max_pool(py::module_& m, const char* name, PoolKernel kernel, bool with_out, const char* doc) {
    def_with_out(
        m, name, with_out,
        [name, kernel](const py::object& input, const py::object& kernel_size, const py::object& stride,
                       const py::object& padding, const py::object& dilation, bool ceil_mode, const py::object& out) {
            const Pool2dParams p = max_pool_params(name, kernel_size, stride, padding, dilation, ceil_mode);
            const FloatArray x = require_float32(input, std::string(name) + " input", 4, kLayout);
            return run_now(x, pool_call(name, x, p, kernel, out));
        },
        py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("dilation") = 1, py::arg("ceil_mode") = false, doc);
}

void def_avg_pool(py::module_& m, const char* name, PoolKernel kernel, bool with_out, const char* doc) {
    def_with_out(
        m, name, with_out,
        [name, kernel](const py::object& input, const py::object& kernel_size, const py::object& stride,
                       const py::object& padding, bool ceil_mode, bool count_include_pad, const py::object& out) {
            Pool2dParams p = window_params(name, kernel_size, stride, padding, ceil_mode);
            p.count_include_pad = count_include_pad;
            const FloatArray x = require_float32(input, std::string(name) + " input", 4, kLayout);
            return run_now(x, pool_call(name, x, p, kernel, out));
        },
        py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
        py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, doc);
}

void def_adaptive_avg_pool(py::module_& m, const char* name, AdaptiveKernel kernel, bool with_out,
                           const char* doc) {
    def_with_out(
        m, name, with_out,
        [name, kernel](const py::object& input, const py::object& output_size, const py::object& out) {
            const FloatArray x = require_float32(input, std::string(name) + " input", 4, kLayout);
            return run_now(x, adaptive_pool_call(name, x, output_size, kernel, out));
        },
        py::arg("input"), py::arg("output_size"), doc);
}

}  // namespace

void register_pool(py::module_& m) {
    def_max_pool(m, "max_pool2d", &max_pool2d, true,
                 "Max pooling as torch.nn.functional.max_pool2d (-inf padding, dilation, ceil_mode); "
                 "threaded over N*C planes.");
    def_max_pool(m, "max_pool2d_ref", &max_pool2d_ref, false, "Reference twin of max_pool2d: plain loops.");
    def_avg_pool(m, "avg_pool2d", &avg_pool2d, true,
                 "Average pooling as torch.nn.functional.avg_pool2d (zero padding, ceil_mode, "
                 "count_include_pad); threaded over N*C planes.");
    def_avg_pool(m, "avg_pool2d_ref", &avg_pool2d_ref, false,
                 "Reference twin of avg_pool2d: plain loops, double sums.");
    def_adaptive_avg_pool(m, "adaptive_avg_pool2d", &adaptive_avg_pool2d, true,
                          "Adaptive average pooling as torch.nn.functional.adaptive_avg_pool2d; output_size "
                          "(1, 1) is global average pooling. None in output_size keeps that input size.");
    def_adaptive_avg_pool(m, "adaptive_avg_pool2d_ref", &adaptive_avg_pool2d_ref, false,
                          "Reference twin of adaptive_avg_pool2d: plain loops, double sums.");

    m.def(
        "bind_max_pool2d",
        [](PlanSteps& steps, const py::object& input, const py::object& kernel_size, const py::object& stride,
           const py::object& padding, const py::object& dilation, bool ceil_mode, const py::object& out) {
            const char* op = "max_pool2d";
            const Pool2dParams p = max_pool_params(op, kernel_size, stride, padding, dilation, ceil_mode);
            const StepInput x = steps.input(input, std::string(op) + " input", 4, kLayout);
            steps.add(py::none(), pool_call(op, x.array, p, &max_pool2d, out), x);
        },
        py::arg("steps"), py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("ceil_mode"), py::arg("out"), "max_pool2d(...) as a call of steps.");
    m.def(
        "bind_adaptive_avg_pool2d",
        [](PlanSteps& steps, const py::object& input, const py::object& output_size, const py::object& out) {
            const char* op = "adaptive_avg_pool2d";
            const StepInput x = steps.input(input, std::string(op) + " input", 4, kLayout);
            steps.add(py::none(), adaptive_pool_call(op, x.array, output_size, &adaptive_avg_pool2d, out), x);
        },
        py::arg("steps"), py::arg("input"), py::arg("output_size"), py::arg("out"),
        "adaptive_avg_pool2d(...) as a call of steps.");
}

}  // namespace cnnengine::bindings
