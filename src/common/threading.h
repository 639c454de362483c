// Threads shared by all kernels: the thread count (process-wide, or overridden for the calling
// thread), a coarse parallel loop on the pool of common/thread_pool.h, and the rule that small
// operations stay on the calling thread.
#pragma once

#include <cstdint>
#include <type_traits>

#include "common/thread_pool.h"

namespace cnnengine {

// Threads for kernels called from this thread: its override when set, else the process-wide count.
int get_num_threads();
void set_num_threads(int num_threads);  // process-wide; throws std::invalid_argument when < 1
// Sets this thread's override (0 clears it) and returns the previous one: a model with its own
// thread count runs with it without touching other threads' calls.
int exchange_calling_thread_num_threads(int num_threads);
// CPUs in this process's affinity mask (the default before cnnengine.runtime applies quotas).
int affinity_cpu_count();

// Below this many multiply-adds per thread a fork/join costs more than it saves. Measured on the
// shared 2-core VM: LeNet-5's second conv (240k MACs) at batch 1 ran slower on 2 threads than on
// one (median 0.14 vs 0.13 ms per predict, p90 0.39 vs 0.16: the helper's wake-up and its spinning
// compete with the caller when the cores are busy), so a split needs 2 x 128k MACs.
constexpr double kMinMacsPerThread = 128.0 * 1024.0;

// Threads worth using for an operation of `macs` multiply-adds split into `work_items` pieces.
int threads_for(double macs, int64_t work_items);

// Runs body(i) for i in [0, count) on `num_threads` threads (dynamic schedule: the machine is
// shared and noisy). Each thread flushes denormals while it computes and restores MXCSR after.
template <class Body>
void parallel_for(int64_t count, int num_threads, Body&& body) {
    using BodyType = std::remove_reference_t<Body>;
    run_on_pool(count, num_threads, [](void* context, int64_t i) { (*static_cast<BodyType*>(context))(i); },
                const_cast<void*>(static_cast<const void*>(&body)));
}

// The OpenMP runtime this build links ("libgomp", "libomp", ... or "none"); kernels use it only
// for `omp simd`, threads come from the pool.
const char* openmp_runtime_name();

}  // namespace cnnengine
