// One OpenMP team shared by all kernels: the process-wide thread count, a coarse parallel loop,
// and the rule that small operations stay on the calling thread.
#pragma once

#include <cstdint>

#include "common/denormals.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cnnengine {

int get_num_threads();
void set_num_threads(int num_threads);  // throws std::invalid_argument when < 1

// Below this many multiply-adds a fork/join costs more than it saves.
constexpr double kMinMacsPerThread = 64.0 * 1024.0;

// Threads worth using for an operation of `macs` multiply-adds split into `work_items` pieces.
int threads_for(double macs, int64_t work_items);

// Runs body(i) for i in [0, count) on `num_threads` threads (dynamic schedule: the machine is
// shared and noisy). Each worker flushes denormals while it computes and restores MXCSR after.
template <class Body>
void parallel_for(int64_t count, int num_threads, Body&& body) {
#ifdef _OPENMP
    if (num_threads > 1 && count > 1) {
        const int team = static_cast<int>(count < num_threads ? count : num_threads);
#pragma omp parallel num_threads(team)
        {
            DenormalsFlushGuard flush_denormals;
#pragma omp for schedule(dynamic, 1)
            for (int64_t i = 0; i < count; ++i) body(i);
        }
        return;
    }
#endif
    DenormalsFlushGuard flush_denormals;
    for (int64_t i = 0; i < count; ++i) body(i);
}

// The OpenMP runtime this build links ("libgomp", "libomp", ... or "none").
const char* openmp_runtime_name();

}  // namespace cnnengine
