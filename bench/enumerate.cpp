// How long a full cipher-suite/group enumeration of a local OpenSSL server takes, and how many
// connections it uses. Starts an in-process lab TLS server (TLS 1.0-1.3, every suite OpenSSL
// has at security level 0, server preference on or off), enumerates every version over raw
// hellos and prints the figures.
//
//   bench_enumerate [--concurrency N] [--block N] [--client-preference] [--runs N] [--rtt MS]
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
    std::size_t concurrency = 8, block = 128, runs = 3, rtt_ms = 0;
    bool server_preference = true;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto next = [&] { return i + 1 < argc ? std::strtoul(argv[++i], nullptr, 10) : 0UL; };
        if (a == "--concurrency") concurrency = next();
        else if (a == "--block") block = next();
        else if (a == "--runs") runs = next();
        else if (a == "--rtt") rtt_ms = next();
        else if (a == "--client-preference") server_preference = false;
        else {
            fmt::print(stderr,
                       "usage: bench_enumerate [--concurrency N] [--block N] [--client-preference] "
                       "[--runs N] [--rtt MS]\n");
            return 2;
        }
    }

    auto config = lab::config_for_case("good", TLS1_VERSION, TLS1_3_VERSION);
    config.cipher_list = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
    config.server_cipher_preference = server_preference;
    config.http_after_handshake = false;
    lab::TlsServer server(config);
    const asio::ip::tcp::endpoint peer(asio::ip::make_address("127.0.0.1"), server.port());

    probe::EnumerationOptions options;
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
        "local OpenSSL {} server, TLS 1.0-1.3, server preference {}, concurrency {}, <= {} suites "
        "per hello, "
        "simulated RTT {} ms\n",
        OpenSSL_version(OPENSSL_VERSION_STRING), server_preference ? "on" : "off", concurrency,
        block, rtt_ms);
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
        fmt::print("run {}: {:.1f} ms wall, {} connections, {} errors\n", run + 1, ms,
                   e.connections, e.errors.size());
        if (run + 1 < runs) continue;
        for (const auto& vc : e.versions) {
            fmt::print("  {:8} {:3} suites, preference {:7}, {:2} groups, {:3} connections\n",
                       core::display_name(vc.version), vc.suites.size(),
                       vc.server_preference ? (*vc.server_preference ? "server" : "client") : "-",
                       vc.groups.size(), vc.connections);
        }
        for (const auto& err : e.errors) fmt::print("  error: {}\n", err);
    }
    return 0;
}
