// Protocol versions tlsprobe knows, with their wire codes and names.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tlsprobe::core {

// Ordered oldest to newest; comparisons (<, >=) follow that order.
enum class Version : std::uint8_t { ssl2, ssl3, tls1_0, tls1_1, tls1_2, tls1_3 };

inline constexpr std::array<Version, 6> all_versions{Version::ssl2,   Version::ssl3,
                                                     Version::tls1_0, Version::tls1_1,
                                                     Version::tls1_2, Version::tls1_3};

// Stable id used as JSON key and on the command line: "ssl2" ... "tls1_3".
std::string_view to_string(Version v);
// Human name: "SSL 2.0", "TLS 1.2".
std::string_view display_name(Version v);
// Parses the stable id ("tls1_2") and the common spellings ("TLS1.2", "tls12", "1.2").
std::optional<Version> parse_version(std::string_view text);

// ProtocolVersion as it appears on the wire (RFC 8446 §4.1.2; SSL 2.0 uses 0x0002).
std::uint16_t wire_code(Version v);
std::optional<Version> version_from_wire(std::uint16_t code);

// True for the versions every current browser has dropped (SSLv2 .. TLS 1.1).
constexpr bool is_legacy(Version v) { return v < Version::tls1_2; }

}  // namespace tlsprobe::core
