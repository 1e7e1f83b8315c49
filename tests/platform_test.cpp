// Server platform identification (judge/platform.hpp) from hand-made results, the per-platform
// confirm/fix steps of the diagnosis, their rendering, and the case end to end: an
// nginx-fronted TLS 1.0-only server gets the nginx fix first, not a Windows registry edit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "judge/platform.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Phase;
using core::Status;
using core::Version;
using probe::Confidence;
using probe::ServerSoftware;
using probe::TlsStack;

namespace {

const std::vector<std::pair<std::string, std::optional<Version>>> kPlan{
    {"tls1_0", Version::tls1_0}, {"tls1_1", Version::tls1_1}, {"tls1_2", Version::tls1_2},
    {"tls1_3", Version::tls1_3}, {"offer_all", std::nullopt}, {"no_sni", std::nullopt}};

// shop.example:443 where TLS 1.2, 1.3 and the offer of every version negotiate and TLS 1.0/1.1
// are refused the way `refusal` says (an alert code, or RST when nullopt).
probe::TargetResult refusing_legacy(std::optional<std::uint8_t> refusal) {
    probe::TargetResult r;
    r.target = probe::parse_target("shop.example");
    r.address = "192.0.2.10:443";
    for (const auto& [id, pin] : kPlan) {
        const bool legacy = pin == Version::tls1_0 || pin == Version::tls1_1;
        const auto status = !legacy   ? Status::negotiated
                            : refusal ? Status::rejected_alert
                                      : Status::reset;
        auto rec = test::make_record(id, pin, status, legacy ? Phase::hello : Phase::done);
        rec.spec.sni = id == "no_sni" ? std::nullopt : r.target.sni;
        if (legacy && refusal) rec.observation.alert = refusal;
        if (!legacy) {
            rec.observation.version = pin.value_or(Version::tls1_3);
            rec.observation.cipher = "TLS_AES_128_GCM_SHA256";
        }
        rec.observation.detail = "detail";
        r.probes.push_back(std::move(rec));
    }
    return r;
}

void with_server_header(probe::TargetResult& r, std::string header) {
    engine::HttpCheck h;
    h.status = engine::HttpStatus::answered;
    h.http_status = 200;
    h.status_line = "HTTP/1.1 200 OK";
    h.server_header = std::move(header);
    r.http = h;
}

// Only TLS 1.0 negotiates; 1.2 and 1.3 are refused with alert 70 (what an OpenSSL server with
// `ssl_protocols TLSv1;` answers).
probe::TargetResult tls10_only(std::optional<std::string> header) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test");
    r.address = "192.0.2.10:443";
    for (const auto& [id, pin] : kPlan) {
        const bool works = pin == Version::tls1_0 || !pin;
        auto rec = test::make_record(id, pin, works ? Status::negotiated : Status::rejected_alert,
                                     works ? Phase::done : Phase::hello);
        rec.spec.sni = id == "no_sni" ? std::nullopt : r.target.sni;
        if (works) {
            rec.observation.version = Version::tls1_0;
            rec.observation.cipher = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
            rec.observation.chain = test::chain_of("good");
        } else {
            rec.observation.alert = 70;
        }
        rec.observation.detail = "detail";
        r.probes.push_back(std::move(rec));
    }
    if (header) with_server_header(r, *header);
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    test::conclude_and_judge(r, options);
    return r;
}

bool any_contains(const std::vector<std::string>& lines, std::string_view needle) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

const probe::Diagnosis& find(const probe::TargetResult& r, std::string_view id) {
    const auto it = std::find_if(r.diagnosis.begin(), r.diagnosis.end(),
                                 [&](const probe::Diagnosis& d) { return d.id == id; });
    REQUIRE(it != r.diagnosis.end());
    return *it;
}

std::vector<std::string> advice_ids(const probe::Diagnosis& d) {
    std::vector<std::string> out;
    for (const auto& a : d.advice) out.push_back(a.platform);
    return out;
}

}  // namespace

TEST_CASE("platform: a Server header alone is medium", "[platform]") {
    auto r = test::judged(refusing_legacy(std::nullopt));
    // No refusals at all: take the legacy attempts out.
    r.probes.erase(std::remove_if(r.probes.begin(), r.probes.end(),
                                  [](const probe::ProbeRecord& p) {
                                      return p.observation.status != Status::negotiated;
                                  }),
                   r.probes.end());
    with_server_header(r, "nginx/1.22.1");
    const auto p = judge::identify_platform(r);
    CHECK(p.software == ServerSoftware::nginx);
    CHECK(p.stack == TlsStack::openssl);
    CHECK(p.product == "nginx/1.22.1");
    CHECK(p.confidence == Confidence::medium);
    CHECK(any_contains(p.evidence, "HTTP Server: nginx/1.22.1"));
}

TEST_CASE("platform: a Server header and a stack habit that fits it are high", "[platform]") {
    SECTION("nginx and alert 70 for the disabled versions") {
        auto r = refusing_legacy(std::uint8_t{70});
        with_server_header(r, "nginx/1.22.1");
        const auto p = judge::identify_platform(r);
        CHECK(p.software == ServerSoftware::nginx);
        CHECK(p.confidence == Confidence::high);
        CHECK(any_contains(p.evidence, "alert protocol_version (70)"));
    }
    SECTION("IIS and resets without an alert") {
        auto r = refusing_legacy(std::nullopt);
        with_server_header(r, "Microsoft-IIS/10.0");
        const auto p = judge::identify_platform(r);
        CHECK(p.software == ServerSoftware::iis);
        CHECK(p.stack == TlsStack::schannel);
        CHECK(p.confidence == Confidence::high);
        CHECK(any_contains(p.evidence, "without an alert (Schannel/HTTP.sys habit)"));
    }
}

TEST_CASE("platform: HTTP.sys's own reply to a ClientHello is IIS, high", "[platform]") {
    auto r = refusing_legacy(std::nullopt);
    const std::string reply =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nServer: "
        "Microsoft-HTTPAPI/2.0\r\n\r\n";
    for (auto& p : r.probes) {
        p.observation = {};
        p.observation.status = Status::not_tls;
        p.observation.phase = Phase::hello;
        p.observation.first_bytes.assign(reply.begin(), reply.end());
    }
    const auto p = judge::identify_platform(r);
    CHECK(p.software == ServerSoftware::iis);
    CHECK(p.confidence == Confidence::high);
    CHECK(
        any_contains(p.evidence, "'HTTP/1.1 400 Bad Request' with Server: Microsoft-HTTPAPI/2.0"));
}

TEST_CASE("platform: habits alone are low, nothing is unknown, a contradiction lowers",
          "[platform]") {
    SECTION("nothing to go on") {
        probe::TargetResult r;
        r.target = probe::parse_target("shop.example");
        r.probes = {test::make_record("offer_all", std::nullopt, Status::refused, Phase::connect)};
        const auto p = judge::identify_platform(r);
        CHECK_FALSE(p.known());
        CHECK(p.stack == TlsStack::unknown);
        CHECK(p.evidence.empty());
    }
    SECTION("resets only: Schannel, low") {
        const auto p = judge::identify_platform(refusing_legacy(std::nullopt));
        CHECK(p.software == ServerSoftware::iis);
        CHECK(p.confidence == Confidence::low);
    }
    SECTION("alert 70 only: an OpenSSL-style stack, software unknown") {
        const auto p = judge::identify_platform(refusing_legacy(std::uint8_t{70}));
        CHECK_FALSE(p.known());
        CHECK(p.stack == TlsStack::openssl);
        CHECK(p.confidence == Confidence::low);
    }
    SECTION("an IIS header with OpenSSL-style alerts: a front end terminates TLS") {
        auto r = refusing_legacy(std::uint8_t{70});
        with_server_header(r, "Microsoft-IIS/10.0");
        const auto p = judge::identify_platform(r);
        // The fix belongs to the TLS terminator, which is not IIS: the platform follows the
        // habits, the header stays in the evidence.
        CHECK_FALSE(p.known());
        CHECK(p.stack == TlsStack::openssl);
        CHECK(p.product == "Microsoft-IIS/10.0");
        CHECK(p.confidence == Confidence::low);
        CHECK(any_contains(p.evidence, "HTTP Server: Microsoft-IIS/10.0"));
        CHECK(any_contains(p.evidence, "a front end"));
    }
}

TEST_CASE("platform: Server headers name the software", "[platform]") {
    using judge::platform_from_server_header;
    CHECK(platform_from_server_header("Apache/2.4.57 (Debian)").software == ServerSoftware::apache);
    CHECK(platform_from_server_header("Apache-Coyote/1.1").software == ServerSoftware::java);
    CHECK(platform_from_server_header("Microsoft-HTTPAPI/2.0").software == ServerSoftware::iis);
    CHECK(platform_from_server_header("openresty/1.21.4.1").software == ServerSoftware::nginx);
    CHECK(platform_from_server_header("HAProxy").software == ServerSoftware::haproxy);
    CHECK(platform_from_server_header("cloudflare").stack == TlsStack::boringssl);
    CHECK(platform_from_server_header("lighttpd/1.4").software == ServerSoftware::unknown);
}

TEST_CASE("diagnosis advice: the detected platform's steps first, the others after",
          "[platform][diagnosis]") {
    SECTION("nginx: ssl_protocols, not the registry") {
        const auto r = tls10_only("nginx/1.22.1");
        CHECK(r.platform.software == ServerSoftware::nginx);
        CHECK(r.platform.confidence == Confidence::high);
        const auto& d = find(r, "protocol.legacy_only");
        CHECK(d.advice_for == "nginx");
        REQUIRE_FALSE(d.fix.empty());
        CHECK_THAT(d.fix.front(), Catch::Contains("ssl_protocols TLSv1.2 TLSv1.3;"));
        CHECK_FALSE(any_contains(d.fix, "reg add"));
        CHECK(advice_ids(d) ==
              std::vector<std::string>{"nginx", "iis", "apache", "haproxy", "java", "generic"});
        CHECK(any_contains(d.advice[1].fix, "reg add"));
        CHECK(any_contains(d.advice[2].fix, "SSLProtocol -all +TLSv1.2 +TLSv1.3"));
        CHECK(any_contains(d.advice[3].fix, "ssl-min-ver TLSv1.2"));
        CHECK(any_contains(d.advice[4].fix, "protocols=\"TLSv1.2+TLSv1.3\""));
    }
    SECTION("Apache") {
        const auto r = tls10_only("Apache/2.4.57 (Debian)");
        const auto& d = find(r, "protocol.legacy_only");
        CHECK(d.advice_for == "apache");
        CHECK_THAT(d.fix.front(), Catch::StartsWith("SSLProtocol -all +TLSv1.2 +TLSv1.3"));
        CHECK(any_contains(d.fix, "apachectl configtest"));
    }
    SECTION("unknown: the generic steps, then every platform") {
        const auto r = tls10_only(std::nullopt);
        CHECK_FALSE(r.platform.known());
        const auto& d = find(r, "protocol.legacy_only");
        CHECK(d.advice_for == "generic");
        CHECK(advice_ids(d) ==
              std::vector<std::string>{"generic", "iis", "nginx", "apache", "haproxy", "java"});
        CHECK(d.fix == d.advice.front().fix);
        CHECK_FALSE(any_contains(d.fix, "reg add"));
    }
    SECTION("templates are filled in every platform's steps") {
        const auto r = tls10_only("HAProxy");
        CHECK(r.platform.software == ServerSoftware::haproxy);
        const auto& d = find(r, "protocol.legacy_only");
        for (const auto& a : d.advice) {
            INFO(a.platform);
            CHECK_FALSE(a.fix.empty());
            CHECK_FALSE(any_contains(a.confirm, "{"));
            CHECK_FALSE(any_contains(a.fix, "{port}"));
        }
    }
}

TEST_CASE("platform and advice in the JSON, text and HTML reports", "[platform][report]") {
    const auto r = tls10_only("nginx/1.22.1");
    SECTION("JSON: the platform object and each diagnosis's advice list") {
        const auto j = nlohmann::json::parse(report::render_json(r));
        const auto& p = j.at("platform");
        CHECK(p.at("software") == "nginx");
        CHECK(p.at("stack") == "openssl");
        CHECK(p.at("confidence") == "high");
        CHECK(p.at("product") == "nginx/1.22.1");
        CHECK_FALSE(p.at("evidence").empty());
        const auto& d = j.at("diagnosis").at(0);
        CHECK(d.at("advice_for") == "nginx");
        REQUIRE(d.at("advice").size() == 6);
        CHECK(d.at("advice").at(0).at("platform") == "nginx");
        CHECK(d.at("advice").at(1).at("name") == "IIS / HTTP.sys");
        CHECK(d.at("fix") == d.at("advice").at(0).at("fix"));
    }
    SECTION("text: the detected platform's steps, the others folded unless --verbose") {
        const auto text = report::render_text(r, {});
        CHECK_THAT(text, Catch::Contains("server   nginx (OpenSSL), high confidence: HTTP Server: "
                                         "nginx/1.22.1"));
        CHECK_THAT(text, Catch::Contains("Fix (nginx):"));
        CHECK_THAT(text, Catch::Contains("ssl_protocols TLSv1.2 TLSv1.3;"));
        CHECK_THAT(
            text,
            Catch::Contains("Other servers: IIS / HTTP.sys, Apache httpd, HAProxy, Java / Tomcat"));
        CHECK_THAT(text, Catch::Contains("--verbose shows their steps"));
        CHECK(text.find("reg add") == std::string::npos);
        const auto verbose = report::render_text(r, {.verbose = true});
        CHECK_THAT(verbose, Catch::Contains("reg add"));
        CHECK_THAT(verbose, Catch::Contains("SSLProtocol -all +TLSv1.2 +TLSv1.3"));
    }
    SECTION("text: an unknown platform shows every platform's steps") {
        const auto text = report::render_text(tls10_only(std::nullopt), {});
        CHECK_THAT(text, Catch::Contains("The server platform is not known; per platform:"));
        CHECK_THAT(text, Catch::Contains("reg add"));
        CHECK_THAT(text, Catch::Contains("ssl_protocols TLSv1.2 TLSv1.3;"));
    }
    SECTION("HTML: one folded <details> per other platform") {
        const auto html = report::render_html(r);
        CHECK_THAT(html, Catch::Contains("server platform: nginx (OpenSSL), high confidence"));
        CHECK_THAT(html, Catch::Contains("<b>Fix (nginx)</b>"));
        CHECK_THAT(html,
                   Catch::Contains("<details class=\"advice\" data-platform=\"iis\"><summary>IIS / "
                                   "HTTP.sys</summary>"));
    }
}

TEST_CASE("the issue's case end to end: TLS 1.0 only behind Server: nginx gets the nginx fix",
          "[platform][e2e]") {
    // A loopback OpenSSL server that speaks TLS 1.0 only (nginx's `ssl_protocols TLSv1;`) and a
    // plain-HTTP responder that names itself nginx/1.22.1.
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "nginx/1.22.1"));
    const auto* scenario = lab::find_scenario("tls10-only");
    REQUIRE(scenario != nullptr);
    auto server = lab::ScenarioServer::start(*scenario);
    probe::ProbeOptions options;
    options.timeout = 1500ms;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    options.http_port = http.port();
    auto target = probe::parse_target("tlsprobe.test:" + std::to_string(server->port()));
    target.connect_to = "127.0.0.1";
    const auto r = test::judged(probe::probe_target_blocking(target, options));
    CHECK(r.platform.software == ServerSoftware::nginx);
    CHECK(r.platform.confidence == Confidence::high);  // header + OpenSSL's alert 70
    REQUIRE_FALSE(r.diagnosis.empty());
    const auto& top = r.diagnosis.front();
    CHECK(top.id == "protocol.legacy_only");
    CHECK(top.advice_for == "nginx");
    REQUIRE_FALSE(top.fix.empty());
    CHECK_THAT(top.fix.front(), Catch::Contains("ssl_protocols"));
    CHECK_THAT(top.fix.front(), !Catch::StartsWith("reg add"));
    const auto text = report::render_text(r, {});
    CHECK_THAT(text, Catch::Contains("Fix (nginx):"));
}
