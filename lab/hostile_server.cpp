#include "lab/hostile_server.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <random>

#include "lab/server_thread.hpp"
#include "wire/client_hello_parser.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;
namespace {

namespace asio = boost::asio;
using detail::tcp;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

constexpr auto kHelloWindow = std::chrono::seconds(1);
constexpr auto kDrainWindow = std::chrono::milliseconds(500);
constexpr std::size_t kMaxHello = 64 * 1024;
constexpr int kMaxReads = 4096;
constexpr std::size_t kChunk = 16 * 1024;
constexpr int kMaxHrr = 8;  // hrr_loop answers at most this many hellos on one connection

// RFC 8446 §4.1.3: the Random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
constexpr std::array<std::uint8_t, 32> kHrrRandom{
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

void put16(Bytes& b, std::size_t v) {
    b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
    b.push_back(static_cast<std::uint8_t>(v & 0xff));
}
void put24(Bytes& b, std::size_t v) {
    b.push_back(static_cast<std::uint8_t>((v >> 16) & 0xff));
    put16(b, v);
}
void append(Bytes& b, ByteView v) { b.insert(b.end(), v.begin(), v.end()); }

Bytes record(std::uint8_t type, ByteView body, std::uint16_t version = 0x0303) {
    Bytes r{type};
    put16(r, version);
    put16(r, body.size());
    append(r, body);
    return r;
}

Bytes handshake(std::uint8_t type, ByteView body,
                std::optional<std::size_t> claimed_length = std::nullopt) {
    Bytes h{type};
    put24(h, claimed_length.value_or(body.size()));
    append(h, body);
    return h;
}

Bytes extension(std::uint16_t type, ByteView body) {
    Bytes e;
    put16(e, type);
    put16(e, body.size());
    append(e, body);
    return e;
}

struct HelloFields {
    std::uint16_t legacy_version = 0x0303;
    std::array<std::uint8_t, 32> random{};
    Bytes session_id;
    std::optional<std::size_t> session_id_length;  // as written; default: the real length
    std::uint16_t suite = 0xc02f;                  // ECDHE-RSA-AES128-GCM-SHA256
    std::uint8_t compression = 0;                  // null
    Bytes extensions;
    std::optional<std::size_t> extensions_length;  // as written; default: the real length
};

Bytes server_hello_body(const HelloFields& f) {
    Bytes b;
    put16(b, f.legacy_version);
    append(b, f.random);
    b.push_back(static_cast<std::uint8_t>(f.session_id_length.value_or(f.session_id.size())));
    append(b, f.session_id);
    put16(b, f.suite);
    b.push_back(f.compression);
    put16(b, f.extensions_length.value_or(f.extensions.size()));
    append(b, f.extensions);
    return b;
}

HelloFields tls12_fields() {
    HelloFields f;
    for (std::size_t i = 0; i < f.random.size(); ++i)
        f.random[i] = static_cast<std::uint8_t>(0x40 + i);
    f.extensions = extension(0xff01, Bytes{0});  // renegotiation_info, empty
    return f;
}

// A TLS 1.3 ServerHello (or HelloRetryRequest) echoing the client's session id.
HelloFields tls13_fields(ByteView client_hello) {
    HelloFields f = tls12_fields();
    f.suite = 0x1301;
    const auto parsed = wire::parse_client_hello(client_hello);
    if (parsed.hello) f.session_id = parsed.hello->session_id;
    f.extensions = extension(0x002b, Bytes{0x03, 0x04});
    Bytes share;
    put16(share, 0x001d);
    put16(share, 32);
    for (std::uint8_t i = 0; i < 32; ++i) share.push_back(static_cast<std::uint8_t>(9 + i));
    append(f.extensions, extension(0x0033, share));
    return f;
}

Bytes hrr(ByteView client_hello, std::uint16_t group) {
    HelloFields f = tls13_fields(client_hello);
    f.random = kHrrRandom;
    f.extensions = extension(0x002b, Bytes{0x03, 0x04});
    Bytes g;
    put16(g, group);
    append(f.extensions, extension(0x0033, g));
    return record(22, handshake(2, server_hello_body(f)));
}

Bytes hello_record(const HelloFields& f, std::optional<std::size_t> claimed = std::nullopt) {
    return record(22, handshake(2, server_hello_body(f), claimed));
}

Bytes alert(std::uint8_t level, std::uint8_t description) {
    return record(21, Bytes{level, description});
}

bool is_first_flight_complete(const Bytes& b) {
    if (b.size() < 5) return false;
    if (b[0] >= 20 && b[0] <= 23 && b[1] == 3) return b.size() >= 5u + ((b[3] << 8) | b[4]);
    return true;
}

// One connection: the socket and what the client sent so far.
struct Conn {
    tcp::socket& socket;
    Bytes hello;
};

asio::awaitable<bool> send_bytes(tcp::socket& s, ByteView data) {
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(data.data(), data.size()),
                                              asio::as_tuple(asio::use_awaitable));
    (void)n;
    co_return !ec;
}

asio::awaitable<void> wait_for(tcp::socket& s, std::chrono::milliseconds d) {
    asio::steady_timer timer(s.get_executor(), d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Reads until one full first flight (or 5 bytes of anything), EOF, an error or the deadline.
asio::awaitable<void> read_hello(tcp::socket& s, Bytes& into, Clock::time_point deadline) {
    into.clear();
    std::array<std::uint8_t, 4096> chunk{};
    for (int i = 0; i < kMaxReads && !is_first_flight_complete(into) && into.size() < kMaxHello;
         ++i) {
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(s, asio::buffer(chunk), deadline, ec);
        if (!n || ec) co_return;
        into.insert(into.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(*n));
    }
}

// Reads and drops whatever comes until EOF, an error or the deadline.
asio::awaitable<void> drain(tcp::socket& s, Clock::time_point deadline) {
    std::array<std::uint8_t, 4096> chunk{};
    for (int i = 0; i < kMaxReads * 16; ++i) {
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(s, asio::buffer(chunk), deadline, ec);
        if (!n || ec) co_return;
    }
}

asio::awaitable<void> fin(tcp::socket& s) {
    boost::system::error_code ignored;
    s.shutdown(tcp::socket::shutdown_send, ignored);
    co_await drain(s, Clock::now() + kDrainWindow);
}

void rst(tcp::socket& s) {
    boost::system::error_code ignored;
    s.set_option(tcp::socket::linger(true, 0), ignored);
    s.close(ignored);
}

asio::awaitable<void> hold(tcp::socket& s) {
    co_await drain(s, Clock::now() + detail::kConnectionLifetime);
}

asio::awaitable<void> send_segmented(tcp::socket& s, ByteView data, std::size_t segment,
                                     std::chrono::milliseconds gap) {
    segment = std::max<std::size_t>(segment, 1);
    for (std::size_t at = 0; at < data.size(); at += segment) {
        if (!co_await send_bytes(s, data.subspan(at, std::min(segment, data.size() - at))))
            co_return;
        if (gap.count() > 0) co_await wait_for(s, gap);
    }
}

// Writes what `next` makes, again and again, until the client leaves or kMaxHostileBytes.
template <typename Next>
asio::awaitable<void> endless(tcp::socket& s, Next next) {
    for (std::size_t sent = 0; sent < kMaxHostileBytes;) {
        const Bytes chunk = next();
        if (chunk.empty() || !co_await send_bytes(s, chunk)) co_return;
        sent += chunk.size();
    }
    co_await hold(s);
}

// Repeats `unit` to fill about one 16 KiB write.
Bytes repeated(ByteView unit) {
    Bytes b;
    while (b.size() + unit.size() <= kChunk) append(b, unit);
    return b;
}

// Relays one direction: reads from `from`, writes to `to` in `segment`-byte pieces `gap` apart.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, std::size_t segment,
                           std::chrono::milliseconds gap) {
    std::array<std::uint8_t, 4096> chunk{};
    const auto deadline = Clock::now() + detail::kConnectionLifetime;
    for (std::size_t total = 0; total < kMaxHostileBytes;) {
        boost::system::error_code ec;
        const auto n = co_await detail::read_some_until(from, asio::buffer(chunk), deadline, ec);
        if (!n || ec || *n == 0) break;
        total += *n;
        if (segment >= chunk.size()) {
            if (!co_await send_bytes(to, ByteView(chunk.data(), *n))) break;
        } else {
            co_await send_segmented(to, ByteView(chunk.data(), *n), segment, gap);
        }
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> relay(tcp::socket& client, unsigned short upstream_port, std::size_t segment,
                            std::chrono::milliseconds gap) {
    tcp::socket upstream(client.get_executor());
    const tcp::endpoint to(asio::ip::address_v4::loopback(), upstream_port);
    auto [ec] = co_await upstream.async_connect(to, asio::as_tuple(asio::use_awaitable));
    if (ec || upstream_port == 0) co_return rst(client);
    co_await (pump(client, upstream, kChunk, std::chrono::milliseconds(0)) &&
              pump(upstream, client, segment, gap));
    boost::system::error_code ignored;
    upstream.close(ignored);
}

}  // namespace

std::string_view to_string(HostileMode m) {
    switch (m) {
        case HostileMode::relay_drip: return "relay_drip";
        case HostileMode::relay_fragment_4: return "relay_fragment_4";
        case HostileMode::relay_fragment_7: return "relay_fragment_7";
        case HostileMode::canned_fragmented: return "canned_fragmented";
        case HostileMode::canned_cut_fin: return "canned_cut_fin";
        case HostileMode::canned_cut_rst: return "canned_cut_rst";
        case HostileMode::endless_random: return "endless_random";
        case HostileMode::endless_hello_requests: return "endless_hello_requests";
        case HostileMode::endless_warning_alerts: return "endless_warning_alerts";
        case HostileMode::endless_heartbeat: return "endless_heartbeat";
        case HostileMode::endless_empty_records: return "endless_empty_records";
        case HostileMode::endless_change_cipher_spec: return "endless_change_cipher_spec";
        case HostileMode::endless_handshake_fragments: return "endless_handshake_fragments";
        case HostileMode::oversize_handshake_length: return "oversize_handshake_length";
        case HostileMode::oversize_record: return "oversize_record";
        case HostileMode::sh_truncated_length: return "sh_truncated_length";
        case HostileMode::sh_overlong_length: return "sh_overlong_length";
        case HostileMode::sh_unknown_version: return "sh_unknown_version";
        case HostileMode::sh_tls13_legacy_ssl3: return "sh_tls13_legacy_ssl3";
        case HostileMode::sh_session_id_33: return "sh_session_id_33";
        case HostileMode::sh_duplicate_extension: return "sh_duplicate_extension";
        case HostileMode::sh_extension_past_end: return "sh_extension_past_end";
        case HostileMode::sh_then_hold: return "sh_then_hold";
        case HostileMode::sh_unoffered_extension: return "sh_unoffered_extension";
        case HostileMode::sh_unoffered_suite: return "sh_unoffered_suite";
        case HostileMode::sh_unoffered_compression: return "sh_unoffered_compression";
        case HostileMode::hrr_loop: return "hrr_loop";
        case HostileMode::hrr_unoffered_group: return "hrr_unoffered_group";
        case HostileMode::alert_unknown_255: return "alert_unknown_255";
        case HostileMode::alert_fatal_as_warning: return "alert_fatal_as_warning";
        case HostileMode::ssl2_absurd_lengths: return "ssl2_absurd_lengths";
        case HostileMode::content_type_0: return "content_type_0";
        case HostileMode::content_type_99: return "content_type_99";
        case HostileMode::never_read: return "never_read";
        case HostileMode::immediate_rst: return "immediate_rst";
        case HostileMode::trickle_per_second: return "trickle_per_second";
    }
    return "unknown";
}

std::span<const HostileMode> all_hostile_modes() {
    static constexpr std::array kAll{
        HostileMode::relay_drip,
        HostileMode::relay_fragment_4,
        HostileMode::relay_fragment_7,
        HostileMode::canned_fragmented,
        HostileMode::canned_cut_fin,
        HostileMode::canned_cut_rst,
        HostileMode::endless_random,
        HostileMode::endless_hello_requests,
        HostileMode::endless_warning_alerts,
        HostileMode::endless_heartbeat,
        HostileMode::endless_empty_records,
        HostileMode::endless_change_cipher_spec,
        HostileMode::endless_handshake_fragments,
        HostileMode::oversize_handshake_length,
        HostileMode::oversize_record,
        HostileMode::sh_truncated_length,
        HostileMode::sh_overlong_length,
        HostileMode::sh_unknown_version,
        HostileMode::sh_tls13_legacy_ssl3,
        HostileMode::sh_session_id_33,
        HostileMode::sh_duplicate_extension,
        HostileMode::sh_extension_past_end,
        HostileMode::sh_then_hold,
        HostileMode::sh_unoffered_extension,
        HostileMode::sh_unoffered_suite,
        HostileMode::sh_unoffered_compression,
        HostileMode::hrr_loop,
        HostileMode::hrr_unoffered_group,
        HostileMode::alert_unknown_255,
        HostileMode::alert_fatal_as_warning,
        HostileMode::ssl2_absurd_lengths,
        HostileMode::content_type_0,
        HostileMode::content_type_99,
        HostileMode::never_read,
        HostileMode::immediate_rst,
        HostileMode::trickle_per_second,
    };
    return kAll;
}

Bytes hostile_server_hello() { return hello_record(tls12_fields()); }

struct HostileServer::Impl {
    HostileMode mode;
    HostileOptions options;
    detail::ServerThread thread;  // last: stopped before the mode and options go

    Impl(HostileMode m, HostileOptions o, Loopback where)
        : mode(m),
          options(std::move(o)),
          thread(where, [this](tcp::socket& socket) { return serve(socket); }) {}

    asio::awaitable<void> serve(tcp::socket& s);
    asio::awaitable<void> answer(tcp::socket& s, ByteView client_hello);
};

asio::awaitable<void> HostileServer::Impl::serve(tcp::socket& s) {
    switch (mode) {
        case HostileMode::relay_drip:
            co_return co_await relay(s, options.upstream_port, 1, options.gap);
        case HostileMode::relay_fragment_4:
            co_return co_await relay(s, options.upstream_port, 4, {});
        case HostileMode::relay_fragment_7:
            co_return co_await relay(s, options.upstream_port, 7, {});
        case HostileMode::never_read: {
            // Nothing is read: the ClientHello stays in the kernel until the client gives up.
            asio::steady_timer timer(s.get_executor(), detail::kConnectionLifetime);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        case HostileMode::immediate_rst: co_return rst(s);
        default: break;
    }
    Bytes hello;
    co_await read_hello(s, hello, Clock::now() + kHelloWindow);
    co_await answer(s, hello);
}

asio::awaitable<void> HostileServer::Impl::answer(tcp::socket& s, ByteView client_hello) {
    const Bytes& flight = options.flight;
    switch (mode) {
        case HostileMode::canned_fragmented:
            co_await send_segmented(s, flight, options.segment, {});
            co_return co_await fin(s);
        case HostileMode::canned_cut_fin:
            co_await send_bytes(s, ByteView(flight).first(std::min(options.cut_at, flight.size())));
            co_return co_await fin(s);
        case HostileMode::canned_cut_rst:
            co_await send_bytes(s, ByteView(flight).first(std::min(options.cut_at, flight.size())));
            co_return rst(s);
        case HostileMode::endless_random: {
            std::mt19937 random(11);
            co_return co_await endless(s, [&] {
                Bytes b(kChunk);
                for (auto& byte : b) byte = static_cast<std::uint8_t>(random() & 0xff);
                return b;
            });
        }
        case HostileMode::endless_hello_requests: {
            Bytes messages;
            for (int i = 0; i < 1024; ++i)
                append(messages, handshake(0, {}));  // HelloRequest, empty body
            const Bytes unit = record(22, messages);
            co_return co_await endless(s, [&] { return repeated(unit); });
        }
        case HostileMode::endless_warning_alerts: {
            const Bytes unit = alert(1, 112);
            co_return co_await endless(s, [&] { return repeated(unit); });
        }
        case HostileMode::endless_heartbeat: {
            Bytes hb{1};  // heartbeat_request, payload length 16, payload, 16 bytes padding
            put16(hb, 16);
            hb.resize(hb.size() + 32, 0x5a);
            const Bytes unit = record(24, hb);
            co_return co_await endless(s, [&] { return repeated(unit); });
        }
        case HostileMode::endless_empty_records: {
            const Bytes unit = record(22, {});
            co_return co_await endless(s, [&] { return repeated(unit); });
        }
        case HostileMode::endless_change_cipher_spec: {
            const Bytes unit = record(20, Bytes{1});
            co_return co_await endless(s, [&] { return repeated(unit); });
        }
        case HostileMode::endless_handshake_fragments: {
            // RFC 8446 §5.1 lets a handshake message span any number of records: 1 byte each
            // is legal, and 6 bytes on the wire per byte of a message that never ends.
            Bytes first = hello_record(tls12_fields());
            for (std::uint8_t b : {std::uint8_t{11}, std::uint8_t{0x0f}, std::uint8_t{0xff},
                                   std::uint8_t{0xff}})  // Certificate, 2^20 - 1 bytes
                append(first, record(22, Bytes{b}));
            const Bytes filler = repeated(record(22, Bytes{0x30}));
            bool sent_first = false;
            co_return co_await endless(s, [&] {
                if (sent_first) return filler;
                sent_first = true;
                return first;
            });
        }
        case HostileMode::oversize_handshake_length: {
            // A ServerHello header claiming 2^24-1 bytes, then 16 KiB records of its "body".
            const Bytes first = record(22, handshake(2, Bytes(16000, 0x03), 0xffffff));
            const Bytes filler = record(22, Bytes(16384, 0x03));
            bool sent_first = false;
            co_return co_await endless(s, [&] {
                if (sent_first) return filler;
                sent_first = true;
                return first;
            });
        }
        case HostileMode::oversize_record: {
            Bytes body = handshake(2, server_hello_body(tls12_fields()));
            body.resize(16384 + 2048 + 1, 0);
            co_await send_bytes(s, record(22, body));
            co_return co_await fin(s);
        }
        case HostileMode::sh_truncated_length: {
            const Bytes body = server_hello_body(tls12_fields());
            // 2 (version) + 32 (random) + 1 (sid length) = 35: the message ends before the suite.
            co_await send_bytes(s, record(22, handshake(2, ByteView(body).first(36))));
            co_return co_await fin(s);
        }
        case HostileMode::sh_overlong_length: {
            const Bytes body = server_hello_body(tls12_fields());
            co_await send_bytes(s, record(22, handshake(2, body, body.size() + 100)));
            co_return co_await fin(s);
        }
        case HostileMode::sh_unknown_version: {
            auto f = tls12_fields();
            f.legacy_version = 0x0305;
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_tls13_legacy_ssl3: {
            auto f = tls13_fields(client_hello);
            f.legacy_version = 0x0300;
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_session_id_33: {
            auto f = tls12_fields();
            f.session_id = Bytes(33, 0x33);
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_duplicate_extension: {
            auto f = tls12_fields();
            append(f.extensions, extension(0xff01, Bytes{0}));
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_extension_past_end: {
            auto f = tls12_fields();
            f.extensions_length = f.extensions.size() + 40;
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_unoffered_extension: {
            auto f = tls12_fields();
            append(f.extensions, extension(0x000f, Bytes{1}));  // heartbeat, peer_allowed
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_unoffered_suite: {
            auto f = tls12_fields();
            f.suite = 0x0a0a;  // GREASE (RFC 8701): never a suite anyone offers in earnest
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_unoffered_compression: {
            auto f = tls12_fields();
            f.compression = 1;
            co_await send_bytes(s, hello_record(f));
            co_return co_await fin(s);
        }
        case HostileMode::sh_then_hold:
            co_await send_bytes(s, hello_record(tls12_fields()));
            co_return co_await hold(s);
        case HostileMode::hrr_loop: {
            Bytes hello(client_hello.begin(), client_hello.end());
            for (int i = 0; i < kMaxHrr && !hello.empty(); ++i) {
                if (!co_await send_bytes(s, hrr(hello, 0x0017))) co_return;  // secp256r1
                co_await read_hello(s, hello, Clock::now() + kHelloWindow);
                // A TLS 1.3 client may send a middlebox-compatibility ChangeCipherSpec first.
                if (hello.size() >= 6 && hello[0] == 20) {
                    hello.erase(hello.begin(), hello.begin() + 6);
                    if (!is_first_flight_complete(hello)) {
                        Bytes more;
                        co_await read_hello(s, more, Clock::now() + kHelloWindow);
                        append(hello, more);
                    }
                }
            }
            co_return co_await fin(s);
        }
        case HostileMode::hrr_unoffered_group:
            co_await send_bytes(s, hrr(client_hello, 0x7a7a));
            co_return co_await fin(s);
        case HostileMode::alert_unknown_255:
            co_await send_bytes(s, alert(2, 255));
            co_return co_await fin(s);
        case HostileMode::alert_fatal_as_warning:
            co_await send_bytes(s, alert(1, 40));
            co_return co_await fin(s);
        case HostileMode::ssl2_absurd_lengths: {
            // SSL 2.0 SERVER-HELLO (msg 4): session-id-hit, certificate type 1, version 0x0002,
            // then certificate, cipher-specs and connection-id lengths of 0xffff in a 64-byte
            // record.
            Bytes body{4, 0, 1, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
            body.resize(64, 0x41);
            Bytes r{static_cast<std::uint8_t>(0x80 | (body.size() >> 8)),
                    static_cast<std::uint8_t>(body.size() & 0xff)};
            append(r, body);
            co_await send_bytes(s, r);
            co_return co_await fin(s);
        }
        case HostileMode::content_type_0: {
            const Bytes r = record(0, Bytes{1, 2, 3, 4});  // not inside co_await: GCC 12 rejects an
            co_await send_bytes(s, r);                     // initializer list there
            co_return co_await fin(s);
        }
        case HostileMode::content_type_99: {
            const Bytes r =
                record(99, Bytes{1, 2, 3, 4});  // not inside co_await: GCC 12 rejects an
            co_await send_bytes(s, r);          // initializer list there
            co_return co_await fin(s);
        }
        case HostileMode::trickle_per_second: {
            const Bytes data = flight.empty() ? hello_record(tls12_fields()) : flight;
            co_await send_segmented(s, data, 1, std::chrono::seconds(1));
            co_return co_await fin(s);
        }
        default: co_return;
    }
}

HostileServer::HostileServer(HostileMode mode, HostileOptions options, Loopback where)
    : impl_(std::make_unique<Impl>(mode, std::move(options), where)) {}
HostileServer::~HostileServer() = default;

unsigned short HostileServer::port() const { return impl_->thread.port(); }
std::size_t HostileServer::connections() const { return impl_->thread.connections(); }

}  // namespace tlsprobe::lab
