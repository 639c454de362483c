#include "training/heap_headroom.h"

#include <climits>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace cnnengine {

namespace {

// glibc's largest mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX): arrays up to this size
// come from the heap.
constexpr int kMaxMmapThreshold = 32 << 20;

}  // namespace

bool keep_heap_headroom(size_t bytes) {
#ifdef __GLIBC__
    // Any mallopt of these freezes glibc's adaptive mmap threshold where it stands: set early
    // (LeNet trained first in a process), every later array over 128 KiB was mmapped, faulted in
    // and zeroed on each step (ResNet-18 at batch 16: 1.65 -> 2.09 s per step). So the
    // threshold is pinned at the top of its adaptive range as well.
    return mallopt(M_MMAP_THRESHOLD, kMaxMmapThreshold) == 1 &&
           mallopt(M_TOP_PAD, static_cast<int>(bytes > INT_MAX ? INT_MAX : bytes)) == 1;
#else
    (void)bytes;
    return false;
#endif
}

}  // namespace cnnengine
