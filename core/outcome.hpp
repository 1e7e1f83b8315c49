// The one status vocabulary every connection attempt ends in, and the phase it ended in.
//
// Failures are values: a handshake engine never throws past its boundary; whatever the
// network or the peer did becomes one Status plus the evidence in an Observation.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace tlsprobe::core {

enum class Status {
    negotiated,         // the handshake completed (or, raw engine: the server chose a version)
    rejected_alert,     // the server answered with a TLS alert
    reset,              // TCP RST from the peer before a ServerHello / during the handshake
    closed,             // FIN from the peer before the handshake completed
    not_tls,            // the peer sent bytes that are not TLS (HTTP, SSH banner, garbage)
    protocol_error,     // the peer spoke TLS but broke the handshake (chose a version or suite that
                        // was not offered, malformed message); not an alert, not a reset
    timeout,            // nothing came back in time (see Phase for where)
    refused,            // TCP connect refused (RST to SYN)
    dns_failed,         // the name did not resolve
    unreachable,        // no route / network unreachable / host unreachable
    local_unsupported,  // this machine's TLS library cannot offer what was asked
    local_limit,        // the server's answer went past a limit of tlsprobe or its TLS library
                        // (e.g. a certificate message over OpenSSL's list limit): not the
                        // server's fault as such, and not evidence that a version is refused
    internal_error,     // a bug or unexpected local failure; see detail
    // The plaintext upgrade before TLS (STARTTLS and friends, Phase::upgrade):
    starttls_not_offered,    // the server does not offer the upgrade (detail: its capabilities)
    starttls_refused,        // the server refused the upgrade command (detail: its reply)
    starttls_auth_required,  // the server wants authentication before the upgrade
    wrong_protocol,          // the greeting or a reply is not the protocol's: another service
};

inline constexpr std::array<Status, 17> all_statuses{
    Status::negotiated,    Status::rejected_alert,    Status::reset,
    Status::closed,        Status::not_tls,           Status::protocol_error,
    Status::timeout,       Status::refused,           Status::dns_failed,
    Status::unreachable,   Status::local_unsupported, Status::local_limit,
    Status::internal_error, Status::starttls_not_offered, Status::starttls_refused,
    Status::starttls_auth_required, Status::wrong_protocol};

std::string_view to_string(Status s);
std::optional<Status> parse_status(std::string_view text);

// Where in the life of a connection an attempt ended.
enum class Phase {
    dns,        // resolving the name
    connect,    // TCP three-way handshake
    upgrade,    // the plaintext dialogue before TLS (STARTTLS, SSLRequest...), when one is asked
    hello,      // ClientHello sent, no byte from the server yet
    handshake,  // the server answered; the handshake had not completed
    done,       // the handshake completed
};

std::string_view to_string(Phase p);

// The statuses only the plaintext upgrade before TLS ends in.
constexpr bool is_upgrade_failure(Status s) {
    return s == Status::starttls_not_offered || s == Status::starttls_refused ||
           s == Status::starttls_auth_required || s == Status::wrong_protocol;
}

// True when the peer was reached and spoke (any TLS answer, an alert, or non-TLS bytes).
constexpr bool reached_server(Status s) {
    return s == Status::negotiated || s == Status::rejected_alert || s == Status::reset ||
           s == Status::closed || s == Status::not_tls || s == Status::protocol_error ||
           s == Status::timeout || s == Status::local_limit || is_upgrade_failure(s);
}

}  // namespace tlsprobe::core
