// Scripted plaintext dialogues for a lab TlsServer (TlsServerConfig::preamble): a STARTTLS
// server of each protocol wire/starttls.hpp speaks, behaving well or in one of the ways real
// servers fail before TLS. Loopback only, like every lab server.
#pragma once

#include <string_view>

#include "lab/tls_server.hpp"
#include "wire/starttls.hpp"

namespace tlsprobe::lab {

enum class UpgradeBehaviour {
    good,            // the dialogue, then TLS on the same socket
    not_offered,     // the capability list lacks STARTTLS (PostgreSQL 'N', MySQL without SSL)
    refused,         // STARTTLS answered with an error
    auth_required,   // STARTTLS answered "authenticate first" (SMTP 530, LDAP 8, ...)
    wrong_greeting,  // another service's greeting (an SSH banner)
    silent,          // accepts and never greets
    inject,          // the go-ahead and plaintext bytes after it in the same write
};
std::string_view to_string(UpgradeBehaviour b);

// The preamble of a `protocol` server that behaves as `b`. Behaviours a protocol has no way
// to show (PostgreSQL has no capability list) fall back to the nearest one.
Preamble upgrade_preamble(wire::StartTls protocol, UpgradeBehaviour b);

}  // namespace tlsprobe::lab
