#include "common/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace cnnengine {

bool cpu_supports_avx2_fma() {
#if defined(CNNENGINE_HAVE_AVX2_UNITS) && (defined(__x86_64__) || defined(_M_X64))
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    const bool fma = ecx & (1u << 12);
    const bool osxsave = ecx & (1u << 27);
    const bool avx = ecx & (1u << 28);
    if (!(fma && osxsave && avx)) return false;
    // The OS must save XMM and YMM state on context switch (XCR0 bits 1 and 2).
    unsigned xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return ebx & (1u << 5);  // AVX2
#else
    return false;
#endif
}

bool cpu_supports_avx512() {
#if defined(CNNENGINE_HAVE_AVX512_UNITS) && (defined(__x86_64__) || defined(_M_X64))
    if (!cpu_supports_avx2_fma()) return false;
    // The OS must also save the opmask and both halves of the ZMM registers (XCR0 bits 5-7).
    unsigned xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0xe0) != 0xe0) return false;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return ebx & (1u << 16);  // AVX512F
#else
    return false;
#endif
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::avx512: return "avx512";
        case Isa::avx2_fma: return "avx2_fma";
        default: return "scalar";
    }
}

namespace {

Isa supported_or_throw(Isa isa) {
    if (isa == Isa::avx2_fma && !cpu_supports_avx2_fma())
        throw std::invalid_argument("ISA 'avx2' requested but this CPU (or build) lacks AVX2/FMA");
    if (isa == Isa::avx512 && !cpu_supports_avx512())
        throw std::invalid_argument("ISA 'avx512' requested but this CPU (or build) lacks AVX-512F");
    return isa;
}

}  // namespace

Isa isa_from_name(const char* name) {
    const std::string value = name;
    if (value == "scalar") return Isa::scalar;
    if (value == "avx2" || value == "avx2_fma") return supported_or_throw(Isa::avx2_fma);
    if (value == "avx512") return supported_or_throw(Isa::avx512);
    throw std::invalid_argument("unknown ISA '" + value + "': expected 'scalar', 'avx2' or 'avx512'");
}

namespace {

Isa default_isa() {
    if (const char* forced = std::getenv("CNNENGINE_ISA"); forced != nullptr && *forced != '\0')
        return isa_from_name(forced);
    if (cpu_supports_avx512()) return Isa::avx512;
    return cpu_supports_avx2_fma() ? Isa::avx2_fma : Isa::scalar;
}

std::atomic<int> g_isa{-1};  // -1: not chosen yet

}  // namespace

Isa active_isa() {
    int isa = g_isa.load(std::memory_order_relaxed);
    if (isa < 0) {
        isa = static_cast<int>(default_isa());
        g_isa.store(isa, std::memory_order_relaxed);
    }
    return static_cast<Isa>(isa);
}

void set_active_isa(Isa isa) { g_isa.store(static_cast<int>(supported_or_throw(isa)), std::memory_order_relaxed); }

}  // namespace cnnengine
