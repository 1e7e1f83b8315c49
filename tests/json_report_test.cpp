// The JSON contract (schema_version 1) over a result concluded from hand-made attempts:
// the keys the README documents are present with the documented types. No sockets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "lab/paths.hpp"
#include "probe/probe_target.hpp"
#include "report/json_report.hpp"
#include "support.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;
using core::Status;
using core::Version;
using nlohmann::json;

namespace {

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

probe::ProbeRecord record(std::string id, std::optional<Version> pin, Status status) {
    auto r = test::make_record(
        std::move(id), pin, status,
        status == Status::negotiated ? core::Phase::done : core::Phase::handshake);
    r.spec.sni = "tlsprobe.test";
    r.observation.address = "127.0.0.1:4433";
    r.observation.detail = "recorded " + std::string(core::to_string(status));
    return r;
}

probe::ProbeRecord negotiated(std::string id, std::optional<Version> pin, Version got,
                              std::string cipher) {
    auto r = record(std::move(id), pin, Status::negotiated);
    r.observation.version = got;
    r.observation.cipher = std::move(cipher);
    r.observation.chain = test::chain_of("good");
    return r;
}

probe::TargetResult concluded_result() {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:4433");
    r.target.connect_to = "127.0.0.1";
    r.address = "127.0.0.1:4433";
    r.resolved = {"127.0.0.1:4433"};
    r.started = std::chrono::system_clock::now();
    r.probes = {
        negotiated("tls1_0", Version::tls1_0, Version::tls1_0,
                   "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        record("tls1_1", Version::tls1_1, Status::rejected_alert),
        negotiated("tls1_2", Version::tls1_2, Version::tls1_2,
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        negotiated("tls1_3", Version::tls1_3, Version::tls1_3, "TLS_AES_256_GCM_SHA384"),
        negotiated("offer_all", std::nullopt, Version::tls1_3, "TLS_AES_256_GCM_SHA384"),
    };
    r.probes[1].observation.alert = 70;
    r.probes[1].observation.first_bytes = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70};
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    test::conclude_and_judge(r, options);
    return r;
}

bool is_lower_hex(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
    });
}

}  // namespace

TEST_CASE("JSON report: schema, target and per-version verdicts", "[report][json]") {
    const auto r = concluded_result();
    const json j = report::to_json(r);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("schema_version") == report::kSchemaVersion);
    CHECK(j.at("target").at("host") == "tlsprobe.test");
    CHECK(j.at("target").at("port") == 4433);
    CHECK(j.at("target").at("sni") == "tlsprobe.test");
    CHECK(j.at("target").at("connect_to") == "127.0.0.1");
    CHECK(j.at("target").at("address") == "127.0.0.1:4433");

    const auto& versions = j.at("versions");
    REQUIRE(versions.is_object());
    CHECK(versions.size() == 6);
    for (const char* key : {"ssl2", "ssl3", "tls1_0", "tls1_1", "tls1_2", "tls1_3"}) {
        INFO(key);
        REQUIRE(versions.contains(key));
        for (const char* field : {"supported", "status", "alert", "cipher", "detail"}) {
            INFO(field);
            CHECK(versions.at(key).contains(field));
        }
        CHECK(versions.at(key).at("status").is_string());
    }
    CHECK(versions.at("tls1_3").at("supported") == true);
    CHECK(versions.at("tls1_3").at("status") == "negotiated");
    CHECK(versions.at("tls1_3").at("cipher") == "TLS_AES_256_GCM_SHA384");
    CHECK(versions.at("tls1_0").at("supported") == true);
    CHECK(versions.at("tls1_1").at("supported") == false);
    CHECK(versions.at("tls1_1").at("status") == "rejected_alert");
    CHECK(versions.at("tls1_1").at("alert") == "protocol_version");
    CHECK(versions.at("tls1_1").at("cipher").is_null());
    CHECK(versions.at("ssl3").at("supported").is_null());
    CHECK(versions.at("ssl3").at("status") == "local_unsupported");
}

TEST_CASE("JSON report: probes, chain and findings", "[report][json]") {
    const auto r = concluded_result();
    const json j = report::to_json(r);

    const auto& probes = j.at("probes");
    REQUIRE(probes.size() == r.probes.size());
    CHECK(probes[0].at("id") == "tls1_0");
    CHECK(probes[0].at("engine") == "openssl");
    CHECK(probes[0].at("offered_version") == "tls1_0");
    CHECK(probes[4].at("offered_version") == "all");
    CHECK(probes[4].at("version") == "tls1_3");
    CHECK(probes[4].at("certificates") == 2);
    CHECK(probes[1].at("alert").at("code") == 70);
    CHECK(probes[1].at("first_bytes_hex") == "15030300020246");
    CHECK(probes[0].at("first_bytes_hex").is_null());
    CHECK_FALSE(probes[0].contains("trace"));

    const auto& chain = j.at("chain");
    REQUIRE(chain.is_object());
    CHECK(chain.at("source") == "offer_all");
    CHECK(chain.at("trusted") == true);
    CHECK(chain.at("verify_error").is_null());
    REQUIRE(chain.at("certificates").size() == 2);
    const std::string sha1 = chain.at("certificates")[0].at("sha1");
    CHECK(sha1.size() == 40);
    CHECK(is_lower_hex(sha1));
    std::string expected_sha1 = read_text(lab::testcert("good.leaf.sha1"));
    while (!expected_sha1.empty() && std::isspace(static_cast<unsigned char>(expected_sha1.back())))
        expected_sha1.pop_back();
    CHECK(sha1 == expected_sha1);
    const std::string sha256 = chain.at("certificates")[0].at("sha256");
    CHECK(sha256.size() == 64);
    CHECK(chain.at("certificates")[0].at("san").is_array());
    // the path as subjects, and where each element was served (null: from the trust store)
    REQUIRE(chain.at("path").size() == 3);
    CHECK(chain.at("path")[2] == "CN=tlsprobe Test Root CA, O=tlsprobe");
    CHECK(chain.at("path_certificates") == nlohmann::json::parse("[0, 1, null]"));

    const auto& findings = j.at("findings");
    REQUIRE(findings.is_array());
    REQUIRE_FALSE(findings.empty());
    bool legacy = false;
    for (const auto& f : findings) {
        for (const char* field : {"id", "severity", "title", "detail"}) {
            INFO(field);
            REQUIRE(f.contains(field));
            CHECK(f.at(field).is_string());
        }
        CHECK(probe::parse_severity(f.at("severity").get<std::string>()).has_value());
        legacy = legacy || f.at("id") == "tls.legacy_version_enabled";
    }
    CHECK(legacy);
    CHECK(findings.size() == r.findings.size());
}

TEST_CASE("JSON report: render_json round-trips and trace is opt-in", "[report][json]") {
    auto r = concluded_result();
    r.probes[4].observation.trace = {{core::Micros{1500}, core::TraceEvent::Direction::sent,
                                      "ClientHello, 5 cipher suites offered"}};
    const std::string text = report::render_json(r);
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');
    const json parsed = json::parse(text);
    CHECK(parsed == report::to_json(r));
    CHECK_FALSE(parsed.at("probes")[4].contains("trace"));

    report::JsonOptions with_trace;
    with_trace.include_trace = true;
    const json traced = json::parse(report::render_json(r, with_trace));
    REQUIRE(traced.at("probes")[4].contains("trace"));
    const auto& events = traced.at("probes")[4].at("trace");
    REQUIRE(events.size() == 1);
    CHECK(events[0].at("event") == "ClientHello, 5 cipher suites offered");
    CHECK(events[0].at("direction") == "sent");
    CHECK(traced.at("probes")[0].at("trace").empty());
}

TEST_CASE("JSON report: an unreachable target has a null chain and one finding", "[report][json]") {
    probe::TargetResult r;
    r.target = probe::parse_target("192.0.2.1");
    r.probes = {record("tls1_2", Version::tls1_2, Status::refused),
                record("offer_all", std::nullopt, Status::refused)};
    probe::ProbeOptions options;  // no trust store: nothing negotiated, so no chain analysis
    test::conclude_and_judge(r, options);
    const json j = report::to_json(r);
    CHECK(j.at("chain").is_null());
    CHECK(j.at("target").at("sni").is_null());
    CHECK(j.at("target").at("address").is_null());
    REQUIRE(j.at("findings").size() == 1);
    CHECK(j.at("findings")[0].at("id") == "target.unreachable");
    CHECK(j.at("versions").at("tls1_2").at("supported").is_null());
    CHECK(j.at("versions").at("tls1_2").at("status") == "refused");
}
