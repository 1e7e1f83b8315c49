// engine::ConnectionBudget (--max-connections): the cap over all targets and threads, the
// hand-over to waiters in order, a cancelled waiter leaving the queue, and the Engines
// wrapper holding one slot per connection. The inner engines here are stand-ins that hold
// their "connection" for a short timer, so several overlap; no socket is opened.
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/connection_budget.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Counts the operations running at once, over every thread.
class CountingEngines final : public engine::Engines {
public:
    std::atomic<int> now{0}, most{0}, done{0};

    asio::awaitable<engine::Resolution> resolve(std::string, std::uint16_t,
                                                std::chrono::milliseconds) override {
        co_return engine::Resolution{};
    }
    asio::awaitable<core::Observation> handshake(engine::Endpoint, engine::HandshakeSpec) override {
        co_await hold();
        co_return core::Observation{};
    }
    asio::awaitable<engine::RawResult> raw_version(engine::Endpoint, core::Version,
                                                   engine::RawProbeOptions) override {
        co_await hold();
        co_return engine::RawResult{};
    }
    asio::awaitable<engine::RawResult> raw(engine::Endpoint, engine::RawHello,
                                           engine::RawClientOptions) override {
        co_await hold();
        co_return engine::RawResult{};
    }
    asio::awaitable<engine::HttpCheck> http(engine::Endpoint, std::string,
                                            std::chrono::milliseconds) override {
        co_await hold();
        co_return engine::HttpCheck{};
    }
    asio::awaitable<engine::SessionResult> session(engine::Endpoint, engine::SessionSpec) override {
        co_await hold();
        co_return engine::SessionResult{};
    }

    asio::awaitable<engine::FetchResult> fetch(engine::FetchRequest) override {
        co_await hold();
        co_return engine::FetchResult{};
    }

private:
    asio::awaitable<void> hold() {
        const int n = ++now;
        int seen = most.load();
        while (n > seen && !most.compare_exchange_weak(seen, n)) {
        }
        asio::steady_timer t(co_await asio::this_coro::executor, 2ms);
        co_await t.async_wait(asio::use_awaitable);
        --now;
        ++done;
    }
};

// One operation of kind `kind` % 6 (named arguments: GCC 12 and temporaries in co_await).
asio::awaitable<void> one_op(std::shared_ptr<engine::Engines> engines, int kind) {
    const engine::Endpoint peer(asio::ip::make_address("127.0.0.1"), 1);
    switch (kind % 6) {
        case 0: {
            engine::HandshakeSpec spec;
            co_await engines->handshake(peer, spec);
            break;
        }
        case 1: {
            engine::RawProbeOptions options;
            co_await engines->raw_version(peer, core::Version::tls1_2, options);
            break;
        }
        case 2: {
            engine::RawHello hello;
            engine::RawClientOptions options;
            co_await engines->raw(peer, hello, options);
            break;
        }
        case 3: {
            std::string host = "h";
            co_await engines->http(peer, host, std::chrono::milliseconds(1000));
            break;
        }
        case 4: {
            engine::FetchRequest request;
            co_await engines->fetch(request);
            break;
        }
        default: {
            engine::SessionSpec spec;
            co_await engines->session(peer, spec);
            break;
        }
    }
}

}  // namespace

TEST_CASE("connection budget: never more slots held than the limit, over two threads",
          "[budget][engine]") {
    auto inner = std::make_shared<CountingEngines>();
    auto budget = std::make_shared<engine::ConnectionBudget>(3);
    auto engines = engine::with_connection_budget(inner, budget);
    constexpr int kPerThread = 12;
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int t = 0; t < 2; ++t) {
        contexts.push_back(std::make_unique<asio::io_context>(1));
        for (int i = 0; i < kPerThread; ++i) {
            // Every kind of operation that opens a connection takes a slot.
            auto op = [](std::shared_ptr<engine::Engines> e, int kind) { return one_op(e, kind); };
            asio::co_spawn(*contexts.back(), op(engines, i), asio::detached);
        }
    }
    std::thread other([&] { contexts[1]->run(); });
    contexts[0]->run();
    other.join();
    CHECK(inner->done == 2 * kPerThread);
    CHECK(inner->most <= 3);
    CHECK(budget->peak() == 3);  // the cap was reached, so it was the cap that held
    CHECK(budget->in_use() == 0);
    CHECK(budget->waiting() == 0);
}

TEST_CASE("connection budget: a freed slot goes to the first waiter", "[budget][engine]") {
    asio::io_context io(1);
    auto budget = std::make_shared<engine::ConnectionBudget>(1);
    std::vector<int> order;
    auto first = std::make_unique<engine::ConnectionBudget::Permit>();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            *first = co_await budget->acquire();
            for (int i = 0; i < 3; ++i)
                asio::co_spawn(
                    io,
                    [&, i]() -> asio::awaitable<void> {
                        auto p = co_await budget->acquire();
                        order.push_back(i);
                        CHECK(budget->in_use() == 1);
                    },
                    asio::detached);
        },
        asio::detached);
    io.poll();
    CHECK(budget->waiting() == 3);
    CHECK(order.empty());
    first.reset();  // the slot passes to waiter 0, then 1, then 2
    io.restart();
    io.run();
    CHECK(order == std::vector<int>{0, 1, 2});
    CHECK(budget->in_use() == 0);
    CHECK(budget->waiting() == 0);
}

TEST_CASE("connection budget: a cancelled waiter leaves the queue and takes no slot",
          "[budget][engine]") {
    using namespace asio::experimental::awaitable_operators;
    asio::io_context io(1);
    auto budget = std::make_shared<engine::ConnectionBudget>(1);
    bool timed_out = false;
    auto held = std::make_unique<engine::ConnectionBudget::Permit>();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            *held = co_await budget->acquire();
            // As the scan's per-target deadline does: the timer wins and cancels the wait.
            asio::steady_timer deadline(io, 1ms);
            auto r = co_await (budget->acquire() ||
                               deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
            timed_out = r.index() == 1;
        },
        asio::detached);
    io.run();
    CHECK(timed_out);
    CHECK(budget->waiting() == 0);
    CHECK(budget->in_use() == 1);
    held.reset();
    CHECK(budget->in_use() == 0);
    // The slot is free for the next one at once.
    bool got = false;
    io.restart();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto p = co_await budget->acquire();
            got = p.held();
        },
        asio::detached);
    io.run();
    CHECK(got);
}

TEST_CASE("connection budget: the default follows the open-file limit", "[budget][engine]") {
    CHECK(engine::default_max_connections(1024) == 960);
    CHECK(engine::default_max_connections(1048576) == 1048512);
    CHECK(engine::default_max_connections(10) == 1);
    CHECK(engine::default_max_connections(0, 4096) == 4096);  // unlimited
    CHECK_THROWS(engine::ConnectionBudget(0));
}
