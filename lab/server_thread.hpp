// The part every lab server shares: an io_context on its own thread, a loopback acceptor on
// port 0, one coroutine per connection, and a bounded, orderly stop.
//
// Internal to lab/ (it pulls in Asio); the public servers hide it behind a pimpl.
//
//   constructor            destructor
//   bind 127.0.0.1:0       post(shutdown) -> acceptor and every live socket closed
//   co_spawn(accept_loop)  pending reads/handshakes end with operation_aborted
//   std::thread(run)       run() returns when no work is left ... or after kStopGrace,
//                          io_context::stop() and ~io_context destroys what remains
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "lab/loopback.hpp"

namespace tlsprobe::lab::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// How long the destructor lets connections wind down before it stops the io_context hard.
inline constexpr std::chrono::seconds kStopGrace{2};
// No lab connection lives longer than this, whatever the client does: a probe that hangs
// must not keep a test or `tlsprobe demo` alive. `hold` scripts end here at the latest.
inline constexpr std::chrono::seconds kConnectionLifetime{60};
// Connections served at once; more are closed at accept (a lab never needs this many).
inline constexpr std::size_t kMaxLiveConnections = 256;

class ServerThread {
public:
    // Serves one connection. The socket belongs to the caller's frame and stays valid until
    // the returned awaitable completes; the handler may close it (or reset it) itself.
    // Must not throw (failures are what a lab server demonstrates, not errors) and must not
    // block the thread: the stop sequence can cancel awaits, not a blocking call.
    using Handler = std::function<asio::awaitable<void>(tcp::socket&)>;

    // Binds `where`:0 and starts the thread. Throws boost::system::system_error when the
    // address cannot be bound (e.g. ::1 on a host without IPv6).
    ServerThread(Loopback where, Handler handler);
    ~ServerThread();
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    unsigned short port() const { return port_; }
    std::size_t connections() const { return accepted_.load(); }

private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
    void shutdown();  // io thread only

    // Declaration order is destruction order reversed: the io_context (and any coroutine
    // frame it still holds) goes before live_ and handler_, which those frames touch.
    Handler handler_;
    std::set<tcp::socket*> live_;  // io thread only
    bool stopping_ = false;        // io thread only
    asio::io_context ioc_{1};
    tcp::acceptor acceptor_;
    std::atomic<std::size_t> accepted_{0};
    unsigned short port_ = 0;
    std::promise<void> finished_;
    std::future<void> finished_future_;
    std::thread thread_;
};

// One read with a deadline: the byte count (0 with `ec` set on EOF or error), or nullopt
// when the deadline passed first (the read is cancelled before this returns).
asio::awaitable<std::optional<std::size_t>> read_some_until(
    tcp::socket& socket, asio::mutable_buffer buffer,
    std::chrono::steady_clock::time_point deadline, boost::system::error_code& ec);

}  // namespace tlsprobe::lab::detail
