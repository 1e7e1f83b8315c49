// What one connection attempt showed: the engines' only output.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/outcome.hpp"
#include "core/version.hpp"

namespace tlsprobe::core {

using Micros = std::chrono::microseconds;

// Observation::client_ca_names keeps at most this many names.
inline constexpr std::size_t kMaxClientCaNames = 32;

// One line of the exchange, in the order it happened, for `--trace`.
struct TraceEvent {
    enum class Direction { sent, received, local };
    Micros at{0};  // since the connection attempt started
    Direction direction = Direction::local;
    std::string summary;  // "ClientHello TLS 1.2, 47 suites, SNI=example.com, 517 bytes"
};

std::string_view to_string(TraceEvent::Direction d);

struct Observation {
    Status status = Status::internal_error;
    Phase phase = Phase::connect;
    std::string address;     // the peer actually connected to, "192.0.2.1:443" / "[::1]:443"
    Micros connect_time{0};  // TCP connect duration
    Micros elapsed{0};       // from the ClientHello to how the attempt ended

    // Set when the server chose parameters (status negotiated; the raw engine may also
    // fill them from a ServerHello even when it does not complete the handshake).
    std::optional<Version> version;
    std::uint16_t cipher_id = 0;      // IANA code point
    std::string cipher;               // IANA name, "TLS_AES_128_GCM_SHA256"
    std::string group;                // key exchange group, "x25519" / "secp256r1" / "ffdhe2048"
    std::string alpn;                 // negotiated ALPN protocol, empty if none
    bool downgrade_sentinel = false;  // RFC 8446 §4.1.3 DOWNGRD in ServerHello.random
    bool client_certificate_requested = false;  // the server sent a CertificateRequest
    // OpenSSL engine, after a CertificateRequest:
    // we answered with the certificate given to the probe (--client-cert), not an empty one;
    bool client_certificate_presented = false;
    // the server then refused the connection: a fatal alert (certificate_required 116,
    // handshake_failure 40, bad_certificate 42, ...; in `alert`), a FIN or an RST after our
    // Certificate message. TLS <= 1.2 ends the handshake that way (status rejected_alert /
    // reset / closed); TLS 1.3 completes it first (status negotiated) and the refusal arrives on
    // the first read, which the engine makes for that reason.
    bool client_certificate_refused = false;
    // The CA names the CertificateRequest listed (certificate_authorities), as RFC 2253 text
    // escaped to safe UTF-8; at most kMaxClientCaNames.
    std::vector<std::string> client_ca_names;

    // Failure evidence.
    std::optional<std::uint8_t> alert;  // alert description the server sent
    Bytes first_bytes;                  // the first bytes received (at most 256)
    std::string detail;                 // one line for a person, never empty on failure
    // The banner a STARTTLS server greeted with before the upgrade (wire::greeting_banner():
    // "220 mail.example ESMTP Postfix", a MySQL server version), safe UTF-8; empty without one.
    std::string greeting;

    std::vector<Bytes> chain;  // certificates as served (DER, in served order)
    std::vector<TraceEvent> trace;
};

// How an attempt ended, in a few words: the cipher when negotiated, else
// "alert protocol_version (70)", "RST 2.1 ms after ClientHello", "no answer (timeout)".
std::string outcome_phrase(const Observation& o);

}  // namespace tlsprobe::core
