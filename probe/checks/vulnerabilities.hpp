// The derived-vulnerabilities check: the well-known TLS vulnerabilities that follow from what
// the probe already saw (the versions accepted, the suites the enumeration found, the DH
// groups, the raw version probes' ServerHellos), each named with its CVE. It sends nothing:
// the evidence is the result so far, so it costs no connection.
//
//   SWEET32   CVE-2016-2183, CVE-2016-6329  a 64-bit block cipher (3DES, DES, IDEA, RC2)
//   RC4       CVE-2013-2566, CVE-2015-2808  an RC4 suite
//   POODLE    CVE-2014-3566                 SSL 3.0 with a CBC suite
//   FREAK     CVE-2015-0204                 an RSA_EXPORT suite
//   LOGJAM    CVE-2015-4000                 a DHE_EXPORT suite, or a DH group of <= 1024 bits
//   DROWN     CVE-2016-0800                 SSL 2.0 (its only key exchange is RSA); a key
//                                           shared with another server is out of reach
//   BEAST     CVE-2011-3389                 a CBC suite in SSL 3.0 or TLS 1.0
//   LUCKY13   CVE-2013-0169                 a CBC suite in TLS <= 1.2 (informational)
//   downgrade protection (RFC 8446 §4.1.3)  TLS 1.3 supported, but a TLS 1.2-pinned hello gets
//                                           a ServerHello without the DOWNGRD sentinel
#pragma once

#include <string>
#include <vector>

#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

enum class VulnStatus {
    vulnerable,
    not_vulnerable,
    unknown,  // the evidence was not collected (no enumeration, version not tested)
};
std::string_view to_string(VulnStatus s);

struct Vulnerability {
    std::string id;                 // "sweet32"; the finding is "vuln.<id>"
    std::string name;               // "SWEET32"
    std::vector<std::string> cves;  // {"CVE-2016-2183", "CVE-2016-6329"}; empty: none assigned
    VulnStatus status = VulnStatus::unknown;
    std::vector<std::string> evidence;  // "TLS 1.2 TLS_RSA_WITH_3DES_EDE_CBC_SHA", ...
    std::string note;                   // why unknown, or a caveat ("key reuse not tested")
};

class VulnerabilitiesResult final : public CheckResult {
public:
    std::vector<Vulnerability> items;  // in the order of the table above
    bool enumerated = false;           // cipher enumeration ran for at least one version

    const Vulnerability* find(std::string_view id) const;

    std::string_view kind() const override { return "vulnerabilities"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class VulnerabilitiesCheck final : public CheckKind {
public:
    std::string_view id() const override { return "vulnerabilities"; }
    std::string_view title() const override {
        return "Vulnerabilities (from the versions, suites and groups found)";
    }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the whole judgement from a concluded result.
    static std::shared_ptr<VulnerabilitiesResult> assess(const TargetResult& result);
};

}  // namespace tlsprobe::probe::checks
