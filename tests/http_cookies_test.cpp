// Issue 13: the cookies of the HTTPS answer (Secure, HttpOnly, SameSite; names only, never
// values) and the plain-HTTP answer's redirect to https:// on the same host.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "async_run.hpp"
#include "engine/engines.hpp"
#include "engine/http_head.hpp"
#include "judge/finding.hpp"
#include "judge/findings_rules.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/checks/http_headers.hpp"
#include "probe/probe_target.hpp"

using namespace tlsprobe;

namespace {

bool has(const std::vector<probe::Finding>& findings, std::string_view id) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

const probe::Finding* get(const std::vector<probe::Finding>& findings, std::string_view id) {
    auto it = std::find_if(findings.begin(), findings.end(),
                           [&](const probe::Finding& f) { return f.id == id; });
    return it == findings.end() ? nullptr : &*it;
}

// The http check against a lab TLS server at 127.0.0.1 that answers GET / with `headers`.
probe::CheckResultPtr http_check_of(std::vector<std::string> headers) {
    auto config = lab::config_for_case("good");
    config.http_headers = std::move(headers);
    lab::TlsServer server(config);
    auto engines = engine::network_engines();
    probe::TargetResult target;
    target.target = probe::parse_target("tlsprobe.test:" + std::to_string(server.port()));
    target.facts.works = true;
    target.facts.reached = true;
    probe::ProbeOptions options;
    options.timeout = std::chrono::milliseconds(3000);
    const engine::Endpoint peer(boost::asio::ip::make_address("127.0.0.1"), server.port());
    probe::checks::HttpHeadersCheck check;
    REQUIRE(check.applies(target));
    return testing::run_awaitable(check.run(probe::CheckContext{*engines, peer, target, options}));
}

const probe::checks::HttpHeadersResult& as_http(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::HttpHeadersResult&>(*p);
}

engine::HttpCheck plain_http(unsigned short port, std::string host) {
    return testing::run_awaitable(engine::http_check(
        {boost::asio::ip::make_address("127.0.0.1"), port}, std::move(host),
        std::chrono::milliseconds(3000)));
}

}  // namespace

TEST_CASE("Set-Cookie attributes are parsed and the value is never kept", "[cookies]") {
    const auto c = probe::checks::parse_set_cookie(
        "sid=SECRET123; Path=/; secure; HTTPONLY; SameSite=Strict");
    CHECK(c.name == "sid");
    CHECK(c.secure);
    CHECK(c.http_only);
    CHECK(c.same_site == "Strict");
    const auto bare = probe::checks::parse_set_cookie("theme=dark");
    CHECK(bare.name == "theme");
    CHECK_FALSE(bare.secure);
    CHECK_FALSE(bare.http_only);
    CHECK(bare.same_site.empty());
    // "Secure" inside a value or a name is not the attribute.
    const auto tricky = probe::checks::parse_set_cookie("Secure=HttpOnly; Path=/Secure");
    CHECK(tricky.name == "Secure");
    CHECK_FALSE(tricky.secure);
    CHECK_FALSE(tricky.http_only);
}

TEST_CASE("HTTP check (loopback): cookies without Secure or HttpOnly are findings",
          "[cookies][loopback]") {
    const auto result = http_check_of({"Set-Cookie: sid=SECRET123; Path=/; HttpOnly",
                                       "Set-Cookie: theme=VALUE456; SameSite=Lax",
                                       "Set-Cookie: ok=VALUE789; Secure; HttpOnly; SameSite=None"});
    const auto& r = as_http(result);
    REQUIRE(r.head.complete);
    REQUIRE(r.cookies.size() == 3);
    const auto f = r.findings();
    const auto* insecure = get(f, "http.cookie_insecure");
    REQUIRE(insecure);
    CHECK(insecure->severity == probe::Severity::low);
    CHECK(insecure->detail == "2 of 3 cookie(s) without Secure: sid, theme");
    const auto* scriptable = get(f, "http.cookie_no_httponly");
    REQUIRE(scriptable);
    CHECK(scriptable->severity == probe::Severity::info);
    CHECK(scriptable->detail == "1 of 3 cookie(s) without HttpOnly: theme");
    const auto j = r.to_json();
    REQUIRE(j["cookies"].size() == 3);
    CHECK(j["cookies"][0]["name"] == "sid");
    CHECK(j["cookies"][0]["secure"] == false);
    CHECK(j["cookies"][0]["http_only"] == true);
    CHECK(j["cookies"][0]["same_site"].is_null());
    CHECK(j["cookies"][1]["same_site"] == "Lax");
    CHECK(j["cookies"][2]["secure"] == true);
    // Names only: no value reaches the JSON, the text or a finding.
    const auto dump = j.dump();
    CHECK(dump.find("SECRET123") == std::string::npos);
    CHECK(dump.find("VALUE456") == std::string::npos);
    for (const auto& line : r.text()) CHECK(line.find("SECRET123") == std::string::npos);
    for (const auto& finding : f) CHECK(finding.detail.find("VALUE") == std::string::npos);
    const auto lines = r.text();
    CHECK(std::find(lines.begin(), lines.end(), "cookie theme: no Secure, no HttpOnly, SameSite=Lax") !=
          lines.end());
    // The catalogue knows both ids.
    CHECK(judge::find_finding_kind("http.cookie_insecure"));
    CHECK(judge::find_finding_kind("http.cookie_no_httponly"));
}

TEST_CASE("HTTP check (loopback): Secure HttpOnly cookies and no cookies are clean",
          "[cookies][loopback]") {
    {
        const auto result =
            http_check_of({"Set-Cookie: sid=abc; Secure; HttpOnly; SameSite=Strict"});
        const auto& r = as_http(result);
        REQUIRE(r.cookies.size() == 1);
        CHECK_FALSE(has(r.findings(), "http.cookie_insecure"));
        CHECK_FALSE(has(r.findings(), "http.cookie_no_httponly"));
    }
    {
        const auto result = http_check_of({});
        const auto& r = as_http(result);
        REQUIRE(r.head.complete);
        CHECK(r.cookies.empty());
        CHECK(r.to_json()["cookies"].empty());
        CHECK_FALSE(has(r.findings(), "http.cookie_insecure"));
    }
}

namespace {

// A plain-HTTP server answering HEAD / with `head` (status line and headers), then FIN.
lab::RawScript http_head_reply(const std::string& head) {
    lab::RawScript s;
    s.trigger = lab::RawScript::Trigger::after_client_hello;
    const std::string reply = head + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    s.send = core::Bytes(reply.begin(), reply.end());
    s.then = lab::RawScript::Then::close;
    return s;
}

// What the judge concludes from a plain-HTTP answer next to HTTPS that works (or not).
std::vector<probe::Finding> judged(const engine::HttpCheck& http, bool https_works) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:443");
    r.facts.reached = true;
    r.facts.works = https_works;
    r.http = http;
    return judge::derive_findings(r);
}

}  // namespace

TEST_CASE("An https:// Location on the same host is a redirect to HTTPS", "[http_redirect]") {
    using engine::is_https_redirect;
    CHECK(is_https_redirect("https://tlsprobe.test/", "tlsprobe.test"));
    CHECK(is_https_redirect("HTTPS://TLSProbe.test:8443/a?b", "tlsprobe.test"));
    CHECK(is_https_redirect("https://tlsprobe.test.", "tlsprobe.test"));
    CHECK(is_https_redirect("https://[::1]:443/", "::1"));
    CHECK_FALSE(is_https_redirect("http://tlsprobe.test/", "tlsprobe.test"));
    CHECK_FALSE(is_https_redirect("/login", "tlsprobe.test"));
    CHECK_FALSE(is_https_redirect("https://evil.test/", "tlsprobe.test"));
    CHECK_FALSE(is_https_redirect("https://tlsprobe.test.evil.test/", "tlsprobe.test"));
    CHECK_FALSE(is_https_redirect("https://tlsprobe.test@evil.test/", "tlsprobe.test"));
    CHECK_FALSE(is_https_redirect("", "tlsprobe.test"));
}

TEST_CASE("Plain HTTP (loopback): a 200 without redirect is http.no_https_redirect",
          "[http_redirect][loopback]") {
    lab::RawServer server(http_head_reply("HTTP/1.1 200 OK\r\nServer: lab"));
    const auto h = plain_http(server.port(), "tlsprobe.test");
    REQUIRE(h.status == engine::HttpStatus::answered);
    CHECK(h.http_status == 200);
    CHECK_FALSE(h.redirects_to_https);
    const auto f = judged(h, true);
    const auto* finding = get(f, "http.no_https_redirect");
    REQUIRE(finding);
    CHECK(finding->severity == probe::Severity::low);
    CHECK_THAT(finding->detail, Catch::Contains("HTTP/1.1 200 OK"));
    // HTTPS does not work: plain HTTP is all there is, not a missing redirect.
    CHECK_FALSE(has(judged(h, false), "http.no_https_redirect"));
}

TEST_CASE("Plain HTTP (loopback): a redirect to https:// on the same host is recorded",
          "[http_redirect][loopback]") {
    {
        lab::RawServer server(http_head_reply(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://tlsprobe.test/"));
        const auto h = plain_http(server.port(), "tlsprobe.test");
        REQUIRE(h.status == engine::HttpStatus::answered);
        CHECK(h.http_status == 301);
        CHECK(h.location == "https://tlsprobe.test/");
        CHECK(h.redirects_to_https);
        CHECK_FALSE(has(judged(h, true), "http.no_https_redirect"));
    }
    {
        // Elsewhere: not a redirect to this site's HTTPS, but not a 200 either.
        lab::RawServer server(
            http_head_reply("HTTP/1.1 302 Found\r\nLocation: https://other.test/"));
        const auto h = plain_http(server.port(), "tlsprobe.test");
        REQUIRE(h.status == engine::HttpStatus::answered);
        CHECK_FALSE(h.redirects_to_https);
        CHECK_FALSE(has(judged(h, true), "http.no_https_redirect"));
    }
}
