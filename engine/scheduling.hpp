// Bounded concurrency on one executor (shared by the probe orchestration and the cipher
// enumeration, which both cap the connections to one target).
#pragma once

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

namespace tlsprobe::engine {

// Runs `body(i)` for every i in [0, count), at most `limit` at a time, and returns when all
// have finished. `limit` workers pull the next index, so a slow item never holds back
// the others. The executor must be single-threaded (one thread runs the io_context), since
// the workers share the index without a lock. An exception from a body is rethrown after
// every worker has finished.
template <typename Body>
boost::asio::awaitable<void> for_each_bounded(std::size_t count, std::size_t limit, Body body) {
    namespace asio = boost::asio;
    if (count == 0) co_return;
    auto executor = co_await asio::this_coro::executor;
    std::size_t next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < count) {
            const std::size_t i = next++;
            co_await body(i);
        }
    };
    using Op = decltype(asio::co_spawn(executor, worker(), asio::deferred));
    std::vector<Op> workers;
    const std::size_t n = std::clamp<std::size_t>(limit, 1, count);
    for (std::size_t w = 0; w < n; ++w)
        workers.push_back(asio::co_spawn(executor, worker(), asio::deferred));
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(workers))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace tlsprobe::engine
