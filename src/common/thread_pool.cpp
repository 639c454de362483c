#include "common/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

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
    std::atomic<int> helpers_joined{0};

    // Takes items until none are left; MXCSR flushes denormals meanwhile and is restored after.
    void work() {
        DenormalsFlushGuard flush_denormals;
        t_inside_item = true;
        for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
             i = next.fetch_add(1, std::memory_order_relaxed))
            fn(context, i);
        t_inside_item = false;
    }

    // A helper's place in the team, if one is left and so are items.
    bool join() {
        if (next.load(std::memory_order_relaxed) >= count) return false;
        if (helpers_joined.fetch_add(1, std::memory_order_relaxed) < helpers_wanted) return true;
        helpers_joined.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
};

// Where a caller posts its job. Posting, joining and leaving take no lock (a contended mutex put
// the joining worker to sleep in the kernel and cost microseconds per parallel call): a worker
// counts itself in `users` before it reads `job`, and the caller clears `job` and then waits for
// `users` to drop to zero, so that no worker touches a job after its caller returned.
struct Slot {
    std::atomic<bool> taken{false};
    std::atomic<Job*> job{nullptr};
    std::atomic<int> users{0};
};

// Callers running jobs at once; a caller that finds every slot taken runs its job alone.
constexpr int kSlots = 16;

class Pool {
public:
    void run(Job& job) {
        if (workers_.load(std::memory_order_acquire) < job.helpers_wanted) grow(job.helpers_wanted);
        Slot* slot = take_slot();
        if (slot) {
            slot->job.store(&job, std::memory_order_seq_cst);
            epoch_.fetch_add(1, std::memory_order_seq_cst);
            if (sleeping_.load(std::memory_order_seq_cst) > 0) {
                { std::lock_guard<std::mutex> lock(mutex_); }  // a sleeper is waiting, or will see the epoch
                work_posted_.notify_all();
            }
        }
        job.work();
        if (!slot) return;
        slot->job.store(nullptr, std::memory_order_seq_cst);  // no helper joins after this
        auto helpers_done = [&] { return slot->users.load(std::memory_order_seq_cst) == 0; };
        if (!spin_until(helpers_done)) {
            std::unique_lock<std::mutex> lock(mutex_);
            waiting_callers_.fetch_add(1, std::memory_order_seq_cst);
            helper_finished_.wait(lock, helpers_done);
            waiting_callers_.fetch_sub(1, std::memory_order_relaxed);
        }
        slot->taken.store(false, std::memory_order_release);
    }

    int workers() { return workers_.load(std::memory_order_acquire); }

private:
    void grow(int wanted) {
        std::lock_guard<std::mutex> lock(mutex_);
        int workers = workers_.load(std::memory_order_relaxed);
        while (workers < wanted) {
            try {
                std::thread(&Pool::worker_loop, this).detach();  // the pool is never destroyed
            } catch (const std::system_error&) {
                break;  // no more threads to be had: the caller and existing workers do the job
            }
            ++workers;
        }
        workers_.store(workers, std::memory_order_release);
    }

    Slot* take_slot() {
        for (Slot& slot : slots_) {
            bool expected = false;
            if (!slot.taken.load(std::memory_order_relaxed) &&
                slot.taken.compare_exchange_strong(expected, true, std::memory_order_acquire))
                return &slot;
        }
        return nullptr;
    }

    // Helps the first posted job that has room; false when there was none.
    bool help_one() {
        for (Slot& slot : slots_) {
            if (!slot.job.load(std::memory_order_relaxed)) continue;
            slot.users.fetch_add(1, std::memory_order_seq_cst);
            Job* job = slot.job.load(std::memory_order_seq_cst);
            const bool joined = job && job->join();
            if (joined) job->work();
            if (slot.users.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
                waiting_callers_.load(std::memory_order_seq_cst) > 0) {
                // The caller may be asleep waiting for us.
                { std::lock_guard<std::mutex> lock(mutex_); }
                helper_finished_.notify_all();
            }
            if (joined) return true;
        }
        return false;
    }

    void worker_loop() {
        for (;;) {
            const uint64_t seen = epoch_.load(std::memory_order_seq_cst);
            if (help_one()) continue;
            auto posted = [&] { return epoch_.load(std::memory_order_seq_cst) != seen; };
            if (spin_until(posted)) continue;
            std::unique_lock<std::mutex> lock(mutex_);
            sleeping_.fetch_add(1, std::memory_order_seq_cst);
            work_posted_.wait(lock, posted);
            sleeping_.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    Slot slots_[kSlots];
    std::atomic<uint64_t> epoch_{0};  // bumped whenever a job is posted
    std::atomic<int> workers_{0};     // grows under the mutex
    // Sleepers announce themselves under the mutex before they check for work, and posters and
    // leaving helpers check for them after they publish: one side always sees the other.
    std::atomic<int> sleeping_{0}, waiting_callers_{0};
    std::mutex mutex_;
    std::condition_variable work_posted_, helper_finished_;
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
