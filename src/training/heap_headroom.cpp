#include "training/heap_headroom.h"

#include <climits>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace cnnengine {

bool keep_heap_headroom(size_t bytes) {
#ifdef __GLIBC__
    return mallopt(M_TOP_PAD, static_cast<int>(bytes > INT_MAX ? INT_MAX : bytes)) == 1;
#else
    (void)bytes;
    return false;
#endif
}

}  // namespace cnnengine
