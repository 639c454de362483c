// Argument checks shared by the binding files: every numpy input is validated here (type, dtype,
// rank, emptiness) so that bad input becomes a Python exception naming what was expected and
// what came, never a crash. Non-contiguous float32 arrays are copied; other dtypes are refused.
// Outputs given as out= are never copied: they must already be what the kernel writes into.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace cnnengine::bindings {

namespace py = pybind11;
using FloatArray = py::array_t<float, py::array::c_style>;

std::string shape_string(const py::array& array);
inline std::vector<int64_t> shape_of(const py::array& a) { return std::vector<int64_t>(a.shape(), a.shape() + a.ndim()); }
std::string shape_string(const std::vector<int64_t>& shape);

// `what` names the argument in messages ("conv2d input"); `layout` describes the expected
// dimensions ("N x C x H x W"); rank < 0 accepts any rank.
FloatArray require_float32(const py::handle& obj, const std::string& what, int rank, const char* layout);

// Same, but None is allowed and gives std::nullopt.
std::optional<FloatArray> optional_float32(const py::handle& obj, const std::string& what, int rank, const char* layout);

// Raises ValueError unless `array` has exactly `expected` as its shape.
void require_shape(const FloatArray& array, const std::vector<int64_t>& expected, const std::string& what);

inline const float* data_or_null(const std::optional<FloatArray>& array) {
    return array ? array->data() : nullptr;
}

FloatArray new_float_array(const std::vector<int64_t>& shape);

// The out= argument of a kernel binding. None gives new_float_array(shape); otherwise `out` must
// be a writeable, C-contiguous float32 numpy array of exactly `shape` (TypeError for another type
// or dtype, ValueError otherwise; `what` names it, e.g. "conv2d out"). It is never copied: the
// result refers to the caller's array, so a binding that returns it returns `out` itself.
FloatArray output_array(const py::object& out, const std::vector<int64_t>& shape, const std::string& what);

// Aliasing of an output with an input, as numpy does it: the byte ranges [data, data + nbytes)
// are compared. Inputs come from require_float32, so they are the C-contiguous arrays that the
// kernel reads (a strided input was copied and overlaps nothing). `what` names the input.
// require_disjoint: ValueError when out overlaps the input at all (kernels that read an input
// after writing some of out).
void require_disjoint(const FloatArray& out, const FloatArray& input, const std::string& what);
void require_disjoint(const FloatArray& out, const std::optional<FloatArray>& input, const std::string& what);
// require_same_or_disjoint: out may also be exactly the input (same data and size), for the
// element-wise kernels that read element i before writing element i; a partial overlap raises.
void require_same_or_disjoint(const FloatArray& out, const FloatArray& input, const std::string& what);

// Raises ValueError with `message` when `condition` is false.
void require(bool condition, const std::string& message);
// The same for checks on every call: `make_message()` builds the message only when one is raised.
template <typename MakeMessage, typename = std::enable_if_t<std::is_invocable_r_v<std::string, MakeMessage>>>
void require(bool condition, MakeMessage&& make_message) {
    if (!condition) throw py::value_error(make_message());
}

}  // namespace cnnengine::bindings
