// What the security checks cost a full probe: a full `probe` (versions, enumeration, chain) of
// an in-process healthy lab server (testcerts/good, TLS 1.0-1.3) with no check, then with every
// check kind (probe/checks.cpp), then each check alone on top of the attempts; prints the
// median wall time and the connections the server accepted.
//
//   bench_probe_checks [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <string_view>
#include <vector>

#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "x509/trust_store.hpp"

using namespace tlsprobe;

namespace {

struct Figures {
    double median_ms = 0;
    std::size_t connections = 0;  // per probe
};

Figures measure(const std::vector<std::string>& checks, std::size_t runs) {
    auto config = lab::config_for_case("good", TLS1_VERSION, TLS1_3_VERSION);
    config.cipher_list = "ALL:@SECLEVEL=0";
    lab::TlsServer server(config);
    probe::ProbeOptions options;
    options.trust = std::make_shared<const x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    options.enumerate_ciphers = true;
    options.checks = checks;
    probe::Target target = probe::parse_target("tlsprobe.test:" + std::to_string(server.port()));
    target.connect_to = "127.0.0.1";
    std::vector<double> ms;
    for (std::size_t i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = probe::probe_target_blocking(target, options);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        if (!r.facts.works) {
            fmt::print(stderr, "the probe did not reach the lab server\n");
            std::exit(1);
        }
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], server.connections() / runs};
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t runs = 5;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string_view(argv[i]) == "--runs") runs = std::strtoul(argv[++i], nullptr, 10);
    runs = std::max<std::size_t>(1, runs);
    const auto none = measure({}, runs);
    fmt::print("{:<16} {:>9.1f} ms {:>5} connections\n", "no checks", none.median_ms,
               none.connections);
    std::vector<std::string> all;
    for (const auto* kind : probe::check_kinds()) {
        all.emplace_back(kind->id());
        const auto one = measure({std::string(kind->id())}, runs);
        fmt::print("{:<16} {:>9.1f} ms {:>5} connections\n", "+ " + std::string(kind->id()),
                   one.median_ms, one.connections);
    }
    const auto every = measure(all, runs);
    fmt::print("{:<16} {:>9.1f} ms {:>5} connections ({:.2f}x)\n", "all checks", every.median_ms,
               every.connections, every.median_ms / none.median_ms);
    return 0;
}
