#include "bindings/int_args.h"

#include <vector>

namespace cnnengine::bindings {

namespace py = pybind11;

namespace {

std::vector<int64_t> int_list(const py::handle& obj, const std::string& what, const char* expected) {
    if (py::isinstance<py::bool_>(obj)) throw py::value_error(what + " must be " + expected + ", got a bool");
    if (py::isinstance<py::int_>(obj)) return {obj.cast<int64_t>()};
    if (py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj)) {
        std::vector<int64_t> values;
        for (const py::handle item : obj) {
            if (!py::isinstance<py::int_>(item) || py::isinstance<py::bool_>(item))
                throw py::value_error(what + " must be " + expected + ", got " + std::string(py::repr(obj)));
            values.push_back(item.cast<int64_t>());
        }
        return values;
    }
    throw py::value_error(what + " must be " + expected + ", got " + std::string(py::repr(obj)));
}

}  // namespace

std::array<int64_t, 2> int_pair(const py::handle& obj, const std::string& what) {
    const std::vector<int64_t> v = int_list(obj, what, "an int or a pair of ints");
    if (v.size() == 1) return {v[0], v[0]};
    if (v.size() == 2) return {v[0], v[1]};
    throw py::value_error(what + " must be an int or a pair of ints, got " + std::string(py::repr(obj)));
}

std::array<int64_t, 4> padding_quad(const py::handle& obj, const std::string& what) {
    const char* expected = "an int, (h, w) or (top, left, bottom, right)";
    const std::vector<int64_t> v = int_list(obj, what, expected);
    if (v.size() == 1) return {v[0], v[0], v[0], v[0]};
    if (v.size() == 2) return {v[0], v[1], v[0], v[1]};
    if (v.size() == 4) return {v[0], v[1], v[2], v[3]};
    throw py::value_error(what + " must be " + expected + ", got " + std::string(py::repr(obj)));
}

}  // namespace cnnengine::bindings
