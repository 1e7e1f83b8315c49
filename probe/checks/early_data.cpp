#include "probe/checks/early_data.hpp"

#include <array>
#include <fmt/format.h>

#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 1> kFindings{{
    {"early_data.accepted", Severity::low,
     "The server accepts TLS 1.3 early data (0-RTT), which an attacker can replay"},
}};

std::string failure(const core::Observation& o) {
    return o.detail.empty() ? std::string(core::to_string(o.status)) : o.detail;
}

}  // namespace

std::string_view to_string(EarlyDataOutcome o) {
    switch (o) {
        case EarlyDataOutcome::accepted: return "accepted";
        case EarlyDataOutcome::rejected: return "rejected";
        case EarlyDataOutcome::not_allowed: return "not_allowed";
        case EarlyDataOutcome::no_ticket: return "no_ticket";
        case EarlyDataOutcome::failed: return "failed";
    }
    return "failed";
}

std::vector<Finding> EarlyDataResult::findings() const {
    if (outcome != EarlyDataOutcome::accepted) return {};
    return {Finding{std::string(kFindings[0].id), kFindings[0].severity,
                    std::string(kFindings[0].title),
                    fmt::format("a resumed TLS 1.3 handshake carried {} bytes of early data and the "
                                "server accepted them (max_early_data_size {})",
                                sent, max_early_data)}};
}

nlohmann::json EarlyDataResult::to_json() const {
    nlohmann::json j = {{"version", core::to_string(core::Version::tls1_3)},
                        {"outcome", to_string(outcome)},
                        {"max_early_data", max_early_data},
                        {"sent", sent},
                        {"resumed", resumed}};
    if (!detail.empty()) j["detail"] = detail;
    return j;
}

std::vector<std::string> EarlyDataResult::text() const {
    switch (outcome) {
        case EarlyDataOutcome::accepted:
            return {fmt::format("accepted: {} bytes of early data (HEAD /) in a resumed handshake; "
                                "the ticket allows {} bytes",
                                sent, max_early_data),
                    "replayable: the application must accept only idempotent requests in 0-RTT"};
        case EarlyDataOutcome::rejected:
            return {fmt::format("rejected: the ticket allows {} bytes, but the server declined the "
                                "{} bytes sent{}",
                                max_early_data, sent, resumed ? "" : " (and did not resume)")};
        case EarlyDataOutcome::not_allowed:
            return {"not offered: the server's TLS 1.3 ticket allows no early data"};
        case EarlyDataOutcome::no_ticket:
            return {"not tried: the server issued no resumable TLS 1.3 ticket"};
        case EarlyDataOutcome::failed: return {"not tried: " + detail};
    }
    return {};
}

std::span<const FindingKind> EarlyDataCheck::finding_kinds() const { return kFindings; }

bool EarlyDataCheck::applies(const TargetResult& result) const {
    return result.facts.works && result.version(core::Version::tls1_3).supported == true;
}

EarlyDataResult EarlyDataCheck::judge(const engine::SessionResult& first,
                                      const engine::SessionResult* second) {
    EarlyDataResult r;
    if (first.observation.status != core::Status::negotiated) {
        r.detail = "the first handshake failed: " + failure(first.observation);
        return r;
    }
    r.max_early_data = first.max_early_data;
    if (!first.session) {
        r.outcome = EarlyDataOutcome::no_ticket;
        return r;
    }
    if (first.max_early_data == 0) {
        r.outcome = EarlyDataOutcome::not_allowed;
        return r;
    }
    if (!second) {
        r.detail = "no second connection was made";
        return r;
    }
    r.resumed = second->resumed;
    r.sent = second->early_data_sent;
    if (second->observation.status != core::Status::negotiated) {
        // A server may also refuse 0-RTT by failing: that is no acceptance either.
        r.detail = "the resumed handshake with early data failed: " + failure(second->observation);
        return r;
    }
    switch (second->early_data) {
        case engine::EarlyDataStatus::accepted: r.outcome = EarlyDataOutcome::accepted; break;
        case engine::EarlyDataStatus::rejected: r.outcome = EarlyDataOutcome::rejected; break;
        case engine::EarlyDataStatus::not_sent:
            r.detail = "this machine's OpenSSL sent no early data";
            break;
    }
    return r;
}

boost::asio::awaitable<CheckResultPtr> EarlyDataCheck::run(CheckContext c) const {
    const auto& t = c.result.target;
    std::string host = t.authority();
    if (t.port == 443) host.resize(host.size() - 4);
    engine::SessionSpec spec;
    spec.handshake.pin = core::Version::tls1_3;
    spec.handshake.sni = t.sni;
    spec.handshake.alpn = {"http/1.1"};  // the early data is HTTP/1.1; ALPN must match on resume
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.wait_for_ticket = true;
    engine::SessionResult first = co_await c.engines.session(c.peer, spec);
    std::optional<engine::SessionResult> second;
    if (first.observation.status == core::Status::negotiated && first.session &&
        first.max_early_data > 0) {
        spec.resume = first.session;
        spec.wait_for_ticket = false;
        // Harmless: HEAD changes nothing on any sane server, and the connection then closes.
        spec.early_data = fmt::format(
            "HEAD / HTTP/1.1\r\nHost: {}\r\nUser-Agent: tlsprobe\r\nConnection: close\r\n\r\n",
            host);
        engine::SessionResult again = co_await c.engines.session(c.peer, spec);
        second = std::move(again);
    }
    co_return std::make_shared<EarlyDataResult>(judge(first, second ? &*second : nullptr));
}

}  // namespace tlsprobe::probe::checks
