// The active vulnerability checks: one raw connection each, the ClientHello and the server's
// first flight as usual, then one unusual record, judged by the server's answer
// (engine::RawClientOptions::after_flight). Intrusive: scans at quick depth never send them.
//
//   heartbleed     CVE-2014-0160  the hello offers the heartbeat extension (RFC 6520); after
//                                 the ServerHelloDone a heartbeat_request whose payload_length
//                                 says 16384 bytes while one byte is sent. A server that
//                                 answers with a heartbeat_response longer than what was sent
//                                 copied memory past the request: vulnerable. An alert, a
//                                 close, or silence (RFC 6520 §4: discard it) = not vulnerable.
//                                 At most a 16-byte hex excerpt of the answer is kept.
//   ccs_injection  CVE-2014-0224  after the ServerHelloDone, a ChangeCipherSpec before any key
//                                 exchange. A fixed server aborts with an alert
//                                 (unexpected_message) or closes; one that stays silent took
//                                 it (OpenSSL before 0.9.8za/1.0.0m/1.0.1h): vulnerable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "engine/raw_client.hpp"
#include "probe/check.hpp"
#include "probe/checks/vulnerabilities.hpp"

namespace tlsprobe::probe::checks {

class ActiveVulnResult final : public CheckResult {
public:
    std::string check_id;                  // "heartbleed" / "ccs_injection"
    Vulnerability item;                    // id, name, CVE, status, evidence, note
    std::optional<core::Version> version;  // the version the hello offered
    std::string answer;                    // how the server answered, one line
    std::string excerpt_hex;               // heartbleed: the first bytes past the request

    std::string_view kind() const override { return check_id; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class HeartbleedCheck final : public CheckKind {
public:
    std::string_view id() const override { return "heartbleed"; }
    std::string_view title() const override { return "Heartbleed (CVE-2014-0160)"; }
    bool intrusive() const override { return true; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;  // TLS 1.0-1.2 supported
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The heartbeat record sent after the flight, for `version`.
    static core::Bytes request(core::Version version);
    // The pure part: the attempt (its after-flight answer) to a result.
    static std::shared_ptr<ActiveVulnResult> judge(core::Version version,
                                                   const engine::RawResult& attempt);
};

class CcsInjectionCheck final : public CheckKind {
public:
    std::string_view id() const override { return "ccs_injection"; }
    std::string_view title() const override { return "CCS injection (CVE-2014-0224)"; }
    bool intrusive() const override { return true; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;  // SSL 3.0-TLS 1.2 supported
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    static core::Bytes request(core::Version version);
    static std::shared_ptr<ActiveVulnResult> judge(core::Version version,
                                                   const engine::RawResult& attempt);
};

}  // namespace tlsprobe::probe::checks
