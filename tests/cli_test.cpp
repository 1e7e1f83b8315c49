// The command line, driven in-process: parsing, usage errors, exit codes, outputs.
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli_run.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;

namespace {

using Run = test::CliRun;
constexpr auto run = &test::run_cli;

std::string root_ca() { return lab::testcert("root-ca.pem").string(); }

lab::TlsServerConfig good_server() { return lab::config_for_case("good"); }

}  // namespace

TEST_CASE("durations accept seconds, milliseconds and minutes", "[cli]") {
    CHECK(cli::parse_duration("5s") == 5000ms);
    CHECK(cli::parse_duration("500ms") == 500ms);
    CHECK(cli::parse_duration("2.5s") == 2500ms);
    CHECK(cli::parse_duration("1m") == 60000ms);
    CHECK_THROWS_WITH(cli::parse_duration("3"), Catch::Contains("needs a unit: 3s, 3ms or 3m"));
    CHECK_THROWS_WITH(cli::parse_duration("abc"), Catch::Contains("'abc' is not a duration"));
    CHECK_THROWS_WITH(cli::parse_duration("0s"), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(cli::parse_duration("5x"), Catch::Contains("not a duration"));
}

TEST_CASE("help explains the commands and exits 0", "[cli]") {
    auto r = run({"--help"});
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("probe") && Catch::Contains("demo") &&
                          Catch::Contains("Exit codes"));
    CHECK_THAT(r.out, Catch::Contains("Exit codes: 0 ok") && Catch::Contains("4 internal error"));
    auto p = run({"probe", "--help"});
    CHECK(p.code == cli::kOk);
    CHECK_THAT(p.out, Catch::Contains("--connect-to") && Catch::Contains("--ca-file") &&
                          Catch::Contains("Examples"));
}

TEST_CASE("usage errors exit 2 and name the bad value", "[cli]") {
    CHECK(run({}).code == cli::kUsage);
    CHECK(run({"probe"}).code == cli::kUsage);
    auto bad_host = run({"probe", "exa mple.com"});
    CHECK(bad_host.code == cli::kUsage);
    CHECK_THAT(bad_host.err, Catch::Contains("exa mple.com"));
    auto bad_port = run({"probe", "example.com:99999"});
    CHECK(bad_port.code == cli::kUsage);
    CHECK_THAT(bad_port.err, Catch::Contains("99999"));
    auto bad_timeout = run({"probe", "example.com", "--timeout", "soon"});
    CHECK(bad_timeout.code == cli::kUsage);
    CHECK_THAT(bad_timeout.err, Catch::Contains("--timeout") && Catch::Contains("soon"));
    auto both_sni = run({"probe", "example.com", "--sni", "a.example", "--no-sni"});
    CHECK(both_sni.code == cli::kUsage);
    CHECK_THAT(both_sni.err, Catch::Contains("--no-sni"));
    auto bad_format = run({"probe", "example.com", "--format", "xml"});
    CHECK(bad_format.code == cli::kUsage);
    auto missing_ca = run({"probe", "127.0.0.1:1", "--ca-file", "/nonexistent/corp-root.pem"});
    CHECK(missing_ca.code == cli::kUsage);
    CHECK_THAT(missing_ca.err, Catch::Contains("corp-root.pem"));
}

TEST_CASE("typos get a tlsprobe: message with a suggestion, exit 2", "[cli]") {
    const auto command = run({"prob", "example.com"});
    CHECK(command.code == cli::kUsage);
    CHECK(command.err ==
          "tlsprobe: unknown command 'prob' (did you mean 'probe'?); the commands are probe, "
          "demo, scan, merge, check, policy, cert, diff\n");
    const auto option = run({"probe", "--timout", "3s", "example.com"});
    CHECK(option.code == cli::kUsage);
    CHECK_THAT(option.err, Catch::StartsWith("tlsprobe: probe: unknown option '--timout' (did "
                                             "you mean '--timeout'?)"));
    CHECK_THAT(option.err, !Catch::Contains("unexpected argument"));  // its value's fallout
    const auto far = run({"scan", "--zzzzzz", "hosts.txt"});
    CHECK(far.code == cli::kUsage);
    CHECK_THAT(far.err,
               Catch::Contains("unknown option '--zzzzzz'") && !Catch::Contains("did you mean"));
    const auto nothing = run({});
    CHECK_THAT(nothing.err, Catch::StartsWith("tlsprobe: a command is required"));
    const auto value = run({"probe", "example.com", "--http-port", "abc"});
    CHECK(value.code == cli::kUsage);
    CHECK_THAT(value.err,
               Catch::StartsWith("tlsprobe: probe: --http-port") && Catch::Contains("abc"));
    const auto demo = run({"demo", "healthy", "helthy"});
    CHECK(demo.code == cli::kUsage);
    CHECK_THAT(demo.err, Catch::Contains("unknown scenario 'helthy' (did you mean 'healthy'?)"));
    const auto bare = run({"probe", "example.com", "--timeout", "3"});
    CHECK(bare.code == cli::kUsage);
    CHECK_THAT(bare.err, Catch::Contains("'3' needs a unit"));
}

TEST_CASE("version flags -V and --version on every subcommand, footers only where they apply",
          "[cli]") {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"-V"},
                                                 {"--version"},
                                                 {"probe", "-V"},
                                                 {"scan", "--version"},
                                                 {"check", "-V"},
                                                 {"policy", "-V"},
                                                 {"demo", "-V"}}) {
        const auto r = run(args);
        INFO(args.front());
        CHECK(r.code == cli::kOk);
        CHECK(r.out == fmt::format("tlsprobe {}\n", cli::version_string()));
    }
    CHECK_FALSE(cli::version_string().empty());
    // The top-level exit codes describe probe; policy and demo have none of their own.
    CHECK_THAT(run({"policy", "--help"}).out, !Catch::Contains("Exit codes"));
    CHECK_THAT(run({"demo", "--help"}).out, !Catch::Contains("Exit codes"));
    CHECK_THAT(run({"--help"}).out, Catch::Contains("Exit codes"));
}

TEST_CASE("a refused port exits 3 and the JSON says refused", "[cli][loopback]") {
    const auto port = lab::closed_port();
    auto r =
        run({"probe", "127.0.0.1:" + std::to_string(port), "--timeout", "1s", "--format", "json"});
    CHECK(r.code == cli::kUnreachable);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["schema_version"] == 1);
    CHECK(j["versions"]["tls1_2"]["status"] == "refused");
    CHECK(j["findings"][0]["id"] == "target.unreachable");
}

TEST_CASE("a healthy loopback server exits 0, text and file output", "[cli][loopback]") {
    lab::TlsServer server(good_server());
    const auto target = "tlsprobe.test:" + std::to_string(server.port());
    auto r = run({"probe", target, "--connect-to", "127.0.0.1", "--ca-file", root_ca(), "--timeout",
                  "2s", "--no-color"});
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("Protocols") && Catch::Contains("trusted") &&
                          Catch::Contains("tlsprobe.test"));
    CHECK(r.out.find("\x1b[") == std::string::npos);

    const auto file = std::filesystem::temp_directory_path() /
                      ("tlsprobe-cli-test-" + std::to_string(server.port()) + ".json");
    // `-o -` is standard output, not a file named "-".
    auto dash = run({"probe", target, "--connect-to", "127.0.0.1", "--ca-file", root_ca(),
                     "--format", "json", "--quick", "-o", "-"});
    CHECK(dash.code == cli::kOk);
    CHECK(nlohmann::json::parse(dash.out)["chain"]["trusted"] == true);
    CHECK_FALSE(std::filesystem::exists("-"));
    auto f = run({"probe", target, "--connect-to", "127.0.0.1", "--ca-file", root_ca(), "--format",
                  "json", "-o", file.string()});
    CHECK(f.code == cli::kOk);
    CHECK(f.out.empty());
    std::ifstream in(file);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["chain"]["trusted"] == true);
    CHECK(j["versions"]["tls1_3"]["supported"] == true);
    std::filesystem::remove(file);
}

TEST_CASE("the system trust store does not trust the test root: exit 1", "[cli][loopback]") {
    lab::TlsServer server(good_server());
    auto r = run({"probe", "tlsprobe.test:" + std::to_string(server.port()), "--connect-to",
                  "127.0.0.1", "--timeout", "2s", "--format", "json"});
    CHECK(r.code == cli::kFindings);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["chain"]["trusted"] == false);
}

TEST_CASE("a server that resets every hello exits 1 with tls.unavailable", "[cli][loopback]") {
    lab::RawServer server(lab::reset_after_hello());
    auto r = run({"probe", "127.0.0.1:" + std::to_string(server.port()), "--timeout", "1s",
                  "--format", "json"});
    CHECK(r.code == cli::kFindings);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["versions"]["tls1_2"]["status"] == "reset");
    CHECK(j["findings"][0]["id"] == "tls.unavailable");
}

TEST_CASE("demo lists its scenarios", "[cli]") {
    auto r = run({"demo", "--list"});
    CHECK(r.code == cli::kOk);
    CHECK_THAT(r.out, Catch::Contains("healthy") && Catch::Contains("sni-required") &&
                          Catch::Contains("S3"));
    auto unknown = run({"demo", "no-such-scenario"});
    CHECK(unknown.code == cli::kUsage);
}

TEST_CASE("an unexpected exception in a subcommand exits 4 with an internal-error message",
          "[cli]") {
    // The real table plus two commands that fail the two ways a subcommand can.
    auto table = cli::commands();
    table.push_back({"boom", "throws a std::exception", [](CLI::App&) -> cli::CommandRun {
                         return [](std::ostream&, std::ostream&) -> int {
                             throw std::runtime_error("disk on fire");
                         };
                     }});
    table.push_back({"typo", "throws a UsageError", [](CLI::App&) -> cli::CommandRun {
                         return [](std::ostream&, std::ostream&) -> int {
                             throw cli::UsageError("--frob: no such thing");
                         };
                     }});
    std::ostringstream out, err;
    CHECK(cli::run({"boom"}, out, err, table) == cli::kInternal);
    CHECK(err.str() == "tlsprobe: internal error: disk on fire\n");
    CHECK(cli::kInternal == 4);

    std::ostringstream out2, err2;
    CHECK(cli::run({"typo"}, out2, err2, table) == cli::kUsage);
    CHECK(err2.str() == "tlsprobe: --frob: no such thing\n");

    // Not even a non-std exception escapes: run never throws.
    std::ostringstream err3;
    CHECK(cli::run_guarded(err3, []() -> int { throw 42; }) == cli::kInternal);
    CHECK_THAT(err3.str(), Catch::StartsWith("tlsprobe: internal error"));

    // The real commands are still there and still parse.
    std::ostringstream out4, err4;
    CHECK(cli::run({"demo", "--list"}, out4, err4, table) == cli::kOk);
    CHECK_THAT(out4.str(), Catch::Contains("healthy"));
}

TEST_CASE("every subcommand of the table is in --help and has its own --help", "[cli]") {
    const auto help = run({"--help"});
    for (const auto& command : cli::commands()) {
        INFO(command.name);
        CHECK_THAT(help.out, Catch::Contains(command.name));
        CHECK(run({command.name, "--help"}).code == cli::kOk);
    }
}
