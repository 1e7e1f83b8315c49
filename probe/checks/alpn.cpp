#include "probe/checks/alpn.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/alert.hpp"
#include "engine/scheduling.hpp"
#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::uint8_t kNoApplicationProtocol = 120;  // RFC 7301 §3.2

constexpr std::array<FindingKind, 1> kFindings{{
    {"alpn.no_http2", Severity::info, "The server does not negotiate HTTP/2 (ALPN h2)"},
}};

}  // namespace

std::string_view to_string(AlpnAnswer a) {
    switch (a) {
        case AlpnAnswer::selected: return "selected";
        case AlpnAnswer::not_selected: return "not_selected";
        case AlpnAnswer::refused: return "refused";
        case AlpnAnswer::failed: return "failed";
    }
    return "failed";
}

std::vector<std::string> AlpnResult::selected() const {
    std::vector<std::string> out;
    for (const auto& o : offers)
        if (o.answer == AlpnAnswer::selected) out.push_back(o.protocol);
    return out;
}

std::vector<Finding> AlpnResult::findings() const {
    const bool h2 = std::any_of(offers.begin(), offers.end(), [](const AlpnOffer& o) {
        return o.protocol == "h2" && o.answer == AlpnAnswer::selected;
    });
    if (h2) return {};
    // Only what the server answered is evidence: an h2 offer whose handshake failed for
    // another reason (a timeout, a reset) says nothing about HTTP/2.
    const bool h2_answered = std::any_of(offers.begin(), offers.end(), [](const AlpnOffer& o) {
        return o.protocol == "h2" && o.answer != AlpnAnswer::failed;
    });
    if (!h2_answered) return {};
    const auto chosen = selected();
    return {Finding{
        std::string(kFindings[0].id), kFindings[0].severity, std::string(kFindings[0].title),
        chosen.empty() ? "the server selects no application protocol at all (ALPN unused)"
                       : fmt::format("the server selects {} but not h2", fmt::join(chosen, ", "))}};
}

nlohmann::json AlpnResult::to_json() const {
    auto offer_json = [](const AlpnOffer& o) {
        nlohmann::json j = {{"protocol", o.protocol}, {"answer", to_string(o.answer)}};
        if (!o.detail.empty()) j["detail"] = o.detail;
        return j;
    };
    nlohmann::json list = nlohmann::json::array();
    for (const auto& o : offers) list.push_back(offer_json(o));
    return {{"selected", selected()}, {"offers", list}, {"unknown_protocol", offer_json(unknown)}};
}

std::vector<std::string> AlpnResult::text() const {
    std::vector<std::string> lines;
    auto line = [](const AlpnOffer& o) {
        switch (o.answer) {
            case AlpnAnswer::selected: return fmt::format("{}: selected", o.protocol);
            case AlpnAnswer::not_selected:
                return fmt::format("{}: not selected (handshake without ALPN)", o.protocol);
            case AlpnAnswer::refused:
                return fmt::format("{}: refused (alert no_application_protocol)", o.protocol);
            case AlpnAnswer::failed:
                return fmt::format("{}: handshake failed ({})", o.protocol, o.detail);
        }
        return std::string();
    };
    for (const auto& o : offers) lines.push_back(line(o));
    lines.push_back("an unknown protocol: " + line(unknown).substr(unknown.protocol.size() + 2) +
                    (unknown.answer == AlpnAnswer::refused ? ", as RFC 7301 §3.2 asks" : ""));
    return lines;
}

const std::vector<std::string>& AlpnCheck::protocols() {
    static const std::vector<std::string> list{"h2", "http/1.1", "http/1.0",
                                               std::string(kUnknownProtocol)};
    return list;
}

std::span<const FindingKind> AlpnCheck::finding_kinds() const { return kFindings; }

bool AlpnCheck::applies(const TargetResult& result) const { return result.facts.works; }

AlpnOffer AlpnCheck::judge_offer(std::string protocol, const core::Observation& o) {
    AlpnOffer offer;
    offer.protocol = std::move(protocol);
    if (o.status == core::Status::negotiated) {
        offer.answer = o.alpn == offer.protocol ? AlpnAnswer::selected : AlpnAnswer::not_selected;
        if (!o.alpn.empty() && o.alpn != offer.protocol) {  // RFC 7301 §3.2: must be one we offered
            offer.answer = AlpnAnswer::failed;
            offer.detail = fmt::format("the server selected '{}', which was not offered", o.alpn);
        }
    } else if (o.status == core::Status::rejected_alert && o.alert == kNoApplicationProtocol) {
        offer.answer = AlpnAnswer::refused;
    } else {
        offer.answer = AlpnAnswer::failed;
        offer.detail = o.detail.empty() ? std::string(core::to_string(o.status)) : o.detail;
    }
    return offer;
}

boost::asio::awaitable<CheckResultPtr> AlpnCheck::run(CheckContext c) const {
    const auto& list = protocols();
    std::vector<core::Observation> seen(list.size());
    co_await engine::for_each_bounded(list.size(), c.options.connections_per_target,
                                      [&](std::size_t i) -> boost::asio::awaitable<void> {
                                          engine::HandshakeSpec spec;
                                          spec.sni = c.result.target.sni;
                                          spec.alpn = {list[i]};
                                          spec.timeout = c.options.timeout;
                                          spec.client_identity = c.options.client_identity;
                                          core::Observation o =
                                              co_await c.engines.handshake(c.peer, spec);
                                          seen[i] = std::move(o);
                                      });
    auto result = std::make_shared<AlpnResult>();
    for (std::size_t i = 0; i + 1 < list.size(); ++i)
        result->offers.push_back(judge_offer(list[i], seen[i]));
    result->unknown = judge_offer(list.back(), seen.back());
    co_return result;
}

}  // namespace tlsprobe::probe::checks
