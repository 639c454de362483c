// Runtime settings: thread count, ISA selection, build facts.
#include <pybind11/pybind11.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <stdexcept>

#include "bindings/families.h"
#include "common/cpu_features.h"
#include "common/threading.h"

namespace cnnengine::bindings {

namespace py = pybind11;

void register_runtime(py::module_& m) {
    active_isa();  // resolve CNNENGINE_ISA now: a bad value fails the import, not a worker thread
    m.def("set_num_threads", &set_num_threads, py::arg("num_threads"),
          "Threads used by every kernel in this process (>= 1).");
    m.def("get_num_threads", &get_num_threads,
          "Threads kernels called from this thread use (its override, else the process-wide count).");
    m.def("exchange_calling_thread_num_threads", &exchange_calling_thread_num_threads, py::arg("num_threads"),
          "Sets this thread's thread-count override (0 clears it); returns the previous override.");
    m.def("affinity_cpu_count", &affinity_cpu_count, "CPUs in this process's affinity mask.");
    m.def("pool_worker_count", &pool_worker_count, "Worker threads the kernel pool holds now.");
    m.def("active_isa", [] { return std::string(isa_name(active_isa())); },
          "ISA of the dispatched kernels: 'avx512', 'avx2_fma' or 'scalar'.");
    m.def("set_isa", [](const std::string& name) { set_active_isa(isa_from_name(name.c_str())); },
          py::arg("name"), "Force 'scalar', 'avx2' or 'avx512' kernels (tests; CNNENGINE_ISA sets the default).");
    m.def("cpu_supports_avx2_fma", &cpu_supports_avx2_fma);
    m.def("cpu_supports_avx512", &cpu_supports_avx512);
    m.def("openmp_runtime", [] { return std::string(openmp_runtime_name()); });
    m.def(
        "release_free_heap",
        [] {
#if defined(__GLIBC__)
            malloc_trim(0);
#endif
        },
        "Hands the malloc heap's free pages back to the system (glibc; elsewhere nothing): called "
        "while a model is prepared, as the file's arrays and the folded weights are freed.");
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const std::invalid_argument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });
}

}  // namespace cnnengine::bindings
