// The OCSP stapling check: one handshake with status_request (RFC 6066 §8); the stapled
// OCSPResponse, if any, parsed (RFC 6960: response status, certificate status, producedAt,
// thisUpdate, nextUpdate, responder), and whether the certificate demands a staple (RFC 7633
// must-staple), which Firefox enforces.
#pragma once

#include <chrono>
#include <string>

#include "probe/check.hpp"
#include "x509/ocsp.hpp"

namespace tlsprobe::probe::checks {

class OcspResult final : public CheckResult {
public:
    bool handshake = false;
    std::string detail;        // how the handshake ended when it failed
    bool stapled = false;      // a CertificateStatus came back
    bool must_staple = false;  // the served leaf has the TLS feature status_request
    x509::OcspFacts response;  // when stapled
    core::Bytes staple_der;    // the stapled bytes (the revocation check verifies the signature)
    std::chrono::system_clock::time_point checked_at;  // "now" for the nextUpdate test

    bool expired() const;

    std::string_view kind() const override { return "ocsp"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class OcspCheck final : public CheckKind {
public:
    std::string_view id() const override { return "ocsp"; }
    std::string_view title() const override { return "OCSP stapling"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    static OcspResult judge(const engine::SessionResult& session,
                            std::chrono::system_clock::time_point now);
};

}  // namespace tlsprobe::probe::checks
