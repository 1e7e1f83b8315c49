// OCSP responses as a server staples them (RFC 6960, RFC 6066 §8), and the must-staple
// (TLS feature, RFC 7633) marker on a certificate. Pure: DER in, facts out.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace tlsprobe::x509 {

struct OcspFacts {
    bool parsed = false;  // the bytes are an OCSPResponse
    std::string error;    // when not parsed: why
    // responseStatus: "successful", "malformedRequest", "internalError", "tryLater",
    // "sigRequired", "unauthorized".
    std::string response_status;
    // For the certificate asked about (matched by serial number; else the first single
    // response): "good", "revoked", "unknown"; empty when the response has none.
    std::string cert_status;
    bool matches_certificate = false;  // a single response carries the leaf's serial number
    std::optional<std::chrono::system_clock::time_point> produced_at, this_update, next_update,
        revoked_at;
    std::string responder;  // the responder id: a name (RFC 2253) or "key hash <hex>"
};

// Parses a DER OCSPResponse about `leaf_der` (the server's certificate; may be empty). The
// signature is not verified: the facts are what the server stapled.
OcspFacts parse_ocsp_response(const core::Bytes& der, const core::Bytes& leaf_der);

// The certificate carries the TLS feature extension with status_request (RFC 7633: "OCSP
// must-staple"). False for an unparsable certificate.
bool requires_stapling(const core::Bytes& cert_der);

}  // namespace tlsprobe::x509
