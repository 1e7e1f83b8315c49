#include "lab/server_thread.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tlsprobe::lab::detail {
namespace {

using namespace asio::experimental::awaitable_operators;

// Accept errors in a row (EMFILE, ENOBUFS) after which the accept loop gives up instead of
// spinning; the server then refuses nothing but serves nobody, which a test notices.
constexpr int kMaxAcceptErrors = 100;

tcp::endpoint loopback_endpoint(Loopback where) {
    return where == Loopback::ipv6 ? tcp::endpoint(asio::ip::address_v6::loopback(), 0)
                                   : tcp::endpoint(asio::ip::address_v4::loopback(), 0);
}

// Handlers are written not to throw, but a lab bug must cost one connection, not the
// server: an exception escaping here would also make `||` below wait for the watchdog.
asio::awaitable<void> run_guarded(const ServerThread::Handler& handler, tcp::socket& socket) {
    try {
        co_await handler(socket);
    } catch (...) {
    }
}

// Closes the socket once the connection has lived kConnectionLifetime: every operation
// pending on it then completes with operation_aborted, so no handler can outlive the cap.
asio::awaitable<void> watchdog(tcp::socket& socket) {
    asio::steady_timer timer(co_await asio::this_coro::executor, kConnectionLifetime);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) {
        boost::system::error_code ignored;
        socket.close(ignored);
    }
}

}  // namespace

ServerThread::ServerThread(Loopback where, Handler handler)
    : handler_(std::move(handler)), acceptor_(ioc_) {
    const auto endpoint = loopback_endpoint(where);
    acceptor_.open(endpoint.protocol());
    if (where == Loopback::ipv6) acceptor_.set_option(asio::ip::v6_only(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    auto finished = finished_.get_future();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] {
        try {
            ioc_.run();
        } catch (...) {
        }
        finished_.set_value();
    });
    finished_future_ = std::move(finished);
}

ServerThread::~ServerThread() {
    asio::post(ioc_, [this] { shutdown(); });
    // Normally every coroutine ends within milliseconds of its socket closing; the hard stop
    // is for a handler stuck on something the close did not reach.
    if (finished_future_.wait_for(kStopGrace) != std::future_status::ready) ioc_.stop();
    thread_.join();
}

void ServerThread::shutdown() {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (tcp::socket* s : live_) s->close(ignored);
}

asio::awaitable<void> ServerThread::accept_loop() {
    for (int errors = 0; !stopping_ && errors < kMaxAcceptErrors;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) co_return;
            ++errors;
            continue;
        }
        errors = 0;
        ++accepted_;
        if (live_.size() >= kMaxLiveConnections) {
            socket.close(ec);
            continue;
        }
        asio::co_spawn(ioc_, serve(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> ServerThread::serve(tcp::socket socket) {
    live_.insert(&socket);
    struct Unregister {
        std::set<tcp::socket*>& live;
        tcp::socket* socket;
        ~Unregister() { live.erase(socket); }
    } unregister{live_, &socket};
    // Spawned after shutdown() already ran: its close never saw this socket.
    if (!stopping_) co_await (run_guarded(handler_, socket) || watchdog(socket));
    boost::system::error_code ignored;
    socket.close(ignored);
}

asio::awaitable<std::optional<std::size_t>> read_some_until(
    tcp::socket& socket, asio::mutable_buffer buffer,
    std::chrono::steady_clock::time_point deadline, boost::system::error_code& ec) {
    asio::steady_timer timer(socket.get_executor(), deadline);
    auto result = co_await (socket.async_read_some(buffer, asio::as_tuple(asio::use_awaitable)) ||
                            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1) co_return std::nullopt;
    auto [read_ec, n] = std::get<0>(result);
    ec = read_ec;
    co_return n;
}

}  // namespace tlsprobe::lab::detail
