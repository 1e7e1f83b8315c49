#include "judge/finding.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "probe/check.hpp"

namespace tlsprobe::judge {

using probe::Finding;
using probe::Severity;
namespace {

// The severity model (README "Severities" has the table with each reason). Modelled on what
// browsers do, Mozilla's server-side TLS profiles and SSL Labs' grade caps:
//   critical  the connection's security is gone for every client (SSL 2.0, an invalid DH group)
//   high      browsers refuse the site, or an attacker can break or impersonate it today
//             (NULL/anon/EXPORT/RC4/DES suites, RSA or DH below 2048 bits, SHA-1 in the chain)
//   medium    works today but weak or about to break (TLS 1.0/1.1, 3DES, no forward secrecy,
//             expiring soon): SSL Labs caps the grade at B
//   low/info  worth tidying (CBC suites, no TLS 1.3, the root served)
// A high or critical finding makes the target's verdict "fail" (exit 1); every built-in
// policy fails on the same facts (tests/scenarios_test.cpp, over the scenario matrix).
constexpr std::array<FindingKind, 52> kKinds{{
    {"target.unreachable", Severity::high, "The server could not be reached"},
    {"tls.unavailable", Severity::high, "No TLS handshake succeeded"},
    {"tls.no_modern_version", Severity::high, "Neither TLS 1.2 nor TLS 1.3 is available"},
    {"tls.legacy_version_enabled", Severity::medium,
     "A legacy protocol version (TLS 1.0/1.1) is enabled"},
    {"tls.ssl2_enabled", Severity::critical, "SSL 2.0 is enabled"},
    {"tls.ssl3_enabled", Severity::high, "SSL 3.0 is enabled"},
    {"tls.tls13_not_supported", Severity::low, "TLS 1.3 is not supported"},
    {"tls.insecure_cipher_offered", Severity::high,
     "The server accepts broken cipher suites (NULL, anonymous, EXPORT, RC4 or DES)"},
    {"tls.weak_cipher_offered", Severity::medium,
     "The server accepts weak cipher suites (3DES, IDEA, MD5 MAC)"},
    {"tls.cbc_cipher_offered", Severity::low,
     "The server accepts CBC-mode cipher suites (modern profiles offer AEAD only)"},
    {"tls.no_forward_secrecy", Severity::medium,
     "Cipher suites without forward secrecy are accepted"},
    {"tls.engines_disagree", Severity::low,
     "The OpenSSL handshake and the raw hello disagree about a version"},
    {"tls.client_certificate_requested", Severity::info,
     "The server asks for a client certificate"},
    {"tls.client_certificate_required", Severity::high,
     "The server refuses clients without a client certificate"},
    {"chain.empty", Severity::high, "The server sent no certificate"},
    {"chain.unparsable", Severity::high, "A served certificate could not be parsed"},
    {"chain.missing_intermediate", Severity::high,
     "The chain is incomplete: an intermediate certificate is missing"},
    {"chain.misordered", Severity::medium, "The chain is served out of order"},
    {"chain.extra_certificates", Severity::low,
     "The server sends certificates that are not part of the chain"},
    {"chain.root_sent", Severity::info, "The server sends the root certificate (unnecessary)"},
    {"chain.untrusted_root", Severity::high, "The chain ends in a root that is not trusted"},
    {"chain.self_signed", Severity::high, "The certificate is self-signed"},
    {"chain.ca_without_basic_constraints", Severity::high,
     "An issuing certificate is not marked as a CA"},
    {"chain.verify_failed", Severity::high, "The chain fails verification"},
    {"chain.differs_between_versions", Severity::medium,
     "Different protocol versions get different certificates"},
    {"cert.expired", Severity::high, "The certificate has expired"},
    {"cert.not_yet_valid", Severity::high, "The certificate is not valid yet"},
    {"cert.expires_soon", Severity::medium, "The certificate expires soon"},
    {"cert.hostname_mismatch", Severity::high, "The certificate does not cover the host name"},
    {"cert.no_server_auth_eku", Severity::high,
     "The certificate is not valid for server authentication (EKU)"},
    {"cert.key_usage_incompatible", Severity::high,
     "The key usage does not allow the negotiated key exchange"},
    {"cert.weak_key", Severity::high, "The certificate's key is too small"},
    {"cert.weak_signature", Severity::high, "A certificate is signed with SHA-1 or MD5"},
    // Chain and certificate faults judged as clients judge them (issue 12, part 4).
    {"chain.leaf_not_first", Severity::high,
     "A CA certificate is sent first: clients take it as the server's certificate"},
    {"cert.no_san", Severity::high,
     "The certificate has no Subject Alternative Name (the name is only in the CN)"},
    // High when every path goes through it; derive_findings() lowers it to medium when the
    // verified path avoids it (modern clients succeed, clients following the served chain fail).
    {"chain.expired_intermediate", Severity::high,
     "An intermediate or cross-signed certificate in the served chain has expired"},
    {"chain.intermediate_expires_soon", Severity::medium,
     "An intermediate certificate in the served chain expires soon"},
    {"chain.duplicate_certificate", Severity::low, "The server sends a certificate twice"},
    {"cert.sni_wrong_certificate", Severity::high,
     "Clients sending the name get a certificate for another site"},
    {"cert.no_sni_default_mismatch", Severity::low,
     "Clients without SNI get a default certificate that does not cover the name"},
    {"cert.ecdsa_only", Severity::info,
     "Only an ECDSA certificate is offered: clients without ECDSA support cannot connect"},
    // Key exchange (findings_rules.cpp, kex_findings; the DH facts from probe/key_exchange).
    {"kex.dh_weak_group", Severity::high, "A DHE group is smaller than 2048 bits"},
    {"kex.dh_common_prime", Severity::high,
     "A DHE group uses a widely shared prime (high when <= 1024 bits, else low)"},
    {"kex.dh_invalid_group", Severity::critical,
     "A DHE group is invalid: composite prime or a small-subgroup generator or key"},
    {"kex.weak_curve", Severity::high, "An ECDHE curve smaller than 256 bits is accepted"},
    // Certificate files before go-live (`tlsprobe cert`, judge/cert_file.cpp; issue 17).
    {"cert.no_private_key", Severity::high,
     "The PKCS#12 file holds the certificate without its private key"},
    {"cert.key_mismatch", Severity::high, "The private key does not belong to the certificate"},
    {"cert.key_unreadable", Severity::high,
     "The private key is encrypted and the password given does not open it"},
    // Path validation (x509/chain_analysis.cpp; issue 17).
    {"chain.path_length_exceeded", Severity::high,
     "The path has more CA certificates than a CA's path length constraint allows"},
    {"chain.name_constraints_violated", Severity::high,
     "A certificate's names are outside a CA's name constraints"},
    // Platform trust stores (probe/conclude.cpp TargetResult::trust; issue 15).
    {"trust.store_disagreement", Severity::medium,
     "The chain is trusted by some platforms' trust stores and not by others"},
    // The plain-HTTP check (engine/http_check.hpp; issue 13).
    {"http.no_https_redirect", Severity::low,
     "The plain-HTTP site answers without redirecting to HTTPS, although HTTPS works"},
}};

}  // namespace

std::span<const FindingKind> finding_kinds() {
    static const std::vector<FindingKind> all = [] {
        std::vector<FindingKind> v(kKinds.begin(), kKinds.end());
        for (const auto* check : probe::check_kinds())
            for (const auto& k : check->finding_kinds()) v.push_back(k);
        return v;
    }();
    return all;
}

const FindingKind* find_finding_kind(std::string_view id) {
    const auto kinds = finding_kinds();
    auto it =
        std::find_if(kinds.begin(), kinds.end(), [&](const FindingKind& k) { return k.id == id; });
    return it == kinds.end() ? nullptr : &*it;
}

Finding make_finding(std::string_view id, std::string detail) {
    if (const auto* kind = find_finding_kind(id))
        return {std::string(kind->id), kind->severity, std::string(kind->title), std::move(detail)};
    return {std::string(id), Severity::high, "Unregistered finding (tlsprobe bug)",
            std::move(detail)};
}

}  // namespace tlsprobe::judge
