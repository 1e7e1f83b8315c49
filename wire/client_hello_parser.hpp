// Decoder for ClientHellos: what a lab server reads to decide its answer, and what a trace
// line says about a hello ("ClientHello TLS 1.2, 47 suites, SNI=x, 517 bytes"). Pure: bytes in,
// value out; the inverse of client_hello.hpp / ssl2.hpp for the fields tlsprobe writes.
//
// Accepts the TLS form (handshake records, the message possibly split over several records,
// RFC 8446 §5.1) and the SSL 2.0 / version-2-compatible CLIENT-HELLO (RFC 5246 Appendix E.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"
#include "wire/server_messages.hpp"

namespace tlsprobe::wire {

struct ParsedClientHello {
    bool ssl2_format = false;          // SSL 2.0 record header (CLIENT-HELLO message)
    std::uint16_t record_version = 0;  // TLS: the first record's legacy_record_version
    std::uint16_t legacy_version = 0;  // client_version (SSL 2.0: CLIENT-VERSION)
    std::size_t message_length =
        0;  // handshake message incl. its 4-byte header (RFC 7685 counts this)
    core::Bytes session_id;
    // TLS suites as 16-bit values; SSL 2.0 CIPHER-SPECS as 3-byte values (a V2CipherSpec
    // {0x00, suite} is the TLS suite and is stored as such).
    std::vector<std::uint32_t> cipher_suites;
    std::vector<RawExtension> extensions;  // as received, in order
    std::vector<std::uint8_t> compression_methods;  // legacy_compression_methods (TLS only)

    // Decoded from the extensions (empty / nullopt when absent).
    std::optional<std::string> server_name;           // RFC 6066 §3 host_name
    std::vector<std::uint16_t> supported_groups;      // RFC 8446 §4.2.7
    std::vector<std::uint16_t> supported_versions;    // RFC 8446 §4.2.1
    std::vector<std::uint16_t> key_share_groups;      // RFC 8446 §4.2.8, groups of the shares sent
    std::vector<std::uint16_t> signature_algorithms;  // RFC 8446 §4.2.3
    std::vector<std::string> alpn;                    // RFC 7301 §3.1
    bool renegotiation_info = false;                  // extension (RFC 5746 §3.2) or SCSV 0x00FF
    std::size_t padding = 0;                          // RFC 7685 padding bytes

    // The highest version offered: from supported_versions when present, else legacy_version.
    std::optional<core::Version> highest_version() const;
    bool offers_suite(std::uint32_t code) const;
};

struct ClientHelloParse {
    enum class Kind { ok, truncated, malformed };
    Kind kind = Kind::truncated;
    std::optional<ParsedClientHello> hello;  // set when ok
    std::string error;                       // malformed: what was wrong
};

// Never throws (except std::bad_alloc).
ClientHelloParse parse_client_hello(core::ByteView received);

// "ClientHello TLS 1.2, 47 suites, SNI=example.com, 517 bytes" /
// "SSLv2 CLIENT-HELLO, 7 cipher kinds, 46 bytes": `wire_bytes` is the size on the wire.
std::string describe_client_hello(const ParsedClientHello& hello, std::size_t wire_bytes);

}  // namespace tlsprobe::wire
