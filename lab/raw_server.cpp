#include "lab/raw_server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>

#include "lab/server_thread.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;
namespace {

namespace asio = boost::asio;
using detail::tcp;
using Clock = std::chrono::steady_clock;

// How long after accept an `after_client_hello` trigger waits for a complete first flight.
constexpr auto kHelloWindow = std::chrono::seconds(1);
// After our FIN, how long `close` keeps reading so that the close is a FIN and not an RST
// (Linux answers close() with RST while unread bytes sit in the receive buffer).
constexpr auto kDrainWindow = std::chrono::milliseconds(500);
constexpr std::size_t kMaxRecorded = 64 * 1024;
constexpr int kMaxReads = 4096;  // bounds every read loop independently of its deadline

// Enough of the first flight to act on: a whole TLS record (RFC 5246 §6.2.1: type 20..23,
// major version 3, uint16 length), or 5 bytes of anything else (an SSLv2 hello, "GET /").
bool is_first_flight_complete(const Bytes& b) {
    if (b.size() < 5) return false;
    if (b[0] >= 20 && b[0] <= 23 && b[1] == 3) return b.size() >= 5u + ((b[3] << 8) | b[4]);
    return true;
}

// What HTTP.sys sends for bytes that are not an HTTP verb (observed on Windows Server
// 2016-2022). The Date is fixed so the bytes are reproducible; nothing parses it.
constexpr std::string_view kHttpSysBody =
    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML "
    "4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
    "<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n"
    "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
    "<BODY><h2>Bad Request - Invalid Verb</h2>\r\n"
    "<hr><p>HTTP Error 400. The request verb is invalid.</p>\r\n"
    "</BODY></HTML>\r\n";

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

std::string_view to_string(RawScript::Trigger t) {
    switch (t) {
        case RawScript::Trigger::on_accept: return "on_accept";
        case RawScript::Trigger::after_client_hello: return "after_client_hello";
    }
    return "after_client_hello";
}

std::string_view to_string(RawScript::Then t) {
    switch (t) {
        case RawScript::Then::reset: return "reset";
        case RawScript::Then::close: return "close";
        case RawScript::Then::hold: return "hold";
    }
    return "close";
}

struct RawServer::Impl {
    RawScript script;
    mutable std::mutex mutex;
    std::vector<Bytes> received;  // guarded by mutex
    detail::ServerThread thread;  // last: stopped before the script and the record go

    Impl(RawScript s, Loopback where)
        : script(std::move(s)),
          thread(where, [this](tcp::socket& socket) { return serve(socket); }) {}

    asio::awaitable<void> serve(tcp::socket& socket);
    // Reads until EOF, an error or the deadline, or with `first_flight_only` until the first
    // flight is complete; records what came and appends it to `into`.
    asio::awaitable<void> read_until(tcp::socket& socket, std::size_t index, Bytes& into,
                                     Clock::time_point deadline, bool first_flight_only);
    void record(std::size_t index, ByteView data) {
        std::lock_guard lock(mutex);
        auto& r = received[index];
        const std::size_t room = kMaxRecorded - std::min(kMaxRecorded, r.size());
        r.insert(r.end(), data.begin(),
                 data.begin() + static_cast<std::ptrdiff_t>(std::min(room, data.size())));
    }
};

asio::awaitable<void> RawServer::Impl::read_until(tcp::socket& socket, std::size_t index,
                                                  Bytes& into, Clock::time_point deadline,
                                                  bool first_flight_only) {
    std::array<std::uint8_t, 4096> chunk{};
    for (int i = 0; i < kMaxReads && !(first_flight_only && is_first_flight_complete(into)); ++i) {
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(socket, asio::buffer(chunk), deadline, ec);
        if (!n || ec) co_return;  // deadline, EOF, reset or the server stopping
        record(index, ByteView(chunk.data(), *n));
        if (into.size() < kMaxRecorded)
            into.insert(into.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(*n));
    }
}

asio::awaitable<void> RawServer::Impl::serve(tcp::socket& socket) {
    std::size_t index = 0;
    {
        std::lock_guard lock(mutex);
        index = received.size();
        received.emplace_back();
    }
    Bytes hello;
    if (script.trigger == RawScript::Trigger::after_client_hello)
        co_await read_until(socket, index, hello, Clock::now() + kHelloWindow, true);

    const Bytes reply = script.respond ? script.respond(hello) : script.send;
    if (!reply.empty())
        co_await asio::async_write(socket, asio::buffer(reply),
                                   asio::as_tuple(asio::use_awaitable));

    std::optional<RawScript::Then> stopped;
    if (script.followup) {
        Bytes since;
        std::array<std::uint8_t, 4096> chunk{};
        const auto deadline = Clock::now() + kHelloWindow;
        for (int i = 0; i < kMaxReads; ++i) {
            boost::system::error_code ec;
            const auto n =
                co_await detail::read_some_until(socket, asio::buffer(chunk), deadline, ec);
            if (!n || ec) break;
            record(index, ByteView(chunk.data(), *n));
            if (since.size() < kMaxRecorded)
                since.insert(since.end(), chunk.begin(),
                             chunk.begin() + static_cast<std::ptrdiff_t>(*n));
            if (script.stop_after && (stopped = script.stop_after(hello, since))) break;
            const Bytes answer = script.followup(hello, since);
            if (!answer.empty()) {
                co_await asio::async_write(socket, asio::buffer(answer),
                                           asio::as_tuple(asio::use_awaitable));
                break;
            }
        }
    }

    boost::system::error_code ignored;
    Bytes rest;
    switch (stopped ? *stopped : script.then_for ? script.then_for(hello) : script.then) {
        case RawScript::Then::reset:
            // SO_LINGER {on, 0}: close() sends RST and discards anything unsent.
            socket.set_option(tcp::socket::linger(true, 0), ignored);
            break;
        case RawScript::Then::close:
            socket.shutdown(tcp::socket::shutdown_send, ignored);
            co_await read_until(socket, index, rest, Clock::now() + kDrainWindow, false);
            break;
        case RawScript::Then::hold:
            // Reads (and records) whatever arrives; the server stopping closes the socket.
            co_await read_until(socket, index, rest, Clock::now() + detail::kConnectionLifetime,
                                false);
            break;
    }
    socket.close(ignored);
}

RawServer::RawServer(RawScript script, Loopback where)
    : impl_(std::make_unique<Impl>(std::move(script), where)) {}
RawServer::~RawServer() = default;

unsigned short RawServer::port() const { return impl_->thread.port(); }
std::size_t RawServer::connections() const { return impl_->thread.connections(); }

std::vector<Bytes> RawServer::received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

namespace {
RawScript script(RawScript::Trigger trigger, Bytes send, RawScript::Then then) {
    RawScript s;
    s.trigger = trigger;
    s.send = std::move(send);
    s.then = then;
    return s;
}
}  // namespace

RawScript reset_after_hello() {
    return script(RawScript::Trigger::after_client_hello, {}, RawScript::Then::reset);
}

RawScript close_after_hello() {
    return script(RawScript::Trigger::after_client_hello, {}, RawScript::Then::close);
}

RawScript alert_after_hello(std::uint8_t description, std::uint16_t record_version) {
    const Bytes alert{21,
                      static_cast<std::uint8_t>(record_version >> 8),
                      static_cast<std::uint8_t>(record_version & 0xff),
                      0,
                      2,
                      2 /* fatal */,
                      description};
    return script(RawScript::Trigger::after_client_hello, alert, RawScript::Then::close);
}

RawScript http_reply(std::string status_line, std::string server) {
    std::string reply = status_line + "\r\nContent-Type: text/html; charset=us-ascii\r\n";
    if (!server.empty()) reply += "Server: " + server + "\r\n";
    reply += "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nConnection: close\r\nContent-Length: " +
             std::to_string(kHttpSysBody.size()) + "\r\n\r\n";
    reply += kHttpSysBody;
    return script(RawScript::Trigger::after_client_hello, to_bytes(reply), RawScript::Then::close);
}

RawScript banner(std::string line) {
    return script(RawScript::Trigger::on_accept, to_bytes(line), RawScript::Then::close);
}

RawScript silent() { return script(RawScript::Trigger::on_accept, {}, RawScript::Then::hold); }

unsigned short closed_port(Loopback where) {
    asio::io_context ioc;
    const auto address = where == Loopback::ipv6
                             ? asio::ip::address(asio::ip::address_v6::loopback())
                             : asio::ip::address(asio::ip::address_v4::loopback());
    const tcp::endpoint endpoint(address, 0);
    tcp::acceptor probe(ioc);
    probe.open(endpoint.protocol());
    probe.bind(endpoint);                  // bound, never listening: connects are refused
    return probe.local_endpoint().port();  // and closed when `probe` goes
}

}  // namespace tlsprobe::lab
