// Which instruction set the kernels run with: detected from cpuid once, overridable by the
// CNNENGINE_ISA environment variable ("scalar", "avx2" or "avx512") and, for tests, at run time.
#pragma once

namespace cnnengine {

// Ordered: each ISA includes the ones before it, so `active_isa() >= Isa::avx2_fma` picks the AVX2
// kernels on an AVX-512 CPU too where a family has no AVX-512 kernel of its own.
enum class Isa { scalar, avx2_fma, avx512 };

// True when the CPU and the OS (saved YMM state) support AVX2 and FMA3.
bool cpu_supports_avx2_fma();
// True when, in addition, the CPU has AVX-512F and the OS saves the ZMM and mask registers.
bool cpu_supports_avx512();

// The ISA used by dispatched kernels. First call reads CNNENGINE_ISA; an unknown value or an ISA
// the CPU lacks throws std::invalid_argument.
Isa active_isa();
void set_active_isa(Isa isa);

const char* isa_name(Isa isa);
Isa isa_from_name(const char* name);  // throws std::invalid_argument

}  // namespace cnnengine
