#include "bindings/array_checks.h"

#include <cstdint>
#include <sstream>

namespace cnnengine::bindings {

namespace {

bool has_shape(const py::array& array, const std::vector<int64_t>& shape) {
    bool same = array.ndim() == static_cast<py::ssize_t>(shape.size());
    for (size_t i = 0; same && i < shape.size(); ++i) same = array.shape(i) == shape[i];
    return same;
}

// How two arrays' byte ranges [data, data + nbytes) meet.
enum class Overlap { none, same, partial };

Overlap overlap(const py::array& a, const py::array& b) {
    const auto a0 = reinterpret_cast<std::uintptr_t>(a.data()), b0 = reinterpret_cast<std::uintptr_t>(b.data());
    const auto a1 = a0 + static_cast<std::uintptr_t>(a.nbytes()), b1 = b0 + static_cast<std::uintptr_t>(b.nbytes());
    if (a1 <= b0 || b1 <= a0) return Overlap::none;
    return a0 == b0 && a1 == b1 ? Overlap::same : Overlap::partial;
}

// Native float32, compared by value: arrays that went through pickle or Ray's object store carry
// an equal dtype that is not numpy's float32 singleton.
bool is_float32(const py::array& array) {
    return py::detail::npy_api::get().PyArray_EquivTypes_(array.dtype().ptr(), py::dtype::of<float>().ptr());
}

}  // namespace

std::string shape_string(const std::vector<int64_t>& shape) {
    std::ostringstream s;
    s << "(";
    for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    if (shape.size() == 1) s << ",";
    s << ")";
    return s.str();
}

std::string shape_string(const py::array& array) {
    return shape_string(std::vector<int64_t>(array.shape(), array.shape() + array.ndim()));
}

FloatArray require_float32(const py::handle& obj, const std::string& what, int rank, const char* layout) {
    if (!py::isinstance<py::array>(obj))
        throw py::type_error(what + " must be a numpy float32 array (" + layout + "), got " +
                             std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
    const py::array array = py::reinterpret_borrow<py::array>(obj);
    if (!is_float32(array))
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
    if (!has_shape(array, expected))
        throw py::value_error(what + " must have shape " + shape_string(expected) + ", got " + shape_string(array));
}

FloatArray new_float_array(const std::vector<int64_t>& shape) {
    return FloatArray(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

FloatArray output_array(const py::object& out, const std::vector<int64_t>& shape, const std::string& what) {
    if (out.is_none()) return new_float_array(shape);
    // Messages are built only on failure: this runs on every kernel call of a model.
    auto expected = [&] {
        return what + " must be a writeable C-contiguous float32 array of shape " + shape_string(shape) + ", got ";
    };
    if (!py::isinstance<py::array>(out))
        throw py::type_error(expected() + std::string(py::str(py::type::handle_of(out).attr("__name__"))));
    const py::array array = py::reinterpret_borrow<py::array>(out);
    auto came = [&] { return std::string(py::str(array.dtype())) + " array of shape " + shape_string(array); };
    if (!is_float32(array)) throw py::type_error(expected() + came());
    if (!(array.flags() & py::array::c_style)) throw py::value_error(expected() + "non-contiguous " + came());
    if (!array.writeable()) throw py::value_error(expected() + "read-only " + came());
    if (!has_shape(array, shape)) throw py::value_error(expected() + came());
    return py::reinterpret_borrow<FloatArray>(out);
}

void require_disjoint(const FloatArray& out, const FloatArray& input, const std::string& what) {
    if (overlap(out, input) != Overlap::none)
        throw py::value_error("out overlaps input (" + what + "): this kernel cannot write into memory it reads; "
                              "pass a separate out buffer");
}

void require_disjoint(const FloatArray& out, const std::optional<FloatArray>& input, const std::string& what) {
    if (input) require_disjoint(out, *input, what);
}

void require_same_or_disjoint(const FloatArray& out, const FloatArray& input, const std::string& what) {
    if (overlap(out, input) == Overlap::partial)
        throw py::value_error("out overlaps input (" + what + ") partially: an element-wise kernel runs in place "
                              "only when out is the input's own buffer (same data and shape)");
}

void require(bool condition, const std::string& message) {
    if (!condition) throw py::value_error(message);
}

}  // namespace cnnengine::bindings
