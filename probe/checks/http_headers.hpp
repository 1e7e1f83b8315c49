// HTTP over TLS: one GET / over a negotiated connection (ALPN http/1.1), as a browser's first
// request, and what the response head says about the site's HTTPS hygiene: HSTS (RFC 6797:
// max-age, includeSubDomains, preload), a redirect, the Server banner, and the other security
// headers testssl.sh reports (X-Frame-Options, X-Content-Type-Options, Content-Security-Policy,
// Referrer-Policy, Permissions-Policy, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/http_head.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

// A Strict-Transport-Security value, parsed (RFC 6797 §6.1).
struct Hsts {
    std::string value;                     // as sent
    std::optional<std::uint64_t> max_age;  // nullopt: missing or not a number (header invalid)
    bool include_subdomains = false;
    bool preload = false;
};
Hsts parse_hsts(std::string_view value);

// One Set-Cookie of the response (RFC 6265 §4.1): its name and the attributes that protect it.
// The value is never kept (it may be a session secret).
struct Cookie {
    std::string name;
    bool secure = false;
    bool http_only = false;
    std::string same_site;  // the SameSite attribute's value as sent; empty when absent
};
Cookie parse_set_cookie(std::string_view value);

class HttpHeadersResult final : public CheckResult {
public:
    // The HSTS max-age below which the header protects too briefly (180 days: the preload
    // list asks for a year, testssl.sh flags less than 179 days).
    static constexpr std::uint64_t kShortMaxAge = 180ull * 24 * 3600;
    // The security headers reported as present or missing, in report order.
    static const std::vector<std::string>& security_headers();

    std::string request;  // "GET / (Host: example.com)"
    std::string failure;  // empty when a response head came back
    engine::HttpResponseHead head;
    std::optional<Hsts> hsts;  // nullopt: no Strict-Transport-Security header
    std::vector<Cookie> cookies;  // every Set-Cookie, in the order received

    std::string_view kind() const override { return "http"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class HttpHeadersCheck final : public CheckKind {
public:
    std::string_view id() const override { return "http"; }
    std::string_view title() const override { return "HTTP over TLS (HSTS, security headers)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the engine's answer to the result.
    static HttpHeadersResult judge(std::string request, const engine::SessionResult& session);
};

}  // namespace tlsprobe::probe::checks
