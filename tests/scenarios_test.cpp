// End to end on loopback: every demo scenario, probed exactly as `tlsprobe demo` does, reaches
// the diagnosis the scenario reproduces; plus the plain-HTTP check on its own.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "engine/http_check.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;

namespace {

probe::ProbeOptions lab_options(std::optional<std::uint16_t> http_port) {
    probe::ProbeOptions o;
    o.timeout = 1500ms;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.http_port = http_port;
    return o;
}

probe::Target lab_target(unsigned short port) {
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

engine::HttpCheck run_http_check(unsigned short port) {
    boost::asio::io_context io;
    auto future =
        boost::asio::co_spawn(io,
                              engine::http_check({boost::asio::ip::make_address("127.0.0.1"), port},
                                                 "tlsprobe.test", 1500ms),
                              boost::asio::use_future);
    io.run();
    return future.get();
}

}  // namespace

TEST_CASE("every demo scenario reaches its expected verdict, top diagnosis and findings",
          "[scenario][diagnosis][e2e]") {
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    auto options = lab_options(http.port());
    // As `tlsprobe demo` probes: enumeration and every check kind.
    options.enumerate_ciphers = true;
    for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());
    for (const auto& s : lab::scenarios()) {
        INFO("scenario " << s.id);
        auto server = lab::ScenarioServer::start(s);
        const auto r =
            test::judged(probe::probe_target_blocking(lab_target(server->port()), options));
        const std::string top = r.diagnosis.empty() ? "works" : r.diagnosis.front().id;
        std::string ids;
        for (const auto& f : r.findings) ids += f.id + " ";
        INFO("findings: " << ids);
        CHECK(top == s.expected_diagnosis);
        CHECK(std::string(probe::to_string(r.verdict)) == s.expected_verdict);
        for (const auto& id : s.expected_findings) {
            INFO("expected finding " << id);
            CHECK(std::ranges::any_of(r.findings,
                                      [&](const probe::Finding& f) { return f.id == id; }));
        }
        // The severity model and the gate agree (README "Severities"): a target the probe fails
        // fails every built-in policy; one with nothing above low passes builtin:intermediate.
        for (const auto name : judge::builtin_policy_names()) {
            const auto rules = judge::evaluate(judge::builtin_policy(name), r);
            std::string failed;
            for (const auto& rule : rules)
                if (rule.status == judge::RuleStatus::fail) failed += rule.id + " ";
            INFO("builtin:" << name << " failed rules: " << failed);
            if (r.verdict == probe::TargetVerdict::fail ||
                r.verdict == probe::TargetVerdict::no_tls)
                CHECK_FALSE(failed.empty());
            if (r.verdict == probe::TargetVerdict::ok && name != "modern") CHECK(failed.empty());
        }
        REQUIRE(r.http.has_value());
        CHECK(r.http->http_status == 200);
        // Every planned attempt reached the server: 4 OpenSSL versions, offer_all, 3 variants,
        // 6 raw versions (enumeration and checks come on top).
        CHECK(r.probes.size() == 14);
        CHECK(server->connections() >= 14);
    }
}

TEST_CASE("a closed port is diagnosed port.closed, not a TLS fault", "[scenario][diagnosis][e2e]") {
    const auto port = lab::closed_port();
    const auto r =
        test::judged(probe::probe_target_blocking(lab_target(port), lab_options(std::nullopt)));
    REQUIRE_FALSE(r.diagnosis.empty());
    CHECK(r.diagnosis.front().id == "port.closed");
    CHECK(r.diagnosis.size() == 1);
}

TEST_CASE("http_check: status line and Server header of a plain-HTTP reply", "[http][e2e]") {
    SECTION("an HTTP server answers") {
        lab::RawServer http(
            lab::http_reply("HTTP/1.1 301 Moved Permanently", "Microsoft-IIS/10.0"));
        const auto h = run_http_check(http.port());
        CHECK(h.status == core::Status::negotiated);
        CHECK(h.http_status == 301);
        CHECK(h.status_line == "HTTP/1.1 301 Moved Permanently");
        CHECK(h.server_header == "Microsoft-IIS/10.0");
        CHECK(h.port == http.port());
        // The request was a HEAD with our Host header.
        const auto received = http.received();
        REQUIRE(received.size() == 1);
        const std::string request(received[0].begin(), received[0].end());
        CHECK_THAT(request, Catch::StartsWith("HEAD / HTTP/1.1\r\n"));
        CHECK_THAT(request, Catch::Contains("Host: tlsprobe.test"));
    }
    SECTION("nothing listens") {
        const auto h = run_http_check(lab::closed_port());
        CHECK(h.status == core::Status::refused);
        CHECK(h.http_status == 0);
        CHECK_FALSE(h.detail.empty());
    }
    SECTION("something else answers") {
        lab::RawServer ssh(lab::banner("SSH-2.0-OpenSSH_9.2p1\r\n"));
        const auto h = run_http_check(ssh.port());
        CHECK(h.status != core::Status::negotiated);
        CHECK(h.http_status == 0);
    }
}
