// The cnnengine._C extension module: kernels and their reference twins, family by family.
#include "bindings/families.h"

PYBIND11_MODULE(_C, m) {
    m.doc() = "cnnengine C++ kernels (NCHW float32). Each optimized kernel has a *_ref twin.";
    cnnengine::bindings::register_runtime(m);
    cnnengine::bindings::register_plan_steps(m);
    cnnengine::bindings::register_gemm(m);
    cnnengine::bindings::register_conv(m);
    cnnengine::bindings::register_dense(m);
    cnnengine::bindings::register_pool(m);
    cnnengine::bindings::register_elementwise(m);
    cnnengine::bindings::register_pointwise(m);
    cnnengine::bindings::register_resample(m);
    cnnengine::bindings::register_conv_transpose(m);
    cnnengine::bindings::register_training(m);
    cnnengine::bindings::register_squeeze_excitation(m);
}
