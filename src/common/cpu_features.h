// Which instruction set the kernels run with: detected from cpuid once, overridable by the
// CNNENGINE_ISA environment variable ("scalar" or "avx2") and, for tests, at run time.
#pragma once

namespace cnnengine {

enum class Isa { scalar, avx2_fma };

// True when the CPU and the OS (saved YMM state) support AVX2 and FMA3.
bool cpu_supports_avx2_fma();

// The ISA used by dispatched kernels. First call reads CNNENGINE_ISA; an unknown value or an ISA
// the CPU lacks throws std::invalid_argument.
Isa active_isa();
void set_active_isa(Isa isa);

const char* isa_name(Isa isa);
Isa isa_from_name(const char* name);  // throws std::invalid_argument

}  // namespace cnnengine
