// Chain analysis: what is wrong with the certificates a server sent, as stable problem ids.
//
// Pure: served DER + hostname + time + trust store in, a report out. The trust verdict and
// the path come from OpenSSL (X509_verify_cert at `now`); the problem ids separate the
// causes a single verify error code mixes up (missing intermediate vs unknown root, ...).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "x509/certificate.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::x509 {

// What the negotiated key exchange needs from the leaf's keyUsage (RFC 5280 §4.2.1.3,
// RFC 5246 §7.4.2): RSA key transport encrypts with the key (keyEncipherment), every other
// exchange signs with it (digitalSignature).
enum class KeyExchange { unknown, rsa, ecdhe_or_dhe, tls13 };
enum class HostnameMatch { match, match_cn_fallback, mismatch, not_checked };

std::string_view to_string(KeyExchange k);
std::string_view to_string(HostnameMatch h);

struct ChainProblem {
    std::string id;                          // "chain.missing_intermediate", see chain_analysis.cpp
    std::optional<std::size_t> certificate;  // index into ChainReport::certificates (served order)
    std::string detail;                      // one sentence with the facts (names, dates, bits)
};

struct ChainInput {
    std::vector<core::Bytes> served;  // as the server sent them
    std::string hostname;       // the name the client asked for (DNS name or IP literal); empty = don't check
    std::chrono::system_clock::time_point now;
    KeyExchange key_exchange = KeyExchange::unknown;
    int expires_soon_days = 30;
};

struct ChainReport {
    // Served order; unparsable entries are reported as "chain.unparsable" and skipped, so an
    // index here can be smaller than the entry's position in ChainInput::served.
    std::vector<CertificateInfo> certificates;
    std::size_t leaf = 0;  // index of the leaf in `certificates` (not 0 when misordered)
    // X509_verify_cert's verdict at `now` for purpose sslserver, as a TLS client would see it:
    // an expired or clientAuth-only leaf is not trusted even when the path is complete.
    bool trusted = false;
    int verify_error = 0;           // OpenSSL X509_V_ERR_* code, 0 when trusted
    std::string verify_error_text;  // "unable to get local issuer certificate"; empty when trusted
    std::optional<int> verify_error_depth;  // position in `path` the error is about
    std::vector<std::string> path;  // subjects leaf -> anchor as built by OpenSSL (with the store's anchor)
    bool root_sent = false;         // the server sent a self-signed CA certificate
    HostnameMatch hostname = HostnameMatch::not_checked;
    std::vector<ChainProblem> problems;  // chain problems first, then the leaf's, then other certificates'

    bool has(std::string_view id) const;
    const CertificateInfo* leaf_certificate() const {
        return leaf < certificates.size() ? &certificates[leaf] : nullptr;
    }
};

ChainReport analyze_chain(const ChainInput& input, const TrustStore& store);

// Whether `cert` covers `host` (DNS name or IP literal), with the rules analyze_chain applies
// to the probed name: SAN first, OpenSSL's wildcard rules, the CN only as a noted fallback.
// not_checked when `host` is empty or the certificate's DER does not parse.
HostnameMatch match_hostname(const CertificateInfo& cert, std::string_view host);

}  // namespace tlsprobe::x509
