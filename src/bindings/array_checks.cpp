#include "bindings/array_checks.h"

#include <sstream>

namespace cnnengine::bindings {

std::string shape_string(const py::array& array) {
    std::ostringstream s;
    s << "(";
    for (py::ssize_t i = 0; i < array.ndim(); ++i) s << (i ? ", " : "") << array.shape(i);
    if (array.ndim() == 1) s << ",";
    s << ")";
    return s.str();
}

FloatArray require_float32(const py::handle& obj, const std::string& what, int rank, const char* layout) {
    if (!py::isinstance<py::array>(obj))
        throw py::type_error(what + " must be a numpy float32 array (" + layout + "), got " +
                             std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
    const py::array array = py::reinterpret_borrow<py::array>(obj);
    if (!array.dtype().is(py::dtype::of<float>()))
        throw py::type_error(what + " must be float32 (" + layout + "), got " +
                             std::string(py::str(array.dtype())) + " array of shape " + shape_string(array));
    if (rank >= 0 && array.ndim() != rank)
        throw py::value_error(what + " must be " + std::to_string(rank) + "-D (" + layout + "), got shape " +
                              shape_string(array));
    if (array.size() == 0)
        throw py::value_error(what + " is empty: shape " + shape_string(array) + " (" + layout + ")");
    return FloatArray::ensure(array);
}

std::optional<FloatArray> optional_float32(const py::handle& obj, const std::string& what, int rank,
                                           const char* layout) {
    if (obj.is_none()) return std::nullopt;
    return require_float32(obj, what, rank, layout);
}

void require_shape(const FloatArray& array, const std::vector<int64_t>& expected, const std::string& what) {
    bool same = array.ndim() == static_cast<py::ssize_t>(expected.size());
    for (size_t i = 0; same && i < expected.size(); ++i) same = array.shape(i) == expected[i];
    if (same) return;
    std::ostringstream s;
    s << what << " must have shape (";
    for (size_t i = 0; i < expected.size(); ++i) s << (i ? ", " : "") << expected[i];
    if (expected.size() == 1) s << ",";
    s << "), got " << shape_string(array);
    throw py::value_error(s.str());
}

FloatArray new_float_array(const std::vector<int64_t>& shape) {
    return FloatArray(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

void require(bool condition, const std::string& message) {
    if (!condition) throw py::value_error(message);
}

}  // namespace cnnengine::bindings
