#include "wire/server_flight.hpp"

#include <fmt/format.h>
#include <new>
#include <stdexcept>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/reader.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
namespace {

// Largest handshake message accepted. Certificate chains are the big ones; OpenSSL's default
// max_cert_list is 100 KiB. A length beyond this is a lie, not a reason to wait for more bytes.
constexpr std::size_t kMaxHandshakeMessage = 1u << 20;

// Thrown for inconsistent input; caught in decode_server_flight.
struct Malformed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class Step { more, done };

// Walks the TLS records and the handshake messages inside them (RFC 8446 §5.1: a message may
// span records, a record may hold several messages). Only complete units are parsed.
class TlsFlightDecoder {
public:
    TlsFlightDecoder(ByteView in, ServerFlight& out) : in_(in), f_(out) {}

    void run() {
        while (true) {
            if (in_.size() - pos_ < 5) return await("a record header");
            const auto type = in_[pos_];
            const auto version = static_cast<std::uint16_t>((in_[pos_ + 1] << 8) | in_[pos_ + 2]);
            const std::size_t len = static_cast<std::size_t>((in_[pos_ + 3] << 8) | in_[pos_ + 4]);
            if (type < 20 || type > 24)
                throw Malformed(fmt::format("record content type {} is not TLS", type));
            if (version >> 8 != 3)
                throw Malformed(fmt::format("record version 0x{:04x} is not TLS", version));
            if (len > max_record_payload)
                throw Malformed(fmt::format("record length {} exceeds 2^14+2048", len));
            if (f_.record_version == 0) f_.record_version = version;
            const auto have = in_.size() - pos_ - 5;
            if (have < len) return await(fmt::format("{} more bytes of a record", len - have));
            const auto payload = in_.subspan(pos_ + 5, len);
            pos_ += 5 + len;
            f_.consumed = pos_;
            if (on_record(static_cast<ContentType>(type), payload) == Step::done) return;
        }
    }

private:
    void await(std::string what) {
        f_.kind = ServerFlight::Kind::truncated;
        f_.error = "awaiting " + std::move(what);
    }

    Step on_record(ContentType type, ByteView payload) {
        switch (type) {
            case ContentType::alert: {
                // RFC 8446 §5.1: alerts are never fragmented; an alert record is 2 bytes (or a
                // multiple, which we do not need).
                if (payload.size() < 2) throw Malformed("alert record shorter than 2 bytes");
                f_.alert = AlertRecord{payload[0], payload[1], std::nullopt};
                // A warning other than close_notify does not end the handshake (RFC 5246 §7.2):
                // Apache mod_ssl sends warning unrecognized_name (112) for an SNI that matches
                // no virtual host and carries on with its ServerHello. Keep it as evidence and
                // keep reading.
                if (payload[0] == 1 && payload[1] != 0) {
                    await("the handshake after a warning alert");
                    return Step::more;
                }
                f_.kind = ServerFlight::Kind::alert;
                return Step::done;
            }
            case ContentType::handshake:
                if (payload.empty()) throw Malformed("empty handshake record");  // RFC 8446 §5.1
                handshake_.insert(handshake_.end(), payload.begin(), payload.end());
                return drain_handshake();
            case ContentType::change_cipher_spec:
            case ContentType::application_data:
                // After a ServerHello both mean the plaintext flight is over (an abbreviated
                // TLS 1.2 handshake, or encrypted records); before it they make no sense.
                if (!f_.hello)
                    throw Malformed(
                        fmt::format("{} record before the ServerHello", to_string(type)));
                f_.kind = ServerFlight::Kind::server_hello;
                return Step::done;
            case ContentType::heartbeat: return Step::more;  // RFC 6520; irrelevant here
        }
        return Step::more;
    }

    Step drain_handshake() {
        while (handshake_.size() - hs_pos_ >= 4) {
            Reader header(ByteView(handshake_).subspan(hs_pos_, 4));
            const auto type = header.u8();
            const auto len = header.u24();
            if (len > kMaxHandshakeMessage)
                throw Malformed(fmt::format("handshake message length {} is implausible", len));
            if (handshake_.size() - hs_pos_ - 4 < len) {
                await(fmt::format("the rest of a {} message",
                                  to_string(static_cast<HandshakeType>(type))));
                return Step::more;
            }
            const auto body = ByteView(handshake_).subspan(hs_pos_ + 4, len);
            hs_pos_ += 4 + len;
            f_.handshake_types.push_back(type);
            if (on_message(static_cast<HandshakeType>(type), body) == Step::done) return Step::done;
        }
        await(f_.hello ? "the rest of the flight (ServerHelloDone)" : "a ServerHello");
        return Step::more;
    }

    Step on_message(HandshakeType type, ByteView body) {
        if (type == HandshakeType::hello_request) return Step::more;  // RFC 5246 §7.4.1.1: ignore
        if (!f_.hello) {
            if (type != HandshakeType::server_hello)
                throw Malformed(fmt::format("expected a ServerHello, got {}", to_string(type)));
            f_.hello = parse_server_hello(body);
            if (f_.hello->hello_retry_request) {
                f_.kind = ServerFlight::Kind::hello_retry_request;
                return Step::done;
            }
            // TLS 1.3 (0x0304, and drafts 0x7fxx): the rest of the flight is encrypted.
            if (f_.hello->negotiated_wire_version() >= 0x0304) {
                f_.kind = ServerFlight::Kind::server_hello;
                return Step::done;
            }
            return Step::more;
        }
        switch (type) {
            case HandshakeType::server_hello: throw Malformed("a second ServerHello");
            case HandshakeType::certificate: f_.certificates = parse_certificate_list(body); break;
            case HandshakeType::server_key_exchange:
                f_.kx = parse_server_key_exchange(body, find_cipher_suite(f_.hello->cipher_suite));
                break;
            case HandshakeType::certificate_request: f_.certificate_request = true; break;
            case HandshakeType::server_hello_done:
                if (!body.empty()) throw Malformed("ServerHelloDone with a body");
                f_.hello_done = true;
                f_.kind = ServerFlight::Kind::server_hello;
                return Step::done;
            default: break;  // CertificateStatus (RFC 6066 §8) and others: recorded, not decoded
        }
        return Step::more;
    }

    ByteView in_;
    ServerFlight& f_;
    std::size_t pos_ = 0;
    Bytes handshake_;  // handshake bytes of all records so far
    std::size_t hs_pos_ = 0;
};

// SSL 2.0: one message in one record with the 2-byte header (SSL 2.0 §2.2).
void decode_ssl2(ByteView in, ServerFlight& f) {
    if (in.size() < 2) {
        f.error = "awaiting an SSL 2.0 record header";
        return;
    }
    const std::size_t len = static_cast<std::size_t>(((in[0] & 0x7f) << 8) | in[1]);
    if (len == 0) throw Malformed("empty SSL 2.0 record");
    if (in.size() - 2 < len) {
        f.error = fmt::format("awaiting {} more bytes of an SSL 2.0 record", len - (in.size() - 2));
        return;
    }
    const auto message = in.subspan(2, len);
    f.consumed = 2 + len;
    f.record_version = 0x0002;
    if (message[0] == ssl2_msg_error) {
        Reader r(message.subspan(1));
        f.alert = AlertRecord{2, 0, r.u16()};
        f.kind = ServerFlight::Kind::alert;
        return;
    }
    f.ssl2_hello = parse_ssl2_server_hello(message);
    if (f.ssl2_hello->certificate_type == 1 && !f.ssl2_hello->certificate.empty())
        f.certificates.push_back(f.ssl2_hello->certificate);
    f.kind = ServerFlight::Kind::ssl2_server_hello;
}

}  // namespace

std::string_view to_string(ServerFlight::Kind k) {
    switch (k) {
        case ServerFlight::Kind::server_hello: return "server_hello";
        case ServerFlight::Kind::hello_retry_request: return "hello_retry_request";
        case ServerFlight::Kind::ssl2_server_hello: return "ssl2_server_hello";
        case ServerFlight::Kind::alert: return "alert";
        case ServerFlight::Kind::not_tls: return "not_tls";
        case ServerFlight::Kind::truncated: return "truncated";
        case ServerFlight::Kind::malformed: return "malformed";
    }
    return "unknown";
}

ServerFlight decode_server_flight(ByteView received) {
    ServerFlight f;
    if (received.empty()) {
        f.error = "awaiting the first byte";
        return f;
    }
    if (!could_be_tls(received)) {
        f.kind = ServerFlight::Kind::not_tls;
        f.service = recognise_service(received);
        return f;
    }
    try {
        if (received[0] & 0x80) {
            decode_ssl2(received, f);
        } else {
            TlsFlightDecoder(received, f).run();
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        // Underflow, Malformed, std::invalid_argument: all within bytes that fully arrived.
        f.kind = ServerFlight::Kind::malformed;
        f.error = e.what();
    }
    if (f.kind != ServerFlight::Kind::truncated && f.kind != ServerFlight::Kind::malformed)
        f.error.clear();
    return f;
}

}  // namespace tlsprobe::wire
