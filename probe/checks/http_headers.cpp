#include "probe/checks/http_headers.hpp"

#include "wire/starttls.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "probe/probe_target.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 6> kFindings{{
    {"http.hsts_missing", Severity::low,
     "The HTTPS response has no Strict-Transport-Security header (HSTS)"},
    {"http.hsts_short", Severity::low, "The HSTS max-age is shorter than 180 days"},
    {"http.hsts_invalid", Severity::low,
     "The Strict-Transport-Security header has no valid max-age"},
    {"http.security_headers_missing", Severity::info,
     "The HTTPS response lacks common security headers"},
    {"http.cookie_insecure", Severity::low,
     "A cookie set over HTTPS lacks the Secure attribute (it is also sent over plain HTTP)"},
    {"http.cookie_no_httponly", Severity::info,
     "A cookie lacks the HttpOnly attribute (scripts on the page can read it)"},
}};

Finding finding(std::size_t i, std::string detail) {
    return {std::string(kFindings[i].id), kFindings[i].severity, std::string(kFindings[i].title),
            std::move(detail)};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequal(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::string days(std::uint64_t seconds) {
    return fmt::format("{} s ({} days)", seconds, seconds / 86400);
}

}  // namespace

Hsts parse_hsts(std::string_view value) {
    Hsts h;
    h.value = std::string(value);
    // directives separated by ';' (RFC 6797 §6.1), names case-insensitive, values may be quoted
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ';') continue;
        const auto directive = trim(value.substr(start, i - start));
        start = i + 1;
        const auto eq = directive.find('=');
        const auto name = trim(directive.substr(0, eq));
        if (iequal(name, "max-age") && eq != std::string_view::npos) {
            auto v = trim(directive.substr(eq + 1));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            std::uint64_t n = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec == std::errc() && end == v.data() + v.size() && !v.empty()) h.max_age = n;
        } else if (iequal(name, "includeSubDomains")) {
            h.include_subdomains = true;
        } else if (iequal(name, "preload")) {
            h.preload = true;
        }
    }
    return h;
}

Cookie parse_set_cookie(std::string_view value) {
    Cookie c;
    // name=value, then ';'-separated attributes; attribute names are case-insensitive
    // (RFC 6265 §5.2). The value is skipped, never stored.
    std::size_t start = 0;
    bool first = true;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ';') continue;
        const auto part = trim(value.substr(start, i - start));
        start = i + 1;
        const auto eq = part.find('=');
        const auto name = trim(part.substr(0, eq));
        if (first) {
            first = false;
            c.name = std::string(eq == std::string_view::npos ? std::string_view() : name);
            continue;
        }
        if (iequal(name, "Secure")) c.secure = true;
        else if (iequal(name, "HttpOnly")) c.http_only = true;
        else if (iequal(name, "SameSite"))
            c.same_site =
                std::string(eq == std::string_view::npos ? std::string_view()
                                                         : trim(part.substr(eq + 1)));
    }
    return c;
}

const std::vector<std::string>& HttpHeadersResult::security_headers() {
    static const std::vector<std::string> list{
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
        "Cross-Origin-Embedder-Policy",
        "X-XSS-Protection",
        "Expect-CT",
    };
    return list;
}

std::vector<Finding> HttpHeadersResult::findings() const {
    if (!head.complete) return {};  // no answer is no evidence
    std::vector<Finding> out;
    if (!hsts) {
        out.push_back(finding(0, fmt::format("{} answered {} without Strict-Transport-Security: a "
                                             "browser keeps trying plain http:// first, where "
                                             "the connection can be intercepted (RFC 6797)",
                                             request, head.status_line)));
    } else if (!hsts->max_age) {
        out.push_back(finding(
            2, fmt::format("Strict-Transport-Security: {} (RFC 6797 §6.1.1 requires max-age; "
                           "browsers ignore the header)",
                           hsts->value)));
    } else if (*hsts->max_age < kShortMaxAge) {
        out.push_back(finding(
            1,
            fmt::format("max-age={}: {}", *hsts->max_age,
                        *hsts->max_age == 0 ? "max-age=0 tells browsers to forget HSTS"
                                            : "protection lapses after " + days(*hsts->max_age))));
    }
    // What testssl.sh and the OWASP secure-headers project expect of a site.
    std::vector<std::string> missing;
    for (const std::string name :
         {"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"}) {
        if (head.find(name)) continue;
        // frame-ancestors in a CSP does what X-Frame-Options does.
        if (name == "X-Frame-Options") {
            const auto* csp = head.find("Content-Security-Policy");
            if (csp && csp->find("frame-ancestors") != std::string::npos) continue;
        }
        missing.push_back(name);
    }
    if (!missing.empty()) out.push_back(finding(3, fmt::format("no {}", fmt::join(missing, ", "))));
    // Cookies: named, never their values (as testssl.sh counts them: secure, HttpOnly).
    std::vector<std::string> insecure, scriptable;
    for (const auto& c : cookies) {
        const auto name = c.name.empty() ? std::string("(unnamed)") : c.name;
        if (!c.secure) insecure.push_back(name);
        if (!c.http_only) scriptable.push_back(name);
    }
    if (!insecure.empty())
        out.push_back(finding(4, fmt::format("{} of {} cookie(s) without Secure: {}",
                                             insecure.size(), cookies.size(),
                                             fmt::join(insecure, ", "))));
    if (!scriptable.empty())
        out.push_back(finding(5, fmt::format("{} of {} cookie(s) without HttpOnly: {}",
                                             scriptable.size(), cookies.size(),
                                             fmt::join(scriptable, ", "))));
    return out;
}

nlohmann::json HttpHeadersResult::to_json() const {
    nlohmann::json j;
    j["request"] = request;
    if (!head.complete) {
        j["status"] = nullptr;
        j["detail"] = failure.empty() ? head.detail : failure;
        return j;
    }
    j["status"] = head.status;
    j["status_line"] = head.status_line;
    const auto* server = head.find("Server");
    j["server"] = server ? nlohmann::json(*server) : nlohmann::json(nullptr);
    const auto* location = head.find("Location");
    j["location"] = location ? nlohmann::json(*location) : nlohmann::json(nullptr);
    if (hsts)
        j["hsts"] = {
            {"value", hsts->value},
            {"max_age", hsts->max_age ? nlohmann::json(*hsts->max_age) : nlohmann::json(nullptr)},
            {"include_subdomains", hsts->include_subdomains},
            {"preload", hsts->preload}};
    else j["hsts"] = nullptr;
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& name : security_headers()) {
        const auto* v = head.find(name);
        headers[name] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    }
    j["security_headers"] = headers;
    nlohmann::json cookie_list = nlohmann::json::array();
    for (const auto& c : cookies)
        cookie_list.push_back(
            {{"name", c.name},
             {"secure", c.secure},
             {"http_only", c.http_only},
             {"same_site", c.same_site.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.same_site)}});
    j["cookies"] = cookie_list;
    return j;
}

std::vector<std::string> HttpHeadersResult::text() const {
    if (!head.complete)
        return {fmt::format("{}: {}", request, failure.empty() ? head.detail : failure)};
    std::vector<std::string> lines;
    lines.push_back(fmt::format("{}: {}", request, head.status_line));
    if (const auto* location = head.find("Location")) lines.push_back("redirect to " + *location);
    if (const auto* server = head.find("Server")) lines.push_back("Server: " + *server);
    if (!hsts) lines.push_back("HSTS: none");
    else if (!hsts->max_age) lines.push_back("HSTS: invalid (" + hsts->value + ")");
    else
        lines.push_back(fmt::format("HSTS: max-age {}{}{}", days(*hsts->max_age),
                                    hsts->include_subdomains ? ", includeSubDomains" : "",
                                    hsts->preload ? ", preload" : ""));
    std::vector<std::string> present, absent;
    for (const auto& name : security_headers())
        (head.find(name) ? present : absent).push_back(name);
    if (!present.empty()) lines.push_back(fmt::format("present: {}", fmt::join(present, ", ")));
    if (!absent.empty()) lines.push_back(fmt::format("absent: {}", fmt::join(absent, ", ")));
    for (const auto& c : cookies)
        lines.push_back(fmt::format("cookie {}: {}, {}{}", c.name.empty() ? "(unnamed)" : c.name,
                                    c.secure ? "Secure" : "no Secure",
                                    c.http_only ? "HttpOnly" : "no HttpOnly",
                                    c.same_site.empty() ? std::string(", no SameSite")
                                                        : ", SameSite=" + c.same_site));
    return lines;
}

std::span<const FindingKind> HttpHeadersCheck::finding_kinds() const { return kFindings; }

// HTTP over TLS: not for a STARTTLS target (mail, LDAP, databases speak no HTTP).
bool HttpHeadersCheck::applies(const TargetResult& result) const {
    return result.facts.works && result.target.starttls == wire::StartTls::none;
}

HttpHeadersResult HttpHeadersCheck::judge(std::string request,
                                          const engine::SessionResult& session) {
    HttpHeadersResult r;
    r.request = std::move(request);
    if (session.observation.status != core::Status::negotiated) {
        r.failure = "the handshake failed: " + session.observation.detail;
        return r;
    }
    r.head = engine::read_http_response_head(session.http_head);
    if (!r.head.complete) {
        r.failure = session.http_detail.empty() ? r.head.detail : session.http_detail;
        return r;
    }
    if (const auto* v = r.head.find("Strict-Transport-Security")) r.hsts = parse_hsts(*v);
    for (const auto& [name, value] : r.head.headers)
        if (iequal(name, "Set-Cookie")) r.cookies.push_back(parse_set_cookie(value));
    return r;
}

boost::asio::awaitable<CheckResultPtr> HttpHeadersCheck::run(CheckContext c) const {
    const auto& t = c.result.target;
    // authority(): host:port, brackets around an IPv6 literal; port 443 is implied by https.
    std::string host = t.authority();
    if (t.port == 443) host.resize(host.size() - 4);
    engine::SessionSpec spec;
    spec.handshake.sni = t.sni;
    spec.handshake.alpn = {"http/1.1"};  // the request is HTTP/1.1
    spec.handshake.timeout = c.options.timeout;
    spec.handshake.client_identity = c.options.client_identity;
    spec.http_request = fmt::format(
        "GET / HTTP/1.1\r\nHost: {}\r\nUser-Agent: tlsprobe\r\nAccept: */*\r\nConnection: "
        "close\r\n\r\n",
        host);
    engine::SessionResult session = co_await c.engines.session(c.peer, spec);
    co_return std::make_shared<HttpHeadersResult>(
        judge(fmt::format("GET https://{}/", host), session));
}

}  // namespace tlsprobe::probe::checks
