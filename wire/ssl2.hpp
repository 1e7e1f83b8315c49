// SSL 2.0: the CLIENT-HELLO encoder and the SERVER-HELLO / ERROR decoders.
//
// Source: "The SSL Protocol" (Hickman, Netscape, 1995; draft-hickman-netscape-ssl-00),
// §2.2 record header, §2.6 client messages, §2.7 server messages; RFC 5246 Appendix E.2 for
// the version-2-compatible TLS hello. Record layout, 2-byte header form:
//
//   +--------+--------+------------------------------+
//   |1 len-hi| len-lo |  message (len bytes)         |
//   +--------+--------+------------------------------+
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace tlsprobe::wire {

inline constexpr std::uint8_t ssl2_msg_error = 0;         // MSG-ERROR
inline constexpr std::uint8_t ssl2_msg_client_hello = 1;  // MSG-CLIENT-HELLO
inline constexpr std::uint8_t ssl2_msg_server_hello = 4;  // MSG-SERVER-HELLO

struct Ssl2ClientHelloSpec {
    // CLIENT-VERSION: 0x0002 asks for SSL 2.0; 0x0300+ makes the version-2-compatible hello of
    // RFC 5246 Appendix E.2, which TLS servers may answer with a TLS ServerHello.
    std::uint16_t version = 0x0002;
    // CIPHER-SPECS, 3 bytes each: SSL 2.0 kinds (0x010080) or TLS suites as 0x00XXYY.
    std::vector<std::uint32_t> cipher_specs;
    core::Bytes session_id;  // empty for a new session
    core::Bytes challenge;   // 16..32 bytes (§2.6); 16 is what SSL 2.0 clients sent
};

// The record: 2-byte header (high bit set) + MSG-CLIENT-HELLO. Throws std::invalid_argument
// for a challenge outside 16..32 bytes or a message over 32767 bytes.
core::Bytes encode_ssl2_client_hello(const Ssl2ClientHelloSpec& spec);

// Every SSL 2.0 cipher kind in the registry and a fresh 16-byte challenge.
Ssl2ClientHelloSpec preset_ssl2_client_hello();

struct Ssl2ServerHello {
    bool session_id_hit = false;
    std::uint8_t certificate_type = 0;  // 1 = SSL_CT_X509_CERTIFICATE
    std::uint16_t version = 0;          // SERVER-VERSION, 0x0002
    core::Bytes certificate;            // DER when certificate_type is 1
    std::vector<std::uint32_t> cipher_specs;
    core::Bytes connection_id;
};

// Parses one MSG-SERVER-HELLO message (type byte included, record header excluded).
// Throws Underflow (reader.hpp) or std::invalid_argument when it is inconsistent.
Ssl2ServerHello parse_ssl2_server_hello(core::ByteView message);

// SSL 2.0 error codes (§2.7, MSG-ERROR): NO-CIPHER-ERROR 1, NO-CERTIFICATE-ERROR 2,
// BAD-CERTIFICATE-ERROR 4, UNSUPPORTED-CERTIFICATE-TYPE-ERROR 6.
std::string_view ssl2_error_name(std::uint16_t code);

}  // namespace tlsprobe::wire
