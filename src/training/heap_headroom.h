// Training allocates and frees the same few megabytes of activations and gradients every step.
// glibc's malloc returns the freed top of its heap to the OS once it exceeds the (adaptive) trim
// threshold, so each step faulted its pages in and had them zeroed again: for LeNet-5 at batch
// 64, about 680 page faults per step, which took the step from 7 to 11-20 ms on the 2-core VM.
// M_TOP_PAD keeps `bytes` of freed heap in the process instead. Process-wide and permanent (it
// is only set when a model starts training); a no-op where the C library is not glibc.
#pragma once

#include <cstddef>

namespace cnnengine {

// Returns false when the C library has no such setting.
bool keep_heap_headroom(size_t bytes);

}  // namespace cnnengine
