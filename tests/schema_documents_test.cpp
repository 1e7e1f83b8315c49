// The JSON documents the schema test validates (tests/validate_schema.py, schema/*.json): every
// kind tlsprobe writes, produced through the command line on loopback and written to the
// directory $TLSPROBE_JSON_OUT: `probe --format json` for every demo scenario (as `tlsprobe
// demo` probes them, every other one with --trace), a --quick and an unreachable probe, scans
// (quick, --full, and one whose target hits the deadline), and `check --format json` with each
// built-in policy. The cases are hidden ("[.schema]"): only the schema test runs them.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli_run.hpp"
#include "judge/policy.hpp"
#include "lab/http_file_server.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/revocation_pki.hpp"
#include "lab/scenarios.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;

namespace {

fs::path out_dir() {
    const char* env = std::getenv("TLSPROBE_JSON_OUT");
    const fs::path dir = env && *env ? fs::path(env)
                                     : fs::temp_directory_path() /
                                           ("tlsprobe-json-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<nlohmann::json> jsonl(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

const lab::Scenario& scenario(std::string_view id) {
    const auto* s = lab::find_scenario(id);
    REQUIRE(s != nullptr);
    return *s;
}

std::string root_ca() { return lab::testcert("root-ca.pem").string(); }

// The target line for a scenario server: its name (or 127.0.0.1 when it has none) and port.
std::string authority(const lab::Scenario& s, unsigned short port) {
    return (s.sni.empty() ? "127.0.0.1" : s.sni) + ":" + std::to_string(port);
}

}  // namespace

TEST_CASE("schema documents: probe --format json for every demo scenario", "[.schema]") {
    const auto dir = out_dir();
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    std::size_t i = 0;
    for (const auto& s : lab::scenarios()) {
        auto server = lab::ScenarioServer::start(s);
        std::vector<std::string> args{"probe",       authority(s, server->port()),
                                      "--connect-to", "127.0.0.1",
                                      "--ca-file",    root_ca(),
                                      "--timeout",    "2s",
                                      "--http-port",  std::to_string(http.port()),
                                      "--format",     "json"};
        const bool trace = i++ % 2 == 1;
        if (trace) args.emplace_back("--trace");
        const auto r = test::run_cli(args);
        INFO("scenario " << s.id << ": " << r.err);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["target_verdict"] == s.expected_verdict);
        REQUIRE(!j["probes"].empty());
        CHECK(j["probes"][0].contains("trace") == trace);
        write(dir / ("probe-" + s.id + ".json"), r.out);
    }
    CHECK(i == lab::scenarios().size());
}

TEST_CASE("schema documents: a --quick probe without the HTTP check, and an unreachable one",
          "[.schema]") {
    const auto dir = out_dir();
    const auto& healthy = scenario("healthy");
    auto server = lab::ScenarioServer::start(healthy);
    auto r = test::run_cli({"probe", authority(healthy, server->port()), "--connect-to",
                            "127.0.0.1", "--ca-file", root_ca(), "--timeout", "2s", "--quick",
                            "--no-http", "--format", "json"});
    INFO(r.err);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["http"].is_null());
    CHECK(j["versions"]["tls1_2"]["ciphers"].is_null());  // no enumeration with --quick
    write(dir / "probe-quick.json", r.out);

    r = test::run_cli({"probe", "127.0.0.1:" + std::to_string(lab::closed_port()), "--timeout",
                       "2s", "--no-http", "--format", "json", "--trace"});
    CHECK(r.code == cli::kUnreachable);
    j = nlohmann::json::parse(r.out);
    CHECK(j["target_verdict"] == "unreachable");
    CHECK(j["chain"].is_null());
    write(dir / "probe-unreachable.json", r.out);

    // tlsprobe diff over the two saved documents: the same, and every change an unreachable
    // NEW makes.
    r = test::run_cli({"diff", (dir / "probe-quick.json").string(),
                       (dir / "probe-quick.json").string(), "--json"});
    CHECK(r.code == cli::kOk);
    write(dir / "diff-same.json", r.out);
    r = test::run_cli({"diff", (dir / "probe-quick.json").string(),
                       (dir / "probe-unreachable.json").string(), "--json"});
    CHECK(r.code == cli::kFindings);
    CHECK(nlohmann::json::parse(r.out)["regression"] == true);
    write(dir / "diff-unreachable.json", r.out);
}

TEST_CASE("schema documents: a probe whose missing intermediate comes from AIA, revoked by CRL",
          "[.schema]") {
    const auto dir = out_dir();
    lab::HttpFileServer files;
    files.set("/ca.der", {.status = 200,
                          .content_type = "application/pkix-cert",
                          .body = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem")),
                          .location = ""});
    lab::UrlLeafSpec spec;
    spec.serial = 0x5001;
    spec.ca_issuers_url = files.url("/ca.der");
    spec.crl_url = files.url("/ca.crl");
    spec.ocsp_url = files.url("/ocsp");  // 404: an unreachable responder
    files.set("/ca.crl", {.status = 200,
                          .content_type = "application/pkix-crl",
                          .body = lab::make_crl({0x5001}),
                          .location = ""});
    const auto leaf = lab::make_url_leaf(spec, dir, "aia-schema");
    lab::TlsServerConfig config;
    config.chain_pem_file = leaf.leaf_pem_file.string();
    config.key_pem_file = leaf.key_file.string();
    lab::TlsServer server(config);
    const auto r = test::run_cli({"probe", "tlsprobe.test:" + std::to_string(server.port()),
                                  "--connect-to", "127.0.0.1", "--ca-file", root_ca(),
                                  "--timeout", "2s", "--no-http", "--checks",
                                  "ocsp,aia,revocation", "--format", "json"});
    INFO(r.err);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["checks"]["aia"]["status"] == "fetched");
    CHECK(j["checks"]["revocation"]["status"] == "revoked");
    write(dir / "probe-aia-revoked.json", r.out);
}

TEST_CASE("schema documents: scan --jsonl records and summaries", "[.schema]") {
    const auto dir = out_dir();
    std::vector<std::unique_ptr<lab::ScenarioServer>> servers;
    std::string input = "# loopback estate\n";
    for (const auto* id : {"healthy", "missing-intermediate", "http-on-tls-port", "tls10-only",
                           "dhe-1024", "client-cert-required"}) {
        const auto& s = scenario(id);
        servers.push_back(lab::ScenarioServer::start(s));
        input += authority(s, servers.back()->port()) + ",127.0.0.1\n";
    }
    lab::RawServer reset(lab::reset_after_hello());
    input += "127.0.0.1:" + std::to_string(reset.port()) + "\n";
    input += "127.0.0.1:" + std::to_string(lab::closed_port()) + "\n";
    input += "bad host\n";                                        // an input error
    input += "127.0.0.1:" + std::to_string(reset.port()) + "\n";  // a duplicate
    const auto hosts = dir / "scan-hosts.txt";
    write(hosts, input);

    for (const std::string mode : {"--quick", "--full"}) {
        const auto jsonl_path = dir / ("scan" + mode.substr(1) + ".jsonl");
        fs::remove(jsonl_path);
        const auto r = test::run_cli({"scan", hosts.string(), "--jsonl", jsonl_path.string(),
                                      "--ca-file", root_ca(), "--timeout", "2s", "--quiet",
                                      "--no-color", mode});
        INFO(mode << ": " << r.err);
        CHECK(r.code == cli::kFindings);
        const auto lines = jsonl(slurp(jsonl_path));
        REQUIRE(lines.size() == 9);  // 8 distinct targets and the summary
        CHECK(lines.back()["record"] == "summary");
        CHECK(lines.back()["input_errors"] == 1);
        CHECK(lines.back()["duplicates"] == 1);
    }

    // A silent server: the per-target deadline cancels the probe (outcome "deadline").
    lab::RawServer silent(lab::silent());
    const auto silent_hosts = dir / "scan-silent-hosts.txt";
    write(silent_hosts, "127.0.0.1:" + std::to_string(silent.port()) + "\n");
    const auto jsonl_path = dir / "scan-deadline.jsonl";
    fs::remove(jsonl_path);
    const auto r = test::run_cli({"scan", silent_hosts.string(), "--jsonl", jsonl_path.string(),
                                  "--timeout", "30s", "--deadline", "300ms", "--quiet"});
    const auto lines = jsonl(slurp(jsonl_path));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["scan"]["outcome"] == "deadline");
    CHECK(r.code == cli::kFindings);
}

TEST_CASE("schema documents: check --format json with every built-in policy", "[.schema]") {
    const auto dir = out_dir();
    std::vector<std::unique_ptr<lab::ScenarioServer>> servers;
    std::string targets;
    for (const auto* id : {"healthy", "tls10-only", "expired"}) {
        const auto& s = scenario(id);
        servers.push_back(lab::ScenarioServer::start(s));
        targets += authority(s, servers.back()->port()) + "\n";
    }
    targets += "tlsprobe.test:" + std::to_string(lab::closed_port()) + "\n";
    const auto file = dir / "check-targets.txt";
    write(file, targets);
    std::size_t written = 0;
    for (const auto name : judge::builtin_policy_names()) {
        const std::string policy = "builtin:" + std::string(name);
        for (const bool strict : {false, true}) {
            std::vector<std::string> args{"check",     "--targets", file.string(), "--connect-to",
                                          "127.0.0.1", "--policy",  policy,        "--ca-file",
                                          root_ca(),   "--timeout", "2s",          "--format",
                                          "json"};
            if (strict) args.emplace_back("--strict");
            const auto r = test::run_cli(args);
            INFO(policy << ": " << r.err);
            CHECK(r.code == cli::kFindings);  // a failing target wins over the unreachable one
            const auto j = nlohmann::json::parse(r.out);
            REQUIRE(j["targets"].size() == 4);
            CHECK(j["targets"][3]["verdict"] == "unreachable");
            write(dir / ("check-" + std::string(name) + (strict ? "-strict" : "") + ".json"),
                  r.out);
            ++written;
        }
    }
    CHECK(written >= 6);
}
