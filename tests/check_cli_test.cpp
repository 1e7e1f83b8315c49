// `tlsprobe check` end to end against loopback servers: a compliant server passes (exit 0),
// each violating one fails on exactly the expected rule (exit 1), an unreachable target
// exits 3, a bad policy exits 2 naming file and line. Reports are written atomically.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <sstream>

#include "cli/check_command.hpp"
#include "cli/cli.hpp"
#include "cli_run.hpp"
#include "junit_schema.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;

namespace {

using Run = test::CliRun;
constexpr auto run = &test::run_cli;

std::vector<std::string> check_args(unsigned short port,
                                    std::string policy = "builtin:intermediate") {
    return {"check",        "tlsprobe.test:" + std::to_string(port),
            "--connect-to", "127.0.0.1",
            "--policy",     std::move(policy),
            "--ca-file",    lab::testcert("root-ca.pem").string(),
            "--timeout",    "2s"};
}

std::string failing_rules(const nlohmann::json& j) {
    std::string out;
    for (const auto& t : j["targets"])
        for (const auto& r : t["rules"])
            if (r["status"] == "fail") out += r["id"].get<std::string>() + " ";
    return out;
}

// The lab serves every version OpenSSL has by default; a compliant site starts at TLS 1.2.
// A server set up as Mozilla's intermediate profile asks: TLS 1.2+ and only (EC)DHE AEAD suites.
lab::TlsServerConfig modern_case(std::string_view testcase) {
    auto c = lab::config_for_case(testcase, TLS1_2_VERSION);
    c.cipher_list =
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
    return c;
}

fs::path scratch(const std::string& name) {
    const auto dir =
        fs::temp_directory_path() / ("tlsprobe-check-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("check: a compliant server passes builtin:intermediate and every report is written",
          "[check][loopback]") {
    lab::TlsServer server(modern_case("good"));
    const auto dir = scratch("good");
    auto args = check_args(server.port());
    for (const auto& extra : {"--junit", "--markdown", "--html"}) {
        args.push_back(extra);
        args.push_back((dir / (std::string(extra).substr(2) + ".out")).string());
    }
    const auto r = run(args);
    INFO(r.out << r.err);
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("check pass"));
    CHECK_THAT(r.out, Catch::Contains("PASS chain.trusted"));
    // The policy has cipher rules, so check enumerated the suites: real evidence, not n/a.
    CHECK_THAT(r.out, Catch::Contains("PASS cipher.forbidden") &&
                          Catch::Contains("PASS cipher.forward_secrecy"));
    CHECK_THAT(slurp(dir / "junit.out"), Catch::Contains("<testsuite name=\"tlsprobe.test:") &&
                                             Catch::Contains("failures=\"0\""));
    CHECK(test::junit_schema_errors(slurp(dir / "junit.out")) == "");
    CHECK_THAT(slurp(dir / "markdown.out"), Catch::StartsWith("## tlsprobe check: ✅ PASS"));
    CHECK_THAT(slurp(dir / "html.out"), Catch::Contains("<h1 id=\"verdict\">PASS</h1>"));
    for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().extension() != ".tmp");
    fs::remove_all(dir);
}

TEST_CASE("check: each violating server fails on exactly the expected rule", "[check][loopback]") {
    struct Case {
        const char* what;
        lab::TlsServerConfig config;
        std::string failing;
    };
    const std::vector<Case> cases{
        {"expired", modern_case("expired"), "cert.validity findings.severity "},
        {"wrong-host", modern_case("wrong-host"), "cert.hostname findings.severity "},
        {"leaf-only", modern_case("leaf-only"), "chain.complete findings.severity "},
        {"tls10-only",
         [] {
             auto c = modern_case("good");  // the same suites, which TLS 1.0 can use as ECDHE CBC
             c.min_version = c.max_version = TLS1_VERSION;
             c.cipher_list = "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";
             return c;
         }(),
         "protocol.min_version protocol.modern_version findings.severity "},
        {"rsa-key-transport",
         [] {
             auto c = modern_case("good");
             c.cipher_list += ":AES128-GCM-SHA256";  // RSA key transport: no forward secrecy
             return c;
         }(),
         "cipher.forward_secrecy "},  // medium: the probe warns, the gate fails on its rule
    };
    for (const auto& c : cases) {
        INFO(c.what);
        lab::TlsServer server(c.config);
        auto args = check_args(server.port());
        args.insert(args.end(), {"--format", "json"});
        const auto r = run(args);
        INFO(r.err);
        CHECK(r.code == cli::kFindings);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["verdict"] == "fail");
        CHECK(j["exit_code"] == 1);
        CHECK(failing_rules(j) == c.failing);
        CHECK(j["targets"][0]["result"]["schema_version"] == 1);
    }
}

TEST_CASE("check: a custom policy file with names, extends and disable", "[check][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    const auto dir = scratch("custom");
    std::ofstream(dir / "golive.toml")
        << "extends = \"builtin:modern\"\n"
           "disable = [\"protocol.min_version\"]\n"
           "[certificate]\nnames = [\"www.tlsprobe.test\", \"shop.tlsprobe.test\"]\n";
    const auto r = run(check_args(server.port(), (dir / "golive.toml").string()));
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    CHECK_THAT(r.out, Catch::Contains("FAIL cert.names") &&
                          Catch::Contains("not covered: shop.tlsprobe.test"));
    CHECK(r.out.find("protocol.min_version") == std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("check: several targets from --targets, one unreachable and one failing",
          "[check][loopback]") {
    lab::TlsServer good(modern_case("good"));
    lab::TlsServer leaf_only(modern_case("leaf-only"));
    const auto closed = lab::closed_port();
    const auto dir = scratch("targets");
    std::ofstream(dir / "hosts.txt")
        << "# pre-go-live hosts\n\ntlsprobe.test:" << good.port() << "\n"
        << "  tlsprobe.test:" << closed << "   # not up yet\n";
    auto args = check_args(good.port());
    args.erase(args.begin() + 1);  // no positional target
    args.insert(args.end(), {"--targets", (dir / "hosts.txt").string(), "--format", "json"});
    auto r = run(args);
    INFO(r.err);
    CHECK(r.code == cli::kUnreachable);  // nothing failed, one target could not be reached
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["targets"].size() == 2);
    CHECK(j["targets"][0]["verdict"] == "pass");
    CHECK(j["targets"][1]["verdict"] == "unreachable");

    std::ofstream(dir / "hosts.txt", std::ios::app) << "tlsprobe.test:" << leaf_only.port() << "\n";
    r = run(args);
    CHECK(r.code == cli::kFindings);  // a definite failure wins over an unreachable target
    j = nlohmann::json::parse(r.out);
    CHECK(j["targets"][2]["verdict"] == "fail");

    std::ofstream(dir / "bad.txt") << "tlsprobe.test:1\nexa mple.com\n";
    args[args.size() - 3] = (dir / "bad.txt").string();
    r = run(args);
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("bad.txt:2:") && Catch::Contains("exa mple.com"));
    fs::remove_all(dir);
}

TEST_CASE("check: unreachable exits 3, bad policy exits 2 with file and line, usage errors exit 2",
          "[check][loopback]") {
    const auto port = lab::closed_port();
    auto r = run({"check", "127.0.0.1:" + std::to_string(port), "--policy", "builtin:old",
                  "--timeout", "1s"});
    CHECK(r.code == cli::kUnreachable);
    CHECK_THAT(r.out, Catch::Contains("check unreachable"));

    const auto dir = scratch("badpolicy");
    std::ofstream(dir / "typo.toml") << "[chain]\ncomplete = true\ntrustd = true\n";
    r = run(
        {"check", "127.0.0.1:" + std::to_string(port), "--policy", (dir / "typo.toml").string()});
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("typo.toml:3:") && Catch::Contains("trustd"));
    fs::remove_all(dir);

    CHECK(run({"check", "--policy", "builtin:modern"}).code == cli::kUsage);  // no target
    CHECK(run({"check", "example.com"}).code == cli::kUsage);                 // no policy
    r = run({"check", "example.com", "--policy", "builtin:strictest"});
    CHECK(r.code == cli::kUsage);
    CHECK_THAT(r.err, Catch::Contains("builtin:strictest"));
}

TEST_CASE("the --targets reader skips comments and blank lines and keeps line numbers", "[check]") {
    const auto dir = scratch("reader");
    std::ofstream(dir / "t.txt") << "# header\n\na.example\n  b.example:8443  # "
                                    "staging\r\n#c.example\nc.example,192.0.2.7\n";
    const auto targets = cli::read_targets_file((dir / "t.txt").string());
    REQUIRE(targets.size() == 3);
    CHECK(targets[0].display() == "a.example:443");
    CHECK(targets[1].port == 8443);
    CHECK(targets[2].connect_to == std::optional<std::string>("192.0.2.7"));
    CHECK_THROWS_WITH(cli::read_targets_file((dir / "missing.txt").string()),
                      Catch::Contains("missing.txt"));
    // A bad line stops the gate with its line number (scan skips it; check must not).
    std::ofstream(dir / "bad.txt") << "a.example\nexample.com:99999\n";
    CHECK_THROWS_WITH(cli::read_targets_file((dir / "bad.txt").string()),
                      Catch::Contains("bad.txt:2:"));
    fs::remove_all(dir);
}

TEST_CASE("probe --html writes a self-contained report next to the text output",
          "[cli][loopback][html]") {
    lab::TlsServer server(lab::config_for_case("good"));
    const auto dir = scratch("probehtml");
    const auto r = run({"probe", "tlsprobe.test:" + std::to_string(server.port()), "--connect-to",
                        "127.0.0.1", "--ca-file", lab::testcert("root-ca.pem").string(),
                        "--timeout", "2s", "--no-color", "--html", (dir / "p.html").string()});
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("Protocols"));
    const auto html = slurp(dir / "p.html");
    CHECK_THAT(html, Catch::Contains("<h1 id=\"verdict\">OK</h1>") &&
                         Catch::Contains("tlsprobe Test Intermediate CA"));
    fs::remove_all(dir);
}
