// X.509 certificates as plain values: what a report shows and what chain analysis checks.
//
// Parsing is done by OpenSSL (d2i_X509 and its extension cache); this file only turns the
// result into strings, numbers and dates, so nothing above it needs an OpenSSL header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <openssl/x509.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace tlsprobe::x509 {

// Owning X509 pointer, for the files that talk to OpenSSL directly (chain analysis).
struct X509Deleter {
    void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct CertificateInfo {
    std::string subject, issuer;  // RFC 2253 order, ", " separated: "CN=tlsprobe.test, O=tlsprobe"
    std::string serial_hex;       // lower-case hex, as printed by the issuing CA
    // Lower-case hex, no colons. sha1 is the Windows "thumbprint" (40 hex digits) that
    // certutil and `netsh http ... certhash=` take.
    std::string sha1_hex, sha256_hex;
    std::chrono::sys_seconds not_before, not_after;
    std::vector<std::string> san_dns, san_ip;  // IPs as text ("127.0.0.1", "::1")
    std::optional<std::string> common_name;    // the last CN of the subject, if any
    // nullopt = no EKU extension (any use allowed); else "serverAuth", "clientAuth",
    // "codeSigning", ..., unknown OIDs as dotted text.
    std::optional<std::vector<std::string>> eku;
    std::optional<std::uint32_t> key_usage;    // nullopt = no extension; else X509v3_KU_* bits
    std::vector<std::string> key_usage_names;  // "digitalSignature", "keyEncipherment", ...
    bool is_ca = false;                        // basicConstraints CA:TRUE
    std::optional<long> path_len;              // basicConstraints pathLenConstraint
    bool has_basic_constraints = false;
    std::string key_type;             // "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA"
    int key_bits = 0;                 // RSA modulus bits / EC group order bits
    std::string curve;                // "prime256v1"... for EC, else empty
    std::string signature_algorithm;  // "sha256WithRSAEncryption", "ecdsa-with-SHA256", ...
    std::string signature_digest;     // "SHA256", "SHA1", "MD5"; empty when none (Ed25519)
    bool self_issued = false;         // subject == issuer
    bool self_signed = false;         // self-issued and its signature verifies with its own key
    core::Bytes der;
};

// Parses one DER certificate. Returns nullopt (and an error text through `error` if
// non-null) on garbage, including trailing bytes after the certificate.
// `x509`, when given, receives the parsed certificate too (no second d2i_X509).
std::optional<CertificateInfo> parse_certificate(core::ByteView der, std::string* error = nullptr,
                                                 X509Ptr* x509 = nullptr);

// PEM bundle (file contents) -> DER blobs of its CERTIFICATE blocks in file order; other
// blocks (keys, parameters) are skipped. Throws std::runtime_error naming the problem (no
// certificate at all, a damaged block). The DER itself is not parsed here.
std::vector<core::Bytes> pem_to_der_chain(std::string_view pem);

// RFC 8446 §4.4.2.2 names the usages a server certificate needs; these read as the checks.
bool has_server_auth_eku(const CertificateInfo& cert);               // true when EKU is absent, too
bool has_key_usage(const CertificateInfo& cert, std::uint32_t bit);  // true when KU is absent

// d2i_X509 over the whole buffer: nullptr on garbage or trailing bytes.
X509Ptr x509_from_der(core::ByteView der);
// A name as CertificateInfo::subject shows it: "CN=tlsprobe.test, O=tlsprobe".
std::string distinguished_name(const X509_NAME* name);

}  // namespace tlsprobe::x509
