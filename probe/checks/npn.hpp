// The NPN check: does the server still advertise Next Protocol Negotiation (the pre-ALPN
// extension 13172, draft-agl-tls-nextprotoneg-04, TLS <= 1.2 only), and which protocols?
// One handshake at the newest TLS <= 1.2 version the server has, offering NPN and no ALPN
// (a server that sees ALPN does not answer NPN). A separate kind from `alpn`, which asks with
// plain handshakes one protocol at a time: NPN is one question with one answer, the list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/tls_session.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

class NpnResult final : public CheckResult {
public:
    std::optional<core::Version> version;  // the version asked with
    bool handshake = false;                // the handshake completed (else: detail)
    bool advertised = false;               // the ServerHello carried next_protocol_negotiation
    std::vector<std::string> protocols;    // as the server listed them
    std::string detail;

    std::string_view kind() const override { return "npn"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class NpnCheck final : public CheckKind {
public:
    std::string_view id() const override { return "npn"; }
    std::string_view title() const override { return "Next Protocol Negotiation (NPN)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    static NpnResult judge(core::Version v, const engine::SessionResult& session);
};

}  // namespace tlsprobe::probe::checks
