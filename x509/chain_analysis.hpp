// Chain analysis: what is wrong with the certificates a server sent, as stable problem ids.
//
// Pure: served DER + hostname + time + trust store in, a report out. The trust verdict and
// the path come from OpenSSL (X509_verify_cert at `now`); the problem ids separate the
// causes a single verify error code mixes up (missing intermediate vs unknown root, ...).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
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

// What is wrong with a served chain. Each kind has a registered stable id (to_string), the
// JSON contract and the finding id: never rename one. Rules match on the kind.
enum class ChainProblemKind {
    empty,                 // chain.empty: the server sent no certificate
    unparsable,            // chain.unparsable: an entry is not a DER certificate (skipped)
    missing_intermediate,  // chain.missing_intermediate: the leaf's issuer is neither served nor an
                           // anchor
    misordered,  // chain.misordered: not leaf-first with each certificate signed by the next
    extra_certificates,  // chain.extra_certificates: served certificates that are not on the path
    root_sent,           // chain.root_sent: informational, the server sends a self-signed root
    untrusted_root,      // chain.untrusted_root: the chain ends in a root the store does not trust
    self_signed,         // chain.self_signed: the leaf itself is self-signed and not trusted
    ca_without_basic_constraints,  // chain.ca_without_basic_constraints: an issuing certificate
                                   // lacks CA:TRUE
    expired,                       // cert.expired
    not_yet_valid,                 // cert.not_yet_valid
    expires_soon,                  // cert.expires_soon
    hostname_mismatch,             // cert.hostname_mismatch
    no_server_auth_eku,            // cert.no_server_auth_eku
    key_usage_incompatible,        // cert.key_usage_incompatible
    weak_key,                      // cert.weak_key: RSA/DSA < 2048 bits, EC < 224 bits
    weak_signature,  // cert.weak_signature: MD5 or SHA-1 (not on a self-signed anchor)
    verify_failed,   // chain.verify_failed: X509_verify_cert failed for a reason no kind above
                     // explains (chain too long, bad signature, path length...): never trusted
    // The first served certificate is a CA and another served certificate is the server's:
    // every client takes the first one as the server's (RFC 8446 §4.4.2, RFC 5246 §7.4.2).
    leaf_not_first,             // chain.leaf_not_first
    no_san,                     // cert.no_san: the leaf has no subjectAltName (name in CN only)
    expired_intermediate,       // chain.expired_intermediate: a served CA certificate expired
    intermediate_expires_soon,  // chain.intermediate_expires_soon
    duplicate_certificate,      // chain.duplicate_certificate: the same certificate served twice
    // A CA's pathLenConstraint allows fewer CA certificates below it than the path has
    // (RFC 5280 §4.2.1.9): every client refuses the path.
    path_length_exceeded,       // chain.path_length_exceeded
    // A certificate's names lie outside a CA's nameConstraints (RFC 5280 §4.2.1.10).
    name_constraints_violated,  // chain.name_constraints_violated
};

// The registry: every kind with its stable id, in declaration order.
struct ChainProblemKindInfo {
    ChainProblemKind kind;
    std::string_view id;
};
std::span<const ChainProblemKindInfo> chain_problem_kinds();
// The stable id, "chain.missing_intermediate".
std::string_view to_string(ChainProblemKind k);

struct ChainProblem {
    ChainProblemKind kind = ChainProblemKind::empty;
    std::optional<std::size_t> certificate;  // index into ChainReport::certificates (served order)
    std::string detail;                      // one sentence with the facts (names, dates, bits)
};

// One certificate of the path OpenSSL built. Served ones point into ChainReport::certificates
// (matched by DER, not by name); the rest came from the trust store, with their subject.
struct PathElement {
    std::optional<std::size_t>
        certificate;      // index into ChainReport::certificates; nullopt = not served
    std::string subject;  // the certificate's subject, served or not

    // Not served: OpenSSL took it from the trust store (the anchor).
    bool from_trust_store() const { return !certificate; }
    bool operator==(const PathElement&) const = default;
};

struct ChainInput {
    std::vector<core::Bytes> served;  // as the server sent them
    std::string
        hostname;  // the name the client asked for (DNS name or IP literal); empty = don't check
    std::chrono::system_clock::time_point now;
    KeyExchange key_exchange = KeyExchange::unknown;
    int expires_soon_days = 30;
};

struct ChainReport {
    // Served order; unparsable entries are reported as ChainProblemKind::unparsable and skipped, so
    // an index here can be smaller than the entry's position in ChainInput::served.
    std::vector<CertificateInfo> certificates;
    // Index of the leaf in `certificates`: always the first certificate that parsed, since every
    // client takes the first served certificate as the server's (name, usage, path are judged
    // on it).
    std::size_t leaf = 0;
    // When the first certificate is a CA and another served certificate is the one that should
    // be the leaf (chain.leaf_not_first): that one's index.
    std::optional<std::size_t> intended_leaf;
    // The order the served certificates should be sent in when it differs from the served one
    // (leaf_not_first or misordered): indices into `certificates`, leaf first.
    std::vector<std::size_t> correct_order;
    // X509_verify_cert's verdict at `now` for purpose sslserver, as a TLS client would see it:
    // an expired or clientAuth-only leaf is not trusted even when the path is complete.
    bool trusted = false;
    int verify_error = 0;           // OpenSSL X509_V_ERR_* code, 0 when trusted
    std::string verify_error_text;  // "unable to get local issuer certificate"; empty when trusted
    std::optional<int> verify_error_depth;  // position in `path` the error is about
    // Leaf -> anchor as built by OpenSSL (X509_STORE_CTX_get1_chain), as far as it got; starts
    // with the leaf whenever a certificate parsed. Renderers draw this, never names matched.
    // When verification stopped early (trusted == false, e.g. certificate chain too long) the
    // path goes on with the served certificates that continue it (each issued the one before),
    // so they are not "extra"; OpenSSL's part stays a prefix, so verify_error_depth still holds.
    std::vector<PathElement> path;
    bool root_sent = false;  // the server sent a self-signed CA certificate
    HostnameMatch hostname = HostnameMatch::not_checked;
    std::vector<ChainProblem>
        problems;  // chain problems first, then the leaf's, then other certificates'

    bool has(ChainProblemKind kind) const;
    const CertificateInfo* leaf_certificate() const {
        return leaf < certificates.size() ? &certificates[leaf] : nullptr;
    }
};

ChainReport analyze_chain(const ChainInput& input, const TrustStore& store);
// The same against several stores, the served certificates parsed once: one report per store,
// in order. Each report equals analyze_chain(input, *stores[i]).
std::vector<ChainReport> analyze_chain(const ChainInput& input,
                                       std::span<const TrustStore* const> stores);

// Whether `cert` covers `host` (DNS name or IP literal), with the rules analyze_chain applies
// to the probed name: SAN first, OpenSSL's wildcard rules, the CN only as a noted fallback.
// not_checked when `host` is empty or the certificate's DER does not parse.
HostnameMatch match_hostname(const CertificateInfo& cert, std::string_view host);

}  // namespace tlsprobe::x509
