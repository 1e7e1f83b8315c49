#include "probe/checks/ocsp.hpp"

#include <array>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 5> kFindings{{
    {"ocsp.not_stapled", Severity::info, "The server staples no OCSP response"},
    {"ocsp.must_staple_missing", Severity::high,
     "The certificate is must-staple but the server staples no OCSP response"},
    {"ocsp.stapled_expired", Severity::medium, "The stapled OCSP response has expired"},
    {"ocsp.stapled_revoked", Severity::critical,
     "The stapled OCSP response says the certificate is revoked"},
    {"ocsp.stapled_invalid", Severity::medium,
     "The stapled OCSP response is not a successful response about the certificate"},
}};

Finding finding(std::size_t i, std::string detail) {
    return {std::string(kFindings[i].id), kFindings[i].severity, std::string(kFindings[i].title),
            std::move(detail)};
}

nlohmann::json time_json(const std::optional<std::chrono::system_clock::time_point>& t) {
    if (!t) return nullptr;
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(*t)));
}

std::string time_text(const std::optional<std::chrono::system_clock::time_point>& t) {
    return t ? fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                           fmt::gmtime(std::chrono::system_clock::to_time_t(*t)))
             : std::string("none");
}

}  // namespace

bool OcspResult::expired() const {
    return stapled && response.next_update && *response.next_update < checked_at;
}

std::vector<Finding> OcspResult::findings() const {
    if (!handshake) return {};
    if (!stapled) {
        if (must_staple)
            return {finding(1,
                            "the leaf carries the TLS feature status_request (RFC 7633) and "
                            "the server stapled nothing: Firefox refuses the connection "
                            "(MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING)")};
        return {finding(0,
                        "no CertificateStatus in answer to status_request: clients must ask "
                        "the CA's responder themselves, or (most browsers) skip the check")};
    }
    const auto& r = response;
    if (!r.parsed || r.response_status != "successful" || r.cert_status.empty() ||
        !r.matches_certificate)
        return {finding(
            4, !r.parsed                           ? "the stapled bytes do not parse: " + r.error
               : r.response_status != "successful" ? "responseStatus " + r.response_status
               : r.cert_status.empty() ? std::string("the response has no single response")
                                       : std::string("no single response carries the certificate's "
                                                     "serial number"))};
    std::vector<Finding> out;
    if (r.cert_status == "revoked")
        out.push_back(finding(3, fmt::format("revoked at {}", time_text(r.revoked_at))));
    if (expired())
        out.push_back(
            finding(2, fmt::format("nextUpdate {} is past{}", time_text(r.next_update),
                                   must_staple ? " (must-staple: Firefox refuses)" : "")));
    return out;
}

nlohmann::json OcspResult::to_json() const {
    nlohmann::json j = {
        {"handshake", handshake}, {"stapled", stapled}, {"must_staple", must_staple}};
    if (!handshake) j["detail"] = detail;
    if (!stapled) {
        j["response"] = nullptr;
        return j;
    }
    const auto& r = response;
    j["response"] = {
        {"parsed", r.parsed},
        {"response_status", r.parsed ? nlohmann::json(r.response_status) : nlohmann::json(nullptr)},
        {"cert_status",
         r.cert_status.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.cert_status)},
        {"matches_certificate", r.matches_certificate},
        {"produced_at", time_json(r.produced_at)},
        {"this_update", time_json(r.this_update)},
        {"next_update", time_json(r.next_update)},
        {"revoked_at", time_json(r.revoked_at)},
        {"responder", r.responder},
        {"expired", expired()}};
    if (!r.parsed) j["response"]["error"] = r.error;
    return j;
}

std::vector<std::string> OcspResult::text() const {
    if (!handshake) return {"handshake failed (" + detail + ")"};
    std::vector<std::string> lines;
    if (!stapled) lines.push_back("no OCSP response stapled");
    else if (!response.parsed)
        lines.push_back("stapled bytes that are no OCSP response (" + response.error + ")");
    else {
        lines.push_back(fmt::format("stapled: {}, certificate {}{}", response.response_status,
                                    response.cert_status.empty() ? "-" : response.cert_status,
                                    expired() ? " (EXPIRED)" : ""));
        lines.push_back(fmt::format("produced {}, next update {}", time_text(response.produced_at),
                                    time_text(response.next_update)));
        if (!response.responder.empty()) lines.push_back("responder: " + response.responder);
    }
    lines.push_back(must_staple ? "the certificate is must-staple (RFC 7633)"
                                : "the certificate is not must-staple");
    return lines;
}

std::span<const FindingKind> OcspCheck::finding_kinds() const { return kFindings; }

bool OcspCheck::applies(const TargetResult& result) const { return result.facts.works; }

OcspResult OcspCheck::judge(const engine::SessionResult& session,
                            std::chrono::system_clock::time_point now) {
    OcspResult r;
    r.checked_at = now;
    r.handshake = session.observation.status == core::Status::negotiated;
    if (!r.handshake) {
        r.detail = session.observation.detail;
        return r;
    }
    const auto& chain = session.observation.chain;
    const core::Bytes leaf = chain.empty() ? core::Bytes{} : chain.front();
    r.must_staple = x509::requires_stapling(leaf);
    r.stapled = !session.ocsp_response.empty();
    if (r.stapled) r.response = x509::parse_ocsp_response(session.ocsp_response, leaf);
    if (r.stapled) r.staple_der = session.ocsp_response;
    return r;
}

boost::asio::awaitable<CheckResultPtr> OcspCheck::run(CheckContext c) const {
    engine::SessionSpec spec;
    spec.handshake.sni = c.result.target.sni;
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.status_request = true;
    engine::SessionResult session = co_await c.engines.session(c.peer, spec);
    const auto now = c.options.now.value_or(std::chrono::system_clock::now());
    co_return std::make_shared<OcspResult>(judge(session, now));
}

}  // namespace tlsprobe::probe::checks
