// The vulnerability lab as processes, for hand-run comparisons with other tools (testssl.sh,
// sslscan, nmap) and for timing the checks. Loopback only.
//
//   bench_vuln_lab serve [SECONDS]   starts every lab server below on 127.0.0.1 and prints
//                                    "name port" lines, then serves for SECONDS (default 600)
//   bench_vuln_lab probe PORT        probes 127.0.0.1:PORT as `tlsprobe probe` does (enumeration
//                                    and every check) and prints the vuln./tls.no_ findings
//   bench_vuln_lab time [RUNS]       probes the healthy lab server RUNS times (default 5) as
//                                    `tlsprobe probe` does (enumeration on), with the ALPN check
//                                    only (before the vulnerability checks) and with every
//                                    check, and prints the median wall time of each
//
// Servers: healthy (real OpenSSL, TLS 1.2/1.3), legacy (SSL 3.0-TLS 1.0: RC4, 3DES, EXPORT,
// DHE 1024), ssl2 (a canned SSL 2.0 SERVER-HELLO), features (DEFLATE, no RFC 5746/7627/7366/
// 7507), heartbleed, ccs (an early CCS taken silently), robot_strong, robot_weak, robot_uniform
// (lab/robot_server.hpp, with TLS_RSA suites), ticketbleed (the F5-like relay in front of the
// healthy server).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "judge/verdict.hpp"
#include "lab/hello_servers.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/robot_server.hpp"
#include "lab/scenarios.hpp"
#include "lab/ticketbleed_server.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "x509/trust_store.hpp"

using namespace tlsprobe;
using core::Version;

namespace {

lab::CipherPolicy legacy() {
    lab::CipherPolicy p;
    p.suites = {0x0005, 0x000A, 0x0003, 0x0014, 0x002F, 0x0033};
    p.min_version = Version::ssl3;
    p.max_version = Version::tls1_0;
    p.dh_bits = 1024;
    return p;
}

lab::CipherPolicy modern_raw() {
    lab::CipherPolicy p;
    p.suites = {0xC02F, 0xC013};
    p.min_version = Version::tls1_0;
    p.max_version = Version::tls1_2;
    return p;
}

int serve(long seconds) {
    std::vector<std::pair<std::string, std::unique_ptr<lab::RawServer>>> raw;
    raw.emplace_back("legacy", std::make_unique<lab::RawServer>(lab::cipher_policy_server(legacy())));
    auto features = modern_raw();
    features.deflate = true;
    features.secure_renegotiation = false;
    raw.emplace_back("features",
                     std::make_unique<lab::RawServer>(lab::cipher_policy_server(features)));
    raw.emplace_back("heartbleed",
                     std::make_unique<lab::RawServer>(lab::heartbleed_server(modern_raw())));
    raw.emplace_back("ccs", std::make_unique<lab::RawServer>(lab::ccs_accepting_server(modern_raw())));
    const std::string flights = std::string(TLSPROBE_SOURCE_DIR) + "/tests/data/flights/";
    std::ifstream in(flights + "ssl2_server_hello.bin", std::ios::binary);
    core::Bytes ssl2(std::istreambuf_iterator<char>(in), {});
    raw.emplace_back("ssl2", std::make_unique<lab::RawServer>(lab::canned_flight(ssl2)));
    auto rsa = modern_raw();
    rsa.suites.push_back(0x009C);  // TLS_RSA_WITH_AES_128_GCM_SHA256
    rsa.suites.push_back(0x002F);  // TLS_RSA_WITH_AES_128_CBC_SHA
    raw.emplace_back("robot_strong", std::make_unique<lab::RawServer>(lab::robot_server(
                                         rsa, lab::RobotBehaviour::strong_oracle)));
    raw.emplace_back("robot_weak", std::make_unique<lab::RawServer>(
                                       lab::robot_server(rsa, lab::RobotBehaviour::weak_oracle)));
    raw.emplace_back("robot_uniform", std::make_unique<lab::RawServer>(
                                          lab::robot_server(rsa, lab::RobotBehaviour::uniform)));
    auto healthy = lab::ScenarioServer::start(*lab::find_scenario("healthy"));
    lab::TicketbleedRelay ticketbleed(healthy->port());
    fmt::print("healthy {}\n", healthy->port());
    fmt::print("ticketbleed {}\n", ticketbleed.port());
    for (const auto& [name, server] : raw) fmt::print("{} {}\n", name, server->port());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    return 0;
}

probe::ProbeOptions probe_options(std::vector<std::string> checks) {
    probe::ProbeOptions o;
    o.timeout = std::chrono::seconds(5);
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.enumerate_ciphers = true;
    o.checks = std::move(checks);
    return o;
}

std::vector<std::string> all_checks() {
    std::vector<std::string> all;
    for (const auto* k : probe::check_kinds()) all.emplace_back(k->id());
    return all;
}

int probe_port(const char* port) {
    auto target = probe::parse_target(std::string("tlsprobe.test:") + port);
    target.connect_to = "127.0.0.1";
    auto r = probe::probe_target_blocking(target, probe_options(all_checks()));
    judge::assess(r);
    for (const auto& f : r.findings)
        if (f.id.rfind("vuln.", 0) == 0 || f.id.rfind("tls.no_", 0) == 0)
            fmt::print("{} ({}): {}\n", f.id, probe::to_string(f.severity), f.detail);
    return 0;
}

int time_checks(std::size_t runs) {
    auto healthy = lab::ScenarioServer::start(*lab::find_scenario("healthy"));
    auto target = probe::parse_target("tlsprobe.test:" + std::to_string(healthy->port()));
    target.connect_to = "127.0.0.1";
    const auto measure = [&](std::vector<std::string> checks) {
        std::vector<double> ms;
        for (std::size_t i = 0; i < runs; ++i) {
            const auto o = probe_options(checks);
            const auto start = std::chrono::steady_clock::now();
            const auto r = probe::probe_target_blocking(target, o);
            ms.push_back(std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - start)
                             .count());
            if (r.checks.size() != checks.size())
                fmt::print(stderr, "only {} of {} checks ran\n", r.checks.size(), checks.size());
        }
        std::sort(ms.begin(), ms.end());
        return ms[ms.size() / 2];
    };
    const auto all = all_checks();
    const double before = measure({"alpn"});
    const double after = measure(all);
    fmt::print("healthy lab server, enumeration on, median of {} runs:\n", runs);
    fmt::print("  checks alpn only: {:.1f} ms\n", before);
    fmt::print("  every check ({}): {:.1f} ms ({:.2f}x)\n", fmt::join(all, ", "), after,
               after / before);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view mode = argc >= 2 ? argv[1] : "";
    if (mode == "serve") return serve(argc >= 3 ? std::strtol(argv[2], nullptr, 10) : 600);
    if (mode == "probe" && argc >= 3) return probe_port(argv[2]);
    if (mode == "time")
        return time_checks(argc >= 3 ? std::max(1UL, std::strtoul(argv[2], nullptr, 10)) : 5);
    fmt::print(stderr, "usage: bench_vuln_lab serve [SECONDS] | probe PORT | time [RUNS]\n");
    return 2;
}
