#include "judge/finding.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "probe/check.hpp"

namespace tlsprobe::judge {

using probe::Finding;
using probe::Severity;
namespace {

// Severity reflects what a browser user would suffer: high = browsers refuse the site
// (or the site is unreachable over TLS), medium = works today but weak or about to break,
// low/info = worth tidying.
constexpr std::array<FindingKind, 34> kKinds{{
    {"target.unreachable", Severity::high, "The server could not be reached"},
    {"tls.unavailable", Severity::high, "No TLS handshake succeeded"},
    {"tls.no_modern_version", Severity::high, "Neither TLS 1.2 nor TLS 1.3 is available"},
    {"tls.legacy_version_enabled", Severity::medium,
     "A legacy protocol version (TLS 1.0/1.1) is enabled"},
    {"tls.ssl2_enabled", Severity::critical, "SSL 2.0 is enabled"},
    {"tls.ssl3_enabled", Severity::high, "SSL 3.0 is enabled"},
    {"tls.tls13_not_supported", Severity::low, "TLS 1.3 is not supported"},
    {"tls.weak_cipher_offered", Severity::medium,
     "The server accepts insecure or weak cipher suites (NULL, EXPORT, RC4, DES/3DES, anon)"},
    {"tls.no_forward_secrecy", Severity::medium,
     "Cipher suites without forward secrecy are accepted"},
    {"tls.engines_disagree", Severity::low,
     "The OpenSSL handshake and the raw hello disagree about a version"},
    {"tls.client_certificate_requested", Severity::info,
     "The server asks for a client certificate"},
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
    {"cert.weak_key", Severity::medium, "The certificate's key is too small"},
    {"cert.weak_signature", Severity::medium, "A certificate is signed with SHA-1 or MD5"},
    // Key exchange (findings_rules.cpp, kex_findings; the DH facts from probe/key_exchange).
    {"kex.dh_weak_group", Severity::high, "A DHE group is smaller than 2048 bits"},
    {"kex.dh_common_prime", Severity::high,
     "A DHE group uses a widely shared prime (high when <= 1024 bits, else low)"},
    {"kex.dh_invalid_group", Severity::critical,
     "A DHE group is invalid: composite prime or a small-subgroup generator or key"},
    {"kex.weak_curve", Severity::high, "An ECDHE curve smaller than 256 bits is accepted"},
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
