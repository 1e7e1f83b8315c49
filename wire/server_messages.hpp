// Parsers for the plaintext handshake messages a server sends first: ServerHello (and
// HelloRetryRequest), Certificate (TLS <= 1.2), ServerKeyExchange. Each takes one complete
// message body (the 4-byte handshake header already removed) and throws Underflow or
// std::invalid_argument when the body is inconsistent; server_flight.hpp turns that into a value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"

namespace tlsprobe::wire {

struct CipherSuite;

struct RawExtension {
    std::uint16_t type = 0;
    core::Bytes data;
};

// RFC 8446 §4.1.3 downgrade protection, read from the last 8 bytes of ServerHello.random.
enum class DowngradeSentinel { none, tls1_2, tls1_1_or_below };
std::string_view to_string(DowngradeSentinel d);

struct ServerHello {
    std::uint16_t legacy_version = 0;  // ServerHello.legacy_version / server_version
    std::array<std::uint8_t, 32> random{};
    core::Bytes session_id;
    std::uint16_t cipher_suite = 0;
    std::uint8_t compression = 0;
    std::vector<RawExtension> extensions;  // as received, in order

    // Decoded from the extensions.
    std::optional<std::uint16_t> selected_version;  // supported_versions (RFC 8446 §4.2.1)
    std::optional<std::uint16_t> key_share_group;   // key_share: server share or HRR selected_group
    std::optional<std::string> alpn;                // RFC 7301 §3.1
    bool renegotiation_info = false;                // RFC 5746 §3.6
    bool extended_master_secret = false;            // RFC 7627 §5.2
    bool hello_retry_request = false;               // random == SHA-256("HelloRetryRequest")
    DowngradeSentinel downgrade = DowngradeSentinel::none;

    // selected_version when present, legacy_version otherwise.
    std::uint16_t negotiated_wire_version() const {
        return selected_version.value_or(legacy_version);
    }
    std::optional<core::Version> negotiated_version() const {
        return core::version_from_wire(negotiated_wire_version());
    }
    bool has_extension(std::uint16_t type) const;
};

// The contents of an extensions block (after its 2-byte length): type + opaque data pairs,
// in order (RFC 8446 §4.2). Throws Underflow when an entry overruns the block.
std::vector<RawExtension> parse_extension_list(core::ByteView block);

// ServerHello body (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3, RFC 6101 §5.6.1.3). SSL 3.0 servers
// may end the body after compression_method: no extensions block is then fine.
ServerHello parse_server_hello(core::ByteView body);

// Certificate body, TLS <= 1.2 form: ASN.1Cert certificate_list<0..2^24-1> (RFC 5246 §7.4.2).
std::vector<core::Bytes> parse_certificate_list(core::ByteView body);

struct KeyExchangeInfo {
    enum class Kind { ecdhe, dhe, rsa_export, psk_hint_only, unknown };
    Kind kind = Kind::unknown;
    std::uint8_t curve_type = 0;       // ECParameters.curve_type: 3 = named_curve (RFC 8422 §5.4)
    std::uint16_t named_group = 0;     // ECDHE: the curve
    int dh_prime_bits = 0;             // DHE: bit length of dh_p (RFC 5246 §7.4.3)
    int rsa_modulus_bits = 0;          // RSA_EXPORT: temporary key (RFC 4346 §7.4.3)
    std::size_t public_key_bytes = 0;  // size of the server's ECDH point / dh_Ys
    // DHE: ServerDHParams as sent (big-endian, leading zeros kept; RFC 5246 §7.4.3). Each is
    // bounded by its 16-bit length prefix.
    core::Bytes dh_p, dh_g, dh_ys;
};
std::string_view to_string(KeyExchangeInfo::Kind k);

// ServerKeyExchange body for the negotiated suite (its key exchange decides the layout).
// Only the parameters are read; the signature after them is not checked. `suite` may be null
// (an unknown code point): then ECDHE and DHE are told apart by their first byte.
KeyExchangeInfo parse_server_key_exchange(core::ByteView body, const CipherSuite* suite);

// Bit length of a big-endian unsigned integer (leading zero bytes and bits skipped).
int bit_length(core::ByteView big_endian);

}  // namespace tlsprobe::wire
