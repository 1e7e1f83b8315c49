#include "probe/checks/aia.hpp"

#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "probe/probe_target.hpp"
#include "x509/chain_analysis.hpp"
#include "x509/revocation.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 2> kFindings{{
    {"aia.intermediate_fetchable", Severity::info,
     "The missing intermediate is fetchable from the AIA URL: only some clients connect"},
    {"aia.intermediate_unavailable", Severity::medium,
     "The missing intermediate cannot be fetched from the AIA URL either: no client connects"},
}};

// The platform behaviours (README "AIA"): who fetches a missing intermediate itself.
constexpr std::array<AiaClient, 9> kClients{{
    {"Windows CryptoAPI (IE, .NET, PowerShell, Windows apps)", true,
     "fetches the caIssuers URL"},
    {"Chrome and Edge (Chromium's certificate verifier)", true, "fetches the caIssuers URL"},
    {"macOS and iOS (Safari, URLSession)", true, "fetches the caIssuers URL"},
    {"Firefox", false,
     "does not fetch; works only when the intermediate is in its preloaded intermediate list "
     "(publicly disclosed CAs)"},
    {"Android apps (platform TLS)", false, "do not fetch"},
    {"Java (JSSE)", false,
     "does not fetch unless -Dcom.sun.security.enableAIAcaIssuers=true"},
    {"curl, wget, OpenSSL-based clients", false, "do not fetch"},
    {"Python requests / urllib, Go net/http, Node.js", false, "do not fetch"},
    {"tlsprobe's own verdict (OpenSSL)", false, "does not fetch: the chain stays incomplete"},
}};

Finding finding(std::size_t i, std::string detail) {
    return {std::string(kFindings[i].id), kFindings[i].severity, std::string(kFindings[i].title),
            std::move(detail)};
}

std::string names(bool fetches) {
    std::vector<std::string_view> out;
    for (const auto& c : kClients)
        if (c.fetches == fetches && !c.name.starts_with("tlsprobe")) out.push_back(c.name);
    return fmt::format("{}", fmt::join(out, "; "));
}

}  // namespace

std::span<const AiaClient> aia_clients() { return kClients; }

std::string_view to_string(AiaStatus s) {
    switch (s) {
        case AiaStatus::fetched: return "fetched";
        case AiaStatus::no_url: return "no_url";
        case AiaStatus::fetch_disabled: return "fetch_disabled";
        case AiaStatus::fetch_failed: return "fetch_failed";
        case AiaStatus::unparsable: return "unparsable";
        case AiaStatus::not_issuer: return "not_issuer";
    }
    return "no_url";
}

std::vector<Finding> AiaResult::findings() const {
    switch (status) {
        case AiaStatus::fetched:
            if (!chain_verifies)
                return {finding(1, fmt::format("the AIA URL gives '{}', but the chain still does "
                                               "not verify: {}",
                                               issuer_subject, verify_error))};
            return {finding(0, fmt::format("'{}' fetched from {}: clients that fetch AIA "
                                           "connect ({}), the others fail ({})",
                                           issuer_subject, fetch ? fetch->final_url : "",
                                           names(true), names(false)))};
        case AiaStatus::fetch_disabled: return {};
        case AiaStatus::no_url:
            return {finding(1, "the certificate names no http:// caIssuers URL")};
        case AiaStatus::fetch_failed:
        case AiaStatus::unparsable:
        case AiaStatus::not_issuer:
            return {finding(1, fmt::format("{}: {}", to_string(status), detail))};
    }
    return {};
}

nlohmann::json AiaResult::to_json() const {
    nlohmann::json j = {{"status", std::string(to_string(status))},
                        {"certificate", child_subject},
                        {"missing_issuer", issuer_name},
                        {"urls", urls}};
    if (fetch) {
        j["fetch"] = {{"url", fetch->url},
                      {"final_url", fetch->final_url},
                      {"status", std::string(engine::to_string(fetch->status))},
                      {"http_status", fetch->http_status},
                      {"detail", fetch->detail}};
    } else {
        j["fetch"] = nullptr;
    }
    if (!detail.empty()) j["detail"] = detail;
    if (status == AiaStatus::fetched) {
        j["issuer"] = {{"subject", issuer_subject},
                       {"sha256", issuer_sha256},
                       {"pem", issuer_pem}};
        j["chain_verifies"] = chain_verifies;
        if (!chain_verifies) j["verify_error"] = verify_error;
        nlohmann::json clients = nlohmann::json::array();
        for (const auto& c : kClients)
            clients.push_back({{"client", c.name},
                               {"fetches_aia", c.fetches},
                               {"connects", c.fetches && chain_verifies},
                               {"note", c.note}});
        j["clients"] = clients;
    }
    return j;
}

std::vector<std::string> AiaResult::text() const {
    std::vector<std::string> lines;
    const std::string url = urls.empty() ? std::string("(none)") : urls.front();
    switch (status) {
        case AiaStatus::fetch_disabled:
            lines.push_back(fmt::format("not fetched (--no-fetch, or a scan without --fetch); "
                                        "caIssuers URL: {}",
                                        url));
            return lines;
        case AiaStatus::no_url:
            lines.push_back(fmt::format("'{}' names no http:// caIssuers URL: no client can find "
                                        "the intermediate '{}'",
                                        child_subject, issuer_name));
            return lines;
        case AiaStatus::fetch_failed:
        case AiaStatus::unparsable:
        case AiaStatus::not_issuer:
            lines.push_back(fmt::format("caIssuers {}: {} ({})", url, to_string(status), detail));
            lines.push_back("no client can build the path: every client fails");
            return lines;
        case AiaStatus::fetched: break;
    }
    lines.push_back(fmt::format("fetched '{}' from {}: it issued the served certificate",
                                issuer_subject, fetch ? fetch->final_url : url));
    if (!chain_verifies) {
        lines.push_back("the chain still does not verify with it: " + verify_error);
        return lines;
    }
    lines.push_back("with it the chain verifies: clients that fetch AIA connect");
    lines.push_back("connect (fetch AIA): " + names(true));
    lines.push_back("fail (no AIA fetching): " + names(false));
    lines.push_back("fix: serve this certificate after the leaf:");
    std::size_t start = 0;
    for (int i = 0; i < 200 && start < issuer_pem.size(); ++i) {
        const auto end = issuer_pem.find('\n', start);
        lines.push_back(issuer_pem.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return lines;
}

std::span<const FindingKind> AiaCheck::finding_kinds() const { return kFindings; }

bool AiaCheck::applies(const TargetResult& result) const {
    return result.chain && result.chain->has(x509::ChainProblemKind::missing_intermediate);
}

boost::asio::awaitable<CheckResultPtr> AiaCheck::run(CheckContext c) const {
    auto r = std::make_shared<AiaResult>();
    const auto& chain = *c.result.chain;
    std::size_t child = chain.leaf;
    for (const auto& p : chain.problems)
        if (p.kind == x509::ChainProblemKind::missing_intermediate && p.certificate)
            child = *p.certificate;
    if (child >= chain.certificates.size()) co_return r;
    const auto& cert = chain.certificates[child];
    r->child_subject = cert.subject;
    r->issuer_name = cert.issuer;
    for (const auto& url : x509::certificate_urls(cert.der).ca_issuers)
        if (engine::parse_http_url(url)) r->urls.push_back(url);
    if (r->urls.empty()) {
        r->status = AiaStatus::no_url;
        co_return r;
    }
    if (!c.options.fetch) {
        r->status = AiaStatus::fetch_disabled;
        co_return r;
    }
    engine::FetchRequest request;
    request.url = r->urls.front();
    request.max_bytes = engine::kMaxCertificateFetch;
    request.timeout = c.options.timeout;
    request.accept = "application/pkix-cert, application/pkcs7-mime, */*";
    engine::FetchResult fetched = co_await c.engines.fetch(request);
    const core::Bytes body = std::move(fetched.body);
    fetched.body.clear();
    r->fetch = fetched;
    if (!fetched.ok()) {
        r->status = AiaStatus::fetch_failed;
        r->detail = fetched.detail;
        co_return r;
    }
    std::string error;
    const auto certificates = x509::read_fetched_certificates(body, &error);
    if (certificates.empty()) {
        r->status = AiaStatus::unparsable;
        r->detail = error;
        co_return r;
    }
    std::string why;
    for (const auto& candidate : certificates) {
        if (!x509::issued_by(cert.der, candidate, &why)) continue;
        r->status = AiaStatus::fetched;
        r->issuer_der = candidate;
        break;
    }
    if (r->status != AiaStatus::fetched) {
        r->status = AiaStatus::not_issuer;
        r->detail = fmt::format("{} certificate(s) in the file, none issued '{}' ({})",
                                certificates.size(), cert.subject, why);
        co_return r;
    }
    if (const auto info = x509::parse_certificate(r->issuer_der)) {
        r->issuer_subject = info->subject;
        r->issuer_sha256 = info->sha256_hex;
    }
    r->issuer_pem = x509::to_pem(r->issuer_der);
    // The served chain with the fetched certificate after the one it issued: does it verify?
    x509::ChainInput input;
    for (std::size_t i = 0; i < chain.certificates.size(); ++i) {
        input.served.push_back(chain.certificates[i].der);
        if (i == child) input.served.push_back(r->issuer_der);
    }
    input.now = c.options.now.value_or(std::chrono::system_clock::now());
    const auto trust = c.options.trust ? c.options.trust : x509::TrustStore::shared_system_default();
    const auto completed = x509::analyze_chain(input, *trust);
    r->chain_verifies = completed.trusted;
    if (!completed.trusted)
        r->verify_error = fmt::format("OpenSSL verify error {}: {}", completed.verify_error,
                                      completed.verify_error_text);
    co_return r;
}

}  // namespace tlsprobe::probe::checks
