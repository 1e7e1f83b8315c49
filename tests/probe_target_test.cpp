// Probing a whole target: the plan's handshakes against the lab's loopback servers, the
// per-version verdicts, chain analysis and findings. Also the pure tail (summarize_versions,
// conclude) fed with hand-made attempts. Loopback only, every wait bounded.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <openssl/ssl.h>
#include <sstream>
#include <string>

#include "engine/openssl_client.hpp"
#include "judge/findings_rules.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Status;
using core::Version;
using probe::ProbeRecord;
using probe::Severity;

namespace {

probe::ProbeOptions options() {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    return o;
}

probe::Target loopback_target(unsigned short port) {
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

bool has_finding(const probe::TargetResult& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

std::string finding_ids(const probe::TargetResult& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.id + " ";
    return s;
}

std::vector<core::Bytes> good_chain() { return test::chain_of("good"); }

ProbeRecord record(std::string id, std::optional<Version> pin, Status status,
                   core::Phase phase = core::Phase::hello) {
    auto r = test::make_record(std::move(id), pin, status, phase);
    r.spec.sni = "tlsprobe.test";
    r.observation.detail = std::string(core::to_string(status));
    return r;
}

ProbeRecord negotiated(std::string id, std::optional<Version> pin, Version got,
                       std::string cipher = "TLS_AES_128_GCM_SHA256") {
    auto r = record(std::move(id), pin, Status::negotiated, core::Phase::done);
    r.observation.version = got;
    r.observation.cipher = std::move(cipher);
    return r;
}

}  // namespace

TEST_CASE("probe_target: a well-configured TLS 1.2/1.3 server", "[probe][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), options()));
    INFO(finding_ids(r));
    CHECK(r.address == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(r.version(Version::tls1_2).supported == std::optional<bool>(true));
    CHECK(r.version(Version::tls1_3).supported == std::optional<bool>(true));
    CHECK(r.version(Version::tls1_0).supported == std::optional<bool>(false));
    CHECK(r.version(Version::tls1_1).supported == std::optional<bool>(false));
    CHECK(r.version(Version::tls1_0).alert == std::optional<std::uint8_t>(70));
    CHECK_FALSE(r.version(Version::tls1_2).cipher.empty());
    // SSL 2.0 / 3.0 come from the raw engine (Debian's OpenSSL cannot offer them); TLS 1.x
    // from both engines, which agree on a plain OpenSSL server.
    CHECK(r.version(Version::ssl3).supported == std::optional<bool>(false));
    CHECK(r.version(Version::ssl3).source == "raw");
    CHECK(r.version(Version::ssl2).supported == std::optional<bool>(false));
    CHECK(r.version(Version::tls1_2).source == "both");
    CHECK(r.version(Version::tls1_3).source == "both");
    for (auto v : core::all_versions) CHECK(r.version(v).disagreement == probe::Disagreement::none);
    REQUIRE(r.chain.has_value());
    CHECK(r.chain->trusted);
    CHECK(r.chain->certificates.size() == 2);
    CHECK(r.chain_source == "offer_all");
    CHECK(r.chain_differs.empty());
    CHECK(r.facts.works);
    CHECK_FALSE(!r.facts.reached);
    for (const auto& f : r.findings) {
        INFO(f.id << ": " << f.detail);
        CHECK(f.severity < Severity::high);
    }
    CHECK_FALSE(has_finding(r, "tls.legacy_version_enabled"));
    CHECK(r.probe("offer_all") != nullptr);
    CHECK(r.probe("offer_all")->observation.version == std::optional<Version>(Version::tls1_3));
    CHECK(server.connections() == r.probes.size());
}

TEST_CASE("probe_target: a server without its intermediate", "[probe][tls]") {
    lab::TlsServer server(lab::config_for_case("leaf-only", TLS1_2_VERSION, TLS1_3_VERSION));
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), options()));
    INFO(finding_ids(r));
    REQUIRE(r.chain.has_value());
    CHECK_FALSE(r.chain->trusted);
    CHECK(r.chain->certificates.size() == 1);
    CHECK(has_finding(r, "chain.missing_intermediate"));
}

TEST_CASE("probe_target: a TLS 1.0-only server", "[probe][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_VERSION, TLS1_VERSION));
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), options()));
    INFO(finding_ids(r));
    CHECK(r.version(Version::tls1_0).supported == std::optional<bool>(true));
    CHECK(r.version(Version::tls1_2).supported == std::optional<bool>(false));
    CHECK(r.version(Version::tls1_3).supported == std::optional<bool>(false));
    CHECK(has_finding(r, "tls.no_modern_version"));
    CHECK(has_finding(r, "tls.legacy_version_enabled"));
    CHECK_FALSE(has_finding(r, "tls.unavailable"));
    // Findings come most severe first.
    CHECK(std::is_sorted(
        r.findings.begin(), r.findings.end(),
        [](const probe::Finding& a, const probe::Finding& b) { return a.severity > b.severity; }));
}

TEST_CASE("probe_target: a closed port is unreachable", "[probe][raw]") {
    auto opts = options();
    opts.timeout = 1s;
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(lab::closed_port()), opts));
    INFO(finding_ids(r));
    CHECK(!r.facts.reached);
    CHECK_FALSE(r.facts.works);
    CHECK_FALSE(r.chain.has_value());
    REQUIRE_FALSE(r.probes.empty());
    for (const auto& p : r.probes) CHECK(p.observation.status == Status::refused);
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].id == "target.unreachable");
    CHECK_FALSE(r.findings[0].detail.empty());
    CHECK(r.version(Version::tls1_2).status == Status::refused);
    CHECK_FALSE(r.version(Version::tls1_2).supported.has_value());
}

TEST_CASE("probe_target: a server resetting every hello is reached but has no TLS",
          "[probe][raw]") {
    lab::RawServer server(lab::reset_after_hello());
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), options()));
    INFO(finding_ids(r));
    CHECK_FALSE(!r.facts.reached);
    CHECK(has_finding(r, "tls.unavailable"));
    CHECK_FALSE(has_finding(r, "target.unreachable"));
    CHECK(r.version(Version::tls1_2).supported == std::optional<bool>(false));
    CHECK(r.version(Version::tls1_2).status == Status::reset);
}

TEST_CASE("plan_probes: one pinned probe per version the library can offer, then offer_all",
          "[probe][plan]") {
    const auto t = probe::parse_target("example.com");
    const auto plan = probe::plan_probes(t, probe::PlanOptions{});
    REQUIRE(plan.size() >= 5);
    CHECK(plan[0].id == "tls1_0");
    CHECK(plan[0].version == std::optional<Version>(Version::tls1_0));
    CHECK(plan[3].id == "tls1_3");
    CHECK(plan[4].id == "offer_all");
    CHECK(plan[4].role == probe::ProbeRole::offer_all);
    CHECK_FALSE(plan[4].version.has_value());
    for (std::size_t i = 0; i < 5; ++i)
        CHECK(plan[i].sni == std::optional<std::string>("example.com"));
}

TEST_CASE("plan_probes: diagnosis variants vary the SNI and the cipher list, never the version",
          "[probe][plan]") {
    auto plan = probe::plan_probes(probe::parse_target("example.com"), probe::PlanOptions{});
    REQUIRE(plan.size() == 14);
    CHECK(plan[5].id == "no_sni");
    CHECK_FALSE(plan[5].sni.has_value());
    CHECK(plan[6].id == "other_sni");
    CHECK(plan[6].sni == std::optional<std::string>(std::string(probe::kUnrelatedSni)));
    CHECK(plan[7].id == "narrow_ciphers");
    CHECK_FALSE(plan[7].cipher_list.empty());
    CHECK(plan[7].sni == std::optional<std::string>("example.com"));
    for (std::size_t i = 5; i < 8; ++i) CHECK_FALSE(plan[i].version.has_value());
    // An IP literal gets no SNI, so "no_sni" would repeat offer_all and is left out.
    plan = probe::plan_probes(probe::parse_target("192.0.2.1"), probe::PlanOptions{});
    CHECK(std::none_of(plan.begin(), plan.end(),
                       [](const probe::ProbeSpec& s) { return s.id == "no_sni"; }));
    probe::PlanOptions bare;
    bare.variants = false;
    bare.raw = false;
    CHECK(probe::plan_probes(probe::parse_target("example.com"), bare).size() == 5);
}

TEST_CASE("plan_probes: one raw-hello probe per version, SSL 2.0 and 3.0 included",
          "[probe][plan]") {
    const auto plan = probe::plan_probes(probe::parse_target("example.com"), probe::PlanOptions{});
    std::vector<std::string> raw;
    for (const auto& p : plan)
        if (p.engine == probe::Engine::raw) {
            raw.push_back(p.id);
            CHECK(p.role == probe::ProbeRole::version);
            REQUIRE(p.version.has_value());
            CHECK(p.id == "raw_" + std::string(core::to_string(*p.version)));
        }
    CHECK(raw == std::vector<std::string>{"raw_ssl2", "raw_ssl3", "raw_tls1_0", "raw_tls1_1",
                                          "raw_tls1_2", "raw_tls1_3"});
}

TEST_CASE("summarize_versions: offer_all rescues a version whose pinned probe timed out",
          "[probe][plan]") {
    const std::vector<ProbeRecord> probes{
        record("tls1_0", Version::tls1_0, Status::rejected_alert, core::Phase::handshake),
        record("tls1_1", Version::tls1_1, Status::rejected_alert, core::Phase::handshake),
        record("tls1_2", Version::tls1_2, Status::timeout),
        record("tls1_3", Version::tls1_3, Status::reset),
        negotiated("offer_all", std::nullopt, Version::tls1_2,
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    };
    const auto v = probe::summarize_versions(probes);
    const auto& v12 = v[static_cast<std::size_t>(Version::tls1_2)];
    CHECK(v12.supported == std::optional<bool>(true));
    CHECK(v12.status == Status::negotiated);
    CHECK(v12.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(v12.detail.find("pinned probe") != std::string::npos);
    CHECK(v[static_cast<std::size_t>(Version::tls1_3)].supported == std::optional<bool>(false));
    CHECK(v[static_cast<std::size_t>(Version::tls1_0)].supported == std::optional<bool>(false));
    CHECK(v[static_cast<std::size_t>(Version::ssl3)].status == Status::local_unsupported);
    CHECK_FALSE(v[static_cast<std::size_t>(Version::ssl3)].supported.has_value());
    CHECK(v[static_cast<std::size_t>(Version::ssl3)].source == "none");
    CHECK(v[static_cast<std::size_t>(Version::tls1_0)].source == "openssl");
    for (auto ver : core::all_versions) CHECK(v[static_cast<std::size_t>(ver)].version == ver);
}

TEST_CASE("summarize_versions: timeouts", "[probe][plan]") {
    SECTION("a timeout while another version negotiates means not supported") {
        const std::vector<ProbeRecord> probes{
            record("tls1_0", Version::tls1_0, Status::timeout),
            negotiated("tls1_2", Version::tls1_2, Version::tls1_2),
        };
        const auto v = probe::summarize_versions(probes);
        CHECK(v[static_cast<std::size_t>(Version::tls1_0)].supported == std::optional<bool>(false));
        CHECK(v[static_cast<std::size_t>(Version::tls1_0)].status == Status::timeout);
        CHECK(v[static_cast<std::size_t>(Version::tls1_2)].supported == std::optional<bool>(true));
    }
    SECTION("when everything times out nothing can be told") {
        const std::vector<ProbeRecord> probes{
            record("tls1_2", Version::tls1_2, Status::timeout),
            record("tls1_3", Version::tls1_3, Status::timeout),
            record("offer_all", std::nullopt, Status::timeout),
        };
        const auto v = probe::summarize_versions(probes);
        CHECK_FALSE(v[static_cast<std::size_t>(Version::tls1_2)].supported.has_value());
        CHECK_FALSE(v[static_cast<std::size_t>(Version::tls1_3)].supported.has_value());
    }
}

TEST_CASE("chain_probe prefers offer_all, else the newest negotiated version", "[probe][plan]") {
    auto p12 = negotiated("tls1_2", Version::tls1_2, Version::tls1_2);
    p12.observation.chain = {core::Bytes{1}};
    auto p13 = negotiated("tls1_3", Version::tls1_3, Version::tls1_3);
    p13.observation.chain = {core::Bytes{2}};
    auto all = negotiated("offer_all", std::nullopt, Version::tls1_3);
    all.observation.chain = {core::Bytes{3}};
    CHECK(probe::chain_probe({}) == nullptr);
    std::vector<ProbeRecord> probes{p13, p12};
    REQUIRE(probe::chain_probe(probes) != nullptr);
    CHECK(probe::chain_probe(probes)->spec.id == "tls1_3");
    probes.push_back(all);
    CHECK(probe::chain_probe(probes)->spec.id == "offer_all");
    probes = {record("tls1_2", Version::tls1_2, Status::reset)};
    CHECK(probe::chain_probe(probes) == nullptr);
}

TEST_CASE("conclude: verdicts, chain and findings from recorded attempts", "[probe][plan]") {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test");
    r.probes = {
        negotiated("tls1_0", Version::tls1_0, Version::tls1_0,
                   "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        record("tls1_1", Version::tls1_1, Status::rejected_alert, core::Phase::handshake),
        record("tls1_2", Version::tls1_2, Status::timeout),
        record("tls1_3", Version::tls1_3, Status::rejected_alert, core::Phase::handshake),
        negotiated("offer_all", std::nullopt, Version::tls1_2,
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    };
    r.probes[4].observation.chain = good_chain();
    r.probes[0].observation.chain = {good_chain()[0]};  // another chain on TLS 1.0
    test::conclude_and_judge(r, options());
    INFO(finding_ids(r));
    CHECK(r.version(Version::tls1_2).supported == std::optional<bool>(true));
    CHECK(r.version(Version::tls1_0).supported == std::optional<bool>(true));
    CHECK(r.version(Version::tls1_3).supported == std::optional<bool>(false));
    REQUIRE(r.chain.has_value());
    CHECK(r.chain_source == "offer_all");
    CHECK(r.chain->trusted);
    CHECK(r.chain_differs == std::vector<std::string>{"tls1_0"});
    CHECK(has_finding(r, "tls.legacy_version_enabled"));
    CHECK(has_finding(r, "tls.tls13_not_supported"));
    CHECK(has_finding(r, "chain.differs_between_versions"));
    CHECK_FALSE(has_finding(r, "tls.no_modern_version"));
    CHECK(r.worst_severity().has_value());

    // conclude is idempotent: running it again gives the same findings.
    const auto first = r.findings.size();
    test::conclude_and_judge(r, options());
    CHECK(r.findings.size() == first);
    CHECK(r.chain_differs.size() == 1);
}

TEST_CASE("summarize_versions: the raw engine and OpenSSL merged per version", "[probe][plan]") {
    auto raw = [](std::string id, Version v, Status s) {
        auto r = record(std::move(id), v, s,
                        s == Status::negotiated ? core::Phase::done : core::Phase::hello);
        r.spec.engine = probe::Engine::raw;
        if (s == Status::negotiated) r.observation.cipher = "TLS_RSA_WITH_RC4_128_SHA";
        return r;
    };
    const std::vector<ProbeRecord> probes{
        record("ssl3", Version::ssl3, Status::local_unsupported),  // Debian's OpenSSL cannot ask
        raw("raw_ssl3", Version::ssl3, Status::negotiated),
        record("tls1_0", Version::tls1_0, Status::reset),
        raw("raw_tls1_0", Version::tls1_0, Status::reset),
        record("tls1_1", Version::tls1_1, Status::reset),
        raw("raw_tls1_1", Version::tls1_1, Status::negotiated),
        negotiated("tls1_2", Version::tls1_2, Version::tls1_2,
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        raw("raw_tls1_2", Version::tls1_2, Status::negotiated),
    };
    const auto v = probe::summarize_versions(probes);
    const auto& ssl3 = v[static_cast<std::size_t>(Version::ssl3)];
    CHECK(ssl3.supported == std::optional<bool>(true));
    CHECK(ssl3.source == "raw");
    const auto& t10 = v[static_cast<std::size_t>(Version::tls1_0)];
    CHECK(t10.supported == std::optional<bool>(false));
    CHECK(t10.source == "both");
    CHECK(t10.disagreement == probe::Disagreement::none);
    const auto& t11 = v[static_cast<std::size_t>(Version::tls1_1)];
    CHECK(t11.supported == std::optional<bool>(true));  // a ServerHello for the version is proof
    CHECK(t11.source == "both");
    CHECK(t11.disagreement == probe::Disagreement::answers_differ);
    CHECK_THAT(t11.disagreement_detail,
               Catch::Contains("OpenSSL handshake: reset; raw ClientHello: negotiated"));
    const auto& t12 = v[static_cast<std::size_t>(Version::tls1_2)];
    CHECK(t12.source == "both");
    CHECK(t12.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(v[static_cast<std::size_t>(Version::ssl2)].source == "none");
}

TEST_CASE("findings from enumerated cipher suites and engine disagreement", "[probe][findings]") {
    probe::TargetResult r;
    r.target = loopback_target(443);
    r.probes = {negotiated("tls1_2", Version::tls1_2, Version::tls1_2,
                           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                negotiated("offer_all", std::nullopt, Version::tls1_2,
                           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")};
    r.versions = probe::summarize_versions(r.probes);
    auto& t12 = r.versions[static_cast<std::size_t>(Version::tls1_2)];
    t12.ciphers_enumerated = true;
    t12.ciphers = {{0xC02F,
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    wire::Strength::strong,
                    true,
                    "x25519",
                    std::nullopt,
                    {}},
                   {0x000A,
                    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                    wire::Strength::weak,
                    false,
                    "",
                    std::nullopt,
                    {}},
                   {0x0005,
                    "TLS_RSA_WITH_RC4_128_SHA",
                    wire::Strength::insecure,
                    false,
                    "",
                    std::nullopt,
                    {}}};
    t12.disagreement = probe::Disagreement::answers_differ;
    t12.disagreement_detail = "OpenSSL handshake: reset; raw ClientHello: negotiated";
    r.facts = probe::decide_facts(r);
    const auto findings = judge::derive_findings(r);
    auto find = [&](std::string_view id) {
        const auto it = std::find_if(findings.begin(), findings.end(),
                                     [&](const probe::Finding& f) { return f.id == id; });
        return it == findings.end() ? std::string("(absent)") : it->detail;
    };
    // Each suite in its worst class: RC4 is broken (high), 3DES weak (medium).
    CHECK(find("tls.weak_cipher_offered") == "1 accepted: TLS_RSA_WITH_3DES_EDE_CBC_SHA (TLS 1.2)");
    CHECK(find("tls.insecure_cipher_offered") == "1 accepted: TLS_RSA_WITH_RC4_128_SHA (TLS 1.2)");
    CHECK(find("tls.cbc_cipher_offered") == "(absent)");  // 3DES is CBC but counted as weak
    CHECK_THAT(find("tls.no_forward_secrecy"), Catch::StartsWith("2 accepted"));
    CHECK_THAT(find("tls.engines_disagree"), Catch::Contains("TLS 1.2: OpenSSL handshake: reset"));
    // Without enumeration there is no cipher evidence, so no cipher finding.
    t12.ciphers.clear();
    t12.ciphers_enumerated = false;
    const auto none = judge::derive_findings(r);
    CHECK(std::none_of(none.begin(), none.end(),
                       [](const probe::Finding& f) { return f.id == "tls.weak_cipher_offered"; }));
}

TEST_CASE("plan_probes: the essential and follow-up parts split the whole plan", "[probe][plan]") {
    const auto t = probe::parse_target("example.com");
    probe::PlanOptions o;
    const auto all = probe::plan_probes(t, o);
    o.part = probe::PlanOptions::Part::essential;
    const auto essential = probe::plan_probes(t, o);
    o.part = probe::PlanOptions::Part::follow_up;
    const auto follow_up = probe::plan_probes(t, o);
    std::vector<std::string> ids, joined;
    for (const auto& p : all) ids.push_back(p.id);
    for (const auto& p : essential) joined.push_back(p.id);
    for (const auto& p : follow_up) joined.push_back(p.id);
    std::sort(ids.begin(), ids.end());
    std::sort(joined.begin(), joined.end());
    CHECK(ids == joined);  // disjoint and complete
    std::vector<std::string> first;
    for (const auto& p : essential) first.push_back(p.id);
    CHECK(first == std::vector<std::string>{"tls1_0", "tls1_1", "tls1_2", "tls1_3", "offer_all",
                                            "no_sni", "raw_ssl2", "raw_ssl3"});
}

TEST_CASE("probe_target adaptive: one wave for a healthy server, the follow-up only on trouble",
          "[probe][tls]") {
    auto o = options();
    o.adaptive = true;
    {
        lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
        const auto r =
            test::judged(probe::probe_target_blocking(loopback_target(server.port()), o));
        CHECK(r.diagnosis.empty());
        CHECK(r.probes.size() == 8);
        CHECK(r.probe("other_sni") == nullptr);
    }
    {
        lab::RawServer server(lab::reset_after_hello());
        const auto r =
            test::judged(probe::probe_target_blocking(loopback_target(server.port()), o));
        CHECK(r.probes.size() == 14);
        REQUIRE_FALSE(r.diagnosis.empty());
        CHECK(r.diagnosis.front().id == "server.no_usable_certificate");
        CHECK(r.probe("narrow_ciphers") != nullptr);
    }
}
