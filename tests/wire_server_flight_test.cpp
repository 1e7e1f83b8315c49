#include <catch2/catch.hpp>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/reader.hpp"
#include "wire/server_flight.hpp"
#include "wire/server_messages.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;
using Kind = ServerFlight::Kind;

namespace {

void append(Bytes& out, std::initializer_list<std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
}
void append(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

Bytes record(std::uint8_t type, const Bytes& payload, std::uint16_t version = 0x0303) {
    Bytes r{type, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
            static_cast<std::uint8_t>(payload.size() >> 8),
            static_cast<std::uint8_t>(payload.size())};
    append(r, payload);
    return r;
}

Bytes handshake(std::uint8_t type, const Bytes& body) {
    Bytes m{type, static_cast<std::uint8_t>(body.size() >> 16),
            static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    append(m, body);
    return m;
}

// ServerHello body: version, random, empty session id, suite, null compression, extensions.
Bytes server_hello_body(std::uint16_t version, const std::array<std::uint8_t, 32>& random,
                        std::uint16_t suite, const Bytes& extensions) {
    Bytes b{static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version)};
    b.insert(b.end(), random.begin(), random.end());
    append(b,
           {0x00, static_cast<std::uint8_t>(suite >> 8), static_cast<std::uint8_t>(suite), 0x00});
    if (!extensions.empty()) {
        append(b, {static_cast<std::uint8_t>(extensions.size() >> 8),
                   static_cast<std::uint8_t>(extensions.size())});
        append(b, extensions);
    }
    return b;
}

std::array<std::uint8_t, 32> plain_random() {
    std::array<std::uint8_t, 32> r{};
    r.fill(0x5a);
    return r;
}

}  // namespace

TEST_CASE("a TLS 1.3 ServerHello is complete on its own", "[wire][server_flight]") {
    Bytes ext;
    append(ext, {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04});              // supported_versions: TLS 1.3
    append(ext, {0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20});  // key_share: x25519, 32 bytes
    ext.resize(ext.size() + 32, 0x01);
    const auto flight =
        record(22, handshake(2, server_hello_body(0x0303, plain_random(), 0x1302, ext)));
    const auto f = decode_server_flight(flight);
    REQUIRE(f.kind == Kind::server_hello);
    CHECK(f.hello->negotiated_version() == Version::tls1_3);
    CHECK(f.hello->cipher_suite == 0x1302);
    CHECK(f.hello->key_share_group == group::x25519);
    CHECK(f.hello->downgrade == DowngradeSentinel::none);
    CHECK(f.consumed == flight.size());
    CHECK(f.error.empty());
}

TEST_CASE("HelloRetryRequest is told apart by its random and names the group",
          "[wire][server_flight]") {
    Bytes ext;
    append(ext, {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04});
    append(ext, {0x00, 0x33, 0x00, 0x02, 0x00, 0x18});  // key_share selected_group secp384r1
    const auto f = decode_server_flight(record(
        22, handshake(2, server_hello_body(0x0303, hello_retry_request_random, 0x1301, ext))));
    REQUIRE(f.kind == Kind::hello_retry_request);
    CHECK(f.hello->hello_retry_request);
    CHECK(f.hello->key_share_group == group::secp384r1);
}

TEST_CASE("downgrade sentinels in ServerHello.random", "[wire][server_flight]") {
    auto random = plain_random();
    std::copy(downgrade_prefix.begin(), downgrade_prefix.end(), random.begin() + 24);
    random[31] = 0x01;
    CHECK(parse_server_hello(server_hello_body(0x0303, random, 0xC02F, {})).downgrade ==
          DowngradeSentinel::tls1_2);
    random[31] = 0x00;
    CHECK(parse_server_hello(server_hello_body(0x0302, random, 0xC013, {})).downgrade ==
          DowngradeSentinel::tls1_1_or_below);
    random[31] = 0x02;
    CHECK(parse_server_hello(server_hello_body(0x0303, random, 0xC02F, {})).downgrade ==
          DowngradeSentinel::none);
}

TEST_CASE("TLS 1.2 flight: messages across and within records, ALPN, ServerHelloDone",
          "[wire][server_flight]") {
    Bytes ext;
    append(ext, {0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2'});  // ALPN "h2"
    append(ext, {0xff, 0x01, 0x00, 0x01, 0x00});                        // renegotiation_info
    Bytes stream = handshake(2, server_hello_body(0x0303, plain_random(), 0xC02F, ext));
    append(stream, handshake(11, {0x00, 0x00, 0x07, 0x00, 0x00, 0x04, 0x30, 0x02, 0x05,
                                  0x00}));  // one fake cert
    // ServerKeyExchange: named_curve secp256r1 + 65-byte point, then a signature we skip.
    Bytes ske{0x03, 0x00, 0x17, 0x41, 0x04};
    ske.resize(ske.size() + 64, 0x07);
    append(ske, {0x04, 0x01, 0x00, 0x02, 0xaa, 0xbb});
    append(stream, handshake(12, ske));
    append(stream, handshake(13, {0x01, 0x01, 0x00, 0x00, 0x00, 0x00}));
    append(stream, handshake(14, {}));
    // Cut the stream into 7-byte records: every header straddles a record boundary somewhere.
    Bytes flight;
    for (std::size_t i = 0; i < stream.size(); i += 7)
        append(flight, record(22, Bytes(stream.begin() + static_cast<long>(i),
                                        stream.begin() +
                                            static_cast<long>(std::min(stream.size(), i + 7)))));
    const auto f = decode_server_flight(flight);
    REQUIRE(f.kind == Kind::server_hello);
    CHECK(f.hello_done);
    CHECK(f.certificate_request);
    CHECK(f.hello->alpn == "h2");
    CHECK(f.hello->renegotiation_info);
    REQUIRE(f.certificates.size() == 1);
    CHECK(f.certificates[0] == Bytes{0x30, 0x02, 0x05, 0x00});
    REQUIRE(f.kx.has_value());
    CHECK(f.kx->kind == KeyExchangeInfo::Kind::ecdhe);
    CHECK(f.kx->named_group == group::secp256r1);
    CHECK(f.kx->public_key_bytes == 65);
    CHECK(f.handshake_types == std::vector<std::uint8_t>{2, 11, 12, 13, 14});
    for (std::size_t n = 0; n < flight.size(); ++n) {
        INFO(n);
        CHECK(decode_server_flight(ByteView(flight).first(n)).kind == Kind::truncated);
    }
}

TEST_CASE("an alert after the ServerHello keeps the hello", "[wire][server_flight]") {
    Bytes flight = record(22, handshake(2, server_hello_body(0x0303, plain_random(), 0x009C, {})));
    append(flight, record(21, {0x02, 0x28}));
    const auto f = decode_server_flight(flight);
    REQUIRE(f.kind == Kind::alert);
    CHECK(f.alert->description == 40);
    CHECK(f.hello.has_value());
}

TEST_CASE("malformed is distinct from truncated", "[wire][server_flight]") {
    const auto kind_of = [](const Bytes& b) { return decode_server_flight(b).kind; };
    CHECK(kind_of({}) == Kind::truncated);
    CHECK(kind_of({0x16}) == Kind::truncated);
    CHECK(kind_of({0x16, 0x03, 0x03, 0x00}) == Kind::truncated);
    CHECK(kind_of({0x16, 0x07}) == Kind::not_tls);
    // Record longer than 2^14 + 2048.
    CHECK(kind_of({0x16, 0x03, 0x03, 0x48, 0x01}) == Kind::malformed);
    // Complete record whose ServerHello claims a 33-byte session id.
    Bytes body = server_hello_body(0x0303, plain_random(), 0xC02F, {});
    body[34] = 33;
    CHECK(kind_of(record(22, handshake(2, body))) == Kind::malformed);
    // Extensions length larger than what the complete message holds.
    body = server_hello_body(0x0303, plain_random(), 0xC02F, {0x00, 0x17, 0x00, 0x00});
    body[body.size() - 5] = 0x09;
    CHECK(kind_of(record(22, handshake(2, body))) == Kind::malformed);
    // First message is not a ServerHello.
    CHECK(kind_of(record(22, handshake(11, {0x00, 0x00, 0x00}))) == Kind::malformed);
    // One-byte alert, empty handshake record, CCS before the hello, absurd message length.
    CHECK(kind_of(record(21, {0x02})) == Kind::malformed);
    CHECK(kind_of(record(22, {})) == Kind::malformed);
    CHECK(kind_of(record(20, {0x01})) == Kind::malformed);
    CHECK(kind_of(record(22, {0x02, 0xff, 0xff, 0xff})) == Kind::malformed);
    // SSL 2.0: zero-length record; cipher specs not a multiple of 3.
    CHECK(kind_of({0x80, 0x00, 0x04}) == Kind::malformed);
    CHECK(kind_of({0x80, 0x0b, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                   0x01, 0x02}) == Kind::malformed);
    const auto f = decode_server_flight(record(21, {0x02}));
    CHECK_FALSE(f.error.empty());
}

TEST_CASE("ServerKeyExchange parameters by key exchange", "[wire][server_flight]") {
    // DHE: a 1024-bit prime (128 bytes, top bit set), g = 2, 128-byte Ys.
    Bytes dhe{0x00, 0x80};
    dhe.resize(dhe.size() + 128, 0xff);
    append(dhe, {0x00, 0x01, 0x02, 0x00, 0x80});
    dhe.resize(dhe.size() + 128, 0x33);
    auto info = parse_server_key_exchange(dhe, find_cipher_suite(0x0033));
    CHECK(info.kind == KeyExchangeInfo::Kind::dhe);
    CHECK(info.dh_prime_bits == 1024);
    CHECK(info.public_key_bytes == 128);
    // The parameters themselves, as sent.
    CHECK(info.dh_p == Bytes(128, 0xff));
    CHECK(info.dh_g == Bytes{0x02});
    CHECK(info.dh_ys == Bytes(128, 0x33));
    // The same bytes for an unknown suite: recognised as DH by the layout.
    CHECK(parse_server_key_exchange(dhe, nullptr).dh_prime_bits == 1024);
    // ECDHE_PSK: identity hint first, then ECParameters for secp384r1.
    const Bytes psk{0x00, 0x02, 'h', 'i', 0x03, 0x00, 0x18, 0x01, 0x04};
    info = parse_server_key_exchange(psk, find_cipher_suite(0xC035));
    CHECK(info.kind == KeyExchangeInfo::Kind::ecdhe);
    CHECK(info.named_group == group::secp384r1);
    CHECK(parse_server_key_exchange(Bytes{0x00, 0x00}, find_cipher_suite(0x008C)).kind ==
          KeyExchangeInfo::Kind::psk_hint_only);
    // RSA_EXPORT temporary 512-bit key.
    Bytes rsa{0x00, 0x40};
    rsa.resize(rsa.size() + 64, 0xc1);
    append(rsa, {0x00, 0x03, 0x01, 0x00, 0x01});
    info = parse_server_key_exchange(rsa, find_cipher_suite(0x0003));
    CHECK(info.kind == KeyExchangeInfo::Kind::rsa_export);
    CHECK(info.rsa_modulus_bits == 512);
    CHECK_THROWS(parse_server_key_exchange(Bytes{0x03, 0x00}, find_cipher_suite(0xC02F)));
}

TEST_CASE("ServerDHParams: leading zeros kept, every truncation an Underflow",
          "[wire][server_flight][kex]") {
    // p = 00 c5 (one leading zero byte), g = 05, Ys = 00 07, then a signature we do not read.
    const Bytes dhe{0x00, 0x02, 0x00, 0xc5, 0x00, 0x01, 0x05, 0x00,
                    0x02, 0x00, 0x07, 0x04, 0x01, 0x00, 0x00};
    const auto info = parse_server_key_exchange(dhe, find_cipher_suite(0x009F));
    CHECK(info.kind == KeyExchangeInfo::Kind::dhe);
    CHECK(info.dh_prime_bits == 8);
    CHECK(info.dh_p == Bytes{0x00, 0xc5});
    CHECK(info.dh_g == Bytes{0x05});
    CHECK(info.dh_ys == Bytes{0x00, 0x07});
    CHECK(info.public_key_bytes == 2);
    // Cut anywhere inside the three vectors: an Underflow, never anything else.
    for (std::size_t n = 0; n < 11; ++n) {
        INFO("cut at " << n);
        const Bytes cut(dhe.begin(), dhe.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_THROWS_AS(parse_server_key_exchange(cut, find_cipher_suite(0x009F)), Underflow);
    }
    // Empty vectors are the server's to send: kept empty.
    const auto empty = parse_server_key_exchange(Bytes(6, 0x00), find_cipher_suite(0x009F));
    CHECK(empty.dh_p.empty());
    CHECK(empty.dh_prime_bits == 0);
}

TEST_CASE("bit_length counts from the first set bit", "[wire][server_flight]") {
    CHECK(bit_length(Bytes{}) == 0);
    CHECK(bit_length(Bytes{0x00, 0x00}) == 0);
    CHECK(bit_length(Bytes{0x01}) == 1);
    CHECK(bit_length(Bytes{0x00, 0x80, 0x00}) == 16);
    CHECK(bit_length(Bytes{0x7f, 0xff}) == 15);
}
