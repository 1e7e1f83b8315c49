// How long one raw-engine attempt takes, in wall time and in CPU time of the client's thread,
// against the hostile servers that flood it with tiny records (lab/hostile_server.hpp):
// endless warning alerts, 1-byte handshake fragments, HelloRequests, heartbeats. The server
// runs on its own thread; only the client's decoding is in the CPU figure.
//
//   bench_raw_flood [--runs N] [--timeout MS]
//
// Build it in Release (-O2): ninja -C build bench_raw_flood.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <string_view>

#include "engine/raw_client.hpp"
#include "lab/hostile_server.hpp"

using namespace tlsprobe;
namespace asio = boost::asio;

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t runs = 3;
    std::chrono::milliseconds timeout{10000};
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto next = [&] { return i + 1 < argc ? std::strtoul(argv[++i], nullptr, 10) : 0UL; };
        if (a == "--runs") runs = next();
        else if (a == "--timeout") timeout = std::chrono::milliseconds(next());
        else {
            fmt::print(stderr, "usage: bench_raw_flood [--runs N] [--timeout MS]\n");
            return 2;
        }
    }
    fmt::print("one raw TLS 1.2 attempt per run, timeout {} ms\n", timeout.count());
    for (auto mode :
         {lab::HostileMode::endless_warning_alerts, lab::HostileMode::endless_handshake_fragments,
          lab::HostileMode::endless_hello_requests, lab::HostileMode::endless_heartbeat}) {
        lab::HostileServer server(mode);
        const asio::ip::tcp::endpoint peer(asio::ip::make_address("127.0.0.1"), server.port());
        for (std::size_t run = 0; run < runs; ++run) {
            engine::RawProbeOptions options;
            options.sni = "tlsprobe.test";
            options.timeout = timeout;
            asio::io_context io;
            const auto t0 = std::chrono::steady_clock::now();
            const double cpu0 = thread_cpu_ms();
            auto future =
                asio::co_spawn(io, engine::raw_version_probe(peer, core::Version::tls1_2, options),
                               asio::use_future);
            io.run();
            const auto r = future.get();
            const double cpu = thread_cpu_ms() - cpu0;
            const double wall =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count();
            fmt::print("{:28} run {}: {:8.1f} ms wall, {:8.1f} ms CPU, {}: {:.110}\n",
                       lab::to_string(mode), run + 1, wall, cpu,
                       core::to_string(r.observation.status), r.observation.detail);
        }
    }
    return 0;
}
