#include "judge/findings_rules.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "wire/cipher_suites.hpp"

namespace tlsprobe::judge {

using probe::Finding;
using probe::ProbeRecord;
using probe::TargetResult;
namespace {

std::string first_failure_detail(const TargetResult& r) {
    for (const auto& p : r.probes)
        if (!p.observation.detail.empty()) return p.observation.detail;
    return "no attempt succeeded";
}

void protocol_findings(const TargetResult& r, std::vector<Finding>& out) {
    auto supported = [&](core::Version v) { return r.version(v).supported == true; };
    if (supported(core::Version::ssl2))
        out.push_back(make_finding("tls.ssl2_enabled",
                                   "SSL 2.0 is broken (DROWN, RFC 6176) and must be disabled"));
    if (supported(core::Version::ssl3))
        out.push_back(make_finding("tls.ssl3_enabled",
                                   "SSL 3.0 is broken (POODLE, RFC 7568) and must be disabled"));
    std::vector<std::string> legacy;
    for (auto v : {core::Version::tls1_0, core::Version::tls1_1})
        if (supported(v)) legacy.emplace_back(core::display_name(v));
    if (!legacy.empty())
        out.push_back(
            make_finding("tls.legacy_version_enabled",
                         fmt::format("{} accepted; browsers dropped these in 2020 (RFC 8996)",
                                     fmt::join(legacy, " and "))));
    const bool modern = supported(core::Version::tls1_2) || supported(core::Version::tls1_3);
    if (r.facts.works && !modern)
        out.push_back(make_finding(
            "tls.no_modern_version",
            "only legacy versions negotiate; current browsers will show a protocol error"));
    if (supported(core::Version::tls1_2) && r.version(core::Version::tls1_3).supported == false)
        out.push_back(
            make_finding("tls.tls13_not_supported", "TLS 1.2 works but TLS 1.3 is refused"));
    std::vector<std::string> disagreements;
    for (const auto& v : r.versions)
        if (v.disagreement != probe::Disagreement::none)
            disagreements.push_back(
                fmt::format("{}: {}", core::display_name(v.version), v.disagreement_detail));
    if (!disagreements.empty())
        out.push_back(make_finding("tls.engines_disagree",
                                   fmt::format("{}", fmt::join(disagreements, "; "))));
    using probe::ClientCertificate;
    switch (r.facts.client_certificate) {
        case ClientCertificate::required: {
            const auto p = std::find_if(r.probes.begin(), r.probes.end(), [](const ProbeRecord& x) {
                return x.observation.client_certificate_refused;
            });
            out.push_back(
                make_finding("tls.client_certificate_required",
                             p == r.probes.end()
                                 ? std::string("the server refuses clients without a certificate")
                                 : p->observation.detail));
            break;
        }
        case ClientCertificate::optional:
            out.push_back(make_finding("tls.client_certificate_requested",
                                       "the server sends a CertificateRequest and goes on without "
                                       "a certificate: client certificates are optional"));
            break;
        case ClientCertificate::accepted:
            out.push_back(make_finding("tls.client_certificate_requested",
                                       "the server sends a CertificateRequest and accepted the "
                                       "certificate given with --client-cert"));
            break;
        case ClientCertificate::not_requested: break;
    }
}

bool cbc(wire::Encryption e) {
    using E = wire::Encryption;
    switch (e) {
        case E::rc2_cbc:
        case E::des_cbc:
        case E::triple_des_cbc:
        case E::idea_cbc:
        case E::seed_cbc:
        case E::aes_cbc:
        case E::camellia_cbc:
        case E::aria_cbc: return true;
        default: return false;
    }
}

// From the enumerated cipher lists (empty when enumeration did not run). Each accepted suite
// counts once, in the worst class it belongs to: insecure (high), weak (medium), CBC (low).
void cipher_findings(const TargetResult& r, std::vector<Finding>& out) {
    std::vector<std::string> insecure, weak, cbc_suites, no_fs;
    for (const auto& v : r.versions) {
        if (v.supported != true) continue;
        for (const auto& c : v.ciphers) {
            const auto entry = fmt::format("{} ({})", c.name, core::display_name(v.version));
            const auto* suite = wire::find_cipher_suite(c.code);
            if (c.strength == wire::Strength::insecure) insecure.push_back(entry);
            else if (c.strength == wire::Strength::weak) weak.push_back(entry);
            else if (suite && cbc(suite->enc) && v.version != core::Version::ssl2)
                cbc_suites.push_back(entry);
            // TLS 1.3 suites always come with (EC)DHE; SSL 2.0 has no forward secrecy at all
            // and is reported by tls.ssl2_enabled already.
            if (!c.forward_secrecy && v.version != core::Version::ssl2) no_fs.push_back(entry);
        }
    }
    auto listed = [](const std::vector<std::string>& items) {
        constexpr std::size_t kShown = 6;
        if (items.size() <= kShown) return fmt::format("{}", fmt::join(items, ", "));
        return fmt::format("{} and {} more", fmt::join(items.begin(), items.begin() + kShown, ", "),
                           items.size() - kShown);
    };
    if (!insecure.empty())
        out.push_back(
            make_finding("tls.insecure_cipher_offered",
                         fmt::format("{} accepted: {}", insecure.size(), listed(insecure))));
    if (!weak.empty())
        out.push_back(make_finding("tls.weak_cipher_offered",
                                   fmt::format("{} accepted: {}", weak.size(), listed(weak))));
    if (!cbc_suites.empty())
        out.push_back(make_finding(
            "tls.cbc_cipher_offered",
            fmt::format("{} accepted: {}; Mozilla's intermediate profile offers AEAD suites only "
                        "(CBC with TLS's MAC-then-encrypt was the ground for BEAST, Lucky13 and "
                        "POODLE-TLS)",
                        cbc_suites.size(), listed(cbc_suites))));
    if (!no_fs.empty())
        out.push_back(make_finding("tls.no_forward_secrecy",
                                   fmt::format("{} accepted: {}", no_fs.size(), listed(no_fs))));
}

}  // namespace

std::vector<Finding> derive_findings(const TargetResult& r) {
    std::vector<Finding> out;
    if (!r.facts.reached) {
        out.push_back(make_finding("target.unreachable", first_failure_detail(r)));
        return out;
    }
    // A server that refuses clients without a certificate speaks TLS: that is its own finding.
    if (!r.facts.works && !r.facts.client_certificate_required())
        out.push_back(make_finding("tls.unavailable", first_failure_detail(r)));
    protocol_findings(r, out);
    cipher_findings(r, out);
    if (r.chain) {
        for (const auto& problem : r.chain->problems)
            out.push_back(make_finding(x509::to_string(problem.kind), problem.detail));
    }
    if (!r.chain_differs.empty())
        out.push_back(make_finding("chain.differs_between_versions",
                                   fmt::format("probes {} got a different chain than {}",
                                               fmt::join(r.chain_differs, ", "), r.chain_source)));
    std::stable_sort(out.begin(), out.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    return out;
}

}  // namespace tlsprobe::judge
