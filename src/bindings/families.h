// One registration function per kernel family; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

namespace cnnengine::bindings {

void register_runtime(pybind11::module_& m);
void register_gemm(pybind11::module_& m);
void register_conv(pybind11::module_& m);
void register_dense(pybind11::module_& m);
void register_pool(pybind11::module_& m);
void register_elementwise(pybind11::module_& m);
void register_pointwise(pybind11::module_& m);
void register_resample(pybind11::module_& m);
void register_conv_transpose(pybind11::module_& m);
void register_training(pybind11::module_& m);
void register_squeeze_excitation(pybind11::module_& m);
void register_plan_steps(pybind11::module_& m);

}  // namespace cnnengine::bindings
