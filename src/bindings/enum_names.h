// Enum arguments given from Python as strings: a name -> value table, and a ValueError that lists
// the accepted names when the string is not one of them.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

namespace cnnengine::bindings {

template <class E>
E enum_from_name(const std::string& name, const std::vector<std::pair<const char*, E>>& table,
                 const std::string& what) {
    std::string known;
    for (const auto& [key, value] : table) {
        if (name == key) return value;
        known += (known.empty() ? "" : ", ") + std::string(key);
    }
    throw pybind11::value_error(what + " must be one of " + known + "; got '" + name + "'");
}

}  // namespace cnnengine::bindings
