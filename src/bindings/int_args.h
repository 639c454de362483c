// Integer hyper-parameters given from Python as an int or a tuple (PyTorch style).
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <string>

namespace cnnengine::bindings {

// An int n gives (n, n); a 2-sequence gives (h, w). ValueError names `what` otherwise.
std::array<int64_t, 2> int_pair(const pybind11::handle& obj, const std::string& what);

// Padding as (top, left, bottom, right): an int, (h, w) or (top, left, bottom, right).
std::array<int64_t, 4> padding_quad(const pybind11::handle& obj, const std::string& what);

}  // namespace cnnengine::bindings
