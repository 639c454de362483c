// Argument checks shared by the binding files: every numpy input is validated here (type, dtype,
// rank, emptiness) so that bad input becomes a Python exception naming what was expected and
// what came, never a crash. Non-contiguous float32 arrays are copied; other dtypes are refused.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnengine::bindings {

namespace py = pybind11;
using FloatArray = py::array_t<float, py::array::c_style>;

std::string shape_string(const py::array& array);

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

// Raises ValueError with `message` when `condition` is false.
void require(bool condition, const std::string& message);

}  // namespace cnnengine::bindings
