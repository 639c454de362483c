// Flush-to-zero / denormals-are-zero for the lifetime of a scope. MXCSR is per thread, so every
// worker sets it itself; the caller's value is restored on exit so Python code is unaffected.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define CNNENGINE_HAS_MXCSR 1
#endif

namespace cnnengine {

class DenormalsFlushGuard {
public:
#ifdef CNNENGINE_HAS_MXCSR
    static constexpr unsigned kFlushToZero = 0x8000;
    static constexpr unsigned kDenormalsAreZero = 0x0040;
    DenormalsFlushGuard() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero); }
    ~DenormalsFlushGuard() { _mm_setcsr(saved_); }
#else
    DenormalsFlushGuard() = default;
#endif
    DenormalsFlushGuard(const DenormalsFlushGuard&) = delete;
    DenormalsFlushGuard& operator=(const DenormalsFlushGuard&) = delete;

private:
#ifdef CNNENGINE_HAS_MXCSR
    unsigned saved_;
#endif
};

}  // namespace cnnengine
