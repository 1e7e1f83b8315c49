// OCSP responses for the lab servers to staple (TlsServerConfig::ocsp_staple), made at test
// time with OpenSSL's OCSP API the way a CA's responder makes them (RFC 6960): one single
// response about a certificate, signed by its issuer, with the status and the update times
// asked for.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tlsprobe::lab {

enum class OcspStatus { good, revoked, unknown };

struct OcspStapleSpec {
    std::string leaf_pem_file;    // the certificate the response is about
    std::string issuer_pem_file;  // its issuer, which signs the response
    std::string issuer_key_file;
    OcspStatus status = OcspStatus::good;
    std::chrono::seconds this_update{-3600};  // relative to now
    std::chrono::seconds next_update{7 * 24 * 3600};
};

// The DER OCSPResponse (responseStatus successful). Throws std::runtime_error naming the file
// or the OpenSSL reason.
std::vector<std::uint8_t> make_ocsp_response(const OcspStapleSpec& spec);

// A DER leaf for `name`, signed by the issuer, carrying the TLS feature extension with
// status_request (RFC 7633 "must-staple"): the certificate a server must staple for.
std::vector<std::uint8_t> make_must_staple_certificate(const std::string& name,
                                                       const std::string& issuer_pem_file,
                                                       const std::string& issuer_key_file);

}  // namespace tlsprobe::lab
