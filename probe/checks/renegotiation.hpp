// The renegotiation check: on one TLS <= 1.2 connection, does the server support secure
// renegotiation (RFC 5746, as OpenSSL saw it), and does it complete renegotiations the client
// starts, and how many in a row (bounded)? Client-initiated renegotiation lets one client make
// the server do handshake after handshake on one connection (CVE-2011-1473); without RFC 5746
// a renegotiation can splice an attacker's prefix into the session (CVE-2009-3555).
// Intrusive: it sends renegotiation ClientHellos.
#pragma once

#include <string>

#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

class RenegotiationResult final : public CheckResult {
public:
    core::Version version = core::Version::tls1_2;
    bool handshake = false;             // the first handshake completed
    std::string handshake_detail;       // how it ended when not
    bool secure_renegotiation = false;  // renegotiation_info in the ServerHello (RFC 5746)
    int attempted = 0;                  // renegotiations asked for
    int accepted = 0;                   // completed by the server, in a row
    std::string refusal;                // how the first one not completed ended

    std::string_view kind() const override { return "renegotiation"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class RenegotiationCheck final : public CheckKind {
public:
    // Renegotiations asked for on the one connection: enough to show the server keeps doing
    // them, few enough to be no load.
    static constexpr int kAttempts = 5;

    std::string_view id() const override { return "renegotiation"; }
    std::string_view title() const override { return "Renegotiation"; }
    bool intrusive() const override { return true; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    static RenegotiationResult judge(core::Version v, int attempted,
                                     const engine::SessionResult& session);
};

}  // namespace tlsprobe::probe::checks
