#include "probe/checks/sct.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "core/bytes.hpp"
#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 1> kFindings{{
    {"sct.none", Severity::info,
     "The server presents no Certificate Transparency SCT (extension, OCSP staple or certificate)"},
}};

constexpr std::array<engine::SctSource, 3> kSources{engine::SctSource::certificate,
                                                    engine::SctSource::tls_extension,
                                                    engine::SctSource::ocsp_response};

std::string_view source_text(engine::SctSource s) {
    switch (s) {
        case engine::SctSource::tls_extension: return "the TLS extension";
        case engine::SctSource::ocsp_response: return "the stapled OCSP response";
        case engine::SctSource::certificate: return "the certificate";
    }
    return "the certificate";
}

}  // namespace

std::string_view to_string(engine::SctSource s) {
    switch (s) {
        case engine::SctSource::tls_extension: return "tls_extension";
        case engine::SctSource::ocsp_response: return "ocsp_response";
        case engine::SctSource::certificate: return "certificate";
    }
    return "certificate";
}

std::size_t SctResult::count(engine::SctSource s) const {
    return static_cast<std::size_t>(std::count_if(
        scts.begin(), scts.end(), [&](const engine::Sct& x) { return x.source == s; }));
}

std::vector<Finding> SctResult::findings() const {
    if (!handshake || !scts.empty()) return {};
    return {Finding{std::string(kFindings[0].id), kFindings[0].severity,
                    std::string(kFindings[0].title),
                    "no SCT in the TLS extension, the stapled OCSP response or the leaf: Chrome "
                    "and Safari refuse a publicly trusted certificate without them (a private CA's "
                    "certificate needs none)"}};
}

nlohmann::json SctResult::to_json() const {
    nlohmann::json sources = nlohmann::json::object();
    for (auto s : kSources) sources[std::string(to_string(s))] = count(s);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& x : scts)
        list.push_back({{"source", to_string(x.source)},
                        {"version", x.version == 0 ? nlohmann::json(1) : nlohmann::json(nullptr)},
                        {"log_id", core::to_hex(x.log_id)},
                        {"timestamp", x.timestamp}});
    nlohmann::json j = {
        {"handshake", handshake}, {"count", scts.size()}, {"sources", sources}, {"scts", list}};
    if (!detail.empty()) j["detail"] = detail;
    return j;
}

std::vector<std::string> SctResult::text() const {
    if (!handshake) return {"not known: " + detail};
    if (scts.empty()) return {"no SCT from any source"};
    std::vector<std::string> lines;
    for (auto s : kSources)
        if (const auto n = count(s); n > 0)
            lines.push_back(fmt::format("{} SCT{} in {}", n, n == 1 ? "" : "s", source_text(s)));
    for (const auto& x : scts)
        lines.push_back(fmt::format("log {} at {} ms ({})", core::to_hex(x.log_id), x.timestamp,
                                    to_string(x.source)));
    return lines;
}

std::span<const FindingKind> SctCheck::finding_kinds() const { return kFindings; }

bool SctCheck::applies(const TargetResult& result) const { return result.facts.works; }

SctResult SctCheck::judge(const engine::SessionResult& session) {
    SctResult r;
    r.handshake = session.observation.status == core::Status::negotiated;
    r.scts = session.scts;
    if (!r.handshake)
        r.detail = session.observation.detail.empty()
                       ? std::string(core::to_string(session.observation.status))
                       : session.observation.detail;
    return r;
}

boost::asio::awaitable<CheckResultPtr> SctCheck::run(CheckContext c) const {
    engine::SessionSpec spec;
    spec.handshake.sni = c.result.target.sni;
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.certificate_transparency = true;
    engine::SessionResult session = co_await c.engines.session(c.peer, spec);
    co_return std::make_shared<SctResult>(judge(session));
}

}  // namespace tlsprobe::probe::checks
