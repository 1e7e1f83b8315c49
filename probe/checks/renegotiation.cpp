#include "probe/checks/renegotiation.hpp"

#include <array>
#include <fmt/format.h>

#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 2> kFindings{{
    {"renegotiation.client_initiated", Severity::medium,
     "The server completes client-initiated renegotiations (CVE-2011-1473)"},
    {"renegotiation.insecure", Severity::high,
     "The server renegotiates without RFC 5746 secure renegotiation (CVE-2009-3555)"},
}};

Finding finding(std::size_t i, std::string detail) {
    return {std::string(kFindings[i].id), kFindings[i].severity, std::string(kFindings[i].title),
            std::move(detail)};
}

// The newest version a renegotiation exists in that the server accepts.
std::optional<core::Version> renegotiable_version(const TargetResult& r) {
    for (auto v : {core::Version::tls1_2, core::Version::tls1_1, core::Version::tls1_0})
        if (r.version(v).supported == true) return v;
    return std::nullopt;
}

}  // namespace

std::vector<Finding> RenegotiationResult::findings() const {
    std::vector<Finding> out;
    if (accepted == 0) return out;
    out.push_back(finding(
        0, fmt::format("{} of {} renegotiations on one {} connection completed{}: each makes the "
                       "server do a full handshake on a client's say-so (a DoS lever)",
                       accepted, attempted, core::display_name(version),
                       accepted == attempted ? "" : fmt::format(", then {}", refusal))));
    if (!secure_renegotiation)
        out.push_back(finding(
            1, fmt::format("the ServerHello had no renegotiation_info, yet {} renegotiation(s) "
                           "completed: a man in the middle can prefix the session",
                           accepted)));
    return out;
}

nlohmann::json RenegotiationResult::to_json() const {
    nlohmann::json j = {{"version", core::to_string(version)},
                        {"handshake", handshake},
                        {"secure_renegotiation", secure_renegotiation},
                        {"attempted", attempted},
                        {"accepted", accepted}};
    j["refusal"] = refusal.empty() ? nlohmann::json(nullptr) : nlohmann::json(refusal);
    if (!handshake) j["detail"] = handshake_detail;
    return j;
}

std::vector<std::string> RenegotiationResult::text() const {
    if (!handshake)
        return {fmt::format("{}: handshake failed ({})", core::display_name(version),
                            handshake_detail)};
    std::vector<std::string> lines;
    lines.push_back(fmt::format("secure renegotiation (RFC 5746): {}",
                                secure_renegotiation ? "supported" : "not supported"));
    if (accepted == 0)
        lines.push_back(fmt::format("client-initiated renegotiation: refused ({})", refusal));
    else
        lines.push_back(fmt::format("client-initiated renegotiation: {} of {} completed{}",
                                    accepted, attempted,
                                    refusal.empty() ? "" : fmt::format(", then {}", refusal)));
    return lines;
}

std::span<const FindingKind> RenegotiationCheck::finding_kinds() const { return kFindings; }

bool RenegotiationCheck::applies(const TargetResult& result) const {
    return result.facts.works && renegotiable_version(result).has_value();
}

RenegotiationResult RenegotiationCheck::judge(core::Version v, int attempted,
                                              const engine::SessionResult& session) {
    RenegotiationResult r;
    r.version = v;
    r.attempted = attempted;
    r.handshake = session.observation.status == core::Status::negotiated;
    if (!r.handshake) {
        r.handshake_detail = session.observation.detail;
        return r;
    }
    r.secure_renegotiation = session.secure_renegotiation;
    r.accepted = session.renegotiations_accepted;
    r.refusal = session.renegotiation_detail;
    return r;
}

boost::asio::awaitable<CheckResultPtr> RenegotiationCheck::run(CheckContext c) const {
    const auto version = *renegotiable_version(c.result);
    engine::SessionSpec spec;
    spec.handshake.pin = version;
    spec.handshake.sni = c.result.target.sni;
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.renegotiations = kAttempts;
    // One connection: well within any per-target cap.
    engine::SessionResult session = co_await c.engines.session(c.peer, spec);
    co_return std::make_shared<RenegotiationResult>(judge(version, kAttempts, session));
}

}  // namespace tlsprobe::probe::checks
