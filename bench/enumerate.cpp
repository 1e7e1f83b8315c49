// How long a full cipher-suite/group enumeration of a local OpenSSL server takes, and how many
// connections it uses. Starts an in-process lab TLS server (TLS 1.0-1.3, every suite OpenSSL
// has at security level 0, server preference on or off), enumerates every version over raw
// hellos and prints the figures.
//
//   bench_enumerate [--concurrency N] [--block N] [--client-preference] [--runs N] [--rtt MS]
//                   [--ciphers OPENSSL-LIST] [--groups LIST] [--tls12-up]
//
// --block N splits the suites into blocks of N from the start (the old algorithm, for
// comparison); the default offers every candidate in one hello. --ciphers/--groups/--tls12-up
// configure the server (default: every suite, OpenSSL's groups, TLS 1.0-1.3).
//
// --rtt adds MS of waiting before each connection, standing in for a distant server's round
// trip (loopback has none): wall time then shows how many round trips the enumeration needs.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <string_view>

#include "lab/tls_server.hpp"
#include "probe/cipher_enumeration.hpp"

using namespace tlsprobe;
namespace asio = boost::asio;

namespace {
asio::awaitable<probe::ServerChoice> delayed(probe::HelloFn inner, std::chrono::milliseconds rtt,
                                             probe::HelloRequest request) {
    asio::steady_timer timer(co_await asio::this_coro::executor, rtt);
    co_await timer.async_wait(asio::use_awaitable);
    probe::ServerChoice choice = co_await inner(std::move(request));
    co_return choice;
}
}  // namespace

int main(int argc, char** argv) {
    std::size_t concurrency = 8, block = 0, runs = 3, rtt_ms = 0;
    bool server_preference = true;
    std::string ciphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0", groups;
    int min_version = TLS1_VERSION;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto next = [&] { return i + 1 < argc ? std::strtoul(argv[++i], nullptr, 10) : 0UL; };
        if (a == "--concurrency") concurrency = next();
        else if (a == "--block") block = next();
        else if (a == "--runs") runs = next();
        else if (a == "--rtt") rtt_ms = next();
        else if (a == "--client-preference") server_preference = false;
        else if (a == "--ciphers" && i + 1 < argc) ciphers = argv[++i];
        else if (a == "--groups" && i + 1 < argc) groups = argv[++i];
        else if (a == "--tls12-up") min_version = TLS1_2_VERSION;
        else {
            fmt::print(stderr,
                       "usage: bench_enumerate [--concurrency N] [--block N] [--client-preference] "
                       "[--runs N] [--rtt MS] [--ciphers OPENSSL-LIST] [--groups LIST] "
                       "[--tls12-up]\n");
            return 2;
        }
    }

    auto config = lab::config_for_case("good", min_version, TLS1_3_VERSION);
    config.cipher_list = ciphers;
    config.groups = groups;
    config.server_cipher_preference = server_preference;
    config.http_after_handshake = false;
    lab::TlsServer server(config);
    const asio::ip::tcp::endpoint peer(asio::ip::make_address("127.0.0.1"), server.port());

    probe::EnumerationOptions options;
    // The versions the server has, as probe_target enumerates only supported versions.
    options.versions = {core::Version::tls1_2, core::Version::tls1_3};
    if (min_version == TLS1_VERSION)
        options.versions.insert(options.versions.begin(),
                                {core::Version::tls1_0, core::Version::tls1_1});
    options.concurrency = concurrency;
    options.max_suites_per_hello = block;
    engine::RawProbeOptions probe;
    probe.sni = "tlsprobe.test";

    const auto engines = engine::network_engines();  // outlives every hello below
    probe::HelloFn hello = probe::raw_hello_fn(*engines, peer, probe);
    if (rtt_ms > 0) {
        const std::chrono::milliseconds rtt(rtt_ms);
        hello = [inner = hello, rtt](probe::HelloRequest r) {
            return delayed(inner, rtt, std::move(r));
        };
    }

    fmt::print(
        "local OpenSSL {} server, TLS {}-1.3, server preference {}, concurrency {}, {} suites "
        "per hello, simulated RTT {} ms\n",
        OpenSSL_version(OPENSSL_VERSION_STRING), min_version == TLS1_VERSION ? "1.0" : "1.2",
        server_preference ? "on" : "off", concurrency,
        block == 0 ? std::string("all") : fmt::format("<= {}", block), rtt_ms);
    for (std::size_t run = 0; run < runs; ++run) {
        asio::io_context io;
        const auto t0 = std::chrono::steady_clock::now();
        auto future =
            asio::co_spawn(io, probe::enumerate_ciphers(hello, options), asio::use_future);
        io.run();
        const auto e = future.get();
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        std::size_t accepted = 0;
        for (const auto& vc : e.versions) accepted += vc.suites.size() + vc.groups.size();
        fmt::print("run {}: {:.1f} ms wall, {} connections = accepted suites + groups ({}) + {}, "
                   "{} errors\n",
                   run + 1, ms, e.connections, accepted,
                   static_cast<long>(e.connections) - static_cast<long>(accepted), e.errors.size());
        if (run + 1 < runs) continue;
        for (const auto& vc : e.versions) {
            if (!vc.enumerated) continue;
            const auto order = [](const std::optional<bool>& p) {
                return p ? (*p ? "server" : "client") : "-";
            };
            fmt::print(
                "  {:8} {:3} suites, order {:6}, {:2} groups, order {:6}, {:3} connections "
                "(suites + groups + {})\n",
                core::display_name(vc.version), vc.suites.size(), order(vc.server_preference),
                vc.groups.size(), order(vc.group_server_preference), vc.connections,
                static_cast<long>(vc.connections) -
                    static_cast<long>(vc.suites.size() + vc.groups.size()));
        }
        for (const auto& err : e.errors) fmt::print("  error: {}\n", err);
    }
    return 0;
}
