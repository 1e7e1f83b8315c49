// How DH numbers are written for people (the analysis's sentences and the text report).
#pragma once

#include <string>
#include <string_view>

namespace tlsprobe::probe {

// A big_hex() number (key_exchange.hpp): decimal up to 8 hex digits ("B" -> "11"), else "0x"
// and its first 16 digits ("0xFFFFFFFFFFFFFFFF...").
std::string short_number(std::string_view hex);

}  // namespace tlsprobe::probe
