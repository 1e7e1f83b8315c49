// TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2, RFC 6066 §3/§9).
#pragma once

#include <cstdint>
#include <string_view>

namespace tlsprobe::core {

// Snake-case name as in the RFCs ("handshake_failure"); "alert_<code>" spelled out by
// callers for unassigned codes (this returns "unknown" for those).
std::string_view alert_name(std::uint8_t code);

// One line for a person: what a server usually means by sending it.
std::string_view alert_meaning(std::uint8_t code);

}  // namespace tlsprobe::core
