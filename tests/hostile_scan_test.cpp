// Issue 11's closing case: one scan whose input holds every hostile server of the lab and
// hostile input lines finishes, writes one record per target and a summary, reports every bad
// line, and exits with a code that reflects the whole file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <set>
#include <sstream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli/scan_command.hpp"
#include "lab/hostile_server.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;

TEST_CASE("hostile scan: every hostile server and hostile input lines in one scan",
          "[hostile][scan][loopback]") {
    lab::TlsServer upstream(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
    std::vector<std::unique_ptr<lab::HostileServer>> servers;
    std::string input = "# every hostile mode of lab/hostile_server.hpp\n";
    for (const auto mode : lab::all_hostile_modes()) {
        lab::HostileOptions options;
        options.upstream_port = upstream.port();
        options.flight = lab::hostile_server_hello();
        options.segment = 3;
        options.cut_at = 20;
        servers.push_back(std::make_unique<lab::HostileServer>(mode, options));
        input += "127.0.0.1:" + std::to_string(servers.back()->port()) + "\n";
    }
    // Hostile lines: NUL, invalid UTF-8 after a NUL, a control byte in the connect-to column,
    // and one far over the line limit. Each is reported and skipped; the scan goes on.
    input += std::string("127.0.0.1\0junk:46199\n", 21);
    input += std::string("127.0.0.1\0\xff\xfe:46197\n", 19);
    input += std::string(
        "tlsprobe.test:443,127.0.0.1\x01"
        "evil\n");
    input += std::string(100000, 'a') + "\n";

    const auto dir =
        fs::temp_directory_path() / ("tlsprobe-hostile-scan-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    { std::ofstream(dir / "hosts.txt", std::ios::binary) << input; }
    cli::ScanArgs a;
    a.input = (dir / "hosts.txt").string();
    a.jsonl = (dir / "out.jsonl").string();
    a.ca_file = lab::testcert("root-ca.pem").string();
    a.timeout = "1s";
    a.concurrency = 16;
    std::ostringstream out, err;
    cli::ScanJobIo io;
    const int code = cli::run_scan_job(a, nullptr, out, err, io);
    INFO(err.str());

    std::ifstream in(a.jsonl);
    std::vector<nlohmann::json> records;
    nlohmann::json summary;
    std::string line;
    while (std::getline(in, line)) {
        const auto j =
            nlohmann::json::parse(line);  // every line parses: nothing torn, nothing invalid
        if (j["record"] == "target") records.push_back(j);
        else summary = j;
    }
    CHECK(records.size() == servers.size());
    std::set<std::string> keys;
    for (const auto& r : records) keys.insert(r["key"].get<std::string>());
    CHECK(keys.size() == servers.size());
    REQUIRE_FALSE(summary.is_null());
    // Not one hostile server is a healthy TLS server: the exit code says so.
    CHECK(code == cli::kFindings);
    // The four bad lines are reported with their line numbers, escaped.
    const auto first_bad = servers.size() + 2;  // after the comment and one line per server
    for (std::size_t n = first_bad; n < first_bad + 4; ++n)
        CHECK_THAT(err.str(), Catch::Contains("line " + std::to_string(n)));
    CHECK(err.str().find('\0') == std::string::npos);
    CHECK(err.str().find('\x01') == std::string::npos);
    std::error_code ec;
    fs::remove_all(dir, ec);
}
