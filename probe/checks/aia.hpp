// The AIA check: when the served chain lacks an intermediate (chain.missing_intermediate),
// fetch the certificate the last served certificate's caIssuers URL names (RFC 5280
// §4.2.2.1; DER, PKCS#7 or PEM), check that it really issued that certificate (name, key
// identifier, signature) and whether the chain then verifies. That separates "clients that
// fetch AIA still connect" from "nobody can build the path", and gives the admin the
// missing certificate to serve.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/http_fetch.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

// Which clients fetch a missing intermediate from the AIA URL: a fixed, documented table of
// platform behaviours (README "AIA"), not a measurement.
struct AiaClient {
    std::string_view name;
    bool fetches = false;
    std::string_view note;
};
std::span<const AiaClient> aia_clients();

enum class AiaStatus {
    fetched,          // the certificate at the URL issued the served certificate
    no_url,           // the certificate names no (http) caIssuers URL
    fetch_disabled,   // --no-fetch (or a scan without --fetch)
    fetch_failed,     // the URL did not give a file (unreachable, 404, too large, ...)
    unparsable,       // the file holds no certificate
    not_issuer,       // the certificates in it did not issue the served certificate
};
std::string_view to_string(AiaStatus s);

class AiaResult final : public CheckResult {
public:
    AiaStatus status = AiaStatus::no_url;
    std::string child_subject;  // the served certificate whose issuer is missing
    std::string issuer_name;    // the issuer it names
    std::vector<std::string> urls;  // its caIssuers URLs
    std::optional<engine::FetchResult> fetch;  // the fetch made (body dropped)
    std::string detail;                        // why not fetched, for unparsable/not_issuer
    // When fetched: the issuing certificate.
    core::Bytes issuer_der;
    std::string issuer_subject, issuer_sha256, issuer_pem;
    bool chain_verifies = false;  // the served chain plus it verifies to a trusted root
    std::string verify_error;     // when it does not

    std::string_view kind() const override { return "aia"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class AiaCheck final : public CheckKind {
public:
    std::string_view id() const override { return "aia"; }
    std::string_view title() const override { return "Missing intermediate from AIA"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;
};

}  // namespace tlsprobe::probe::checks
