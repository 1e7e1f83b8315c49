// Runs one coroutine to completion on a private io_context: how tests call the engines.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace tlsprobe::testing {

template <typename T>
T run_awaitable(boost::asio::awaitable<T> op) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
    io.run();
    return future.get();
}

}  // namespace tlsprobe::testing
