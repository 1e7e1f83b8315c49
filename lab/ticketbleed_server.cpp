#include "lab/ticketbleed_server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>

#include "core/bytes.hpp"
#include "lab/server_thread.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"

namespace tlsprobe::lab {
namespace {

using namespace boost::asio::experimental::awaitable_operators;
using core::Bytes;
using core::ByteView;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRecord = 5 + (1 << 14) + 2048;
constexpr std::size_t kEcho = 32;
constexpr std::size_t kMaxRelayed = 4 * 1024 * 1024;  // per direction and connection

// Reads until `into` holds one whole TLS record (or the deadline, EOF, kMaxRecord).
asio::awaitable<bool> read_record(tcp::socket& s, Bytes& into, Clock::time_point deadline) {
    std::array<std::uint8_t, 4096> chunk{};
    for (int i = 0; i < 64; ++i) {
        if (into.size() >= 5 && into.size() >= 5 + ((std::size_t{into[3]} << 8) | into[4]))
            co_return true;
        if (into.size() >= kMaxRecord) co_return false;
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(s, asio::buffer(chunk), deadline, ec);
        if (!n || ec || *n == 0) co_return false;
        into.insert(into.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    co_return false;
}

asio::awaitable<bool> send(tcp::socket& s, ByteView b) {
    auto [ec, n] =
        co_await asio::async_write(s, asio::buffer(b.data(), b.size()), asio::as_tuple(asio::use_awaitable));
    (void)n;
    co_return !ec;
}

asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
    std::array<std::uint8_t, 4096> chunk{};
    const auto deadline = Clock::now() + detail::kConnectionLifetime;
    for (std::size_t total = 0; total < kMaxRelayed;) {
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(from, asio::buffer(chunk), deadline, ec);
        if (!n || ec || *n == 0) break;
        total += *n;
        if (!co_await send(to, ByteView(chunk.data(), *n))) break;
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

// The ServerHello record with its session ID replaced by `sid` padded to 32 bytes with the
// pattern; nullopt when `record` does not start with a TLS <= 1.2 ServerHello.
std::optional<Bytes> widen(ByteView record, ByteView sid) {
    // record header (5) | msg type (1) length (3) | version (2) | random (32) | sid length (1)
    constexpr std::size_t kSidAt = 5 + 4 + 2 + 32;
    if (record.size() <= kSidAt || record[0] != static_cast<std::uint8_t>(wire::ContentType::handshake) ||
        record[5] != static_cast<std::uint8_t>(wire::HandshakeType::server_hello))
        return std::nullopt;
    const std::size_t old_length = record[kSidAt];
    if (record.size() < kSidAt + 1 + old_length) return std::nullopt;
    Bytes widened(sid.begin(), sid.end());
    for (std::size_t i = 0; widened.size() < kEcho; ++i)
        widened.push_back(static_cast<std::uint8_t>(kTicketbleedPattern[i % kTicketbleedPattern.size()]));
    const std::size_t grow = kEcho - old_length;
    Bytes out(record.begin(), record.begin() + kSidAt);
    out.push_back(static_cast<std::uint8_t>(kEcho));
    out.insert(out.end(), widened.begin(), widened.end());
    out.insert(out.end(), record.begin() + static_cast<std::ptrdiff_t>(kSidAt + 1 + old_length), record.end());
    const std::size_t record_length = ((std::size_t{record[3]} << 8) | record[4]) + grow;
    out[3] = static_cast<std::uint8_t>(record_length >> 8);
    out[4] = static_cast<std::uint8_t>(record_length & 0xff);
    const std::size_t message_length =
        ((std::size_t{record[6]} << 16) | (std::size_t{record[7]} << 8) | record[8]) + grow;
    out[6] = static_cast<std::uint8_t>(message_length >> 16);
    out[7] = static_cast<std::uint8_t>((message_length >> 8) & 0xff);
    out[8] = static_cast<std::uint8_t>(message_length & 0xff);
    return out;
}

}  // namespace

struct TicketbleedRelay::Impl {
    unsigned short upstream_port;
    std::atomic<std::size_t> rewrites{0};
    detail::ServerThread thread;  // last: stopped before the rest goes

    Impl(unsigned short upstream, Loopback where)
        : upstream_port(upstream),
          thread(where, [this](tcp::socket& socket) { return serve(socket); }) {}

    asio::awaitable<void> serve(tcp::socket& client) {
        tcp::socket upstream(client.get_executor());
        const tcp::endpoint to(asio::ip::address_v4::loopback(), upstream_port);
        auto [ec] = co_await upstream.async_connect(to, asio::as_tuple(asio::use_awaitable));
        boost::system::error_code ignored;
        if (ec) {
            client.close(ignored);
            co_return;
        }
        const auto deadline = Clock::now() + std::chrono::seconds(5);
        Bytes hello;
        if (!co_await read_record(client, hello, deadline) || !co_await send(upstream, hello)) {
            upstream.close(ignored);
            co_return;
        }
        const auto parsed = wire::parse_client_hello(hello);
        bool trigger = false;
        Bytes sid;
        if (parsed.hello && !parsed.hello->ssl2_format && parsed.hello->session_id.size() < kEcho)
            for (const auto& e : parsed.hello->extensions)
                if (e.type == wire::ext::session_ticket && !e.data.empty()) {
                    trigger = true;
                    sid = parsed.hello->session_id;
                }
        if (trigger) {
            Bytes first;
            if (!co_await read_record(upstream, first, deadline)) {
                upstream.close(ignored);
                co_return;
            }
            const std::size_t length = 5 + ((std::size_t{first[3]} << 8) | first[4]);
            const auto record = ByteView(first).first(length);
            if (auto widened = widen(record, sid)) {
                ++rewrites;
                widened->insert(widened->end(), first.begin() + static_cast<std::ptrdiff_t>(length),
                                first.end());
                first = std::move(*widened);
            }
            if (!co_await send(client, first)) {
                upstream.close(ignored);
                co_return;
            }
        }
        co_await (pump(client, upstream) && pump(upstream, client));
        upstream.close(ignored);
    }
};

TicketbleedRelay::TicketbleedRelay(unsigned short upstream_port, Loopback where)
    : impl_(std::make_unique<Impl>(upstream_port, where)) {}
TicketbleedRelay::~TicketbleedRelay() = default;

unsigned short TicketbleedRelay::port() const { return impl_->thread.port(); }
std::size_t TicketbleedRelay::connections() const { return impl_->thread.connections(); }
std::size_t TicketbleedRelay::rewritten() const { return impl_->rewrites.load(); }

}  // namespace tlsprobe::lab
