// The scan's shared resolver: lookups in parallel, one per host, bounded by the timeout. A
// fake lookup stands in for getaddrinfo (no DNS traffic) and records how many ran at once.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <thread>

#include "async_run.hpp"
#include "engine/host_resolver.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Answers 192.0.2.x after `delay`; "missing.example" does not resolve. Records the most
// lookups in flight at once.
struct FakeDns {
    std::chrono::milliseconds delay;
    std::atomic<int> in_flight{0}, max_in_flight{0};
    engine::HostResolver::Lookup lookup() {
        return [this](const std::string& host) {
            const int now = ++in_flight;
            int seen = max_in_flight.load();
            while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(delay);
            --in_flight;
            engine::Resolution r;
            if (host == "missing.example") {
                r.status = core::Status::dns_failed;
                r.detail = "'missing.example' does not resolve";
                return r;
            }
            r.endpoints.emplace_back(asio::ip::make_address("192.0.2.1"), 0);
            return r;
        };
    }
};

}  // namespace

TEST_CASE("host resolver: lookups of different names run in parallel", "[scan][dns]") {
    FakeDns dns{100ms};
    engine::HostResolver resolver(8, dns.lookup());
    asio::io_context io;  // one thread, as a scan thread has
    std::vector<engine::Resolution> results(12);
    for (std::size_t i = 0; i < results.size(); ++i)
        asio::co_spawn(
            io,
            [&, i]() -> asio::awaitable<void> {
                engine::Resolution r =
                    co_await resolver.resolve(fmt::format("host{}.example", i), 443, 5s);
                results[i] = std::move(r);
            },
            asio::detached);
    io.run();
    for (const auto& r : results) {
        REQUIRE(r.endpoints.size() == 1);
        CHECK(r.endpoints[0].port() == 443);
    }
    CHECK(resolver.lookups() == 12);
    // Not serialised behind one another (Asio's resolver would give 1).
    CHECK(dns.max_in_flight >= 4);
}

TEST_CASE("host resolver: one lookup per host, shared by concurrent and later callers",
          "[scan][dns]") {
    FakeDns dns{50ms};
    engine::HostResolver resolver(4, dns.lookup());
    asio::io_context io;
    std::vector<engine::Resolution> results;
    for (std::uint16_t port : {443, 8443, 9443})
        asio::co_spawn(
            io,
            [&, port]() -> asio::awaitable<void> {
                engine::Resolution r = co_await resolver.resolve("shop.example", port, 5s);
                results.push_back(std::move(r));
            },
            asio::detached);
    io.run();
    std::vector<std::uint16_t> ports;
    for (const auto& r : results) {
        REQUIRE(r.endpoints.size() == 1);
        ports.push_back(r.endpoints[0].port());
    }
    std::sort(ports.begin(), ports.end());
    CHECK(ports == std::vector<std::uint16_t>{443, 8443, 9443});  // each caller gets its own port
    const auto later = testing::run_awaitable(resolver.resolve("shop.example", 25, 5s));
    REQUIRE(later.endpoints.size() == 1);
    CHECK(later.endpoints[0].port() == 25);
    CHECK(resolver.lookups() == 1);
}

TEST_CASE("host resolver: failures and timeouts are results", "[scan][dns]") {
    FakeDns dns{300ms};
    engine::HostResolver resolver(2, dns.lookup());
    const auto missing = testing::run_awaitable(resolver.resolve("missing.example", 443, 5s));
    CHECK(missing.status == core::Status::dns_failed);
    CHECK(missing.endpoints.empty());
    // A lookup slower than the timeout: the caller gets `timeout`; the lookup still completes
    // and fills the cache for the next caller.
    const auto slow = testing::run_awaitable(resolver.resolve("slow.example", 443, 20ms));
    CHECK(slow.status == core::Status::timeout);
    CHECK_THAT(slow.detail, Catch::Contains("slow.example"));
    const auto again = testing::run_awaitable(resolver.resolve("slow.example", 443, 5s));
    CHECK(again.endpoints.size() == 1);
    CHECK(resolver.lookups() == 2);
}
