#include "probe/checks/resumption.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/scheduling.hpp"
#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 2> kFindings{{
    {"resumption.none", Severity::low,
     "The server resumes no session (neither session IDs, tickets nor TLS 1.3 PSK)"},
    {"resumption.ticket_lifetime_long", Severity::low,
     "The server's session tickets live longer than a day"},
}};

Finding finding(std::size_t i, std::string detail) {
    return {std::string(kFindings[i].id), kFindings[i].severity, std::string(kFindings[i].title),
            std::move(detail)};
}

std::string try_name(const ResumptionTry& t) {
    switch (t.mechanism) {
        case Mechanism::session_id:
            return fmt::format("session ID ({})", core::display_name(t.version));
        case Mechanism::ticket:
            return fmt::format("session ticket ({})", core::display_name(t.version));
        case Mechanism::tls13_psk: return "TLS 1.3 PSK (ticket)";
    }
    return "";
}

}  // namespace

std::string_view to_string(Mechanism m) {
    switch (m) {
        case Mechanism::session_id: return "session_id";
        case Mechanism::ticket: return "ticket";
        case Mechanism::tls13_psk: return "tls13_psk";
    }
    return "session_id";
}

std::string_view to_string(ResumeOutcome o) {
    switch (o) {
        case ResumeOutcome::resumed: return "resumed";
        case ResumeOutcome::not_resumed: return "not_resumed";
        case ResumeOutcome::not_offered: return "not_offered";
        case ResumeOutcome::failed: return "failed";
    }
    return "failed";
}

std::vector<Finding> ResumptionResult::findings() const {
    std::vector<Finding> out;
    const bool any_resumed = std::any_of(tries.begin(), tries.end(), [](const ResumptionTry& t) {
        return t.outcome == ResumeOutcome::resumed;
    });
    // Only answers are evidence: a try whose handshake failed says nothing.
    std::vector<std::string> answered;
    for (const auto& t : tries)
        if (t.outcome == ResumeOutcome::not_resumed || t.outcome == ResumeOutcome::not_offered)
            answered.push_back(fmt::format("{}: {}", try_name(t), t.detail));
    if (!any_resumed && !answered.empty())
        out.push_back(finding(0, fmt::format("{}: every returning client pays for a full "
                                             "handshake",
                                             fmt::join(answered, "; "))));
    for (const auto& t : tries) {
        if (!t.lifetime_hint || *t.lifetime_hint <= kLongLifetime) continue;
        out.push_back(
            finding(1, fmt::format("{}: lifetime hint {} s ({:.1f} days); a stolen or "
                                   "unrotated ticket key decrypts every session it "
                                   "covered",
                                   try_name(t), *t.lifetime_hint, *t.lifetime_hint / 86400.0)));
        break;
    }
    return out;
}

nlohmann::json ResumptionResult::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    std::vector<std::string> resumed;
    for (const auto& t : tries) {
        if (t.outcome == ResumeOutcome::resumed) resumed.emplace_back(to_string(t.mechanism));
        list.push_back({{"mechanism", to_string(t.mechanism)},
                        {"version", core::to_string(t.version)},
                        {"outcome", to_string(t.outcome)},
                        {"tickets", t.tickets},
                        {"lifetime_hint", t.lifetime_hint ? nlohmann::json(*t.lifetime_hint)
                                                          : nlohmann::json(nullptr)},
                        {"detail", t.detail}});
    }
    return {{"resumed", resumed}, {"tries", list}};
}

std::vector<std::string> ResumptionResult::text() const {
    std::vector<std::string> lines;
    for (const auto& t : tries) {
        std::string line = fmt::format("{}: ", try_name(t));
        switch (t.outcome) {
            case ResumeOutcome::resumed: line += "resumed"; break;
            case ResumeOutcome::not_resumed: line += "not resumed (" + t.detail + ")"; break;
            case ResumeOutcome::not_offered: line += "not offered (" + t.detail + ")"; break;
            case ResumeOutcome::failed: line += "handshake failed (" + t.detail + ")"; break;
        }
        if (t.lifetime_hint) line += fmt::format(", ticket lifetime hint {} s", *t.lifetime_hint);
        lines.push_back(std::move(line));
    }
    return lines;
}

std::span<const FindingKind> ResumptionCheck::finding_kinds() const { return kFindings; }

bool ResumptionCheck::applies(const TargetResult& result) const {
    return result.facts.works && (result.version(core::Version::tls1_2).supported == true ||
                                  result.version(core::Version::tls1_3).supported == true);
}

ResumptionTry ResumptionCheck::judge_try(Mechanism m, core::Version v,
                                         const engine::SessionResult& first,
                                         const engine::SessionResult* second) {
    ResumptionTry t;
    t.mechanism = m;
    t.version = v;
    t.tickets = first.tickets_received;
    t.lifetime_hint = first.ticket_lifetime_hint;
    if (first.observation.status != core::Status::negotiated) {
        t.outcome = ResumeOutcome::failed;
        t.detail = first.observation.detail;
        return t;
    }
    if (m == Mechanism::session_id && first.session_id_length == 0) {
        t.outcome = ResumeOutcome::not_offered;
        t.detail = "the server sent an empty session ID";
        return t;
    }
    if (m != Mechanism::session_id && first.tickets_received == 0) {
        t.outcome = ResumeOutcome::not_offered;
        t.detail = "the server sent no NewSessionTicket";
        return t;
    }
    if (!first.session || !second) {
        t.outcome = ResumeOutcome::not_offered;
        t.detail = "the connection left no resumable session";
        return t;
    }
    if (second->observation.status != core::Status::negotiated) {
        t.outcome = ResumeOutcome::failed;
        t.detail = "the resuming handshake failed: " + second->observation.detail;
        return t;
    }
    t.outcome = second->resumed ? ResumeOutcome::resumed : ResumeOutcome::not_resumed;
    t.detail =
        second->resumed ? "abbreviated handshake" : "the server answered with a full handshake";
    return t;
}

boost::asio::awaitable<CheckResultPtr> ResumptionCheck::run(CheckContext c) const {
    struct Plan {
        Mechanism mechanism;
        core::Version version;
    };
    std::vector<Plan> plan;
    if (c.result.version(core::Version::tls1_2).supported == true) {
        plan.push_back({Mechanism::session_id, core::Version::tls1_2});
        plan.push_back({Mechanism::ticket, core::Version::tls1_2});
    }
    if (c.result.version(core::Version::tls1_3).supported == true)
        plan.push_back({Mechanism::tls13_psk, core::Version::tls1_3});

    auto result = std::make_shared<ResumptionResult>();
    result->tries.resize(plan.size());
    // Each mechanism is two connections one after the other; the mechanisms run side by side
    // within the per-target cap.
    co_await engine::for_each_bounded(
        plan.size(), c.options.connections_per_target,
        [&](std::size_t i) -> boost::asio::awaitable<void> {
            engine::SessionSpec spec;
            spec.handshake.pin = plan[i].version;
            spec.handshake.sni = c.result.target.sni;
            spec.handshake.timeout = c.options.timeout;
            spec.handshake.client_identity = c.options.client_identity;
            spec.offer_tickets = plan[i].mechanism == Mechanism::ticket;
            spec.wait_for_ticket = plan[i].mechanism == Mechanism::tls13_psk;
            engine::SessionResult first = co_await c.engines.session(c.peer, spec);
            std::optional<engine::SessionResult> second;
            if (first.observation.status == core::Status::negotiated && first.session) {
                spec.resume = first.session;
                spec.wait_for_ticket = false;
                engine::SessionResult again = co_await c.engines.session(c.peer, spec);
                second = std::move(again);
            }
            result->tries[i] =
                judge_try(plan[i].mechanism, plan[i].version, first, second ? &*second : nullptr);
        });
    co_return result;
}

}  // namespace tlsprobe::probe::checks
