#include "lab/hello_servers.hpp"

#include <algorithm>

#include "wire/cipher_suites.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"
#include "wire/writer.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;
using core::Version;
namespace {

using core::Version;

constexpr std::uint8_t kProtocolVersion = 70;
constexpr std::uint8_t kHandshakeFailure = 40;
constexpr std::uint8_t kInappropriateFallback = 86;  // RFC 7507 §2
constexpr std::uint8_t kUnexpectedMessage = 10;

Bytes alert_record(std::uint8_t description) { return {21, 3, 1, 0, 2, 2, description}; }

Bytes record(std::uint16_t version, wire::ContentType type, const Bytes& payload) {
    wire::Writer w;
    w.u8(static_cast<std::uint8_t>(type));
    w.u16(version);
    w.prefixed(2, [&](wire::Writer& p) { p.bytes(payload); });
    return w.take();
}

template <typename Body>
void handshake(wire::Writer& w, wire::HandshakeType type, Body&& body) {
    w.u8(static_cast<std::uint8_t>(type));
    w.prefixed(3, body);
}

template <typename Body>
void extension(wire::Writer& w, std::uint16_t type, Body&& body) {
    w.u16(type);
    w.prefixed(2, body);
}

// A public key of the right size for the group: the client never checks it (it never
// finishes the handshake), the decoder only measures it.
Bytes fake_point(std::uint16_t group) {
    if (group == wire::group::x25519) return Bytes(32, 0x42);
    if (group == wire::group::x448) return Bytes(56, 0x42);
    Bytes p(group == wire::group::secp384r1   ? 97
            : group == wire::group::secp521r1 ? 133
                                              : 65,
            0x42);
    p[0] = 4;  // uncompressed (RFC 8422 §5.4.1)
    return p;
}

struct Choice {
    Version version = Version::tls1_2;
    std::uint16_t suite = 0;
    std::optional<std::uint16_t> group;
    bool hello_retry = false;
};

std::optional<std::uint16_t> shared_group(const CipherPolicy& p, const wire::ParsedClientHello& h) {
    for (auto g : p.groups)
        if (std::find(h.supported_groups.begin(), h.supported_groups.end(), g) !=
            h.supported_groups.end())
            return g;
    return std::nullopt;
}

// The version the server speaks for this hello (RFC 8446 §4.2.1, RFC 5246 Appendix E.1).
std::optional<Version> pick_version(const CipherPolicy& p, const wire::ParsedClientHello& h) {
    const bool offers13 = std::find(h.supported_versions.begin(), h.supported_versions.end(),
                                    0x0304) != h.supported_versions.end();
    if (offers13 && p.max_version >= Version::tls1_3) return Version::tls1_3;
    auto v = core::version_from_wire(std::min<std::uint16_t>(h.legacy_version, 0x0303));
    if (!v) return std::nullopt;
    v = std::min(*v, std::min(p.max_version, Version::tls1_2));
    if (*v < p.min_version) return std::nullopt;
    return v;
}

std::optional<Choice> choose(const CipherPolicy& p, const wire::ParsedClientHello& h, Version v) {
    const auto group = shared_group(p, h);
    const auto usable = [&](std::uint16_t code) {
        const auto* s = wire::find_cipher_suite(code);
        if (!s || !s->usable_in(v)) return false;
        if (std::find(p.suites.begin(), p.suites.end(), code) == p.suites.end() ||
            !h.offers_suite(code))
            return false;
        return (v < Version::tls1_3 && s->kx != wire::KeyExchange::ecdhe) || group.has_value();
    };
    std::optional<std::uint16_t> suite;
    if (p.server_preference) {
        for (auto c : p.suites)
            if (usable(c)) {
                suite = c;
                break;
            }
    } else {
        for (auto c : h.cipher_suites)
            if (c <= 0xFFFF && usable(static_cast<std::uint16_t>(c))) {
                suite = static_cast<std::uint16_t>(c);
                break;
            }
    }
    if (!suite) return std::nullopt;
    Choice c{v, *suite, std::nullopt, false};
    const auto* s = wire::find_cipher_suite(*suite);
    if (v == Version::tls1_3 || s->kx == wire::KeyExchange::ecdhe) c.group = group;
    if (v == Version::tls1_3)
        c.hello_retry = std::find(h.key_share_groups.begin(), h.key_share_groups.end(), *group) ==
                        h.key_share_groups.end();
    return c;
}

Bytes server_hello_body(const CipherPolicy& p, const Choice& c, const wire::ParsedClientHello& h) {
    wire::Writer w;
    const bool tls13 = c.version == Version::tls1_3;
    w.u16(tls13 ? 0x0303 : core::wire_code(c.version));
    if (c.hello_retry) {
        w.bytes(wire::hello_retry_request_random);
    } else {
        w.bytes(
            Bytes(32, 0x11));  // no DOWNGRD sentinel: this server never claims TLS 1.3 below max
    }
    // TLS 1.3 echoes legacy_session_id (RFC 8446 §4.1.3); older versions start no session.
    w.prefixed(1, [&](wire::Writer& s) {
        if (tls13) s.bytes(h.session_id);
    });
    w.u16(c.suite);
    const bool deflate = !tls13 && p.deflate &&
                         std::find(h.compression_methods.begin(), h.compression_methods.end(),
                                   1) != h.compression_methods.end();
    w.u8(deflate ? 1 : 0);
    if (c.version == Version::ssl3) return w.take();  // SSL 3.0: no extensions block
    const auto offered = [&](std::uint16_t type) {
        return std::any_of(h.extensions.begin(), h.extensions.end(),
                           [&](const wire::RawExtension& e) { return e.type == type; });
    };
    const auto* suite = wire::find_cipher_suite(c.suite);
    const bool cbc = suite && !suite->is_aead() && suite->enc != wire::Encryption::rc4 &&
                     suite->enc != wire::Encryption::null;
    w.prefixed(2, [&](wire::Writer& e) {
        if (!tls13 && h.renegotiation_info && p.secure_renegotiation)
            extension(e, wire::ext::renegotiation_info,
                      [](wire::Writer& x) { x.u8(0); });  // RFC 5746 §3.6
        if (!tls13 && p.encrypt_then_mac && cbc && offered(wire::ext::encrypt_then_mac))
            extension(e, wire::ext::encrypt_then_mac, [](wire::Writer&) {});
        if (!tls13 && p.extended_master_secret && offered(wire::ext::extended_master_secret))
            extension(e, wire::ext::extended_master_secret, [](wire::Writer&) {});
        if (!tls13 && p.heartbeat && offered(wire::ext::heartbeat))
            extension(e, wire::ext::heartbeat, [](wire::Writer& x) { x.u8(1); });
        if (tls13) {
            extension(e, wire::ext::supported_versions, [](wire::Writer& x) { x.u16(0x0304); });
            extension(e, wire::ext::key_share, [&](wire::Writer& x) {
                x.u16(*c.group);
                if (!c.hello_retry)
                    x.prefixed(2, [&](wire::Writer& k) { k.bytes(fake_point(*c.group)); });
            });
        }
    });
    return w.take();
}

Bytes server_key_exchange_body(const CipherPolicy& p, const Choice& c, const wire::CipherSuite& s) {
    wire::Writer w;
    if (s.kx == wire::KeyExchange::ecdhe) {
        w.u8(3);  // named_curve (RFC 8422 §5.4)
        w.u16(*c.group);
        w.prefixed(1, [&](wire::Writer& k) { k.bytes(fake_point(*c.group)); });
    } else {  // DHE: dh_p, dh_g, dh_Ys (RFC 5246 §7.4.3)
        const auto n = static_cast<std::size_t>((p.dh_bits + 7) / 8);
        Bytes prime(n, 0xff);
        w.prefixed(2, [&](wire::Writer& x) { x.bytes(prime); });
        w.prefixed(2, [&](wire::Writer& x) { x.u8(2); });
        w.prefixed(2, [&](wire::Writer& x) { x.bytes(Bytes(n, 0x42)); });
    }
    if (c.version == Version::tls1_2)
        w.u16(0x0401);  // rsa_pkcs1_sha256: the signature is not checked
    w.prefixed(2, [](wire::Writer& sig) { sig.zeros(256); });
    return w.take();
}

}  // namespace

RawScript canned_flight(Bytes flight) {
    RawScript s;
    s.send = std::move(flight);
    return s;
}

Bytes cipher_policy_reply(const CipherPolicy& p, ByteView bytes) {
    const auto parsed = wire::parse_client_hello(bytes);
    if (!parsed.hello || parsed.hello->ssl2_format) return alert_record(kHandshakeFailure);
    const auto& h = *parsed.hello;
    const auto v = pick_version(p, h);
    if (!v) return alert_record(kProtocolVersion);
    if (p.fallback_scsv && h.offers_suite(wire::fallback_scsv) && *v < p.max_version)
        return alert_record(kInappropriateFallback);
    const auto c = choose(p, h, *v);
    if (!c) return alert_record(kHandshakeFailure);

    wire::Writer flight;
    handshake(flight, wire::HandshakeType::server_hello,
              [&](wire::Writer& w) { w.bytes(server_hello_body(p, *c, h)); });
    const auto& suite = *wire::find_cipher_suite(c->suite);
    if (*v < Version::tls1_3) {
        handshake(flight, wire::HandshakeType::certificate, [&](wire::Writer& w) {
            w.prefixed(3, [&](wire::Writer& list) {
                if (!p.certificate.empty())
                    list.prefixed(3, [&](wire::Writer& cert) { cert.bytes(p.certificate); });
            });
        });
        if (suite.kx == wire::KeyExchange::ecdhe || suite.kx == wire::KeyExchange::dhe)
            handshake(flight, wire::HandshakeType::server_key_exchange,
                      [&](wire::Writer& w) { w.bytes(server_key_exchange_body(p, *c, suite)); });
        handshake(flight, wire::HandshakeType::server_hello_done, [](wire::Writer&) {});
    }
    const std::uint16_t record_version = *v == Version::tls1_3 ? 0x0303 : core::wire_code(*v);
    return record(record_version, wire::ContentType::handshake, flight.take());
}

RawScript cipher_policy_server(CipherPolicy policy) {
    RawScript s;
    s.respond = [policy = std::move(policy)](ByteView hello) {
        return cipher_policy_reply(policy, hello);
    };
    return s;
}

RawScript heartbleed_server(CipherPolicy policy) {
    policy.heartbeat = true;
    RawScript s = cipher_policy_server(std::move(policy));
    s.followup = [](ByteView, ByteView since) -> Bytes {
        // One whole heartbeat record: type 24, version, length, HeartbeatMessage (RFC 6520 §4).
        if (since.size() < 5) return {};
        const std::size_t length = (std::size_t{since[3]} << 8) | since[4];
        if (since.size() < 5 + length) return {};
        if (since[0] != static_cast<std::uint8_t>(wire::ContentType::heartbeat))
            return alert_record(kUnexpectedMessage);  // anything else: refused, as OpenSSL does
        if (length < 3 || since[5] != 1 /* heartbeat_request */) return {};
        const std::size_t claimed = (std::size_t{since[6]} << 8) | since[7];
        // The bug: the response copies `claimed` bytes from where the payload starts.
        Bytes payload(since.begin() + 8, since.begin() + static_cast<std::ptrdiff_t>(5 + length));
        for (std::size_t i = 0; payload.size() < std::min<std::size_t>(claimed, 16 * 1024 - 19); ++i)
            payload.push_back(static_cast<std::uint8_t>(kLeakPattern[i % kLeakPattern.size()]));
        wire::Writer msg;
        msg.u8(2);  // heartbeat_response
        msg.u16(static_cast<std::uint16_t>(claimed));
        msg.bytes(payload);
        msg.zeros(16);  // padding (RFC 6520 §4: at least 16 bytes)
        const std::uint16_t version = static_cast<std::uint16_t>((since[1] << 8) | since[2]);
        return record(version, wire::ContentType::heartbeat, msg.take());
    };
    return s;
}

RawScript ccs_accepting_server(CipherPolicy policy) {
    RawScript s = cipher_policy_server(std::move(policy));
    s.followup = [](ByteView, ByteView) { return Bytes{}; };  // reads the CCS, says nothing
    s.then = RawScript::Then::hold;
    return s;
}

RawScript size_intolerant(RawScript inner) {
    const auto in_window = [](ByteView hello) {
        const auto parsed = wire::parse_client_hello(hello);
        return parsed.hello && !parsed.hello->ssl2_format && parsed.hello->message_length >= 256 &&
               parsed.hello->message_length <= 511;
    };
    RawScript s = inner;
    s.respond = [in_window, inner](ByteView hello) {
        if (in_window(hello)) return Bytes{};
        return inner.respond ? inner.respond(hello) : inner.send;
    };
    s.then_for = [in_window, inner](ByteView hello) {
        if (in_window(hello)) return RawScript::Then::reset;
        return inner.then_for ? inner.then_for(hello) : inner.then;
    };
    return s;
}

}  // namespace tlsprobe::lab
