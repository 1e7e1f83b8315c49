#include "probe/checks/revocation.hpp"

#include <array>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "probe/checks/aia.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/probe_target.hpp"
#include "x509/chain_analysis.hpp"
#include "x509/revocation.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 4> kFindings{{
    {"cert.revoked", Severity::high, "The certificate is revoked"},
    {"revocation.unknown", Severity::low,
     "The CA's OCSP responder does not know the certificate"},
    {"revocation.unreachable", Severity::low,
     "The certificate's OCSP responder and CRLs could not be reached"},
    {"revocation.invalid", Severity::medium,
     "A revocation answer does not verify (signature, issuer or certificate)"},
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
             : std::string("(no time)");
}

int rank(RevocationStatus s) {
    switch (s) {
        case RevocationStatus::revoked: return 7;
        case RevocationStatus::good: return 6;
        case RevocationStatus::unknown: return 5;
        case RevocationStatus::unreachable: return 4;
        case RevocationStatus::invalid: return 3;
        case RevocationStatus::no_issuer: return 2;
        case RevocationStatus::not_fetched: return 1;
        case RevocationStatus::no_url: return 0;
    }
    return 0;
}

std::string revoked_text(const RevocationSource& s) {
    return fmt::format("revoked at {}{} ({}{})", time_text(s.revoked_at),
                       s.reason ? ", reason " + x509::crl_reason_name(*s.reason) : std::string(),
                       s.source, s.url.empty() ? std::string() : " " + s.url);
}

// An OCSP response (stapled or fetched) about `leaf` into a source.
void judge_ocsp(RevocationSource& s, const core::Bytes& der, const core::Bytes& leaf,
                const core::Bytes& issuer) {
    const auto judged = x509::judge_ocsp_response(der, leaf, issuer);
    const auto& f = judged.facts;
    s.signature_valid = judged.signature.valid;
    s.this_update = f.this_update;
    s.next_update = f.next_update;
    s.revoked_at = f.revoked_at;
    s.reason = judged.revocation_reason;
    if (!f.parsed || f.response_status != "successful" || !f.matches_certificate) {
        s.status = RevocationStatus::invalid;
        s.detail = !f.parsed ? "not an OCSP response: " + f.error
                   : f.response_status != "successful"
                       ? "responseStatus " + f.response_status
                       : std::string("no single response about the certificate");
        return;
    }
    if (!judged.signature.valid) {
        s.status = RevocationStatus::invalid;
        s.detail = "OCSP says " + f.cert_status + ", but " + judged.signature.detail;
        return;
    }
    s.status = f.cert_status == "good"      ? RevocationStatus::good
               : f.cert_status == "revoked" ? RevocationStatus::revoked
                                            : RevocationStatus::unknown;
    s.detail = fmt::format("OCSP {} (signature verified), this update {}, next update {}",
                           f.cert_status, time_text(f.this_update), time_text(f.next_update));
}

RevocationSource unreachable(std::string source, const engine::FetchResult& fetched) {
    RevocationSource s;
    s.source = std::move(source);
    s.url = fetched.url;
    s.fetch = fetched.status;
    s.http_status = fetched.http_status;
    s.status = fetched.status == engine::FetchStatus::not_http_url ? RevocationStatus::no_url
                                                                   : RevocationStatus::unreachable;
    s.detail = fetched.detail;
    return s;
}

// The issuer of the leaf: a served certificate that issued it, the AIA check's fetched one,
// or the trust store's anchor.
core::Bytes find_issuer(const CheckContext& c, const core::Bytes& leaf, std::string& where) {
    const auto& chain = *c.result.chain;
    for (std::size_t i = 0; i < chain.certificates.size(); ++i)
        if (i != chain.leaf && x509::issued_by(leaf, chain.certificates[i].der, nullptr)) {
            where = "served";
            return chain.certificates[i].der;
        }
    for (const auto& check : c.result.checks)
        if (const auto* aia = dynamic_cast<const AiaResult*>(check.get());
            aia && aia->status == AiaStatus::fetched && x509::issued_by(leaf, aia->issuer_der, nullptr)) {
            where = "aia";
            return aia->issuer_der;
        }
    const auto trust = c.options.trust ? c.options.trust : x509::TrustStore::shared_system_default();
    auto anchor = x509::find_issuer_in_store(leaf, *trust);
    if (!anchor.empty()) where = "trust store";
    return anchor;
}

}  // namespace

std::string_view to_string(RevocationStatus s) {
    switch (s) {
        case RevocationStatus::good: return "good";
        case RevocationStatus::revoked: return "revoked";
        case RevocationStatus::unknown: return "unknown";
        case RevocationStatus::unreachable: return "unreachable";
        case RevocationStatus::invalid: return "invalid";
        case RevocationStatus::no_url: return "no_url";
        case RevocationStatus::not_fetched: return "not_fetched";
        case RevocationStatus::no_issuer: return "no_issuer";
    }
    return "no_url";
}

RevocationStatus RevocationCheck::verdict(const std::vector<RevocationSource>& sources) {
    RevocationStatus best = RevocationStatus::no_url;
    for (const auto& s : sources)
        if (rank(s.status) > rank(best)) best = s.status;
    return best;
}

const RevocationSource* RevocationResult::deciding() const {
    for (const auto& s : sources)
        if (s.status == status) return &s;
    return nullptr;
}

std::vector<Finding> RevocationResult::findings() const {
    std::vector<Finding> out;
    const auto* d = deciding();
    if (status == RevocationStatus::revoked && d)
        out.push_back(finding(0, revoked_text(*d) +
                                     ": browsers that check revocation refuse the certificate"));
    if (status == RevocationStatus::unknown && d)
        out.push_back(finding(1, fmt::format("{} {}: {}", d->source, d->url, d->detail)));
    if (status == RevocationStatus::unreachable && d)
        out.push_back(finding(2, d->detail));
    for (const auto& s : sources)
        if (s.status == RevocationStatus::invalid)
            out.push_back(finding(3, fmt::format("{}{}: {}", s.source,
                                                 s.url.empty() ? std::string() : " " + s.url,
                                                 s.detail)));
    return out;
}

nlohmann::json RevocationResult::to_json() const {
    nlohmann::json sources_json = nlohmann::json::array();
    for (const auto& s : sources)
        sources_json.push_back(
            {{"source", s.source},
             {"url", s.url.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.url)},
             {"status", std::string(to_string(s.status))},
             {"fetch", s.fetch ? nlohmann::json(std::string(engine::to_string(*s.fetch)))
                               : nlohmann::json(nullptr)},
             {"http_status", s.http_status},
             {"signature_valid", s.signature_valid},
             {"revoked_at", time_json(s.revoked_at)},
             {"reason", s.reason ? nlohmann::json(x509::crl_reason_name(*s.reason))
                                 : nlohmann::json(nullptr)},
             {"this_update", time_json(s.this_update)},
             {"next_update", time_json(s.next_update)},
             {"detail", s.detail}});
    return {{"status", std::string(to_string(status))},
            {"issuer_source",
             issuer_source.empty() ? nlohmann::json(nullptr) : nlohmann::json(issuer_source)},
            {"sources", sources_json}};
}

std::vector<std::string> RevocationResult::text() const {
    std::vector<std::string> lines;
    const auto* d = deciding();
    if (status == RevocationStatus::revoked && d)
        lines.push_back("REVOKED: " + revoked_text(*d));
    else
        lines.push_back(fmt::format("verdict: {}", to_string(status)));
    for (const auto& s : sources)
        lines.push_back(fmt::format("{}{}: {}{}", s.source,
                                    s.url.empty() ? std::string() : " " + s.url,
                                    to_string(s.status),
                                    s.detail.empty() ? std::string() : " (" + s.detail + ")"));
    return lines;
}

std::span<const FindingKind> RevocationCheck::finding_kinds() const { return kFindings; }

bool RevocationCheck::applies(const TargetResult& result) const {
    return result.chain && result.chain->leaf_certificate() != nullptr;
}

boost::asio::awaitable<CheckResultPtr> RevocationCheck::run(CheckContext c) const {
    auto r = std::make_shared<RevocationResult>();
    const core::Bytes leaf = c.result.chain->leaf_certificate()->der;
    const core::Bytes issuer = find_issuer(c, leaf, r->issuer_source);
    const auto urls = x509::certificate_urls(leaf);

    // The staple the ocsp check received, if any.
    for (const auto& check : c.result.checks)
        if (const auto* ocsp = dynamic_cast<const OcspResult*>(check.get());
            ocsp && ocsp->stapled) {
            RevocationSource s;
            s.source = "staple";
            if (issuer.empty()) {
                s.status = RevocationStatus::no_issuer;
                s.detail = "the issuer certificate is unknown: the signature cannot be checked";
            } else {
                judge_ocsp(s, ocsp->staple_der, leaf, issuer);
            }
            r->sources.push_back(std::move(s));
        }

    auto skipped = [&](std::string source, const std::string& url) {
        RevocationSource s;
        s.source = std::move(source);
        s.url = url;
        s.status = !c.options.fetch ? RevocationStatus::not_fetched : RevocationStatus::no_issuer;
        s.detail = !c.options.fetch
                       ? "not fetched (--no-fetch, or a scan without --fetch)"
                       : "the issuer certificate is unknown: nothing can be verified";
        return s;
    };

    // OCSP: the first http:// responder URL.
    std::string ocsp_url;
    for (const auto& u : urls.ocsp)
        if (engine::parse_http_url(u)) {
            ocsp_url = u;
            break;
        }
    if (!ocsp_url.empty()) {
        if (!c.options.fetch || issuer.empty()) {
            r->sources.push_back(skipped("ocsp", ocsp_url));
        } else {
            engine::FetchRequest request;
            request.url = ocsp_url;
            request.post = true;
            request.content_type = "application/ocsp-request";
            request.accept = "application/ocsp-response";
            request.body = x509::make_ocsp_request(leaf, issuer);
            request.max_bytes = engine::kMaxCertificateFetch;
            request.timeout = c.options.timeout;
            const engine::FetchResult fetched = co_await c.engines.fetch(request);
            if (!fetched.ok()) {
                r->sources.push_back(unreachable("ocsp", fetched));
            } else {
                RevocationSource s;
                s.source = "ocsp";
                s.url = ocsp_url;
                s.fetch = fetched.status;
                s.http_status = fetched.http_status;
                judge_ocsp(s, fetched.body, leaf, issuer);
                r->sources.push_back(std::move(s));
            }
        }
    }

    // CRL: the first http:// distribution point.
    std::string crl_url;
    for (const auto& u : urls.crl)
        if (engine::parse_http_url(u)) {
            crl_url = u;
            break;
        }
    if (!crl_url.empty()) {
        if (!c.options.fetch || issuer.empty()) {
            r->sources.push_back(skipped("crl", crl_url));
        } else {
            engine::FetchRequest request;
            request.url = crl_url;
            request.accept = "application/pkix-crl, */*";
            request.max_bytes = engine::kMaxCrlFetch;
            request.timeout = c.options.timeout;
            const engine::FetchResult fetched = co_await c.engines.fetch(request);
            if (!fetched.ok()) {
                r->sources.push_back(unreachable("crl", fetched));
            } else {
                RevocationSource s;
                s.source = "crl";
                s.url = crl_url;
                s.fetch = fetched.status;
                s.http_status = fetched.http_status;
                const auto crl = x509::judge_crl(fetched.body, leaf, issuer);
                s.signature_valid = crl.signature_valid;
                s.this_update = crl.this_update;
                s.next_update = crl.next_update;
                s.revoked_at = crl.revoked_at;
                s.reason = crl.reason;
                if (!crl.parsed) {
                    s.status = RevocationStatus::invalid;
                    s.detail = crl.error;
                } else if (!crl.issuer_matches || !crl.signature_valid) {
                    s.status = RevocationStatus::invalid;
                    s.detail = !crl.issuer_matches
                                   ? "the CRL's issuer '" + crl.issuer +
                                         "' is not the certificate's issuer"
                                   : std::string("the CRL's signature does not verify with the "
                                                 "issuer's key");
                } else {
                    s.status = crl.revoked ? RevocationStatus::revoked : RevocationStatus::good;
                    s.detail = fmt::format("CRL with {} entries (signature verified){}, next "
                                           "update {}",
                                           crl.entries,
                                           crl.revoked ? ", lists the certificate"
                                                       : ", the certificate is not listed",
                                           time_text(crl.next_update));
                }
                r->sources.push_back(std::move(s));
            }
        }
    }
    r->status = verdict(r->sources);
    co_return r;
}

}  // namespace tlsprobe::probe::checks
