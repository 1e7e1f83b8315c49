#include "probe/checks/ticketbleed.hpp"

#include "probe/checks/vuln_item.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::probe::checks {
namespace {

using core::Version;

constexpr std::array<FindingKind, 1> kTicketbleedFindings{{
    {"vuln.ticketbleed", Severity::high,
     "Ticketbleed (CVE-2016-9244): session resumption echoes 32 bytes of session ID, leaking "
     "server memory"},
}};
constexpr std::size_t kExcerptBytes = 16;
constexpr std::size_t kTicketbleedEcho = 32;  // what the affected servers always echo

std::optional<Version> ticket_version(const TargetResult& r) {
    for (auto v : {Version::tls1_2, Version::tls1_1, Version::tls1_0})
        if (r.version(v).supported == std::optional<bool>(true)) return v;
    return std::nullopt;
}

}  // namespace

std::vector<Finding> TicketbleedResult::findings() const {
    if (item.status != VulnStatus::vulnerable) return {};
    const auto& k = kTicketbleedFindings[0];
    return {Finding{std::string(k.id), k.severity, std::string(k.title),
                    fmt::format("{}: {}", fmt::join(item.cves, ", "),
                                fmt::join(item.evidence, "; "))}};
}

nlohmann::json TicketbleedResult::to_json() const {
    nlohmann::json echoes = nlohmann::json::array();
    for (const auto& e : echoed) echoes.push_back(e ? nlohmann::json(*e) : nlohmann::json());
    nlohmann::json j = vulnerability_json(item, version);
    j["ticket_bytes"] = ticket_bytes;
    j["session_id_sent"] = 1;
    j["session_id_echoed"] = echoes;
    if (!excerpt_hex.empty()) j["excerpt_hex"] = excerpt_hex;
    return j;
}

std::vector<std::string> TicketbleedResult::text() const { return vulnerability_text(item, {}); }

std::span<const FindingKind> TicketbleedCheck::finding_kinds() const { return kTicketbleedFindings; }

bool TicketbleedCheck::applies(const TargetResult& result) const {
    return ticket_version(result).has_value();
}

std::shared_ptr<TicketbleedResult> TicketbleedCheck::judge(
    Version v, std::size_t ticket_bytes, const std::vector<engine::RawResult>& answers) {
    auto out = std::make_shared<TicketbleedResult>();
    out->item.id = "ticketbleed";
    out->item.name = "Ticketbleed";
    out->item.cves = {"CVE-2016-9244"};
    out->version = v;
    out->ticket_bytes = ticket_bytes;
    if (ticket_bytes == 0) {
        out->item.status = VulnStatus::not_vulnerable;
        out->item.note = "the server issued no session ticket: nothing to resume";
        return out;
    }
    std::size_t leaking = 0;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const auto& a = answers[i];
        if (!a.flight.hello) {
            out->echoed.push_back(std::nullopt);
            continue;
        }
        const auto& sid = a.flight.hello->session_id;
        out->echoed.push_back(sid.size());
        if (sid.size() == kTicketbleedEcho && i < kSessionIdBytes.size() &&
            sid[0] == kSessionIdBytes[i]) {
            ++leaking;
            if (out->excerpt_hex.empty())
                out->excerpt_hex = core::hex_dump(core::ByteView(sid).subspan(1), kExcerptBytes);
        }
    }
    const bool answered = std::all_of(out->echoed.begin(), out->echoed.end(),
                                      [](const auto& e) { return e.has_value(); });
    if (!answers.empty() && leaking == answers.size()) {
        out->item.status = VulnStatus::vulnerable;
        out->item.evidence.push_back(fmt::format(
            "a {} hello offering the server's {}-byte ticket with a 1-byte session ID got a "
            "ServerHello echoing {} bytes, the first one ours ({} times; the next bytes: {})",
            core::display_name(v), ticket_bytes, kTicketbleedEcho, leaking, out->excerpt_hex));
    } else if (answered) {
        out->item.status = VulnStatus::not_vulnerable;
        out->excerpt_hex.clear();
        out->item.note = "the session ID sent with the ticket was not padded with server memory";
    } else {
        out->item.status = VulnStatus::unknown;
        out->excerpt_hex.clear();
        out->item.note = "a hello offering the ticket got no ServerHello";
    }
    return out;
}

boost::asio::awaitable<CheckResultPtr> TicketbleedCheck::run(CheckContext c) const {
    const auto v = *ticket_version(c.result);
    engine::SessionSpec session;
    session.handshake.pin = v;
    session.handshake.sni = c.result.target.sni;
    session.handshake.timeout = c.options.timeout;
    session.handshake.client_identity = c.options.client_identity;
    session.offer_tickets = true;
    const engine::SessionResult first = co_await c.engines.session(c.peer, session);
    if (first.observation.status != core::Status::negotiated) {
        auto out = judge(v, 0, {});
        out->item.status = VulnStatus::unknown;
        out->item.note = "the handshake to get a session ticket failed: " + first.observation.detail;
        co_return out;
    }
    std::vector<engine::RawResult> answers;
    if (!first.ticket.empty()) {
        for (const auto byte : kSessionIdBytes) {
            wire::HelloOptions o;
            o.server_name = c.result.target.sni;
            auto spec = wire::preset_client_hello(v, o);
            spec.session_id = {byte};
            spec.session_ticket = true;
            spec.session_ticket_data = first.ticket;
            engine::RawClientOptions options;
            options.timeout = c.options.timeout;
            auto hello = engine::make_raw_hello(spec);
            answers.push_back(co_await c.engines.raw(c.peer, std::move(hello), options));
        }
    }
    co_return judge(v, first.ticket.size(), answers);
}

}  // namespace tlsprobe::probe::checks
