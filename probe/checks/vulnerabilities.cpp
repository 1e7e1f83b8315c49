#include "probe/checks/vulnerabilities.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "probe/result.hpp"
#include "wire/cipher_suites.hpp"

namespace tlsprobe::probe::checks {
namespace {

using core::Version;
using wire::CipherSuite;
using wire::Encryption;

// One row per finding; the id after "vuln." is the Vulnerability::id.
constexpr std::array<FindingKind, 9> kFindings{{
    {"vuln.drown", Severity::critical,
     "DROWN (CVE-2016-0800): SSL 2.0 is enabled, so RSA key exchanges can be decrypted"},
    {"vuln.poodle", Severity::high, "POODLE (CVE-2014-3566): SSL 3.0 with a CBC suite"},
    {"vuln.freak", Severity::high, "FREAK (CVE-2015-0204): export-grade RSA suites are accepted"},
    {"vuln.logjam", Severity::high,
     "LOGJAM (CVE-2015-4000): export-grade DHE or a DH group of 1024 bits or less"},
    {"vuln.rc4", Severity::high, "RC4 (CVE-2013-2566, CVE-2015-2808): RC4 suites are accepted"},
    {"vuln.sweet32", Severity::medium,
     "SWEET32 (CVE-2016-2183): 64-bit block ciphers (3DES, DES, IDEA, RC2) are accepted"},
    {"vuln.beast", Severity::low, "BEAST (CVE-2011-3389): CBC suites in SSL 3.0 or TLS 1.0"},
    {"vuln.lucky13", Severity::info,
     "LUCKY13 (CVE-2013-0169): CBC suites are accepted (timing-safe code is the fix)"},
    {"vuln.no_downgrade_protection", Severity::low,
     "TLS 1.3 is supported but an older hello gets no downgrade sentinel (RFC 8446 §4.1.3)"},
}};

const FindingKind& kind_of(std::string_view vuln_id) {
    for (const auto& k : kFindings)
        if (k.id.substr(5) == vuln_id) return k;
    return kFindings.front();  // unreachable: every item has a row (tested)
}

constexpr std::array<Version, 6> kAllVersions{Version::ssl2,   Version::ssl3,   Version::tls1_0,
                                              Version::tls1_1, Version::tls1_2, Version::tls1_3};

bool is_cbc(Encryption e) {
    switch (e) {
        case Encryption::rc2_cbc:
        case Encryption::des_cbc:
        case Encryption::triple_des_cbc:
        case Encryption::idea_cbc:
        case Encryption::seed_cbc:
        case Encryption::aes_cbc:
        case Encryption::camellia_cbc:
        case Encryption::aria_cbc: return true;
        default: return false;
    }
}

bool is_64bit_block(Encryption e) {
    return e == Encryption::rc2_cbc || e == Encryption::des_cbc ||
           e == Encryption::triple_des_cbc || e == Encryption::idea_cbc;
}

// A suite the server accepted in one version.
struct Accepted {
    Version version;
    const CipherSuite* suite;
    const CipherEntry* entry;  // the enumeration's row; null when seen by a version attempt only
};

std::string line(const Accepted& a) {
    return fmt::format("{} {}", core::display_name(a.version), a.suite->iana_name);
}

// What the probe knows of the accepted suites: every enumerated one, and for versions that
// were not enumerated the suite their version attempt negotiated.
struct Evidence {
    std::vector<Accepted> accepted;
    std::vector<Version> not_enumerated;  // supported, but the suite list is incomplete

    bool complete_for(Version v) const {
        return std::find(not_enumerated.begin(), not_enumerated.end(), v) == not_enumerated.end();
    }
    bool complete() const { return not_enumerated.empty(); }
    std::string gaps() const {
        std::vector<std::string_view> names;
        for (auto v : not_enumerated) names.push_back(core::display_name(v));
        return fmt::format("cipher enumeration did not cover {}", fmt::join(names, ", "));
    }
};

Evidence gather(const TargetResult& r) {
    Evidence e;
    for (auto v : kAllVersions) {
        const auto& vr = r.version(v);
        for (const auto& c : vr.ciphers)
            if (const auto* s = wire::find_cipher_suite(c.code)) e.accepted.push_back({v, s, &c});
        if (vr.supported != std::optional<bool>(true)) continue;
        if (!vr.ciphers_enumerated || !vr.enumeration_errors.empty()) {
            e.not_enumerated.push_back(v);
            if (vr.ciphers.empty() && !vr.cipher.empty())
                if (const auto* s = wire::find_cipher_suite_by_iana_name(vr.cipher))
                    e.accepted.push_back({v, s, nullptr});
        }
    }
    return e;
}

// The vulnerability whose evidence is "some accepted suite matches `pred`" over `versions`.
template <class Pred>
Vulnerability by_suites(std::string id, std::string name, std::vector<std::string> cves,
                        const Evidence& e, std::span<const Version> versions, Pred pred) {
    Vulnerability v{std::move(id), std::move(name), std::move(cves), VulnStatus::not_vulnerable,
                    {}, {}};
    for (const auto& a : e.accepted)
        if (std::find(versions.begin(), versions.end(), a.version) != versions.end() && pred(a))
            v.evidence.push_back(line(a));
    const bool complete = std::all_of(versions.begin(), versions.end(),
                                      [&](Version x) { return e.complete_for(x); });
    if (!v.evidence.empty())
        v.status = VulnStatus::vulnerable;
    else if (!complete) {
        v.status = VulnStatus::unknown;
        v.note = e.gaps();
    }
    return v;
}

Vulnerability drown(const TargetResult& r) {
    Vulnerability v{"drown", "DROWN", {"CVE-2016-0800"}, VulnStatus::not_vulnerable, {}, {}};
    const auto& s2 = r.version(Version::ssl2);
    if (s2.supported == std::optional<bool>(true)) {
        v.status = VulnStatus::vulnerable;
        for (const auto& c : s2.ciphers) v.evidence.push_back("SSL 2.0 " + c.name);
        if (v.evidence.empty()) v.evidence.push_back("SSL 2.0 accepted");
        v.note = "a certificate key shared with another SSL 2.0 server is not tested";
    } else if (!s2.supported.has_value()) {
        v.status = VulnStatus::unknown;
        v.note = "SSL 2.0 was not tested";
    }
    return v;
}

Vulnerability logjam(const TargetResult& r, const Evidence& e) {
    const std::array<Version, 4> all{Version::ssl3, Version::tls1_0, Version::tls1_1,
                                     Version::tls1_2};
    auto v = by_suites("logjam", "LOGJAM", {"CVE-2015-4000"}, e, all, [](const Accepted& a) {
        const bool dh = a.suite->kx == wire::KeyExchange::dhe || a.suite->kx == wire::KeyExchange::dh;
        return (dh && a.suite->export_grade) ||
               (a.entry && a.entry->dh_bits && *a.entry->dh_bits <= 1024);
    });
    for (const auto& g : r.dh_groups)
        if (g.bits > 0 && g.bits <= 1024) {
            v.evidence.push_back(fmt::format(
                "{}-bit DH group{}{}", g.bits,
                g.standard_name.empty() ? "" : " " + g.standard_name,
                g.common_prime ? fmt::format(" (common prime: {})", *g.common_prime) : ""));
            v.status = VulnStatus::vulnerable;
        }
    if (v.status == VulnStatus::vulnerable) v.note.clear();
    return v;
}

Vulnerability downgrade(const TargetResult& r) {
    Vulnerability v{"no_downgrade_protection", "TLS 1.3 downgrade sentinel", {},
                    VulnStatus::not_vulnerable, {}, {}};
    const auto tls13 = r.version(Version::tls1_3).supported;
    if (tls13 != std::optional<bool>(true)) {
        if (!tls13) {
            v.status = VulnStatus::unknown;
            v.note = "TLS 1.3 was not tested";
        } else {
            v.note = "TLS 1.3 is not supported: no sentinel is due";
        }
        return v;
    }
    bool asked = false;
    for (const auto& p : r.probes) {
        if (p.spec.kind != AttemptKind::raw_pinned || !p.spec.version ||
            *p.spec.version >= Version::tls1_3 || *p.spec.version < Version::tls1_0)
            continue;
        const auto& o = p.observation;
        if (o.status != core::Status::negotiated || o.version != p.spec.version) continue;
        asked = true;
        const auto what = fmt::format("{}-pinned hello: ServerHello {}",
                                      core::display_name(*p.spec.version),
                                      o.downgrade_sentinel ? "with DOWNGRD" : "without DOWNGRD");
        if (!o.downgrade_sentinel) v.status = VulnStatus::vulnerable;
        v.evidence.push_back(what);
    }
    if (!asked) v.note = "no version below TLS 1.3 was negotiated by a raw hello";
    if (v.status == VulnStatus::not_vulnerable)
        v.evidence.clear();  // evidence lists only what is wrong; the note says what was seen
    if (asked && v.status == VulnStatus::not_vulnerable)
        v.note = "older hellos get the RFC 8446 §4.1.3 sentinel";
    return v;
}

}  // namespace

std::string_view to_string(VulnStatus s) {
    switch (s) {
        case VulnStatus::vulnerable: return "vulnerable";
        case VulnStatus::not_vulnerable: return "not_vulnerable";
        case VulnStatus::unknown: return "unknown";
    }
    return "unknown";
}

const Vulnerability* VulnerabilitiesResult::find(std::string_view id) const {
    const auto it = std::find_if(items.begin(), items.end(),
                                 [&](const Vulnerability& v) { return v.id == id; });
    return it == items.end() ? nullptr : &*it;
}

std::vector<Finding> VulnerabilitiesResult::findings() const {
    std::vector<Finding> out;
    for (const auto& v : items) {
        if (v.status != VulnStatus::vulnerable) continue;
        const auto& k = kind_of(v.id);
        constexpr std::size_t kShown = 6;
        std::vector<std::string> shown(v.evidence.begin(),
                                       v.evidence.begin() +
                                           static_cast<std::ptrdiff_t>(
                                               std::min(kShown, v.evidence.size())));
        std::string detail = fmt::format("{}", fmt::join(shown, "; "));
        if (v.evidence.size() > kShown)
            detail += fmt::format("; and {} more", v.evidence.size() - kShown);
        if (!v.cves.empty()) detail = fmt::format("{}: {}", fmt::join(v.cves, ", "), detail);
        out.push_back({std::string(k.id), k.severity, std::string(k.title), std::move(detail)});
    }
    return out;
}

nlohmann::json VulnerabilitiesResult::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : items) {
        nlohmann::json j = {{"id", v.id},
                            {"name", v.name},
                            {"cve", v.cves},
                            {"status", to_string(v.status)},
                            {"evidence", v.evidence}};
        if (!v.note.empty()) j["note"] = v.note;
        list.push_back(std::move(j));
    }
    return {{"enumerated", enumerated}, {"items", list}};
}

std::vector<std::string> VulnerabilitiesResult::text() const {
    std::vector<std::string> lines;
    for (const auto& v : items) {
        const auto name =
            v.cves.empty() ? v.name : fmt::format("{} ({})", v.name, fmt::join(v.cves, ", "));
        std::string l;
        switch (v.status) {
            case VulnStatus::vulnerable: {
                constexpr std::size_t kShown = 3;
                std::vector<std::string> shown(
                    v.evidence.begin(),
                    v.evidence.begin() +
                        static_cast<std::ptrdiff_t>(std::min(kShown, v.evidence.size())));
                l = fmt::format("{}: VULNERABLE: {}{}", name, fmt::join(shown, "; "),
                                v.evidence.size() > kShown
                                    ? fmt::format("; and {} more", v.evidence.size() - kShown)
                                    : "");
                break;
            }
            case VulnStatus::not_vulnerable: l = fmt::format("{}: not vulnerable", name); break;
            case VulnStatus::unknown: l = fmt::format("{}: unknown", name); break;
        }
        if (!v.note.empty()) l += fmt::format(" ({})", v.note);
        lines.push_back(std::move(l));
    }
    return lines;
}

std::span<const FindingKind> VulnerabilitiesCheck::finding_kinds() const { return kFindings; }

bool VulnerabilitiesCheck::applies(const TargetResult& result) const {
    return result.facts.reached;
}

std::shared_ptr<VulnerabilitiesResult> VulnerabilitiesCheck::assess(const TargetResult& r) {
    auto out = std::make_shared<VulnerabilitiesResult>();
    out->enumerated = std::any_of(r.versions.begin(), r.versions.end(),
                                  [](const VersionResult& v) { return v.ciphers_enumerated; });
    const auto e = gather(r);
    const std::array<Version, 1> ssl3{Version::ssl3};
    const std::array<Version, 2> beast_versions{Version::ssl3, Version::tls1_0};
    const std::array<Version, 4> cbc_versions{Version::ssl3, Version::tls1_0, Version::tls1_1,
                                              Version::tls1_2};
    const std::array<Version, 5> tls_and_ssl2{Version::ssl2, Version::ssl3, Version::tls1_0,
                                              Version::tls1_1, Version::tls1_2};

    out->items.push_back(drown(r));
    out->items.push_back(by_suites("poodle", "POODLE", {"CVE-2014-3566"}, e, ssl3,
                                   [](const Accepted& a) { return is_cbc(a.suite->enc); }));
    out->items.push_back(
        by_suites("freak", "FREAK", {"CVE-2015-0204"}, e, cbc_versions, [](const Accepted& a) {
            return a.suite->export_grade && a.suite->kx == wire::KeyExchange::rsa;
        }));
    out->items.push_back(logjam(r, e));
    out->items.push_back(by_suites("rc4", "RC4", {"CVE-2013-2566", "CVE-2015-2808"}, e,
                                   tls_and_ssl2,
                                   [](const Accepted& a) { return a.suite->enc == Encryption::rc4; }));
    out->items.push_back(by_suites("sweet32", "SWEET32", {"CVE-2016-2183", "CVE-2016-6329"}, e,
                                   tls_and_ssl2,
                                   [](const Accepted& a) { return is_64bit_block(a.suite->enc); }));
    out->items.push_back(by_suites("beast", "BEAST", {"CVE-2011-3389"}, e, beast_versions,
                                   [](const Accepted& a) { return is_cbc(a.suite->enc); }));
    auto& beast = out->items.back();
    if (beast.status == VulnStatus::vulnerable &&
        (r.version(Version::tls1_1).supported == std::optional<bool>(true) ||
         r.version(Version::tls1_2).supported == std::optional<bool>(true) ||
         r.version(Version::tls1_3).supported == std::optional<bool>(true)))
        beast.note = "only clients that negotiate TLS 1.0 or older; modern clients split records";
    out->items.push_back(by_suites("lucky13", "LUCKY13", {"CVE-2013-0169"}, e, cbc_versions,
                                   [](const Accepted& a) { return is_cbc(a.suite->enc); }));
    out->items.push_back(downgrade(r));
    return out;
}

boost::asio::awaitable<CheckResultPtr> VulnerabilitiesCheck::run(CheckContext c) const {
    co_return assess(c.result);
}

}  // namespace tlsprobe::probe::checks
