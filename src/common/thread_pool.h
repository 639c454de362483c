// The worker threads behind parallel_for. Written for servers rather than taken from OpenMP:
//  - workers spin only briefly (kSpinMicroseconds) after their last item, then sleep on a
//    condition variable, so an idle process uses no CPU between requests;
//  - several caller threads may run jobs at once (one pool serves them all; a worker helps any
//    job that still has items, and each caller works through its own job too; past 16 callers at
//    once, the extra ones run their jobs alone);
//  - posting, joining and finishing a job take no lock (workers that spin find it in microseconds);
//  - fork-safe: in a forked child the parent's workers do not exist, so the child starts with a
//    fresh, empty pool (pthread_atfork) and grows new workers on its first parallel call.
// Which thread computes which item never changes the numbers: items write disjoint outputs.
#pragma once

#include <cstdint>

namespace cnnengine {

// Spinning after the last item catches the next kernel of the same forward pass (the Python glue
// between two layers takes microseconds); longer idle periods put the workers to sleep.
constexpr int64_t kSpinMicroseconds = 200;

using ItemFunction = void (*)(void* context, int64_t item);

// Runs fn(context, i) for every i in [0, count) on the calling thread plus up to `threads - 1`
// pool workers (dynamic schedule, one item at a time). Returns when every item is done.
// Called from inside an item it runs serially on that thread (no nested teams).
void run_on_pool(int64_t count, int threads, ItemFunction fn, void* context);

// Workers the pool holds now (tests; it grows to the largest team asked for, minus the caller).
int pool_worker_count();

}  // namespace cnnengine
