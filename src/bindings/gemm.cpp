// SGEMM bindings: C = A @ B with optional fused epilogue, A packed per call or once (PackedMatrix).
// sgemm and PackedMatrix.matmul take out=, a C-contiguous M x N float32 array that overlaps no
// operand: B is read while C is written, and K blocks are summed into C before the epilogue
// reads the biases and the residual.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "bindings/array_checks.h"
#include "bindings/families.h"
#include "gemm/sgemm_driver.h"
#include "gemm/sgemm_ref.h"

namespace cnnengine::bindings {

namespace {

// The epilogue operands of one call, checked against C's shape.
struct EpilogueArgs {
    std::optional<FloatArray> row_bias, col_bias, residual;
    bool relu;

    EpilogueArgs(const py::object& row_bias_obj, const py::object& col_bias_obj,
                 const py::object& residual_obj, bool relu_flag, int64_t rows, int64_t cols)
        : row_bias(optional_float32(row_bias_obj, "row_bias", 1, "M")),
          col_bias(optional_float32(col_bias_obj, "col_bias", 1, "N")),
          residual(optional_float32(residual_obj, "residual", 2, "M x N")),
          relu(relu_flag) {
        if (row_bias) require_shape(*row_bias, {rows}, "row_bias");
        if (col_bias) require_shape(*col_bias, {cols}, "col_bias");
        if (residual) require_shape(*residual, {rows, cols}, "residual");
    }
};

// out= (or a new array) for C = A @ B, checked not to overlap B or the epilogue operands; sgemm
// checks A itself (a PackedMatrix holds its own copy).
FloatArray gemm_output(const py::object& out, const std::string& op, int64_t rows, const FloatArray& b,
                       const EpilogueArgs& ep) {
    FloatArray c = output_array(out, {rows, b.shape(1)}, op + " out");
    require_disjoint(c, b, op + " B");
    require_disjoint(c, ep.row_bias, "row_bias");
    require_disjoint(c, ep.col_bias, "col_bias");
    require_disjoint(c, ep.residual, "residual");
    return c;
}

// C = A @ B with the epilogue; A is a row-major matrix (packed block by block by the driver) or
// a PackedMatrix held by Python.
FloatArray run_packed(FloatArray c, const FloatArray& b, const EpilogueArgs& ep, const GemmA& a) {
    const int64_t cols = b.shape(1);
    GemmOutput out;
    out.c = c.mutable_data();
    out.ldc = cols;
    out.row_bias = data_or_null(ep.row_bias);
    out.col_bias = data_or_null(ep.col_bias);
    out.residual = data_or_null(ep.residual);
    out.ldr = cols;
    out.relu = ep.relu;
    py::gil_scoped_release release;
    MatrixBPacker packer(b.data(), cols);
    sgemm(a, GemmB{&packer, nullptr, cols}, out);
    return c;
}

void require_inner(int64_t a_cols, const FloatArray& b) {
    require(b.shape(0) == a_cols, [&] {
        return "sgemm: inner dimensions differ: A is M x " + std::to_string(a_cols) + " but B is " +
               std::to_string(b.shape(0)) + " x N";
    });
}

}  // namespace

void register_gemm(py::module_& m) {
    m.def(
        "sgemm",
        [](const py::object& a_obj, const py::object& b_obj, const py::object& row_bias,
           const py::object& col_bias, const py::object& residual, bool relu, const py::object& out) {
            const FloatArray a = require_float32(a_obj, "sgemm A", 2, "M x K");
            const FloatArray b = require_float32(b_obj, "sgemm B", 2, "K x N");
            require_inner(a.shape(1), b);
            const EpilogueArgs ep(row_bias, col_bias, residual, relu, a.shape(0), b.shape(1));
            FloatArray c = gemm_output(out, "sgemm", a.shape(0), b, ep);
            require_disjoint(c, a, "sgemm A");
            return run_packed(std::move(c), b, ep, GemmA(a.data(), a.shape(1), a.shape(0), a.shape(1)));
        },
        py::arg("a"), py::arg("b"), py::kw_only(), py::arg("row_bias") = py::none(),
        py::arg("col_bias") = py::none(), py::arg("residual") = py::none(), py::arg("relu") = false,
        py::arg("out") = py::none(),
        "C = relu?(A @ B + row_bias[:, None] + col_bias[None, :] + residual), packed and blocked; "
        "into out when given (C-contiguous float32 M x N, overlapping no operand).");

    m.def(
        "sgemm_ref",
        [](const py::object& a_obj, const py::object& b_obj, const py::object& row_bias,
           const py::object& col_bias, const py::object& residual, bool relu) {
            const FloatArray a = require_float32(a_obj, "sgemm A", 2, "M x K");
            const FloatArray b = require_float32(b_obj, "sgemm B", 2, "K x N");
            require_inner(a.shape(1), b);
            const int64_t rows = a.shape(0), cols = b.shape(1), depth = a.shape(1);
            const EpilogueArgs ep(row_bias, col_bias, residual, relu, rows, cols);
            FloatArray c = new_float_array({rows, cols});
            float* c_data = c.mutable_data();
            py::gil_scoped_release release;
            sgemm_ref(rows, cols, depth, a.data(), depth, b.data(), cols, c_data, cols,
                      data_or_null(ep.row_bias), data_or_null(ep.col_bias),
                      data_or_null(ep.residual), cols, ep.relu);
            return c;
        },
        py::arg("a"), py::arg("b"), py::kw_only(), py::arg("row_bias") = py::none(),
        py::arg("col_bias") = py::none(), py::arg("residual") = py::none(), py::arg("relu") = false,
        "Reference twin of sgemm: plain loops, double accumulation.");

    py::class_<PackedA>(m, "PackedMatrix",
                        "A left operand (M x K) packed once into micro-kernel panels, reused by matmul.")
        .def(py::init([](const py::object& a_obj) {
                 const FloatArray a = require_float32(a_obj, "PackedMatrix A", 2, "M x K");
                 py::gil_scoped_release release;
                 return PackedA(a.data(), a.shape(1), a.shape(0), a.shape(1));
             }),
             py::arg("a"))
        .def_property_readonly("shape", [](const PackedA& a) { return py::make_tuple(a.rows(), a.depth()); })
        .def_property_readonly("nbytes", &PackedA::bytes)
        .def(
            "matmul",
            [](const PackedA& a, const py::object& b_obj, const py::object& row_bias,
               const py::object& col_bias, const py::object& residual, bool relu, const py::object& out) {
                const FloatArray b = require_float32(b_obj, "PackedMatrix.matmul B", 2, "K x N");
                require_inner(a.depth(), b);
                const EpilogueArgs ep(row_bias, col_bias, residual, relu, a.rows(), b.shape(1));
                FloatArray c = gemm_output(out, "PackedMatrix.matmul", a.rows(), b, ep);
                return run_packed(std::move(c), b, ep, a);
            },
            py::arg("b"), py::kw_only(), py::arg("row_bias") = py::none(), py::arg("col_bias") = py::none(),
            py::arg("residual") = py::none(), py::arg("relu") = false, py::arg("out") = py::none());
}

}  // namespace cnnengine::bindings
