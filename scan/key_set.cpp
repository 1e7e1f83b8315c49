#include "scan/key_set.hpp"

#include <functional>

namespace tlsprobe::scan {

std::uint64_t KeySet::hash(std::string_view key) {
    static_assert(sizeof(std::size_t) == sizeof(std::uint64_t), "a 64-bit hash");
    return std::hash<std::string_view>{}(key);
}

}  // namespace tlsprobe::scan
