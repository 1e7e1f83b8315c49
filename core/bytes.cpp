#include "core/bytes.hpp"

#include <algorithm>

namespace tlsprobe::core {
namespace {
constexpr char kHex[] = "0123456789abcdef";
}

std::string to_hex(ByteView data) {
    std::string out;
    out.reserve(data.size() * 2);
    for (auto b : data) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0x0f]);
    }
    return out;
}

std::string hex_dump(ByteView data, std::size_t limit) {
    std::string out;
    const auto n = std::min(data.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        if (i) out.push_back(' ');
        out.push_back(kHex[data[i] >> 4]);
        out.push_back(kHex[data[i] & 0x0f]);
    }
    if (data.size() > limit) out += " ...";
    return out;
}

std::string printable_excerpt(ByteView data, std::size_t limit) {
    std::string out;
    const auto n = std::min(data.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = data[i];
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
        else out.push_back('.');
    }
    if (data.size() > limit) out += "...";
    return out;
}

}  // namespace tlsprobe::core
