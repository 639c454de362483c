// The data cache sizes that blocking decisions depend on, as the OS reports them for this CPU.
#pragma once

#include <cstdint>

namespace cnnengine {

// Bytes of the L2 cache each core has (sysconf), or 512 KiB (Zen 3's, which the fixed blocking
// constants were tuned on) where the OS does not say. Read once.
int64_t l2_cache_bytes();

}  // namespace cnnengine
