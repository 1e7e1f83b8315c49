// The protocol-hygiene checks (issue 13): --checks, session resumption, HTTP over TLS (HSTS and
// security headers). Each against the fake engines (what is asked, how answers are judged)
// and against lab servers on loopback, with a positive and a negative case.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "async_run.hpp"
#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli_run.hpp"
#include "fake_engines.hpp"
#include "judge/finding.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "judge/verdict.hpp"
#include "lab/ocsp_staple.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "probe/checks/http_headers.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/renegotiation.hpp"
#include "probe/checks/resumption.hpp"
#include "probe/probe_target.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"
#include "x509/ocsp.hpp"

using namespace tlsprobe;
using core::Status;
using core::Version;
using probe::checks::Mechanism;
using probe::checks::ResumeOutcome;

namespace {

bool has(const std::vector<probe::Finding>& findings, std::string_view id) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

// What a probe has concluded before the checks run: TLS works, with these versions.
probe::TargetResult working_target(std::uint16_t port, std::vector<Version> versions) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    r.facts.works = true;
    r.facts.reached = true;
    for (auto v : versions) r.versions[static_cast<std::size_t>(v)].supported = true;
    return r;
}

// Runs one check kind against `engines` at 127.0.0.1:`port`.
probe::CheckResultPtr run_check(const probe::CheckKind& kind, engine::Engines& engines,
                                const probe::TargetResult& target, std::uint16_t port) {
    probe::ProbeOptions options;
    options.timeout = std::chrono::milliseconds(3000);
    options.connections_per_target = 3;
    const engine::Endpoint peer(boost::asio::ip::make_address("127.0.0.1"), port);
    REQUIRE(kind.applies(target));
    return testing::run_awaitable(kind.run(probe::CheckContext{engines, peer, target, options}));
}

const probe::checks::ResumptionResult& as_resumption(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::ResumptionResult&>(*p);
}
const probe::checks::HttpHeadersResult& as_http(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::HttpHeadersResult&>(*p);
}

const ResumeOutcome* outcome_of(const probe::checks::ResumptionResult& r, Mechanism m) {
    for (const auto& t : r.tries)
        if (t.mechanism == m) return &t.outcome;
    return nullptr;
}

engine::SessionResult negotiated_session(Version v) {
    engine::SessionResult s;
    s.observation.status = Status::negotiated;
    s.observation.version = v;
    s.observation.detail = "negotiated (fake)";
    return s;
}

}  // namespace

// ---- --checks ------------------------------------------------------------------------------

TEST_CASE(
    "option --checks selects check kinds by id, all, safe or none, and an unknown id is a usage error",
    "[hygiene][cli]") {
    CHECK(cli::parse_checks("none").empty());
    const auto all = cli::parse_checks("all");
    CHECK(all.size() == probe::check_kinds().size());
    CHECK(std::find(all.begin(), all.end(), "resumption") != all.end());
    CHECK(std::find(all.begin(), all.end(), "http") != all.end());
    // Registry order and each once, whatever the order typed.
    CHECK(cli::parse_checks("http,alpn,alpn") == std::vector<std::string>{"alpn", "http"});
    for (const auto& id : cli::parse_checks("safe"))
        CHECK_FALSE(probe::find_check_kind(id)->intrusive());
    CHECK_THROWS_WITH(cli::parse_checks("alpn,bogus"),
                      Catch::Contains("'bogus'") && Catch::Contains("resumption"));
    CHECK_THROWS_AS(cli::parse_checks(""), cli::UsageError);

    const auto r = test::run_cli({"probe", "127.0.0.1:1", "--checks", "heartbleedd"});
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("heartbleedd"));
    const auto s = test::run_cli({"scan", "/nonexistent/tlsprobe-targets.txt", "--checks", "nope"});
    CHECK(s.code == cli::kUsage);
    CHECK_THAT(s.err, Catch::Contains("'nope'"));
}

TEST_CASE("probe --checks runs only the named checks (also with --quick)",
          "[hygiene][cli][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    const auto target = "tlsprobe.test:" + std::to_string(server.port());
    const std::string ca = lab::testcert("root-ca.pem").string();
    auto r = test::run_cli({"probe", target, "--connect-to", "127.0.0.1", "--ca-file", ca,
                            "--timeout", "3s", "--no-http", "--quick", "--format", "json",
                            "--checks", "resumption,http"});
    REQUIRE(r.code == cli::kOk);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["checks"].contains("resumption"));
    CHECK(j["checks"].contains("http"));
    CHECK_FALSE(j["checks"].contains("alpn"));
    CHECK(j["checks"]["http"]["status"] == 200);
    // --quick alone runs none.
    auto q = test::run_cli({"probe", target, "--connect-to", "127.0.0.1", "--ca-file", ca,
                            "--timeout", "3s", "--no-http", "--quick", "--format", "json"});
    REQUIRE(q.code == cli::kOk);
    const auto jq = nlohmann::json::parse(q.out);
    CHECK((!jq.contains("checks") || jq["checks"].empty()));
}

// ---- resumption ----------------------------------------------------------------------------

TEST_CASE("resumption check (fake): two connections per mechanism, resumed and not",
          "[hygiene][fake]") {
    testing::FakeEngines fake;
    bool resume_ok = true;
    fake.on_session = [&](const engine::SessionSpec& spec) {
        auto s = negotiated_session(spec.handshake.pin.value_or(Version::tls1_3));
        s.session_id_length = 32;
        if (spec.offer_tickets || spec.wait_for_ticket) {
            s.tickets_received = 1;
            s.ticket_lifetime_hint = 7200;
        }
        s.session = std::make_shared<engine::TlsSession>();
        s.resumed = spec.resume != nullptr && resume_ok;
        return s;
    };
    probe::checks::ResumptionCheck check;
    const auto target = working_target(443, {Version::tls1_2, Version::tls1_3});
    auto result = run_check(check, fake, target, 443);
    CHECK(fake.count("session ") == 6);  // three mechanisms, two connections each
    CHECK(fake.count("session sni=tlsprobe.test pin=tls1_2 resume=no tickets=no") == 1);
    CHECK(fake.count("session sni=tlsprobe.test pin=tls1_2 resume=yes tickets=yes") == 1);
    CHECK(fake.count("session sni=tlsprobe.test pin=tls1_3 resume=no tickets=no ticket_wait=yes") ==
          1);
    CHECK(fake.max_in_flight <= 3);
    const auto& r = as_resumption(result);
    REQUIRE(r.tries.size() == 3);
    for (const auto& t : r.tries) CHECK(t.outcome == ResumeOutcome::resumed);
    CHECK(r.findings().empty());
    CHECK(r.to_json()["resumed"] == nlohmann::json::array({"session_id", "ticket", "tls13_psk"}));

    resume_ok = false;
    fake.requests.clear();
    const auto refused_result = run_check(check, fake, target, 443);
    const auto& refused = as_resumption(refused_result);
    for (const auto& t : refused.tries) CHECK(t.outcome == ResumeOutcome::not_resumed);
    CHECK(has(refused.findings(), "resumption.none"));
    CHECK(refused.to_json()["tries"][0]["outcome"] == "not_resumed");
}

TEST_CASE("resumption check (fake): failed handshakes are no evidence, long tickets are a finding",
          "[hygiene][fake]") {
    testing::FakeEngines fake;  // every session refused
    probe::checks::ResumptionCheck check;
    const auto target = working_target(443, {Version::tls1_2});
    const auto failed_result = run_check(check, fake, target, 443);
    const auto& failed = as_resumption(failed_result);
    REQUIRE(failed.tries.size() == 2);
    CHECK(failed.tries[0].outcome == ResumeOutcome::failed);
    CHECK(failed.findings().empty());
    CHECK(fake.count("session ") == 2);  // no second connection without a first session

    fake.on_session = [](const engine::SessionSpec& spec) {
        auto s = negotiated_session(Version::tls1_2);
        s.tickets_received = spec.offer_tickets ? 1 : 0;
        s.ticket_lifetime_hint =
            spec.offer_tickets ? std::optional<std::uint32_t>(604800) : std::nullopt;
        s.session = std::make_shared<engine::TlsSession>();
        s.resumed = spec.resume != nullptr && spec.offer_tickets;
        return s;  // session_id_length 0: no session-ID caching
    };
    const auto long_ticket_result = run_check(check, fake, target, 443);
    const auto& long_ticket = as_resumption(long_ticket_result);
    CHECK(*outcome_of(long_ticket, Mechanism::session_id) == ResumeOutcome::not_offered);
    CHECK(*outcome_of(long_ticket, Mechanism::ticket) == ResumeOutcome::resumed);
    CHECK(has(long_ticket.findings(), "resumption.ticket_lifetime_long"));
    CHECK_FALSE(has(long_ticket.findings(), "resumption.none"));
    CHECK(judge::find_finding_kind("resumption.ticket_lifetime_long") != nullptr);
}

TEST_CASE("resumption check (loopback): OpenSSL's defaults resume by session ID, ticket and PSK",
          "[hygiene][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    auto engines = engine::network_engines();
    probe::checks::ResumptionCheck check;
    const auto target = working_target(server.port(), {Version::tls1_2, Version::tls1_3});
    const auto r_result = run_check(check, *engines, target, server.port());
    const auto& r = as_resumption(r_result);
    REQUIRE(r.tries.size() == 3);
    for (const auto& t : r.tries) {
        INFO(probe::checks::to_string(t.mechanism) << ": " << t.detail);
        CHECK(t.outcome == ResumeOutcome::resumed);
    }
    REQUIRE(r.tries[1].lifetime_hint);
    CHECK(*r.tries[1].lifetime_hint > 0);
    CHECK(r.findings().empty());
    CHECK(server.connections() == 6);
}

TEST_CASE("resumption check (loopback): a server without cache or tickets resumes nothing",
          "[hygiene][loopback]") {
    auto config = lab::config_for_case("good");
    config.session_resumption = false;
    lab::TlsServer server(config);
    auto engines = engine::network_engines();
    probe::checks::ResumptionCheck check;
    const auto target = working_target(server.port(), {Version::tls1_2, Version::tls1_3});
    const auto r_result = run_check(check, *engines, target, server.port());
    const auto& r = as_resumption(r_result);
    REQUIRE(r.tries.size() == 3);
    for (const auto& t : r.tries) {
        INFO(probe::checks::to_string(t.mechanism) << ": " << t.detail);
        CHECK((t.outcome == ResumeOutcome::not_offered || t.outcome == ResumeOutcome::not_resumed));
    }
    CHECK(has(r.findings(), "resumption.none"));
}

TEST_CASE("resumption check (loopback): a ticket lifetime over a day is reported",
          "[hygiene][loopback]") {
    auto config = lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION);
    config.session_timeout = 3 * 24 * 3600;
    lab::TlsServer server(config);
    auto engines = engine::network_engines();
    probe::checks::ResumptionCheck check;
    const auto target = working_target(server.port(), {Version::tls1_2});
    const auto r_result = run_check(check, *engines, target, server.port());
    const auto& r = as_resumption(r_result);
    REQUIRE(r.tries.size() == 2);
    REQUIRE(r.tries[1].lifetime_hint);
    CHECK(*r.tries[1].lifetime_hint == 3 * 24 * 3600);
    CHECK(has(r.findings(), "resumption.ticket_lifetime_long"));
}

// ---- HTTP over TLS -------------------------------------------------------------------------

TEST_CASE("HSTS values are parsed as RFC 6797 says", "[hygiene]") {
    const auto full = probe::checks::parse_hsts("max-age=63072000; includeSubDomains; preload");
    CHECK(full.max_age == 63072000u);
    CHECK(full.include_subdomains);
    CHECK(full.preload);
    const auto quoted = probe::checks::parse_hsts(" MAX-AGE=\"300\" ;INCLUDESUBDOMAINS");
    CHECK(quoted.max_age == 300u);
    CHECK(quoted.include_subdomains);
    CHECK_FALSE(quoted.preload);
    CHECK_FALSE(probe::checks::parse_hsts("includeSubDomains").max_age);
    CHECK_FALSE(probe::checks::parse_hsts("max-age=12x").max_age);
    CHECK_FALSE(probe::checks::parse_hsts("max-age=").max_age);
}

TEST_CASE("HTTP check (loopback): a site with a year of HSTS and the security headers is clean",
          "[hygiene][loopback]") {
    auto config = lab::config_for_case("good");
    config.http_headers = {
        "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options: nosniff",
        "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'",
        "Server: lab-nginx/1.0"};
    lab::TlsServer server(config);
    auto engines = engine::network_engines();
    probe::checks::HttpHeadersCheck check;
    const auto target = working_target(server.port(), {Version::tls1_3});
    const auto result = run_check(check, *engines, target, server.port());
    const auto& r = as_http(result);
    REQUIRE(r.head.complete);
    CHECK(r.head.status == 200);
    REQUIRE(r.hsts);
    CHECK(r.hsts->max_age == 31536000u);
    CHECK(r.hsts->preload);
    CHECK(r.findings().empty());
    const auto j = r.to_json();
    CHECK(j["hsts"]["include_subdomains"] == true);
    CHECK(j["server"] == "lab-nginx/1.0");
    CHECK(j["security_headers"]["X-Content-Type-Options"] == "nosniff");
    CHECK(j["security_headers"]["Referrer-Policy"].is_null());
    const auto lines = r.text();
    CHECK(std::find(lines.begin(), lines.end(),
                    "HSTS: max-age 31536000 s (365 days), includeSubDomains, preload") !=
          lines.end());
}

TEST_CASE("HTTP check (loopback): no HSTS, a short HSTS, and no answer", "[hygiene][loopback]") {
    auto engines = engine::network_engines();
    probe::checks::HttpHeadersCheck check;
    {
        lab::TlsServer server(lab::config_for_case("good"));  // the lab's plain 200 OK
        const auto target = working_target(server.port(), {Version::tls1_3});
        const auto r_result = run_check(check, *engines, target, server.port());
        const auto& r = as_http(r_result);
        REQUIRE(r.head.complete);
        CHECK_FALSE(r.hsts);
        const auto f = r.findings();
        CHECK(has(f, "http.hsts_missing"));
        CHECK(has(f, "http.security_headers_missing"));
        CHECK(r.to_json()["hsts"].is_null());
    }
    {
        auto config = lab::config_for_case("good");
        config.http_headers = {"Strict-Transport-Security: max-age=0"};
        lab::TlsServer server(config);
        const auto target = working_target(server.port(), {Version::tls1_3});
        const auto r_result = run_check(check, *engines, target, server.port());
        const auto& r = as_http(r_result);
        CHECK(has(r.findings(), "http.hsts_short"));
        CHECK_FALSE(has(r.findings(), "http.hsts_missing"));
    }
    {
        auto config = lab::config_for_case("good");
        config.http_after_handshake = false;  // TLS, but no HTTP answer: no evidence
        lab::TlsServer server(config);
        const auto target = working_target(server.port(), {Version::tls1_3});
        probe::ProbeOptions options;
        options.timeout = std::chrono::milliseconds(300);
        const engine::Endpoint peer(boost::asio::ip::make_address("127.0.0.1"), server.port());
        const auto result =
            testing::run_awaitable(check.run(probe::CheckContext{*engines, peer, target, options}));
        const auto& r = as_http(result);
        CHECK_FALSE(r.head.complete);
        CHECK(r.findings().empty());
        CHECK(r.to_json()["status"].is_null());
    }
}

TEST_CASE("HTTP check (fake): the GET carries the Host header and ALPN http/1.1",
          "[hygiene][fake]") {
    testing::FakeEngines fake;
    engine::SessionSpec seen;
    fake.on_session = [&](const engine::SessionSpec& spec) {
        seen = spec;
        auto s = negotiated_session(Version::tls1_3);
        s.http_head =
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.tlsprobe.test/\r\n"
            "Strict-Transport-Security: max-age=600\r\n\r\n";
        return s;
    };
    probe::checks::HttpHeadersCheck check;
    const auto target = working_target(8443, {Version::tls1_3});
    const auto r_result = run_check(check, fake, target, 8443);
    const auto& r = as_http(r_result);
    CHECK_THAT(seen.http_request,
               Catch::StartsWith("GET / HTTP/1.1\r\nHost: tlsprobe.test:8443\r\n"));
    CHECK(seen.handshake.alpn == std::vector<std::string>{"http/1.1"});
    CHECK(r.head.status == 301);
    CHECK(r.to_json()["location"] == "https://www.tlsprobe.test/");
    CHECK(has(r.findings(), "http.hsts_short"));
}

// ---- renegotiation -------------------------------------------------------------------------

TEST_CASE("renegotiation check (fake): one connection, accepted renegotiations are findings",
          "[hygiene][fake]") {
    testing::FakeEngines fake;
    int accepted = probe::checks::RenegotiationCheck::kAttempts;
    bool secure = true;
    fake.on_session = [&](const engine::SessionSpec& spec) {
        auto s = negotiated_session(Version::tls1_2);
        CHECK(spec.renegotiations == probe::checks::RenegotiationCheck::kAttempts);
        s.secure_renegotiation = secure;
        s.renegotiations_accepted = accepted;
        if (accepted < spec.renegotiations) s.renegotiation_detail = "alert no_renegotiation (100)";
        return s;
    };
    probe::checks::RenegotiationCheck check;
    CHECK(check.intrusive());
    const auto target = working_target(443, {Version::tls1_2, Version::tls1_3});
    {
        const auto r = run_check(check, fake, target, 443);
        CHECK(fake.count("session sni=tlsprobe.test pin=tls1_2") == 1);
        CHECK(has(r->findings(), "renegotiation.client_initiated"));
        CHECK_FALSE(has(r->findings(), "renegotiation.insecure"));
        CHECK(r->to_json()["accepted"] == probe::checks::RenegotiationCheck::kAttempts);
    }
    secure = false;
    CHECK(has(run_check(check, fake, target, 443)->findings(), "renegotiation.insecure"));
    accepted = 0;
    const auto refused = run_check(check, fake, target, 443);
    CHECK(refused->findings().empty());
    CHECK(refused->to_json()["refusal"] == "alert no_renegotiation (100)");
    // TLS 1.3 only: nothing to renegotiate.
    CHECK_FALSE(check.applies(working_target(443, {Version::tls1_3})));
    // `safe` leaves it out: it is intrusive.
    const auto safe = cli::parse_checks("safe");
    CHECK(std::find(safe.begin(), safe.end(), "renegotiation") == safe.end());
}

TEST_CASE("renegotiation check (loopback): OpenSSL 3 refuses client renegotiation by default",
          "[hygiene][loopback]") {
    auto engines = engine::network_engines();
    probe::checks::RenegotiationCheck check;
    {
        lab::TlsServer server(lab::config_for_case("good"));
        const auto target = working_target(server.port(), {Version::tls1_2, Version::tls1_3});
        const auto result = run_check(check, *engines, target, server.port());
        const auto j = result->to_json();
        INFO(j.dump());
        CHECK(j["handshake"] == true);
        CHECK(j["secure_renegotiation"] == true);
        CHECK(j["accepted"] == 0);
        CHECK_THAT(j["refusal"].get<std::string>(), Catch::Contains("no_renegotiation"));
        CHECK(result->findings().empty());
    }
    {
        auto config = lab::config_for_case("good");
        config.allow_client_renegotiation = true;
        lab::TlsServer server(config);
        const auto target = working_target(server.port(), {Version::tls1_2});
        const auto result = run_check(check, *engines, target, server.port());
        const auto j = result->to_json();
        INFO(j.dump());
        CHECK(j["accepted"] == probe::checks::RenegotiationCheck::kAttempts);
        CHECK(has(result->findings(), "renegotiation.client_initiated"));
        CHECK_FALSE(has(result->findings(), "renegotiation.insecure"));
        CHECK(server.connections() == 1);
    }
}

// ---- OCSP stapling -------------------------------------------------------------------------

namespace {

lab::OcspStapleSpec staple_for_good() {
    lab::OcspStapleSpec spec;
    spec.leaf_pem_file = lab::testcert("good.leaf.pem").string();
    spec.issuer_pem_file = lab::testcert("intermediate-ca.pem").string();
    spec.issuer_key_file = lab::testcert("intermediate-ca.key").string();
    return spec;
}

probe::CheckResultPtr ocsp_against(const lab::TlsServerConfig& config) {
    lab::TlsServer server(config);
    auto engines = engine::network_engines();
    probe::checks::OcspCheck check;
    const auto target = working_target(server.port(), {Version::tls1_2, Version::tls1_3});
    return run_check(check, *engines, target, server.port());
}

const probe::checks::OcspResult& as_ocsp(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::OcspResult&>(*p);
}

}  // namespace

TEST_CASE("OCSP check (loopback): a stapled good response is parsed, none is an info finding",
          "[hygiene][loopback]") {
    auto config = lab::config_for_case("good");
    config.ocsp_staple = lab::make_ocsp_response(staple_for_good());
    const auto result = ocsp_against(config);
    const auto& r = as_ocsp(result);
    REQUIRE(r.stapled);
    CHECK(r.response.parsed);
    CHECK(r.response.response_status == "successful");
    CHECK(r.response.cert_status == "good");
    CHECK(r.response.matches_certificate);
    CHECK(r.response.produced_at.has_value());
    CHECK(r.response.next_update.has_value());
    CHECK_FALSE(r.response.responder.empty());
    CHECK_FALSE(r.must_staple);
    CHECK(r.findings().empty());
    const auto j = r.to_json();
    CHECK(j["response"]["cert_status"] == "good");
    CHECK(j["response"]["expired"] == false);

    const auto none = ocsp_against(lab::config_for_case("good"));
    CHECK_FALSE(as_ocsp(none).stapled);
    CHECK(has(none->findings(), "ocsp.not_stapled"));
    CHECK(none->to_json()["response"].is_null());
}

TEST_CASE("OCSP check (loopback): expired and revoked staples are findings",
          "[hygiene][loopback]") {
    auto expired_spec = staple_for_good();
    expired_spec.this_update = std::chrono::hours(-48);
    expired_spec.next_update = std::chrono::hours(-1);
    auto config = lab::config_for_case("good");
    config.ocsp_staple = lab::make_ocsp_response(expired_spec);
    const auto expired = ocsp_against(config);
    CHECK(as_ocsp(expired).expired());
    CHECK(has(expired->findings(), "ocsp.stapled_expired"));

    auto revoked_spec = staple_for_good();
    revoked_spec.status = lab::OcspStatus::revoked;
    config.ocsp_staple = lab::make_ocsp_response(revoked_spec);
    const auto revoked = ocsp_against(config);
    CHECK(as_ocsp(revoked).response.cert_status == "revoked");
    CHECK(has(revoked->findings(), "ocsp.stapled_revoked"));
    CHECK_FALSE(has(revoked->findings(), "ocsp.stapled_expired"));

    config.ocsp_staple = {0x30, 0x03, 0x0a, 0x01, 0x00};  // truncated garbage
    const auto garbage = ocsp_against(config);
    CHECK(has(garbage->findings(), "ocsp.stapled_invalid"));
}

TEST_CASE("OCSP check (fake): a must-staple certificate without a staple is high",
          "[hygiene][fake]") {
    const auto must_staple = lab::make_must_staple_certificate(
        "tlsprobe.test", lab::testcert("intermediate-ca.pem").string(),
        lab::testcert("intermediate-ca.key").string());
    CHECK(x509::requires_stapling(must_staple));
    CHECK_FALSE(x509::requires_stapling(test::chain_of("good").front()));
    testing::FakeEngines fake;
    fake.on_session = [&](const engine::SessionSpec& spec) {
        CHECK(spec.status_request);
        auto s = negotiated_session(Version::tls1_3);
        s.observation.chain = {must_staple};
        return s;
    };
    probe::checks::OcspCheck check;
    const auto result = run_check(check, fake, working_target(443, {Version::tls1_3}), 443);
    CHECK(as_ocsp(result).must_staple);
    CHECK(has(result->findings(), "ocsp.must_staple_missing"));
    CHECK_FALSE(has(result->findings(), "ocsp.not_stapled"));
    CHECK(result->to_json()["must_staple"] == true);
}

// ---- policy rule http.hsts -----------------------------------------------------------------

TEST_CASE("policy rule http.hsts reads the http check", "[hygiene][policy]") {
    const auto policy = judge::parse_policy("[http]\nhsts_min_days = 180\n", "hsts.toml");
    REQUIRE(policy.hsts_min_days == 180);
    CHECK_THAT(judge::to_toml(policy), Catch::Contains("hsts_min_days = 180"));
    CHECK_THROWS(judge::parse_policy("[http]\nhsts_min_days = -1\n", "bad.toml"));

    auto target = working_target(443, {Version::tls1_3});
    target.facts.reached = true;
    auto rule = [&](const probe::TargetResult& t) {
        for (const auto& r : judge::evaluate(policy, t))
            if (r.id == "http.hsts") return r;
        FAIL("no http.hsts rule");
        return judge::RuleResult{};
    };
    CHECK(rule(target).status == judge::RuleStatus::not_applicable);  // the check did not run

    auto with_head = [&](std::string head) {
        auto s = negotiated_session(Version::tls1_3);
        s.http_head = std::move(head);
        auto t = target;
        t.checks.push_back(std::make_shared<probe::checks::HttpHeadersResult>(
            probe::checks::HttpHeadersCheck::judge("GET https://tlsprobe.test/", s)));
        return t;
    };
    CHECK(rule(with_head("HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\n\r\n"))
              .status == judge::RuleStatus::pass);
    const auto short_age =
        rule(with_head("HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=86400\r\n\r\n"));
    CHECK(short_age.status == judge::RuleStatus::fail);
    CHECK_THAT(short_age.actual, Catch::Contains("max-age=86400"));
    CHECK(rule(with_head("HTTP/1.1 200 OK\r\n\r\n")).status == judge::RuleStatus::fail);
    CHECK(rule(with_head("")).status == judge::RuleStatus::not_applicable);  // no answer
}

TEST_CASE("diagnosis: a must-staple certificate without a staple explains Firefox's refusal",
          "[hygiene][diagnosis]") {
    const auto trust = std::make_shared<const x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    auto r = test::served_result(test::chain_of("good"), trust);
    REQUIRE(r.diagnosis.empty());  // healthy without the OCSP check
    auto s = negotiated_session(Version::tls1_3);
    s.observation.chain = {lab::make_must_staple_certificate(
        "tlsprobe.test", lab::testcert("intermediate-ca.pem").string(),
        lab::testcert("intermediate-ca.key").string())};
    const auto now = std::chrono::system_clock::now();
    r.checks.push_back(
        std::make_shared<probe::checks::OcspResult>(probe::checks::OcspCheck::judge(s, now)));
    judge::assess(r);
    REQUIRE_FALSE(r.diagnosis.empty());
    CHECK(r.diagnosis.front().id == "server.must_staple_not_stapled");
    CHECK(std::any_of(r.findings.begin(), r.findings.end(),
                      [](const probe::Finding& f) { return f.id == "ocsp.must_staple_missing"; }));

    // Stapled and good: no diagnosis.
    auto stapled = test::served_result(test::chain_of("good"), trust);
    auto spec = staple_for_good();
    const auto der = lab::make_ocsp_response(spec);
    s.ocsp_response.assign(der.begin(), der.end());
    stapled.checks.push_back(
        std::make_shared<probe::checks::OcspResult>(probe::checks::OcspCheck::judge(s, now)));
    judge::assess(stapled);
    CHECK(stapled.diagnosis.empty());
}
