#include "common/cache_size.h"

#include <unistd.h>

namespace cnnengine {

int64_t l2_cache_bytes() {
    static const int64_t bytes = [] {
        constexpr int64_t kUnknown = 512 * 1024;
#ifdef _SC_LEVEL2_CACHE_SIZE
        const long reported = sysconf(_SC_LEVEL2_CACHE_SIZE);
        return reported > 0 ? static_cast<int64_t>(reported) : kUnknown;
#else
        return kUnknown;
#endif
    }();
    return bytes;
}

}  // namespace cnnengine
