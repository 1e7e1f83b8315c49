#include "judge/findings_rules.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

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
    if (std::any_of(r.probes.begin(), r.probes.end(), [](const ProbeRecord& p) {
            return p.observation.client_certificate_requested;
        }))
        out.push_back(make_finding(
            "tls.client_certificate_requested",
            "the server sends a CertificateRequest; clients without a certificate may be refused"));
}

// From the enumerated cipher lists (empty when enumeration did not run).
void cipher_findings(const TargetResult& r, std::vector<Finding>& out) {
    std::vector<std::string> weak, no_fs;
    for (const auto& v : r.versions) {
        if (v.supported != true) continue;
        for (const auto& c : v.ciphers) {
            const auto entry = fmt::format("{} ({})", c.name, core::display_name(v.version));
            if (c.strength == wire::Strength::insecure || c.strength == wire::Strength::weak)
                weak.push_back(entry);
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
    if (!weak.empty())
        out.push_back(make_finding("tls.weak_cipher_offered",
                                   fmt::format("{} accepted: {}", weak.size(), listed(weak))));
    if (!no_fs.empty())
        out.push_back(make_finding("tls.no_forward_secrecy",
                                   fmt::format("{} accepted: {}", no_fs.size(), listed(no_fs))));
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

std::vector<Finding> derive_findings(const TargetResult& r) {
    std::vector<Finding> out;
    if (!r.facts.reached) {
        out.push_back(make_finding("target.unreachable", first_failure_detail(r)));
        return out;
    }
    if (!r.facts.works) out.push_back(make_finding("tls.unavailable", first_failure_detail(r)));
    protocol_findings(r, out);
    cipher_findings(r, out);
    kex_findings(r, out);
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
