// Byte buffers and the small helpers every codec needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tlsprobe::core {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "16 03 01 00 a5" style, at most `limit` bytes, "..." appended when cut.
std::string hex_dump(ByteView data, std::size_t limit = 64);
// Lower-case hex without separators ("a1b2..."), as fingerprints are printed.
std::string to_hex(ByteView data);
// Printable excerpt: ASCII kept, CR/LF shown as \r \n, everything else as '.'.
std::string printable_excerpt(ByteView data, std::size_t limit = 80);

}  // namespace tlsprobe::core
