// Lane helpers for AVX-512 units (compiled with -mavx512f only).
#pragma once

#include <immintrin.h>

#include <cstdint>

// GCC 12 warns that the undefined pass-through operand its headers give unmasked AVX-512
// intrinsics "may be used uninitialized": a false positive of the headers, not of this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace cnnengine {

// The mask of the first `n` lanes of a 16-float vector, n clamped to [0, 16].
inline __mmask16 first_lanes16(int64_t n) {
    return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n > 0 ? n : 0)) - 1);
}

}  // namespace cnnengine
