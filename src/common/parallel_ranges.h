// Splits the items of an element-wise kernel into a few contiguous ranges (at most 4 per thread)
// and runs them with parallel_for, so that each worker streams through a long stretch of memory.
// Small operations stay on the calling thread (threads_for).
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/threading.h"

namespace cnnengine {

// A range should hold at least this many elements: below it the fork/join costs more than the loop.
constexpr int64_t kMinElementsPerRange = 16 * 1024;

// Runs body(begin, end) over disjoint item ranges covering [0, count); each item holds
// `item_elements` floats (a plane, a row, a block of pixels). Items are never split.
template <class Body>
void parallel_ranges(int64_t count, int64_t item_elements, Body&& body) {
    if (count <= 0) return;
    const int64_t items_per_range = std::max<int64_t>(1, kMinElementsPerRange / std::max<int64_t>(1, item_elements));
    const int64_t max_ranges = (count + items_per_range - 1) / items_per_range;
    const int threads = threads_for(static_cast<double>(count) * static_cast<double>(item_elements), max_ranges);
    const int64_t ranges = threads <= 1 ? 1 : std::min<int64_t>(max_ranges, 4 * static_cast<int64_t>(threads));
    const int64_t step = (count + ranges - 1) / ranges;
    parallel_for((count + step - 1) / step, threads, [&](int64_t r) {
        const int64_t begin = r * step;
        body(begin, std::min(count, begin + step));
    });
}

// Same for a flat array of `n` floats: ranges start on 16-float (64-byte) boundaries.
template <class Body>
void parallel_element_ranges(int64_t n, Body&& body) {
    constexpr int64_t kBlock = 16;
    parallel_ranges((n + kBlock - 1) / kBlock, kBlock, [&](int64_t begin, int64_t end) {
        body(begin * kBlock, std::min(n, end * kBlock));
    });
}

}  // namespace cnnengine
