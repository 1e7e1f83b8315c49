// The revocation check: is the served certificate revoked? Asked of every source a client
// might use: the stapled OCSP response (from the ocsp check), the CA's OCSP responder named
// in the leaf's AIA (RFC 6960, a POST of an OCSPRequest) and the CRL distribution points
// (RFC 5280 §5). Each answer counts only when its signature verifies with the leaf's issuer
// (OCSP_basic_verify, X509_CRL_verify). Network use is bounded (engine/http_fetch.hpp) and
// forbidden by --no-fetch; the staple is still judged then.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/http_fetch.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

// What one source said, and the overall verdict. The JSON `status` values.
enum class RevocationStatus {
    good,         // a verified answer: not revoked
    revoked,      // a verified answer: revoked
    unknown,      // the responder does not know the certificate (OCSP "unknown")
    unreachable,  // the URL gave no answer (refused, timeout, HTTP error, too large, ...)
    invalid,      // an answer that does not count: unparsable, bad signature, wrong issuer,
                  // not about this certificate
    no_url,       // the certificate names no such URL (or no staple was sent)
    not_fetched,  // --no-fetch (or a scan without --fetch)
    no_issuer,    // the issuer certificate is unknown: nothing can be verified
};
std::string_view to_string(RevocationStatus s);

struct RevocationSource {
    std::string source;  // "staple", "ocsp", "crl"
    std::string url;     // empty for the staple
    RevocationStatus status = RevocationStatus::no_url;
    std::optional<engine::FetchStatus> fetch;  // when a fetch was made
    int http_status = 0;
    bool signature_valid = false;
    std::optional<std::chrono::system_clock::time_point> revoked_at, this_update, next_update;
    std::optional<int> reason;  // CRLReason
    std::string detail;
};

class RevocationResult final : public CheckResult {
public:
    RevocationStatus status = RevocationStatus::no_url;  // the verdict over the sources
    std::string issuer_source;  // where the issuer came from: "served", "aia", "trust store", ""
    std::vector<RevocationSource> sources;  // staple, ocsp, crl (those that apply)

    const RevocationSource* deciding() const;  // the source the verdict rests on
    std::string_view kind() const override { return "revocation"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class RevocationCheck final : public CheckKind {
public:
    std::string_view id() const override { return "revocation"; }
    std::string_view title() const override { return "Revocation (OCSP, CRL)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The verdict over the sources: revoked wins, then good, unknown, unreachable, invalid,
    // not_fetched, no_url.
    static RevocationStatus verdict(const std::vector<RevocationSource>& sources);
};

}  // namespace tlsprobe::probe::checks
