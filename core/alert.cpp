#include "core/alert.hpp"

#include <algorithm>
#include <array>

namespace tlsprobe::core {
namespace {

struct AlertInfo {
    std::uint8_t code;
    std::string_view name;
    std::string_view meaning;
};

// IANA "TLS Alerts" registry. Meanings describe what a *server* sending it to a client
// usually signals, which is the only direction tlsprobe receives.
constexpr std::array<AlertInfo, 30> kAlerts{{
    {0, "close_notify", "the server closed the connection cleanly"},
    {10, "unexpected_message",
     "the server did not expect this message (often a ClientHello it cannot parse)"},
    {20, "bad_record_mac", "record integrity check failed"},
    {21, "decryption_failed", "decryption failed (SSL 3.0 / TLS 1.0)"},
    {22, "record_overflow", "a record was too long"},
    {30, "decompression_failure", "decompression failed"},
    {40, "handshake_failure", "no acceptable set of parameters: usually no shared cipher suite"},
    {41, "no_certificate", "no certificate (SSL 3.0)"},
    {42, "bad_certificate", "a certificate was corrupt"},
    {43, "unsupported_certificate", "certificate of an unsupported type"},
    {44, "certificate_revoked", "certificate revoked"},
    {45, "certificate_expired", "certificate expired"},
    {46, "certificate_unknown", "certificate could not be processed"},
    {47, "illegal_parameter", "a field of the ClientHello was out of range or inconsistent"},
    {48, "unknown_ca", "certificate authority not recognised"},
    {49, "access_denied", "access denied by the server's policy"},
    {50, "decode_error", "the server could not decode a message"},
    {51, "decrypt_error", "a cryptographic operation failed"},
    {60, "export_restriction", "export restriction (SSL 3.0 / TLS 1.0)"},
    {70, "protocol_version", "the server does not accept this protocol version"},
    {71, "insufficient_security", "the server requires stronger cipher suites than offered"},
    {80, "internal_error",
     "the server hit an internal error (often: no certificate for this name)"},
    {86, "inappropriate_fallback", "the server refused a fallback (TLS_FALLBACK_SCSV)"},
    {90, "user_canceled", "the handshake was cancelled"},
    {100, "no_renegotiation", "renegotiation refused"},
    {109, "missing_extension", "a required extension was missing"},
    {110, "unsupported_extension", "an extension was not supported"},
    {112, "unrecognized_name", "the server rejected the SNI host name"},
    {116, "certificate_required", "the server requires a client certificate"},
    {120, "no_application_protocol", "no ALPN protocol in common"},
}};

const AlertInfo* find(std::uint8_t code) {
    auto it = std::find_if(kAlerts.begin(), kAlerts.end(),
                           [&](const AlertInfo& a) { return a.code == code; });
    return it == kAlerts.end() ? nullptr : &*it;
}

}  // namespace

std::string_view alert_name(std::uint8_t code) {
    const auto* a = find(code);
    return a ? a->name : "unknown";
}

std::string_view alert_meaning(std::uint8_t code) {
    const auto* a = find(code);
    return a ? a->meaning : "an alert code outside the IANA registry";
}

}  // namespace tlsprobe::core
