#include "engine/raw_client.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <fmt/format.h>

#include "core/alert.hpp"
#include "engine/connection.hpp"
#include "engine/net_buffer.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::engine {

using core::alert_meaning;
using core::alert_name;
using core::Bytes;
using core::ByteView;
using core::display_name;
using core::hex_dump;
using core::Observation;
using core::Phase;
using core::printable_excerpt;
using core::Status;
using core::TraceEvent;
using core::Version;
using core::version_from_wire;
namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

namespace {

// A first flight is a few certificates; anything this large is not one. Bounds memory and,
// with the decoder's record limits (wire/server_flight.hpp), the work per attempt
// independently of the timer.
constexpr std::size_t kMaxFlightBytes = kMaxHandshakeBytes;

std::string version_text(std::uint16_t wire) {
    const auto v = version_from_wire(wire);
    return v ? std::string(display_name(*v)) : fmt::format("0x{:04x}", wire);
}

std::string alert_text(const wire::AlertRecord& a) {
    if (a.ssl2_error)
        return fmt::format("SSL 2.0 ERROR {}({})", wire::ssl2_error_name(*a.ssl2_error),
                           *a.ssl2_error);
    return fmt::format("Alert {} {}({})", a.level == 2 ? "fatal" : "warning",
                       alert_name(a.description), a.description);
}

std::string kx_text(const wire::KeyExchangeInfo& kx) {
    switch (kx.kind) {
        case wire::KeyExchangeInfo::Kind::ecdhe:
            return std::string(wire::group_name(kx.named_group));
        case wire::KeyExchangeInfo::Kind::dhe: return fmt::format("DH {}", kx.dh_prime_bits);
        case wire::KeyExchangeInfo::Kind::rsa_export:
            return fmt::format("RSA {} (export)", kx.rsa_modulus_bits);
        default: return "";
    }
}

// One trace line per message of the flight, in the order received, as a capture reads.
void trace_flight(AttemptLog& log, const wire::ServerFlight& f) {
    const auto in = TraceEvent::Direction::received;
    if (f.ssl2_hello) {
        log.event(in, fmt::format("SSLv2 SERVER-HELLO, {} cipher kinds, {} certificate(s)",
                                  f.ssl2_hello->cipher_specs.size(), f.certificates.size()));
    }
    for (auto type : f.handshake_types) {
        const auto t = static_cast<wire::HandshakeType>(type);
        if (t == wire::HandshakeType::server_hello && f.hello) {
            const auto& h = *f.hello;
            std::string s = fmt::format(
                "{} {} {}", h.hello_retry_request ? "HelloRetryRequest" : "ServerHello",
                version_text(h.negotiated_wire_version()), wire::cipher_suite_name(h.cipher_suite));
            if (h.key_share_group)
                s += fmt::format(", group {}", wire::group_name(*h.key_share_group));
            if (h.downgrade != wire::DowngradeSentinel::none)
                s += fmt::format(", downgrade sentinel ({})", to_string(h.downgrade));
            log.event(in, std::move(s));
        } else if (t == wire::HandshakeType::certificate) {
            log.event(in, fmt::format("Certificate, {} certificate(s)", f.certificates.size()));
        } else if (t == wire::HandshakeType::server_key_exchange && f.kx) {
            log.event(in, fmt::format("ServerKeyExchange {}", kx_text(*f.kx)));
        } else {
            log.event(in, fmt::format("{}", wire::to_string(t)));
        }
    }
    if (f.alert && (f.kind == wire::ServerFlight::Kind::alert || f.alert->level == 1))
        log.event(in, alert_text(*f.alert));
    if (f.kind == wire::ServerFlight::Kind::not_tls)
        log.event(in, f.service ? fmt::format("not TLS: {} \"{}\"", f.service->protocol,
                                              f.service->banner)
                                : std::string("not TLS"));
    if (f.kind == wire::ServerFlight::Kind::malformed) log.event(in, "malformed: " + f.error);
}

bool offered(const RawHello& hello, std::uint32_t code) {
    return std::find(hello.cipher_suites.begin(), hello.cipher_suites.end(), code) !=
           hello.cipher_suites.end();
}

void fill_from_hello(Observation& o, const wire::ServerHello& h, const wire::ServerFlight& f) {
    o.version = h.negotiated_version();
    o.cipher_id = h.cipher_suite;
    o.cipher = wire::cipher_suite_name(h.cipher_suite);
    if (h.key_share_group) o.group = wire::group_name(*h.key_share_group);
    else if (f.kx) o.group = kx_text(*f.kx);
    if (h.alpn) o.alpn = *h.alpn;
    o.downgrade_sentinel = h.downgrade != wire::DowngradeSentinel::none;
    o.client_certificate_requested = f.certificate_request;
    o.chain = f.certificates;
}

// A ServerHello or HRR: negotiated when version and suite are within the offer.
void judge_server_hello(Observation& o, const wire::ServerFlight& f, const RawHello& hello) {
    const auto& h = *f.hello;
    fill_from_hello(o, h, f);
    const auto chosen = version_text(h.negotiated_wire_version());
    const auto offer = hello.min_version == hello.max_version
                           ? std::string(display_name(hello.max_version))
                           : fmt::format("{}-{}", display_name(hello.min_version),
                                         display_name(hello.max_version));
    if (!o.version || *o.version > hello.max_version) {
        o.status = Status::protocol_error;
        o.detail = fmt::format("the server chose {}, which was not offered ({})", chosen, offer);
    } else if (*o.version < hello.min_version) {
        o.status = Status::protocol_error;
        o.detail = fmt::format("the server answered a {} hello with {}: {} is not supported", offer,
                               chosen, display_name(hello.min_version));
    } else if (auto violation = wire::server_hello_violation(h, hello.offer)) {
        // Outside the offer: a client MUST abort (RFC 8446 §4.1.3-§4.2.8, RFC 5246 §7.4.1.3-4).
        o.status = Status::protocol_error;
        o.detail = std::move(*violation);
    } else {
        o.status = Status::negotiated;
        o.phase = Phase::done;
        o.detail =
            f.kind == wire::ServerFlight::Kind::hello_retry_request
                ? fmt::format("{} with {} (HelloRetryRequest for {})", chosen, o.cipher, o.group)
                : fmt::format("{} with {}", chosen, o.cipher);
    }
}

}  // namespace

bool rejects_hello(const wire::ServerFlight& flight, const RawHello& hello) {
    return flight.hello && wire::server_hello_violation(*flight.hello, hello.offer).has_value();
}

void apply_flight(Observation& o, const wire::ServerFlight& f, const RawHello& hello) {
    using Kind = wire::ServerFlight::Kind;
    o.phase = Phase::handshake;
    switch (f.kind) {
        case Kind::server_hello:
        case Kind::hello_retry_request: judge_server_hello(o, f, hello); break;
        case Kind::ssl2_server_hello: {
            const auto& h = *f.ssl2_hello;
            o.chain = f.certificates;
            std::optional<std::uint32_t> first;
            for (auto c : h.cipher_specs)
                if (offered(hello, c)) {
                    first = c;
                    break;
                }
            if (hello.max_version != Version::ssl2) {
                o.status = Status::protocol_error;
                o.detail = "the server answered with an SSL 2.0 SERVER-HELLO to a TLS hello";
            } else if (!first) {
                o.status = Status::protocol_error;
                o.detail = "the SSL 2.0 SERVER-HELLO lists no cipher kind that was offered";
            } else {
                o.status = Status::negotiated;
                o.phase = Phase::done;
                o.version = Version::ssl2;
                o.cipher = wire::cipher_suite_name(*first);
                o.detail = fmt::format("SSL 2.0, {} cipher kind(s) in common, first {}",
                                       h.cipher_specs.size(), o.cipher);
            }
            break;
        }
        case Kind::alert: {
            const auto& a = *f.alert;
            if (f.hello) fill_from_hello(o, *f.hello, f);
            o.status = Status::rejected_alert;
            if (a.ssl2_error) {
                o.detail = fmt::format("the server sent SSL 2.0 ERROR {} ({})",
                                       wire::ssl2_error_name(*a.ssl2_error), *a.ssl2_error);
            } else {
                o.alert = a.description;
                o.detail =
                    fmt::format("the server sent alert {} ({}): {}", alert_name(a.description),
                                a.description, alert_meaning(a.description));
            }
            break;
        }
        case Kind::not_tls: {
            o.status = Status::not_tls;
            const auto excerpt = printable_excerpt(o.first_bytes, 60);
            o.detail = f.service && f.service->protocol != "unknown"
                           ? fmt::format("the server answered with {} instead of TLS: \"{}\"",
                                         f.service->protocol, excerpt)
                           : fmt::format("the server answered with non-TLS bytes: \"{}\"", excerpt);
            break;
        }
        case Kind::malformed:
            o.status = Status::protocol_error;
            o.detail = "the server's reply is malformed: " + f.error;
            break;
        case Kind::truncated:
            // A ServerHello outside the offer decides the attempt at once, as a client aborts
            // on it without waiting for the rest of the flight.
            if (rejects_hello(f, hello)) judge_server_hello(o, f, hello);
            else if (f.hello) fill_from_hello(o, *f.hello, f);
            break;
    }
}

RawHello make_raw_hello(const wire::ClientHelloSpec& spec) {
    RawHello h;
    h.bytes = wire::encode_client_hello(spec);
    h.max_version = spec.max_version;
    h.min_version = spec.max_version;
    for (auto v : spec.supported_versions) h.min_version = std::min(h.min_version, v);
    if (!spec.supported_versions.empty())
        h.max_version =
            *std::max_element(spec.supported_versions.begin(), spec.supported_versions.end());
    h.cipher_suites.assign(spec.cipher_suites.begin(), spec.cipher_suites.end());
    const auto parsed = wire::parse_client_hello(h.bytes);
    h.summary = parsed.hello ? wire::describe_client_hello(*parsed.hello, h.bytes.size())
                             : fmt::format("ClientHello, {} bytes", h.bytes.size());
    if (parsed.hello) h.offer = wire::offer_of(*parsed.hello);
    return h;
}

RawHello make_raw_hello(const wire::Ssl2ClientHelloSpec& spec) {
    RawHello h;
    h.bytes = wire::encode_ssl2_client_hello(spec);
    const auto v = version_from_wire(spec.version).value_or(Version::ssl2);
    h.min_version = Version::ssl2;
    h.max_version = v;
    h.cipher_suites = spec.cipher_specs;  // a V2CipherSpec {0x00, suite} is the TLS suite's value
    const auto parsed = wire::parse_client_hello(h.bytes);
    h.summary = parsed.hello ? wire::describe_client_hello(*parsed.hello, h.bytes.size())
                             : fmt::format("SSLv2 CLIENT-HELLO, {} bytes", h.bytes.size());
    if (parsed.hello) h.offer = wire::offer_of(*parsed.hello);
    return h;
}

std::string_view to_string(AfterFlight::End e) {
    switch (e) {
        case AfterFlight::End::not_sent: return "not_sent";
        case AfterFlight::End::record: return "record";
        case AfterFlight::End::closed: return "closed";
        case AfterFlight::End::reset: return "reset";
        case AfterFlight::End::timeout: return "timeout";
    }
    return "not_sent";
}

namespace {

// True once `b` starts with a whole TLS record (5-byte header + its length).
bool has_whole_record(ByteView b) {
    return b.size() >= 5 && b.size() >= 5 + ((std::size_t{b[3]} << 8) | b[4]);
}

asio::awaitable<AfterFlight> send_after_flight(beast::tcp_stream& stream,
                                               const RawClientOptions& options, AttemptLog& log) {
    AfterFlight out;
    stream.expires_after(options.after_timeout);
    const auto [write_ec, written] = co_await asio::async_write(
        stream, asio::buffer(options.after_flight), asio::as_tuple(asio::use_awaitable));
    (void)written;
    log.event(TraceEvent::Direction::sent,
              fmt::format("{} bytes after the flight: {}", options.after_flight.size(),
                          hex_dump(options.after_flight, 16)));
    if (write_ec) {
        out.end = write_ec == asio::error::connection_reset ? AfterFlight::End::reset
                                                            : AfterFlight::End::closed;
        co_return out;
    }
    std::array<std::uint8_t, 16 * 1024> buf{};
    const auto deadline = Clock::now() + options.after_timeout;
    // Bounded by time (expiry + deadline) and bytes (kMaxAfterFlightBytes).
    for (;;) {
        const auto room = kMaxAfterFlightBytes - out.reply.size();
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buf.data(), std::min(buf.size(), room)),
            asio::as_tuple(asio::use_awaitable));
        out.reply.insert(out.reply.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (has_whole_record(out.reply) || out.reply.size() >= kMaxAfterFlightBytes) {
            out.end = AfterFlight::End::record;
            break;
        }
        if (ec == asio::error::eof) {
            out.end = AfterFlight::End::closed;
            break;
        }
        if (ec == asio::error::connection_reset) {
            out.end = AfterFlight::End::reset;
            break;
        }
        if (ec || Clock::now() >= deadline) {
            out.end = AfterFlight::End::timeout;
            break;
        }
    }
    log.event(TraceEvent::Direction::received,
              fmt::format("after the flight: {} ({} bytes)", to_string(out.end), out.reply.size()));
    co_return out;
}

}  // namespace

asio::awaitable<RawResult> raw_handshake(asio::ip::tcp::endpoint peer, RawHello hello,
                                         RawClientOptions options) {
    RawResult result;
    AttemptLog log;
    log.trace = options.trace;
    // A service that needs its ALPN on every hello (PostgreSQL direct TLS): added to hellos
    // built without it (cipher enumeration, the checks); SSL 2.0 hellos have no extensions.
    if (const auto alpn = wire::fixed_alpn(options.upgrade.protocol);
        !alpn.empty() && hello.min_version != Version::ssl2) {
        if (auto with = wire::client_hello_with_alpn(hello.bytes, alpn)) {
            hello.bytes = std::move(*with);
            const auto parsed = wire::parse_client_hello(hello.bytes);
            if (parsed.hello) {
                hello.offer = wire::offer_of(*parsed.hello);
                hello.summary = wire::describe_client_hello(*parsed.hello, hello.bytes.size());
            }
        }
    }
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    const bool connected =
        co_await connect_and_upgrade(stream, peer, options.timeout, options.upgrade, log);
    if (!connected) {
        result.observation = std::move(log.obs);
        co_return result;
    }

    stream.expires_after(options.timeout);
    log.obs.phase = Phase::hello;
    const auto [write_ec, written] = co_await asio::async_write(
        stream, asio::buffer(hello.bytes), asio::as_tuple(asio::use_awaitable));
    (void)written;
    log.hello_sent_at = Clock::now();
    log.event(TraceEvent::Direction::sent, hello.summary);
    if (write_ec) {
        record_io_failure(log, write_ec, options.timeout);
        result.observation = std::move(log.obs);
        co_return result;
    }

    // Each read goes to the decoder once: it keeps the reassembly state, so a stream of tiny
    // records costs one step per record (wire/server_flight.hpp), never a pass over all bytes.
    wire::ServerFlightDecoder decoder;
    Bytes head;  // the first kFirstBytesKept bytes, for Observation::first_bytes
    std::size_t received = 0;
    const auto owned_buf = allocate_net_buffer();  // once connected, not in the frame
    NetBuffer& buf = *owned_buf;
    boost::system::error_code read_ec;
    // Bounded by time (the stream's expiry and this deadline, checked after every read: a
    // server that always has bytes ready never makes the read wait for the expiry), by bytes
    // (kMaxFlightBytes) and by records (the decoder's limits), never by the number of reads.
    const auto deadline = Clock::now() + options.timeout;
    bool over_limit = false;
    bool hello_checked = false;
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buf.data(), std::min(buf.size(), kMaxFlightBytes - received)),
            asio::as_tuple(asio::use_awaitable));
        if (ec) {
            read_ec = ec;
            break;
        }
        const ByteView got(buf.data(), n);
        if (head.size() < kFirstBytesKept) {
            const auto keep = got.first(std::min(n, kFirstBytesKept - head.size()));
            head.insert(head.end(), keep.begin(), keep.end());
        }
        if (received == 0) {
            log.event(TraceEvent::Direction::received,
                      fmt::format("first bytes after {:.0f} ms: {}", log.ms_since_hello(),
                                  hex_dump(head, 16)));
        }
        received += n;
        log.received(n);
        const auto& flight = decoder.feed(got);
        if (flight.kind != wire::ServerFlight::Kind::truncated) break;
        // A TLS <= 1.2 ServerHello is followed by more messages; one outside the offer ends
        // the attempt without them (checked once, when the hello arrives).
        if (flight.hello && !hello_checked) {
            hello_checked = true;
            if (rejects_hello(flight, hello)) break;
        }
        if (received >= kMaxFlightBytes) {
            over_limit = true;
            break;
        }
        if (Clock::now() >= deadline) {
            read_ec = beast::error::timeout;
            break;
        }
    }
    result.flight = decoder.flight();
    log.obs.first_bytes = std::move(head);
    trace_flight(log, result.flight);
    apply_flight(log.obs, result.flight, hello);
    if (result.flight.kind == wire::ServerFlight::Kind::truncated &&
        !rejects_hello(result.flight, hello)) {
        if (read_ec) {
            record_io_failure(log, read_ec, options.timeout);
            if (received > 0 && log.obs.status != Status::timeout)
                log.obs.detail += fmt::format(" ({} bytes of an incomplete flight: {})", received,
                                              result.flight.error);
        } else if (over_limit) {
            log.obs.phase = Phase::handshake;
            log.fail(
                Status::local_limit,
                fmt::format(
                    "the server sent {} bytes without completing its first flight, past tlsprobe's "
                    "limit of {} bytes",
                    received, kMaxFlightBytes));
        } else {
            log.fail(Status::protocol_error,
                     fmt::format("the server sent {} bytes without completing its first flight",
                                 received));
        }
    } else {
        log.obs.elapsed = log.now() - log.obs.connect_time;
    }
    // The vulnerability checks' follow-up: sent only after a complete, negotiated flight.
    // The bytes past the flight's decision point that came in the same reads are lost: a
    // TLS <= 1.2 server sends nothing after its ServerHelloDone until the client speaks.
    if (!options.after_flight.empty() && log.obs.status == Status::negotiated &&
        result.flight.kind == wire::ServerFlight::Kind::server_hello && result.flight.hello_done) {
        result.after = co_await send_after_flight(stream, options, log);
    }
    // No session exists to close politely: a plain TCP close (FIN) ends the attempt.
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    result.observation = std::move(log.obs);
    co_return result;
}

RawHello version_probe_hello(Version v, const RawProbeOptions& options) {
    if (v == Version::ssl2) return make_raw_hello(wire::preset_ssl2_client_hello());
    wire::HelloOptions hello_options;
    hello_options.server_name = options.sni;
    auto spec = wire::preset_client_hello(v, hello_options);
    // A service that needs its ALPN on every hello (PostgreSQL direct TLS) gets it here too.
    if (const auto alpn = wire::fixed_alpn(options.upgrade.protocol); !alpn.empty())
        spec.alpn = {std::string(alpn)};
    return make_raw_hello(spec);
}

asio::awaitable<RawResult> raw_version_probe(asio::ip::tcp::endpoint peer, Version v,
                                             RawProbeOptions options) {
    RawHello hello;
    try {
        hello = version_probe_hello(v, options);
    } catch (const std::exception& e) {  // the DRBG failed, or an encoder bug: this attempt only
        RawResult failed;
        failed.observation.address = endpoint_text(peer);
        failed.observation.detail = std::string("could not build the ClientHello: ") + e.what();
        co_return failed;
    }
    RawClientOptions raw_options;
    raw_options.timeout = options.timeout;
    raw_options.trace = options.trace;
    raw_options.upgrade = options.upgrade;
    RawResult r = co_await raw_handshake(peer, std::move(hello), raw_options);
    co_return r;
}

}  // namespace tlsprobe::engine
