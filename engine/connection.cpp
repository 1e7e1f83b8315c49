#include "engine/connection.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <fmt/format.h>

#include "engine/net_buffer.hpp"

namespace tlsprobe::engine {

using core::Micros;
using core::Phase;
using core::Status;
using core::TraceEvent;
namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

std::string endpoint_text(const asio::ip::tcp::endpoint& e) {
    return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                               : fmt::format("{}:{}", e.address().to_string(), e.port());
}

namespace {
std::atomic<std::size_t> g_net_buffers{0};
}  // namespace

std::unique_ptr<NetBuffer> allocate_net_buffer() {
    g_net_buffers.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique_for_overwrite<NetBuffer>();
}

std::size_t net_buffers_allocated() { return g_net_buffers.load(std::memory_order_relaxed); }

Micros AttemptLog::now() const { return std::chrono::duration_cast<Micros>(Clock::now() - start); }

double AttemptLog::ms_since_hello() const {
    return std::chrono::duration<double, std::milli>(Clock::now() - hello_sent_at).count();
}

void AttemptLog::event(TraceEvent::Direction d, std::string summary) {
    if (trace) obs.trace.push_back({now(), d, std::move(summary)});
}

void AttemptLog::received(std::size_t n) {
    bytes_received += n;
    last_byte_at = Clock::now();
}

void AttemptLog::fail(Status s, std::string detail) {
    obs.status = s;
    obs.detail = std::move(detail);
    obs.elapsed = now() - obs.connect_time;
}

asio::awaitable<bool> connect_with_timeout(beast::tcp_stream& stream, asio::ip::tcp::endpoint peer,
                                           std::chrono::milliseconds timeout, AttemptLog& log) {
    log.obs.address = endpoint_text(peer);
    stream.expires_after(timeout);
    log.event(TraceEvent::Direction::local, "TCP connect to " + log.obs.address);
    // GCC 12 miscompiles co_await inside if-initialisers and braced initialisers (double
    // destruction of temporaries): a plain statement.
    const auto [ec] = co_await stream.async_connect(peer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
        log.obs.phase = Phase::connect;
        log.obs.connect_time = log.now();
        if (ec == beast::error::timeout)
            log.fail(Status::timeout,
                     fmt::format("TCP connect did not complete within {} ms", timeout.count()));
        else if (ec == asio::error::connection_refused)
            log.fail(Status::refused,
                     "connection refused: nothing listens on that port, or a firewall rejects it");
        // The three-way handshake completed and the server reset the connection before the
        // connect's completion was read (SO_ERROR = ECONNRESET): something listens and said no.
        else if (ec == asio::error::connection_reset)
            log.fail(Status::reset,
                     "the server reset the connection (RST) as soon as it was accepted, before the "
                     "ClientHello");
        else if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable)
            log.fail(Status::unreachable, "no route to the host: " + ec.message());
        else log.fail(Status::unreachable, "TCP connect failed: " + ec.message());
        log.obs.elapsed = Micros{0};
        co_return false;
    }
    log.obs.connect_time = log.now();
    // A connect to a loopback port in the ephemeral range where nothing listens can reach
    // the socket itself (TCP simultaneous open: local and remote endpoint are equal). Nothing
    // listens there: that is a refusal, not a peer that speaks.
    boost::system::error_code local_ec, remote_ec;
    const auto local = stream.socket().local_endpoint(local_ec);
    const auto remote = stream.socket().remote_endpoint(remote_ec);
    if (!local_ec && !remote_ec && local == remote) {
        log.obs.phase = Phase::connect;
        log.fail(Status::refused,
                 "connection refused: nothing listens on that port (the connect reached its own "
                 "socket)");
        log.obs.elapsed = Micros{0};
        co_return false;
    }
    log.event(TraceEvent::Direction::local,
              fmt::format("TCP connected in {:.1f} ms", log.obs.connect_time.count() / 1000.0));
    boost::system::error_code ignored;
    stream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    co_return true;
}

void record_io_failure(AttemptLog& log, const boost::system::error_code& ec,
                       std::chrono::milliseconds timeout) {
    const bool answered = log.bytes_received > 0;
    log.obs.phase = answered ? Phase::handshake : Phase::hello;
    const auto after = answered ? fmt::format("after {} bytes from the server", log.bytes_received)
                                : std::string("after the ClientHello");
    const double ms = log.ms_since_hello();
    if (ec == beast::error::timeout) {
        if (!answered) {
            log.event(TraceEvent::Direction::local,
                      fmt::format("no reply within {} ms", timeout.count()));
            log.fail(Status::timeout,
                     fmt::format("no reply within {} ms after the ClientHello", timeout.count()));
        } else {
            const double quiet =
                std::chrono::duration<double, std::milli>(Clock::now() - log.last_byte_at).count();
            log.event(TraceEvent::Direction::local,
                      fmt::format("handshake incomplete after {} ms", timeout.count()));
            log.fail(Status::timeout, fmt::format("the handshake did not complete within {} ms: {} "
                                                  "bytes arrived, the last {:.0f} ms "
                                                  "before the deadline",
                                                  timeout.count(), log.bytes_received, quiet));
        }
    } else if (ec == asio::error::eof) {
        log.event(TraceEvent::Direction::received, fmt::format("FIN after {:.0f} ms", ms));
        log.fail(Status::closed, fmt::format("the server closed the connection (FIN) {}", after));
    } else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        log.event(TraceEvent::Direction::received, fmt::format("RST after {:.0f} ms", ms));
        log.fail(Status::reset, fmt::format("the server reset the connection (RST) {}", after));
    } else {
        log.fail(Status::internal_error, "socket error: " + ec.message());
    }
}

}  // namespace tlsprobe::engine
