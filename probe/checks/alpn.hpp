// The ALPN check: which application protocols the server selects (RFC 7301), one handshake
// per protocol offered alone, plus one offering only a protocol nobody speaks, which a
// server should refuse with no_application_protocol (120, RFC 7301 §3.2).
#pragma once

#include <string>
#include <vector>

#include "core/observation.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

// How the server answered a hello that offered one protocol.
enum class AlpnAnswer {
    selected,      // the handshake completed and the server chose it
    not_selected,  // the handshake completed without ALPN (the server ignores or lacks it)
    refused,       // alert no_application_protocol (120)
    failed,        // the handshake failed for another reason (see detail)
};
std::string_view to_string(AlpnAnswer a);

struct AlpnOffer {
    std::string protocol;  // "h2"
    AlpnAnswer answer = AlpnAnswer::failed;
    std::string detail;  // for failed: how the attempt ended
};

class AlpnResult final : public CheckResult {
public:
    std::vector<AlpnOffer> offers;  // the known protocols, in offer order
    AlpnOffer unknown;              // the made-up protocol

    std::vector<std::string> selected() const;

    std::string_view kind() const override { return "alpn"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class AlpnCheck final : public CheckKind {
public:
    // Protocols asked about, in order; the last is the one nobody speaks.
    static const std::vector<std::string>& protocols();
    static constexpr std::string_view kUnknownProtocol = "tlsprobe-unknown/0";

    std::string_view id() const override { return "alpn"; }
    std::string_view title() const override { return "Application protocols (ALPN)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: one attempt's observation to an answer.
    static AlpnOffer judge_offer(std::string protocol, const core::Observation& o);
};

}  // namespace tlsprobe::probe::checks
