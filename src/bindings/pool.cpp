#include "bindings/families.h"

namespace cnnengine::bindings {

void register_pool(pybind11::module_& m) { (void)m; }

}  // namespace cnnengine::bindings
