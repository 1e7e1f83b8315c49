// The probe orchestration against a fake network (fake_engines.hpp): what it asks for, in
// what order and how many at once, and how the judgement reads what came back. No sockets.
#include <algorithm>
#include <catch2/catch.hpp>

#include "async_run.hpp"
#include "fake_engines.hpp"
#include "judge/finding.hpp"
#include "judge/verdict.hpp"
#include "probe/checks/alpn.hpp"
#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"

using namespace tlsprobe;
using core::Status;
using core::Version;

namespace {

std::shared_ptr<const x509::TrustStore> test_store() {
    static const auto store = std::make_shared<const x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    return store;
}

probe::ProbeOptions fake_options(std::shared_ptr<testing::FakeEngines> fake) {
    probe::ProbeOptions o;
    o.engines = std::move(fake);
    o.trust = test_store();
    o.connections_per_target = 3;
    o.now = std::chrono::system_clock::now();
    return o;
}

core::Observation negotiated(Version v,
                             std::string cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") {
    core::Observation o;
    o.status = Status::negotiated;
    o.phase = core::Phase::done;
    o.version = v;
    o.cipher = std::move(cipher);
    o.chain = test::chain_of("good");
    return o;
}

core::Observation alert(std::uint8_t code) {
    core::Observation o;
    o.status = Status::rejected_alert;
    o.phase = core::Phase::hello;
    o.alert = code;
    o.detail = fmt::format("alert {}", code);
    return o;
}

probe::TargetResult probe_with(probe::ProbeOptions options, std::string target = "tlsprobe.test") {
    auto r = testing::run_awaitable(
        probe::probe_target(probe::parse_target(target), std::move(options)));
    judge::assess(r);
    return r;
}

bool has_finding(const probe::TargetResult& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("fake engines: the probe makes exactly the planned attempts, within the connection cap",
          "[probe][fake]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        return negotiated(s.pin.value_or(Version::tls1_3));
    };
    auto options = fake_options(fake);
    options.http_port = 80;
    const auto r = probe_with(options);

    probe::PlanOptions plan_options;
    for (auto v : core::all_versions)
        plan_options.openssl_can[static_cast<std::size_t>(v)] = engine::openssl_supports(v);
    const auto plan = probe::plan_probes(probe::parse_target("tlsprobe.test"), plan_options);
    CHECK(r.probes.size() == plan.size());
    CHECK(fake->requests.front() == "resolve tlsprobe.test:443");
    CHECK(fake->count("resolve") == 1);
    CHECK(fake->count("http 80") == 1);
    CHECK(fake->count("raw ") == 6);              // one raw hello per version, SSL 2.0 .. TLS 1.3
    CHECK(fake->count("handshake sni=- ") == 1);  // no_sni
    CHECK(fake->count("handshake sni=unrelated.tlsprobe.invalid ") == 1);  // other_sni
    CHECK(fake->max_in_flight <= 3);
    CHECK(fake->max_in_flight >= 2);  // and they do run concurrently
    CHECK(r.facts.works);
    CHECK(r.facts.reached);
}

TEST_CASE("fake engines: a failed lookup is every attempt's result and no connection is made",
          "[probe][fake]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_resolve = [](const std::string& host, std::uint16_t) {
        engine::Resolution r;
        r.status = Status::dns_failed;
        r.detail = "'" + host + "' does not resolve";
        return r;
    };
    const auto r = probe_with(fake_options(fake), "nowhere.invalid");
    CHECK(fake->requests == std::vector<std::string>{"resolve nowhere.invalid:443"});
    REQUIRE_FALSE(r.probes.empty());
    for (const auto& p : r.probes) CHECK(p.observation.status == Status::dns_failed);
    CHECK_FALSE(r.facts.reached);
    CHECK(r.verdict == probe::TargetVerdict::unreachable);
}

// The wrong answer of issue 10: the right name is refused with alert 112 while only the no-SNI
// attempt negotiates TLS 1.2. TLS does not work for the name; nothing says "only legacy
// versions negotiate", and the verdict is a failure for the name, not "no TLS at all".
TEST_CASE("fake engines: name rejected with alert 112, only the no-SNI attempt negotiates",
          "[probe][fake][verdict]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        if (!s.sni) return negotiated(Version::tls1_2);
        return alert(112);
    };
    fake->on_raw_version = [](Version, const engine::RawProbeOptions& o) {
        return o.sni ? alert(112) : negotiated(Version::tls1_2);
    };
    const auto r = probe_with(fake_options(fake));
    CHECK_FALSE(r.facts.works);
    CHECK(r.facts.works_for_variant_only);
    CHECK(r.verdict == probe::TargetVerdict::fail);
    CHECK_FALSE(has_finding(r, "tls.no_modern_version"));
    CHECK(has_finding(r, "tls.unavailable"));
    REQUIRE_FALSE(r.diagnosis.empty());
    CHECK(r.diagnosis.front().id == "binding.name_rejected");
}

TEST_CASE("fake engines: adaptive probes ask for the follow-up stage only when the caller wants it",
          "[probe][fake]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        return negotiated(s.pin.value_or(Version::tls1_3));
    };
    auto options = fake_options(fake);
    options.adaptive = true;
    int asked = 0;
    options.follow_up = [&](probe::TargetResult&) {
        ++asked;
        return false;
    };
    probe_with(options);
    CHECK(asked == 1);
    CHECK(fake->count("handshake sni=unrelated.tlsprobe.invalid ") == 0);  // other_sni is follow-up
    CHECK(fake->count("raw tls1_2") == 0);                                 // so are raw TLS 1.0-1.3
    CHECK(fake->count("raw ssl3") == 1);                                   // essential

    auto again = std::make_shared<testing::FakeEngines>();
    again->on_handshake = fake->on_handshake;
    auto more = fake_options(again);
    more.adaptive = true;
    more.follow_up = [](probe::TargetResult&) { return true; };
    probe_with(more);
    CHECK(again->count("handshake sni=unrelated.tlsprobe.invalid ") == 1);
    CHECK(again->count("raw tls1_2") == 1);
}

TEST_CASE("ALPN check: selected protocols, unknown refused, findings and JSON",
          "[probe][fake][checks]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        auto o = negotiated(s.pin.value_or(Version::tls1_3));
        if (s.alpn.size() == 1) {
            if (s.alpn[0] == "h2" || s.alpn[0] == "http/1.1") o.alpn = s.alpn[0];
            else if (s.alpn[0] == probe::checks::AlpnCheck::kUnknownProtocol) return alert(120);
        }
        return o;
    };
    auto options = fake_options(fake);
    options.checks = {"alpn"};
    const auto r = probe_with(options);
    CHECK(std::count(fake->requests.begin(), fake->requests.end(),
                     "handshake sni=tlsprobe.test pin=any alpn=h2") == 1);
    REQUIRE(r.checks.size() == 1);
    const auto& alpn = dynamic_cast<const probe::checks::AlpnResult&>(*r.checks.front());
    CHECK(alpn.selected() == std::vector<std::string>{"h2", "http/1.1"});
    CHECK(alpn.unknown.answer == probe::checks::AlpnAnswer::refused);
    CHECK_FALSE(has_finding(r, "alpn.no_http2"));
    const auto j = alpn.to_json();
    CHECK(j["selected"] == nlohmann::json::array({"h2", "http/1.1"}));
    CHECK(j["unknown_protocol"]["answer"] == "refused");
    CHECK(judge::find_finding_kind("alpn.no_http2") !=
          nullptr);  // the check's ids join the catalogue

    // Every renderer shows it through the result's own hooks.
    const auto json = nlohmann::json::parse(report::render_json(r));
    CHECK(json["checks"]["alpn"]["selected"] == nlohmann::json::array({"h2", "http/1.1"}));
    CHECK_THAT(report::render_text(r, {}),
               Catch::Contains("Application protocols (ALPN)") && Catch::Contains("h2: selected"));
    // Without the line-break opportunities the HTML adds after ':' (report/html.cpp).
    auto html = report::render_html(r);
    for (auto at = html.find("<wbr>"); at != std::string::npos; at = html.find("<wbr>", at))
        html.erase(at, 5);
    CHECK_THAT(html, Catch::Contains("<h3>Application protocols (ALPN)</h3>") &&
                         Catch::Contains("<li>h2: selected</li>"));
}

TEST_CASE("ALPN check: a server that ignores ALPN gets the info finding, not run where TLS fails",
          "[probe][fake][checks]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        return negotiated(s.pin.value_or(Version::tls1_3));
    };
    auto options = fake_options(fake);
    options.checks = {"alpn"};
    const auto r = probe_with(options);
    REQUIRE(r.checks.size() == 1);
    CHECK(has_finding(r, "alpn.no_http2"));
    const auto& alpn = dynamic_cast<const probe::checks::AlpnResult&>(*r.checks.front());
    CHECK(alpn.selected().empty());
    CHECK(alpn.unknown.answer == probe::checks::AlpnAnswer::not_selected);

    auto refusing = std::make_shared<testing::FakeEngines>();
    auto o2 = fake_options(refusing);
    o2.checks = {"alpn"};
    const auto none = probe_with(o2);
    CHECK(none.checks.empty());  // does not apply: no handshake works
    // The check's own h2-only offer was never sent (offer_all's "alpn=h2,http/1.1" was).
    CHECK(std::count(refusing->requests.begin(), refusing->requests.end(),
                     "handshake sni=tlsprobe.test pin=any alpn=h2") == 0);
}

TEST_CASE("attempt kinds: ids map back to their kinds, the table drives the plan",
          "[probe][plan]") {
    CHECK(probe::attempt_kind_of("raw_tls1_2") == probe::AttemptKind::raw_pinned);
    CHECK(probe::attempt_kind_of("tls1_0") == probe::AttemptKind::pinned);
    CHECK(probe::attempt_kind_of("no_sni") == probe::AttemptKind::no_sni);
    CHECK_FALSE(probe::attempt_kind_of("raw_tls9").has_value());
    CHECK_FALSE(probe::attempt_kind_of("offer_all_extra").has_value());
    const auto plan =
        probe::plan_probes(probe::parse_target("tlsprobe.test"), probe::PlanOptions{});
    for (const auto& spec : plan) {
        INFO(spec.id);
        CHECK(probe::attempt_kind_of(spec.id) == spec.kind);
        CHECK(probe::attempt_kind(spec.kind).role == spec.role);
    }
}

TEST_CASE("checks: a check that throws is that check's internal error, not the end of the probe",
          "[probe][fake][checks]") {
    auto fake = std::make_shared<testing::FakeEngines>();
    fake->on_handshake = [](const engine::HandshakeSpec& s) {
        if (s.alpn.size() == 1) throw std::runtime_error("engine bug (fake)");
        return negotiated(s.pin.value_or(Version::tls1_3));
    };
    auto options = fake_options(fake);
    options.checks = {"alpn"};
    const auto r = probe_with(options);
    CHECK(r.facts.works);  // the attempts' evidence is all there
    REQUIRE(r.checks.size() == 1);
    CHECK(r.checks.front()->kind() == "alpn");
    CHECK(r.checks.front()->to_json()["internal_error"] == "engine bug (fake)");
    CHECK_FALSE(has_finding(r, "alpn.no_http2"));
}

TEST_CASE("ALPN check: an h2 offer that failed for another reason is no evidence against HTTP/2",
          "[probe][fake][checks]") {
    probe::checks::AlpnResult result;
    core::Observation reset;
    reset.status = Status::reset;
    reset.detail = "the server reset the connection (RST)";
    result.offers.push_back(probe::checks::AlpnCheck::judge_offer("h2", reset));
    result.offers.push_back(
        probe::checks::AlpnCheck::judge_offer("http/1.1", negotiated(Version::tls1_3)));
    CHECK(result.offers.front().answer == probe::checks::AlpnAnswer::failed);
    CHECK(result.findings().empty());
    result.offers.front() = probe::checks::AlpnCheck::judge_offer(
        "h2", negotiated(Version::tls1_3));  // answered, not chosen
    CHECK(result.findings().size() == 1);
}
