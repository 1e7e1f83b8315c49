#include "judge/findings_rules.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"

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
            out.push_back(
                make_finding("tls.client_certificate_requested",
                             "the server sends a CertificateRequest and the TLS handshake "
                             "goes on without a certificate; the application may still "
                             "refuse such clients (nginx `ssl_verify_client on` answers "
                             "the first request with HTTP 400 'No required SSL "
                             "certificate was sent')"));
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

// ---- chain rules (issue 12, part 4): the SNI certificates and the ECDSA-only key ---------

bool covers(x509::HostnameMatch m) { return m == x509::HostnameMatch::match; }

void chain_rules_findings(const TargetResult& r, std::vector<Finding>& out) {
    const auto* leaf = r.chain ? r.chain->leaf_certificate() : nullptr;
    if (!leaf) return;
    const auto name = r.target.sni.value_or(r.target.host);
    if (const auto no_sni = r.facts.no_sni_other_certificate) {
        if (covers(r.chain->hostname) && !covers(*no_sni))
            out.push_back(make_finding(
                "cert.no_sni_default_mismatch",
                fmt::format("clients that send no SNI (old clients, scripts connecting by IP) get "
                            "another certificate, which does not cover {}",
                            name)));
        if (!covers(r.chain->hostname) && covers(*no_sni))
            out.push_back(make_finding(
                "cert.sni_wrong_certificate",
                fmt::format("with SNI {} the server sends '{}', which does not cover the name; "
                            "without SNI it sends a certificate that does",
                            name, leaf->subject)));
    }
    // ECDSA only: every enumerated TLS <= 1.2 suite authenticates with ECDSA (TLS 1.3 suites
    // name no authentication). Needs enumeration; without it nothing is claimed.
    if (leaf->key_type != "EC") return;
    bool enumerated = false, rsa = false;
    std::size_t ecdsa = 0;
    for (const auto& v : r.versions) {
        if (!v.ciphers_enumerated || v.version == core::Version::tls1_3) continue;
        enumerated = true;
        for (const auto& c : v.ciphers) {
            const auto* suite = wire::find_cipher_suite(c.code);
            if (!suite) continue;
            if (suite->auth == wire::Authentication::rsa) rsa = true;
            if (suite->auth == wire::Authentication::ecdsa) ++ecdsa;
        }
    }
    if (enumerated && !rsa && ecdsa > 0)
        out.push_back(make_finding(
            "cert.ecdsa_only",
            fmt::format("the certificate has an {} {}-bit key and every accepted TLS 1.2 suite "
                        "({}) authenticates with ECDSA: clients without ECDSA (Windows XP, "
                        "Android 2.x, old Java and embedded stacks) cannot connect; add an RSA "
                        "certificate if they matter",
                        leaf->key_type, leaf->key_bits, ecdsa)));
}

std::string shown(const std::vector<std::string>& items) {
    constexpr std::size_t kShown = 4;
    if (items.size() <= kShown) return fmt::format("{}", fmt::join(items, ", "));
    return fmt::format("{} and {} more", fmt::join(items.begin(), items.begin() + kShown, ", "),
                       items.size() - kShown);
}

// From the DH groups conclude() analysed and the ECDHE groups the enumeration found.
void kex_findings(const TargetResult& r, std::vector<Finding>& out) {
    std::vector<std::string> weak, common, invalid;
    bool common_small = false;
    for (const auto& g : r.dh_groups) {
        const auto with = shown(g.seen_with);
        if (g.bits < 2048)
            weak.push_back(
                fmt::format("{} bits{} with {}", g.bits,
                            g.bits <= 1024 ? " (<= 1024 bits: LOGJAM, CVE-2015-4000)" : "", with));
        if (g.common_prime) {
            common.push_back(
                fmt::format("\"{}\" ({} bits) with {}", *g.common_prime, g.bits, with));
            common_small = common_small || g.bits <= 1024;
        }
        if (g.invalid())
            invalid.push_back(
                fmt::format("{}-bit group with {}: {}", g.bits, with, fmt::join(g.problems, "; ")));
    }
    if (!weak.empty())
        out.push_back(make_finding("kex.dh_weak_group", fmt::format("{}", fmt::join(weak, "; "))));
    if (!common.empty()) {
        auto f = make_finding(
            "kex.dh_common_prime",
            fmt::format("{}{}", fmt::join(common, "; "),
                        common_small ? "; a 1024-bit shared prime is within reach of a "
                                       "precomputation shared by every server using it"
                                     : ""));
        // Only a shared prime of 1024 bits or fewer is worth a precomputation attack.
        if (!common_small) f.severity = probe::Severity::low;
        out.push_back(std::move(f));
    }
    if (!invalid.empty())
        out.push_back(
            make_finding("kex.dh_invalid_group", fmt::format("{}", fmt::join(invalid, "; "))));

    std::vector<std::string> curves;
    for (const auto& v : r.versions) {
        if (v.supported != true) continue;
        std::vector<std::string> names = v.groups;
        for (const auto& c : v.ciphers)
            if (!c.group.empty()) names.push_back(c.group);
        std::vector<std::string> reported;
        for (const auto& name : names) {
            const auto code = wire::group_code(name);
            const auto size = code ? wire::ec_group_size(*code) : std::nullopt;
            if (!size || size->security_bits >= 128 ||
                std::find(reported.begin(), reported.end(), name) != reported.end())
                continue;
            reported.push_back(name);
            curves.push_back(fmt::format("{} ({} bits, {})", name, size->field_bits,
                                         core::display_name(v.version)));
        }
    }
    if (!curves.empty())
        out.push_back(make_finding("kex.weak_curve", fmt::format("{}", fmt::join(curves, ", "))));
}

}  // namespace

std::vector<Finding> chain_findings(const x509::ChainReport& chain) {
    std::vector<Finding> out;
    for (const auto& problem : chain.problems) {
        auto f = make_finding(x509::to_string(problem.kind), problem.detail);
        // An expired certificate the verified path avoids (the DST Root CA X3 shape) breaks
        // only the clients that follow the served chain.
        if (problem.kind == x509::ChainProblemKind::expired_intermediate && chain.trusted)
            f.severity = probe::Severity::medium;
        out.push_back(std::move(f));
    }
    return out;
}

// The platform stores (and the system store) disagree about the analysed chain. A --ca-file
// store is the user's own choice and takes no part.
void trust_findings(const TargetResult& r, std::vector<Finding>& out) {
    std::vector<std::string> trusted, refused;
    for (const auto& v : r.trust) {
        if (v.store == "ca-file") continue;
        if (v.trusted)
            trusted.push_back(v.store);
        else
            refused.push_back(v.problem.empty() ? v.store
                                                : fmt::format("{} ({})", v.store, v.problem));
    }
    if (trusted.empty() || refused.empty()) return;
    out.push_back(make_finding("trust.store_disagreement",
                               fmt::format("trusted by {}; not trusted by {}",
                                           fmt::join(trusted, ", "), fmt::join(refused, ", "))));
}

// Plain HTTP serves the site (2xx) instead of sending browsers to the working HTTPS site.
void plain_http_findings(const TargetResult& r, std::vector<Finding>& out) {
    if (!r.facts.works || !r.http || r.http->status != engine::HttpStatus::answered) return;
    if (r.http->http_status < 200 || r.http->http_status > 299 || r.http->redirects_to_https)
        return;
    out.push_back(make_finding(
        "http.no_https_redirect",
        fmt::format("HEAD / on port {} answered {} with no redirect to https:// on the same "
                    "host: a visitor who types the name stays on plain HTTP",
                    r.http->port, r.http->status_line)));
}

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
    kex_findings(r, out);
    if (r.chain)
        for (auto& f : chain_findings(*r.chain)) out.push_back(std::move(f));
    chain_rules_findings(r, out);
    trust_findings(r, out);
    plain_http_findings(r, out);
    if (!r.chain_differs.empty())
        out.push_back(make_finding("chain.differs_between_versions",
                                   fmt::format("probes {} got a different chain than {}",
                                               fmt::join(r.chain_differs, ", "), r.chain_source)));
    std::stable_sort(out.begin(), out.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    return out;
}

}  // namespace tlsprobe::judge
