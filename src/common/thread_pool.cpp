#include "common/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "common/denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace cnnengine {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

// Spins until done() or kSpinMicroseconds have passed; true when done() became true.
template <class Done>
bool spin_until(Done&& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicroseconds);
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (done()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= deadline) return done();
    }
}

thread_local bool t_inside_item = false;  // nested parallel calls run serially

struct Job {
    ItemFunction fn;
    void* context;
    int64_t count;
    int helpers_wanted;
    std::atomic<int64_t> next{0};
    int helpers_joined = 0;            // guarded by the pool's mutex
    std::atomic<int> helpers_busy{0};  // joined and not finished yet

    // Takes items until none are left; MXCSR flushes denormals meanwhile and is restored after.
    void work() {
        DenormalsFlushGuard flush_denormals;
        t_inside_item = true;
        for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
             i = next.fetch_add(1, std::memory_order_relaxed))
            fn(context, i);
        t_inside_item = false;
    }
};

class Pool {
public:
    void run(Job& job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            grow_locked(job.helpers_wanted);
            jobs_.push_back(&job);
            epoch_.fetch_add(1, std::memory_order_release);
            if (sleeping_ > 0) work_posted_.notify_all();
        }
        job.work();
        {
            std::lock_guard<std::mutex> lock(mutex_);  // no helper joins after this
            jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
        }
        auto helpers_done = [&] { return job.helpers_busy.load(std::memory_order_acquire) == 0; };
        if (!spin_until(helpers_done)) {
            std::unique_lock<std::mutex> lock(mutex_);
            helper_finished_.wait(lock, helpers_done);
        }
    }

    int workers() {
        std::lock_guard<std::mutex> lock(mutex_);
        return workers_;
    }

private:
    void grow_locked(int wanted) {
        while (workers_ < wanted) {
            try {
                std::thread(&Pool::worker_loop, this).detach();  // the pool is never destroyed
            } catch (const std::system_error&) {
                return;  // no more threads to be had: the caller and existing workers do the job
            }
            ++workers_;
        }
    }

    Job* claim_locked() {
        for (Job* job : jobs_) {
            if (job->helpers_joined < job->helpers_wanted && job->next.load(std::memory_order_relaxed) < job->count) {
                ++job->helpers_joined;
                job->helpers_busy.fetch_add(1, std::memory_order_relaxed);
                return job;
            }
        }
        return nullptr;
    }

    void worker_loop() {
        for (;;) {
            Job* job;
            uint64_t seen;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                job = claim_locked();
                seen = epoch_.load(std::memory_order_relaxed);
            }
            if (job) {
                job->work();
                if (job->helpers_busy.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                    // The caller may be asleep waiting for us; `job` may be gone after the fetch_sub.
                    { std::lock_guard<std::mutex> lock(mutex_); }
                    helper_finished_.notify_all();
                }
                continue;
            }
            auto posted = [&] { return epoch_.load(std::memory_order_acquire) != seen; };
            if (spin_until(posted)) continue;
            std::unique_lock<std::mutex> lock(mutex_);
            ++sleeping_;
            work_posted_.wait(lock, posted);
            --sleeping_;
        }
    }

    std::mutex mutex_;
    std::condition_variable work_posted_, helper_finished_;
    std::vector<Job*> jobs_;            // jobs that may still take helpers
    std::atomic<uint64_t> epoch_{0};   // bumped (under the mutex) whenever a job is posted
    int workers_ = 0, sleeping_ = 0;   // guarded by the mutex
};

std::atomic<Pool*> g_pool{nullptr};

// In a forked child only the forking thread exists; the parent's pool (workers gone, its mutex
// possibly held by one of them) is abandoned, not destroyed, and a new one starts on demand.
void forget_pool_in_child() { g_pool.store(nullptr, std::memory_order_relaxed); }

Pool& pool() {
    static const bool registered = (pthread_atfork(nullptr, nullptr, &forget_pool_in_child), true);
    (void)registered;
    Pool* current = g_pool.load(std::memory_order_acquire);
    if (current) return *current;
    Pool* fresh = new Pool;
    if (g_pool.compare_exchange_strong(current, fresh, std::memory_order_acq_rel)) return *fresh;
    delete fresh;
    return *current;
}

}  // namespace

void run_on_pool(int64_t count, int threads, ItemFunction fn, void* context) {
    if (count <= 0) return;
    if (threads <= 1 || count <= 1 || t_inside_item) {
        DenormalsFlushGuard flush_denormals;
        for (int64_t i = 0; i < count; ++i) fn(context, i);
        return;
    }
    Job job;
    job.fn = fn;
    job.context = context;
    job.count = count;
    job.helpers_wanted = static_cast<int>(std::min<int64_t>(threads, count)) - 1;
    pool().run(job);
}

int pool_worker_count() { return pool().workers(); }

}  // namespace cnnengine
