// The text renderer over hand-made results: no sockets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "judge/finding.hpp"
#include "probe/probe_target.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"

using namespace tlsprobe;

namespace {

probe::ProbeRecord record(std::string id, std::optional<core::Version> pin, core::Status status) {
    auto r = test::make_record(
        std::move(id), pin, status,
        status == core::Status::negotiated ? core::Phase::done : core::Phase::hello);
    if (status == core::Status::negotiated) {
        r.observation.version = pin.value_or(core::Version::tls1_2);
        r.observation.cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    }
    if (status == core::Status::rejected_alert) r.observation.alert = 70;
    r.observation.detail = "detail";
    return r;
}

probe::TargetResult legacy_only_result() {
    probe::TargetResult r;
    r.target.host = "legacy.example";
    r.target.sni = "legacy.example";
    r.address = "192.0.2.1:443";
    r.probes = {record("tls1_0", core::Version::tls1_0, core::Status::negotiated),
                record("tls1_1", core::Version::tls1_1, core::Status::rejected_alert),
                record("tls1_2", core::Version::tls1_2, core::Status::reset),
                record("tls1_3", core::Version::tls1_3, core::Status::reset)};
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(x509::TrustStore::system_default());
    test::conclude_and_judge(r, options);
    return r;
}

}  // namespace

TEST_CASE("text report shows the protocol table, the chain section and the findings", "[text]") {
    const auto r = legacy_only_result();
    const auto text = report::render_text(r, {});
    CHECK_THAT(text, Catch::Contains("legacy.example:443"));
    CHECK_THAT(text, Catch::Contains("TLS 1.0  yes"));
    CHECK_THAT(text, Catch::Contains("TLS 1.1  no         alert protocol_version (70)"));
    CHECK_THAT(text, Catch::Contains("TLS 1.2  no         RST after ClientHello"));
    CHECK_THAT(text, Catch::Contains("no certificate was received"));
    CHECK_THAT(text, Catch::Contains("tls.no_modern_version"));
    CHECK(text.find("\x1b[") == std::string::npos);  // no colour unless asked
}

TEST_CASE("text report colours high findings only when asked, and lists probes when verbose",
          "[text]") {
    const auto r = legacy_only_result();
    const auto coloured = report::render_text(r, {.color = true});
    CHECK(coloured.find("\x1b[") != std::string::npos);
    const auto plain = report::render_text(r, {});
    CHECK(plain.find("Probes") == std::string::npos);
    const auto verbose = report::render_text(r, {.verbose = true});
    CHECK_THAT(verbose, Catch::Contains("Probes") && Catch::Contains("rejected_alert"));
}

TEST_CASE("findings for a legacy-only server, most severe first", "[findings]") {
    const auto r = legacy_only_result();
    REQUIRE(r.findings.size() >= 2);
    CHECK(r.findings[0].id == "tls.no_modern_version");
    CHECK(r.findings[0].severity == probe::Severity::high);
    const bool has_legacy =
        std::any_of(r.findings.begin(), r.findings.end(),
                    [](const probe::Finding& f) { return f.id == "tls.legacy_version_enabled"; });
    CHECK(has_legacy);
    for (std::size_t i = 1; i < r.findings.size(); ++i)
        CHECK(r.findings[i - 1].severity >= r.findings[i].severity);
}

TEST_CASE("every registered finding id is unique and namespaced", "[findings]") {
    std::set<std::string_view> seen;
    for (const auto& k : judge::finding_kinds()) {
        CHECK(seen.insert(k.id).second);
        // Base ids by area; a check kind's ids start with the kind's own id ("alpn."), or with
        // "vuln." (the vulnerability checks) or "tls." (protocol facts a check finds).
        const bool of_check = std::any_of(probe::check_kinds().begin(), probe::check_kinds().end(),
                                          [&](const probe::CheckKind* c) {
                                              return k.id.starts_with(std::string(c->id()) + ".");
                                          });
        CHECK((k.id.starts_with("tls.") || k.id.starts_with("chain.") ||
               k.id.starts_with("cert.") || k.id.starts_with("target.") ||
               k.id.starts_with("kex.") || k.id.starts_with("vuln.") ||
               k.id.starts_with("trust.") || of_check));
    }
    CHECK(judge::make_finding("nope.unknown", "x").severity == probe::Severity::high);
}

TEST_CASE("text and JSON reports: a CN-only match and a reversed chain's order", "[text][json]") {
    const auto root = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    const auto cn = test::served_result(test::chain_of("cn-only"), root);
    CHECK_THAT(report::render_text(cn, {}),
               Catch::Contains("tlsprobe.test: matches the CN only (no SAN; browsers reject it)"));

    const auto reversed = test::served_result(test::chain_of("reversed"), root);
    CHECK_THAT(report::render_text(reversed, {}), Catch::Contains("tlsprobe.test: does not match"));
    const auto j = report::to_json(reversed);
    CHECK(j["chain"]["intended_leaf"] == 1);
    CHECK(j["chain"]["correct_order"] == nlohmann::json::array({1, 0}));
    const auto good = report::to_json(test::served_result(test::chain_of("good"), root));
    CHECK(good["chain"]["intended_leaf"].is_null());
    CHECK(good["chain"]["correct_order"].empty());
}
