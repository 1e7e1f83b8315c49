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
// span records, a record may hold several messages). Only complete units are parsed, each
// once: the bytes of an incomplete record and of an incomplete handshake message are kept
// until the rest arrives.
class TlsFlightDecoder {
public:
    explicit TlsFlightDecoder(ServerFlight& out) : f_(out) {}

    // Decodes the complete records of `pending` (bytes after those already consumed) and
    // returns how many bytes it consumed; throws Malformed / Underflow for bad input.
    std::size_t run(ByteView pending) {
        std::size_t pos = 0;
        while (pending.size() - pos >= 5) {
            const auto type = pending[pos];
            const auto version =
                static_cast<std::uint16_t>((pending[pos + 1] << 8) | pending[pos + 2]);
            const std::size_t len =
                static_cast<std::size_t>((pending[pos + 3] << 8) | pending[pos + 4]);
            if (type < 20 || type > 24)
                throw Malformed(fmt::format("record content type {} is not TLS", type));
            if (version >> 8 != 3)
                throw Malformed(fmt::format("record version 0x{:04x} is not TLS", version));
            if (len > max_record_payload)
                throw Malformed(fmt::format("record length {} exceeds 2^14+2048", len));
            if (f_.record_version == 0) f_.record_version = version;
            if (pending.size() - pos - 5 < len) break;
            const auto payload = pending.subspan(pos + 5, len);
            pos += 5 + len;
            f_.consumed += 5 + len;
            count_record(static_cast<ContentType>(type), payload.size());
            if (on_record(static_cast<ContentType>(type), payload) == Step::done) {
                done_ = true;
                return pos;
            }
        }
        describe_wait(pending.subspan(pos));
        return pos;
    }

    bool done() const { return done_; }
    std::size_t records() const { return records_; }

private:
    // The limits of server_flight.hpp, counted before the record is looked at.
    void count_record(ContentType type, std::size_t size) {
        if (++records_ > kMaxRecords)
            throw Malformed(
                fmt::format("more than {} records without completing the flight", kMaxRecords));
        empty_in_row_ = size == 0 ? empty_in_row_ + 1 : 0;
        if (empty_in_row_ > kMaxEmptyRecords)
            throw Malformed(fmt::format(
                "more than {} empty records in a row (OpenSSL's limit, MAX_EMPTY_RECORDS)",
                kMaxEmptyRecords));
        if (type != ContentType::alert && size > 0) warnings_in_row_ = 0;
    }

    void ignored(std::string_view what) {
        if (++ignored_ > kMaxIgnoredUnits)
            throw Malformed(fmt::format(
                "more than {} HelloRequest messages and heartbeat records before the flight "
                "ends (the last a {})",
                kMaxIgnoredUnits, what));
    }

    // Sets the `truncated` text from what is incomplete, once per call to run().
    void describe_wait(ByteView rest) {
        f_.kind = ServerFlight::Kind::truncated;
        if (rest.size() >= 5) {
            const std::size_t len = static_cast<std::size_t>((rest[3] << 8) | rest[4]);
            f_.error = fmt::format("awaiting {} more bytes of a record", len - (rest.size() - 5));
        } else if (!rest.empty() || records_ == 0) {
            f_.error = "awaiting a record header";
        } else if (handshake_.size() - hs_pos_ >= 4) {
            f_.error = fmt::format("awaiting the rest of a {} message",
                                   to_string(static_cast<HandshakeType>(handshake_[hs_pos_])));
        } else if (last_was_warning_) {
            f_.error = "awaiting the handshake after a warning alert";
        } else {
            f_.error = f_.hello ? "awaiting the rest of the flight (ServerHelloDone)"
                                : "awaiting a ServerHello";
        }
    }

    Step on_record(ContentType type, ByteView payload) {
        last_was_warning_ = false;
        switch (type) {
            case ContentType::alert: {
                // RFC 8446 §5.1: alerts are never fragmented; an alert record is 2 bytes (or a
                // multiple, which we do not need).
                if (payload.size() < 2) throw Malformed("alert record shorter than 2 bytes");
                f_.alert = AlertRecord{payload[0], payload[1], std::nullopt};
                // A warning other than close_notify does not end the handshake (RFC 5246 §7.2):
                // Apache mod_ssl sends warning unrecognized_name (112) for an SNI that matches
                // no virtual host and carries on with its ServerHello. Keep it as evidence and
                // keep reading, but not forever: OpenSSL gives up after 5 in a row.
                if (payload[0] == 1 && payload[1] != 0) {
                    if (++warnings_in_row_ > kMaxWarningAlerts)
                        throw Malformed(
                            fmt::format("more than {} warning alerts in a row (OpenSSL's limit, "
                                        "MAX_WARN_ALERT_COUNT)",
                                        kMaxWarningAlerts));
                    last_was_warning_ = true;
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
            case ContentType::heartbeat:  // RFC 6520; irrelevant here
                ignored("heartbeat record");
                return Step::more;
        }
        return Step::more;
    }

    Step drain_handshake() {
        Step step = Step::more;
        while (handshake_.size() - hs_pos_ >= 4) {
            Reader header(ByteView(handshake_).subspan(hs_pos_, 4));
            const auto type = header.u8();
            const auto len = header.u24();
            if (len > kMaxHandshakeMessage)
                throw Malformed(fmt::format("handshake message length {} is implausible", len));
            if (handshake_.size() - hs_pos_ - 4 < len) break;
            const auto body = ByteView(handshake_).subspan(hs_pos_ + 4, len);
            hs_pos_ += 4 + len;
            f_.handshake_types.push_back(type);
            if (on_message(static_cast<HandshakeType>(type), body) == Step::done) {
                step = Step::done;
                break;
            }
        }
        // Drop what was parsed, so the buffer holds at most one incomplete message. Only when
        // a message completed: a message arriving in 1-byte records is not copied per record.
        if (hs_pos_ > 0) {
            handshake_.erase(handshake_.begin(),
                             handshake_.begin() + static_cast<std::ptrdiff_t>(hs_pos_));
            hs_pos_ = 0;
        }
        return step;
    }

    Step on_message(HandshakeType type, ByteView body) {
        if (type == HandshakeType::hello_request) {  // RFC 5246 §7.4.1.1: ignored, up to a point
            ignored("HelloRequest");
            return Step::more;
        }
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

    ServerFlight& f_;
    Bytes handshake_;  // handshake bytes not yet parsed (at most one incomplete message)
    std::size_t hs_pos_ = 0;
    std::size_t records_ = 0;
    std::size_t warnings_in_row_ = 0;
    std::size_t empty_in_row_ = 0;
    std::size_t ignored_ = 0;
    bool last_was_warning_ = false;
    bool done_ = false;
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

struct ServerFlightDecoder::State {
    enum class Mode { undecided, tls, ssl2, finished };
    ServerFlight flight;
    Mode mode = Mode::undecided;
    // undecided and ssl2: every byte so far; tls: the bytes after the last complete record.
    Bytes buffer;
    TlsFlightDecoder tls{flight};

    void feed(ByteView more) {
        buffer.insert(buffer.end(), more.begin(), more.end());
        if (mode == Mode::undecided) {
            if (buffer.empty()) {
                flight.error = "awaiting the first byte";
                return;
            }
            if (!could_be_tls(buffer)) {
                flight.kind = ServerFlight::Kind::not_tls;
                flight.service = recognise_service(buffer);
                mode = Mode::finished;
                return;
            }
            // could_be_tls() judges the first 3 bytes: decide on them, not before.
            if (buffer.size() < 3) {
                flight.error = (buffer[0] & 0x80) ? "awaiting an SSL 2.0 record header"
                                                  : "awaiting a record header";
                return;
            }
            mode = (buffer[0] & 0x80) ? Mode::ssl2 : Mode::tls;
        }
        if (mode == Mode::ssl2) {
            decode_ssl2(buffer, flight);  // one short record: cheap to look at again
            if (flight.kind != ServerFlight::Kind::truncated) mode = Mode::finished;
            return;
        }
        const std::size_t used = tls.run(buffer);
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(used));
        if (tls.done()) mode = Mode::finished;
    }
};

ServerFlightDecoder::ServerFlightDecoder() : state_(std::make_unique<State>()) {
    state_->flight.error = "awaiting the first byte";
}
ServerFlightDecoder::~ServerFlightDecoder() = default;
ServerFlightDecoder::ServerFlightDecoder(ServerFlightDecoder&&) noexcept = default;
ServerFlightDecoder& ServerFlightDecoder::operator=(ServerFlightDecoder&&) noexcept = default;

const ServerFlight& ServerFlightDecoder::feed(ByteView more) {
    auto& s = *state_;
    if (s.mode == State::Mode::finished) return s.flight;
    try {
        s.feed(more);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        // Underflow, Malformed, std::invalid_argument: all within bytes that fully arrived.
        s.flight.kind = ServerFlight::Kind::malformed;
        s.flight.error = e.what();
        s.mode = State::Mode::finished;
        s.buffer = Bytes();
    }
    if (s.mode == State::Mode::finished) {
        if (s.flight.kind != ServerFlight::Kind::malformed) s.flight.error.clear();
        s.buffer = Bytes();
    }
    return s.flight;
}

const ServerFlight& ServerFlightDecoder::flight() const { return state_->flight; }
std::size_t ServerFlightDecoder::records() const { return state_->tls.records(); }

ServerFlight decode_server_flight(ByteView received) {
    ServerFlightDecoder decoder;
    return decoder.feed(received);
}

}  // namespace tlsprobe::wire
