#include "common/threading.h"

#include <sched.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#ifdef _OPENMP
#include <dlfcn.h>
#include <omp.h>

#include <cstring>
#endif

namespace cnnengine {

namespace {

std::atomic<int> g_num_threads{0};  // 0: not chosen yet
thread_local int t_num_threads = 0;  // 0: follow g_num_threads

}  // namespace

int affinity_cpu_count() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
    const unsigned hardware = std::thread::hardware_concurrency();
    return hardware > 0 ? static_cast<int>(hardware) : 1;
}

int get_num_threads() {
    if (t_num_threads > 0) return t_num_threads;
    int n = g_num_threads.load(std::memory_order_relaxed);
    if (n == 0) {
        n = affinity_cpu_count();
        g_num_threads.store(n, std::memory_order_relaxed);
    }
    return n;
}

int exchange_calling_thread_num_threads(int num_threads) {
    if (num_threads < 0) throw std::invalid_argument("num_threads must be >= 0 (0: the process-wide setting)");
    const int previous = t_num_threads;
    t_num_threads = num_threads;
    return previous;
}

void set_num_threads(int num_threads) {
    if (num_threads < 1) throw std::invalid_argument("num_threads must be >= 1");
    g_num_threads.store(num_threads, std::memory_order_relaxed);
}

int threads_for(double macs, int64_t work_items) {
    const int available = get_num_threads();
    if (available <= 1 || work_items <= 1) return 1;
    const double by_size = macs / kMinMacsPerThread;
    int n = by_size < available ? static_cast<int>(by_size) : available;
    if (n > work_items) n = static_cast<int>(work_items);
    return n < 1 ? 1 : n;
}

const char* openmp_runtime_name() {
#ifdef _OPENMP
    // Name the shared library that provides the OpenMP entry points we call.
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&omp_get_max_threads), &info) && info.dli_fname) {
        const char* path = info.dli_fname;
        if (std::strstr(path, "libgomp")) return "libgomp";
        if (std::strstr(path, "libiomp")) return "libiomp";
        if (std::strstr(path, "libomp")) return "libomp";
        return path;
    }
    return "openmp";
#else
    return "none";
#endif
}

}  // namespace cnnengine
