// Bindings of the resampling kernels (src/resample/): resize2d (+ backward, + *_ref twin), pad2d,
// depth_to_space and its inverse space_to_depth. Arrays are NCHW float32. None of these write in
// place: out must not overlap the input.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>

#include "bindings/array_checks.h"
#include "bindings/enum_names.h"
#include "bindings/families.h"
#include "bindings/int_args.h"
#include "bindings/out_arg.h"
#include "resample/depth_to_space.h"
#include "resample/pad2d.h"
#include "resample/resize2d.h"

namespace cnnengine::bindings {

namespace {

constexpr const char* kLayout = "N x C x H x W";

ResizeSpec make_resize_spec(const std::string& mode, const std::string& coordinates, const std::string& rounding) {
    ResizeSpec spec;
    spec.mode = enum_from_name<ResizeMode>(mode, {{"nearest", ResizeMode::nearest}, {"linear", ResizeMode::linear}},
                                           "resize mode");
    spec.coordinates = enum_from_name<CoordinateMode>(
        coordinates,
        {{"half_pixel", CoordinateMode::half_pixel}, {"pytorch_half_pixel", CoordinateMode::pytorch_half_pixel},
         {"align_corners", CoordinateMode::align_corners}, {"asymmetric", CoordinateMode::asymmetric}},
        "resize coordinate transformation mode");
    spec.rounding = enum_from_name<NearestRounding>(
        rounding,
        {{"round_prefer_floor", NearestRounding::round_prefer_floor},
         {"round_prefer_ceil", NearestRounding::round_prefer_ceil}, {"floor", NearestRounding::floor},
         {"ceil", NearestRounding::ceil}},
        "resize nearest mode");
    return spec;
}

// Scales default to out / in; given ones must be finite and positive.
std::array<double, 2> resize_scales(const py::object& scales, int64_t h, int64_t w, int64_t oh, int64_t ow) {
    if (scales.is_none()) return {static_cast<double>(oh) / h, static_cast<double>(ow) / w};
    const auto pair = scales.cast<std::pair<double, double>>();
    require(std::isfinite(pair.first) && pair.first > 0 && std::isfinite(pair.second) && pair.second > 0,
            "resize scales must be finite and > 0");
    return {pair.first, pair.second};
}

using ResizeKernel = void (*)(const ResizeSpec&, const float*, int64_t, int64_t, int64_t, int64_t, int64_t, double,
                              double, float*);

// Forward (from x to size) or backward (from grad_y to x's size): `source` has the shape the
// kernel reads, `target` the spatial size it writes.
template <ResizeKernel kernel, bool backward>
FloatArray run_resize(const py::object& source_obj, const py::object& target_size, const std::string& mode,
                      const std::string& coordinates, const std::string& rounding, const py::object& scales,
                      const py::object& out_obj) {
    const ResizeSpec spec = make_resize_spec(mode, coordinates, rounding);
    const FloatArray src = require_float32(source_obj, backward ? "resize2d_backward grad_y" : "resize2d input", 4,
                                           kLayout);
    const auto size = int_pair(target_size, "resize2d size");
    require(size[0] >= 1 && size[1] >= 1, "resize2d size must be >= 1");
    const int64_t planes = src.shape(0) * src.shape(1);
    // (h, w): the input's spatial size; (oh, ow): the resized one.
    const int64_t h = backward ? size[0] : src.shape(2), w = backward ? size[1] : src.shape(3);
    const int64_t oh = backward ? src.shape(2) : size[0], ow = backward ? src.shape(3) : size[1];
    const auto s = resize_scales(scales, h, w, oh, ow);
    FloatArray y = output_array(out_obj, {src.shape(0), src.shape(1), size[0], size[1]}, "resize2d out");
    require_disjoint(y, src, "resize2d input");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    kernel(spec, src.data(), planes, h, w, oh, ow, s[0], s[1], out);
    return y;
}

FloatArray run_pad(const py::object& x_obj, const py::object& pads, const std::string& mode, double value,
                   const py::object& out_obj) {
    Pad2d pad;
    pad.mode = enum_from_name<PadMode>(
        mode, {{"constant", PadMode::constant}, {"reflect", PadMode::reflect}, {"edge", PadMode::edge}}, "pad mode");
    const auto q = padding_quad(pads, "pad2d pads");
    pad.top = q[0], pad.left = q[1], pad.bottom = q[2], pad.right = q[3];
    pad.value = static_cast<float>(value);
    require(pad.top >= 0 && pad.left >= 0 && pad.bottom >= 0 && pad.right >= 0, "pad2d pads must be >= 0");
    const FloatArray x = require_float32(x_obj, "pad2d input", 4, kLayout);
    const int64_t h = x.shape(2), w = x.shape(3);
    if (pad.mode == PadMode::reflect)
        require(std::max(pad.top, pad.bottom) < h && std::max(pad.left, pad.right) < w,
                "pad2d reflect: pads must be smaller than the input size " + shape_string(x));
    FloatArray y = output_array(out_obj, {x.shape(0), x.shape(1), h + pad.top + pad.bottom, w + pad.left + pad.right},
                                "pad2d out");
    require_disjoint(y, x, "pad2d input");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    pad2d(pad, x.data(), x.shape(0) * x.shape(1), h, w, out);
    return y;
}

DepthToSpaceMode depth_mode(const std::string& mode) {
    return enum_from_name<DepthToSpaceMode>(mode, {{"DCR", DepthToSpaceMode::dcr}, {"CRD", DepthToSpaceMode::crd}},
                                            "depth_to_space mode");
}

FloatArray run_depth_to_space(const py::object& x_obj, int64_t block, const std::string& mode_name,
                              const py::object& out_obj) {
    const DepthToSpaceMode mode = depth_mode(mode_name);
    const FloatArray x = require_float32(x_obj, "depth_to_space input", 4, kLayout);
    require(block >= 1 && x.shape(1) % (block * block) == 0,
            "depth_to_space: channels of " + shape_string(x) + " must be divisible by block^2 = " +
                std::to_string(block * block));
    const int64_t n = x.shape(0), c = x.shape(1) / (block * block), h = x.shape(2), w = x.shape(3);
    FloatArray y = output_array(out_obj, {n, c, h * block, w * block}, "depth_to_space out");
    require_disjoint(y, x, "depth_to_space input");
    float* out = y.mutable_data();
    py::gil_scoped_release release;
    depth_to_space(mode, x.data(), n, c, h, w, block, out);
    return y;
}

FloatArray run_space_to_depth(const py::object& y_obj, int64_t block, const std::string& mode_name,
                              const py::object& out_obj) {
    const DepthToSpaceMode mode = depth_mode(mode_name);
    const FloatArray y = require_float32(y_obj, "space_to_depth input", 4, kLayout);
    require(block >= 1 && y.shape(2) % block == 0 && y.shape(3) % block == 0,
            "space_to_depth: height and width of " + shape_string(y) + " must be divisible by " + std::to_string(block));
    const int64_t n = y.shape(0), c = y.shape(1), h = y.shape(2) / block, w = y.shape(3) / block;
    FloatArray x = output_array(out_obj, {n, c * block * block, h, w}, "space_to_depth out");
    require_disjoint(x, y, "space_to_depth input");
    float* out = x.mutable_data();
    py::gil_scoped_release release;
    space_to_depth(mode, y.data(), n, c, h, w, block, out);
    return x;
}

}  // namespace

void register_resample(py::module_& m) {
    const auto resize_args = [&](const char* name, bool with_out, auto entry, const char* doc) {
        def_with_out(m, name, with_out, entry, py::arg("x"), py::arg("size"), py::arg("mode") = "nearest",
                     py::arg("coordinates") = "asymmetric", py::arg("nearest_mode") = "floor",
                     py::arg("scales") = py::none(), doc);
    };
    resize_args("resize2d", true, &run_resize<resize2d, false>,
                "Resize N x C x H x W to size (oh, ow): mode nearest|linear, ONNX coordinate transformation "
                "(half_pixel, pytorch_half_pixel, align_corners, asymmetric) and nearest rounding; scales "
                "(h, w) default to out / in.");
    resize_args("resize2d_ref", false, &run_resize<resize2d_ref, false>,
                "Reference twin of resize2d (per pixel, double precision).");
    resize_args("resize2d_backward", true, &run_resize<resize2d_backward, true>,
                "Gradient of resize2d: x is grad_y (N x C x oh x ow), size the input's (h, w); returns grad_x.");
    def_with_out(m, "pad2d", true, &run_pad, py::arg("x"), py::arg("pads"), py::arg("mode") = "constant",
                 py::arg("value") = 0.0,
                 "Pad H and W of N x C x H x W by pads (int, (h, w) or (top, left, bottom, right)); mode "
                 "constant|reflect|edge.");
    def_with_out(m, "depth_to_space", true, &run_depth_to_space, py::arg("x"), py::arg("block"),
                 py::arg("mode") = "DCR",
                 "ONNX DepthToSpace (mode DCR or CRD; CRD is torch.nn.PixelShuffle): N x C*b*b x H x W -> "
                 "N x C x H*b x W*b.");
    def_with_out(m, "space_to_depth", true, &run_space_to_depth, py::arg("x"), py::arg("block"),
                 py::arg("mode") = "DCR", "Inverse of depth_to_space (its gradient; CRD is torch PixelUnshuffle).");
}

}  // namespace cnnengine::bindings
