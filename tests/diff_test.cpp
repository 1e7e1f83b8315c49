// `tlsprobe diff OLD NEW`: the pure comparison (judge::diff_endpoints over two probe
// documents) and the command end to end against loopback servers: two identical servers
// compare the same (exit 0), a healthy server replaced by one without its intermediate is a
// regression (exit 1), a saved `probe --json` file compares like a live endpoint, and bad
// input is a usage error (exit 2).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <set>
#include <stdexcept>
#include <unistd.h>

#include "cli_run.hpp"
#include "judge/diff.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "report/diff_report.hpp"

using namespace tlsprobe;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A minimal probe document: TLS 1.0-1.3 with the given support, one certificate, findings.
json document(bool tls10, bool tls12, bool trusted, const json& findings = json::array(),
              const std::string& verdict = "ok") {
    json versions = json::object();
    for (const auto& [id, on] : {std::pair<std::string, bool>{"ssl2", false},
                                 {"ssl3", false},
                                 {"tls1_0", tls10},
                                 {"tls1_1", false},
                                 {"tls1_2", tls12},
                                 {"tls1_3", true}})
        versions[id] = {{"supported", on},
                        {"ciphers", on && id == "tls1_3"
                                        ? json::array({{{"name", "TLS_AES_128_GCM_SHA256"}}})
                                        : json(nullptr)}};
    return {{"target", {{"host", "www.example"}, {"port", 443}, {"address", "192.0.2.1"}}},
            {"target_verdict", verdict},
            {"versions", versions},
            {"chain",
             {{"trusted", trusted},
              {"hostname", "match"},
              {"problems", json::array()},
              {"certificates",
               json::array({{{"subject", "CN=www.example"},
                             {"issuer", "CN=CA"},
                             {"sha256", "AA"},
                             {"not_after", "2030-01-01T00:00:00Z"},
                             {"key", "RSA 2048"},
                             {"san", json::array({"www.example", "example"})}}})}}},
            {"findings", findings}};
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "tlsprobe-diff-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

lab::TlsServerConfig modern(std::string_view testcase) {
    auto c = lab::config_for_case(testcase, TLS1_2_VERSION);
    c.http_after_handshake = false;
    return c;
}

std::vector<std::string> diff_args(unsigned short old_port, unsigned short new_port) {
    return {"diff",
            "tlsprobe.test:" + std::to_string(old_port),
            "tlsprobe.test:" + std::to_string(new_port),
            "--old-connect-to", "127.0.0.1",
            "--new-connect-to", "127.0.0.1",
            "--ca-file", lab::testcert("root-ca.pem").string(),
            "--timeout", "2s",
            "--quick", "--no-http"};
}

}  // namespace

TEST_CASE("diff: identical documents are the same, no regression", "[diff]") {
    const auto a = judge::snapshot_from_json(document(false, true, true));
    const auto d = judge::diff_endpoints(a, a);
    CHECK(d.same());
    CHECK_FALSE(d.regression);
    CHECK(a.label == "www.example:443 (192.0.2.1)");
    CHECK_THAT(report::render_diff_text(d), Catch::Contains("No difference"));
    CHECK(report::diff_to_json(d)["same"] == true);
}

TEST_CASE("diff: lost TLS 1.2, lost trust and a new high finding are regressions", "[diff]") {
    const auto before = judge::snapshot_from_json(document(false, true, true));
    const auto after = judge::snapshot_from_json(document(
        false, false, false,
        json::array({{{"id", "chain.missing_intermediate"}, {"severity", "high"}}}), "fail"));
    const auto d = judge::diff_endpoints(before, after);
    CHECK(d.regression);
    auto find = [&](std::string_view area, std::string_view item) -> const judge::DiffChange* {
        for (const auto& c : d.changes)
            if (c.area == area && c.item == item) return &c;
        return nullptr;
    };
    const auto* lost = find("versions", "TLS 1.2");
    REQUIRE(lost);
    CHECK(lost->change == "lost");
    CHECK(lost->regression);
    const auto* trust = find("chain", "trust");
    REQUIRE(trust);
    CHECK(trust->regression);
    const auto* finding = find("findings", "chain.missing_intermediate");
    REQUIRE(finding);
    CHECK(finding->change == "added");
    CHECK(finding->regression);
    const auto* verdict = find("verdict", "verdict");
    REQUIRE(verdict);
    CHECK(verdict->regression);
    const auto text = report::render_diff_text(d);
    CHECK_THAT(text, Catch::Contains("TLS 1.2 lost") && Catch::Contains("REGRESSION"));
    const auto j = report::diff_to_json(d);
    CHECK(j["regression"] == true);
    CHECK(j["kind"] == "diff");
}

TEST_CASE("diff: dropping TLS 1.0, a fixed finding and a low finding are changes, not regressions",
          "[diff]") {
    const auto before = judge::snapshot_from_json(document(
        true, true, true, json::array({{{"id", "protocol.tls1_0"}, {"severity", "medium"}}})));
    auto after_doc = document(false, true, true,
                              json::array({{{"id", "http.no_hsts"}, {"severity", "low"}}}));
    after_doc["versions"]["tls1_3"]["ciphers"] = json::array({{{"name", "TLS_AES_256_GCM_SHA384"}}});
    const auto d = judge::diff_endpoints(before, judge::snapshot_from_json(after_doc));
    CHECK_FALSE(d.same());
    CHECK_FALSE(d.regression);
    std::set<std::string> seen;
    for (const auto& c : d.changes) seen.insert(c.area + ":" + c.change + ":" + c.item);
    CHECK(seen.count("versions:lost:TLS 1.0"));
    CHECK(seen.count("findings:removed:protocol.tls1_0"));
    CHECK(seen.count("findings:added:http.no_hsts"));
    CHECK(seen.count("ciphers:lost:TLS_AES_128_GCM_SHA256 (TLS 1.3)"));
    CHECK(seen.count("ciphers:gained:TLS_AES_256_GCM_SHA384 (TLS 1.3)"));
}

TEST_CASE("diff: a certificate that loses a name is a regression", "[diff]") {
    auto after_doc = document(false, true, true);
    auto& leaf = after_doc["chain"]["certificates"][0];
    leaf["sha256"] = "BB";
    leaf["issuer"] = "CN=Other CA";
    leaf["san"] = json::array({"www.example"});
    const auto d = judge::diff_endpoints(judge::snapshot_from_json(document(false, true, true)),
                                         judge::snapshot_from_json(after_doc));
    CHECK(d.regression);
    bool name_lost = false, issuer_changed = false;
    for (const auto& c : d.changes) {
        if (c.item == "name example" && c.change == "lost" && c.regression) name_lost = true;
        if (c.item == "issuer" && !c.regression) issuer_changed = true;
    }
    CHECK(name_lost);
    CHECK(issuer_changed);
}

TEST_CASE("diff: a document that is not a probe result names what is missing", "[diff]") {
    CHECK_THROWS_WITH(judge::snapshot_from_json(json{{"record", "summary"}}),
                      Catch::Contains("\"target\""));
    auto no_versions = document(false, true, true);
    no_versions.erase("versions");
    CHECK_THROWS_AS(judge::snapshot_from_json(no_versions), std::invalid_argument);
}

TEST_CASE("diff: two identical loopback servers compare the same (exit 0)", "[diff][loopback]") {
    lab::TlsServer a(modern("good")), b(modern("good"));
    const auto r = test::run_cli(diff_args(a.port(), b.port()));
    INFO(r.out << r.err);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("No difference"));
}

TEST_CASE("diff: a healthy server replaced by one without its intermediate is a regression",
          "[diff][loopback]") {
    lab::TlsServer healthy(modern("good")), broken(modern("leaf-only"));
    auto args = diff_args(healthy.port(), broken.port());
    args.push_back("--json");
    const auto r = test::run_cli(args);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    const auto j = json::parse(r.out);
    CHECK(j["regression"] == true);
    bool trust = false, finding = false;
    for (const auto& c : j["changes"]) {
        if (c["area"] == "chain" && c["item"] == "trust" && c["regression"] == true) trust = true;
        if (c["area"] == "findings" && c["item"] == "chain.missing_intermediate" &&
            c["change"] == "added")
            finding = true;
    }
    CHECK(trust);
    CHECK(finding);

    // Reversed (the fix): nothing regresses, the finding is removed.
    const auto back = test::run_cli(diff_args(broken.port(), healthy.port()));
    INFO(back.out);
    CHECK(back.code == cli::kOk);
    CHECK_THAT(back.out, Catch::Contains("chain.missing_intermediate") &&
                             Catch::Contains("no regression"));
}

TEST_CASE("diff: a saved probe --json file compares like the live endpoint", "[diff][loopback]") {
    lab::TlsServer healthy(modern("good")), broken(modern("leaf-only"));
    TempDir dir;
    const auto saved = (dir.path / "before.json").string();
    const auto probe = test::run_cli({"probe", "tlsprobe.test:" + std::to_string(healthy.port()),
                                      "--connect-to", "127.0.0.1", "--ca-file",
                                      lab::testcert("root-ca.pem").string(), "--timeout", "2s",
                                      "--quick", "--no-http", "--format", "json", "-o", saved});
    INFO(probe.err);
    CHECK(probe.code == cli::kOk);
    REQUIRE(fs::exists(saved));
    auto same = diff_args(healthy.port(), healthy.port());
    same[1] = saved;
    same.erase(same.begin() + 3, same.begin() + 5);  // no --old-connect-to for a file
    const auto r = test::run_cli(same);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("No difference") && Catch::Contains(saved));

    auto worse = diff_args(healthy.port(), broken.port());
    worse[1] = saved;
    worse.erase(worse.begin() + 3, worse.begin() + 5);
    CHECK(test::run_cli(worse).code == cli::kFindings);
}

TEST_CASE("diff: bad input is a usage error naming it (exit 2)", "[diff]") {
    TempDir dir;
    const auto garbage = (dir.path / "garbage.json").string();
    std::ofstream(garbage) << "not json";
    const auto r = test::run_cli({"diff", garbage, garbage});
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("garbage.json: not JSON"));

    const auto summary = (dir.path / "summary.json").string();
    std::ofstream(summary) << R"({"record": "summary"})";
    const auto s = test::run_cli({"diff", summary, summary});
    CHECK(s.code == cli::kUsage);
    CHECK_THAT(s.err, Catch::Contains("not a tlsprobe probe document"));

    const auto c = test::run_cli({"diff", summary, summary, "--old-connect-to", "127.0.0.1"});
    CHECK(c.code == cli::kUsage);
    CHECK_THAT(c.err, Catch::Contains("--old-connect-to"));
    CHECK(test::run_cli({"diff", "only-one.example"}).code == cli::kUsage);
}
