#include "probe/checks/npn.hpp"

#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 1> kFindings{{
    {"npn.advertised", Severity::info,
     "The server still advertises NPN, the pre-standard predecessor of ALPN"},
}};

// The newest version NPN can be asked with (it does not exist in TLS 1.3) that the server has.
std::optional<core::Version> npn_version(const TargetResult& result) {
    for (auto v : {core::Version::tls1_2, core::Version::tls1_1, core::Version::tls1_0})
        if (result.version(v).supported == true) return v;
    return std::nullopt;
}

}  // namespace

std::vector<Finding> NpnResult::findings() const {
    if (!advertised) return {};
    return {Finding{std::string(kFindings[0].id), kFindings[0].severity,
                    std::string(kFindings[0].title),
                    protocols.empty()
                        ? std::string("the server answers next_protocol_negotiation with no protocol")
                        : fmt::format("the server advertises {} by NPN (extension 13172); "
                                      "clients use ALPN (RFC 7301) since 2016",
                                      fmt::join(protocols, ", "))}};
}

nlohmann::json NpnResult::to_json() const {
    nlohmann::json j = {{"version", version ? nlohmann::json(core::to_string(*version))
                                            : nlohmann::json(nullptr)},
                        {"handshake", handshake},
                        {"advertised", advertised},
                        {"protocols", protocols}};
    if (!detail.empty()) j["detail"] = detail;
    return j;
}

std::vector<std::string> NpnResult::text() const {
    if (!handshake) return {"not known: " + detail};
    if (!advertised) return {"not advertised"};
    return {fmt::format("advertised: {}",
                        protocols.empty() ? std::string("(no protocol)")
                                          : fmt::format("{}", fmt::join(protocols, ", ")))};
}

std::span<const FindingKind> NpnCheck::finding_kinds() const { return kFindings; }

bool NpnCheck::applies(const TargetResult& result) const {
    return result.facts.works && npn_version(result).has_value();
}

NpnResult NpnCheck::judge(core::Version v, const engine::SessionResult& session) {
    NpnResult r;
    r.version = v;
    r.handshake = session.observation.status == core::Status::negotiated;
    // What the ServerHello said counts even when the handshake failed afterwards.
    r.advertised = session.npn_advertised;
    r.protocols = session.npn_protocols;
    if (!r.handshake)
        r.detail = session.observation.detail.empty()
                       ? std::string(core::to_string(session.observation.status))
                       : session.observation.detail;
    return r;
}

boost::asio::awaitable<CheckResultPtr> NpnCheck::run(CheckContext c) const {
    const auto v = npn_version(c.result).value_or(core::Version::tls1_2);
    engine::SessionSpec spec;
    spec.handshake.pin = v;
    spec.handshake.sni = c.result.target.sni;
    spec.handshake.alpn = {};  // a server that sees ALPN does not answer NPN
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.npn = true;
    engine::SessionResult session = co_await c.engines.session(c.peer, spec);
    co_return std::make_shared<NpnResult>(judge(v, session));
}

}  // namespace tlsprobe::probe::checks
