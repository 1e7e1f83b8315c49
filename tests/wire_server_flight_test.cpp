#include <catch2/catch.hpp>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/hello_offer.hpp"
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

// ---- Strict ServerHello rules (RFC 8446 / RFC 5246: "the client MUST abort") -------------

namespace {

Bytes ext_entry(std::uint16_t type, const Bytes& data) {
    Bytes e{static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type),
            static_cast<std::uint8_t>(data.size() >> 8), static_cast<std::uint8_t>(data.size())};
    append(e, data);
    return e;
}

Bytes tls13_extensions(std::uint16_t group) {
    Bytes ext = ext_entry(ext::supported_versions, {0x03, 0x04});
    Bytes share{static_cast<std::uint8_t>(group >> 8), static_cast<std::uint8_t>(group), 0x00,
                0x20};
    share.resize(share.size() + 32, 0x01);
    append(ext, ext_entry(ext::key_share, share));
    return ext;
}

// A TLS 1.2 hello's offer (SCSV, no renegotiation_info extension) and a TLS 1.3 one, as the
// raw engine makes them.
HelloOffer offer12() {
    HelloOffer o;
    o.cipher_suites = {0xC02F, 0x009C, 0x00FF};
    o.extensions = {ext::server_name,          ext::ec_point_formats,
                    ext::supported_groups,     ext::extended_master_secret,
                    ext::signature_algorithms, ext::padding};
    o.supported_groups = {group::x25519, group::secp256r1, group::secp384r1};
    o.renegotiation = true;
    return o;
}

HelloOffer offer13() {
    HelloOffer o = offer12();
    o.cipher_suites = {0x1301, 0x1302, 0x00FF};
    o.extensions.push_back(ext::supported_versions);
    o.extensions.push_back(ext::psk_key_exchange_modes);
    o.extensions.push_back(ext::key_share);
    o.supported_versions = {0x0304};
    o.key_share_groups = {group::x25519, group::secp256r1};
    return o;
}

std::string violation(const Bytes& body, const HelloOffer& offer) {
    return server_hello_violation(parse_server_hello(body), offer).value_or("");
}

}  // namespace

TEST_CASE("a ServerHello repeating an extension or mislabelling TLS 1.3 is malformed",
          "[wire][server_flight]") {
    Bytes twice = ext_entry(ext::renegotiation_info, {0x00});
    append(twice, ext_entry(ext::extended_master_secret, {}));
    append(twice, ext_entry(ext::renegotiation_info, {0x00}));
    auto f = decode_server_flight(
        record(22, handshake(2, server_hello_body(0x0303, plain_random(), 0xC02F, twice))));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("renegotiation_info (65281) twice") != std::string::npos);
    CHECK(f.error.find("RFC 8446 §4.2") != std::string::npos);

    f = decode_server_flight(
        record(22, handshake(2, server_hello_body(0x0300, plain_random(), 0x1301,
                                                  tls13_extensions(group::x25519)))));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("legacy_version 0x0300") != std::string::npos);
    CHECK(f.error.find("RFC 8446 §4.1.3") != std::string::npos);
    // The same for a HelloRetryRequest.
    Bytes retry = ext_entry(ext::supported_versions, {0x03, 0x04});
    append(retry, ext_entry(ext::key_share, {0x00, 0x18}));
    f = decode_server_flight(record(
        22, handshake(2, server_hello_body(0x0301, hello_retry_request_random, 0x1301, retry))));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("HelloRetryRequest") != std::string::npos);
}

TEST_CASE("a ServerHello inside the offer passes, each way out of it is named with its RFC",
          "[wire][hello_offer]") {
    const Bytes reneg = ext_entry(ext::renegotiation_info, {0x00});
    // Inside: renegotiation_info answers the SCSV (RFC 5746 §3.6), EMS was offered.
    Bytes ok = reneg;
    append(ok, ext_entry(ext::extended_master_secret, {}));
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0xC02F, ok), offer12()).empty());
    CHECK(violation(
              server_hello_body(0x0303, plain_random(), 0x1301, tls13_extensions(group::x25519)),
              offer13())
              .empty());
    // Without the SCSV renegotiation_info is unsolicited.
    auto no_scsv = offer12();
    no_scsv.renegotiation = false;
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0xC02F, reneg), no_scsv)
              .find("renegotiation_info (65281), which the ClientHello did not offer") !=
          std::string::npos);

    // Suite, compression, extension.
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0xC030, reneg), offer12())
              .find("cipher suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, which was not offered "
                    "(RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)") != std::string::npos);
    Bytes deflate = server_hello_body(0x0303, plain_random(), 0xC02F, reneg);
    deflate[2 + 32 + 1 + 2] = 1;  // compression_method after version, random, sid, suite
    CHECK(violation(deflate, offer12()).find("compression method 1") != std::string::npos);
    Bytes ticket = reneg;
    append(ticket, ext_entry(ext::session_ticket, {}));
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0xC02F, ticket), offer12())
              .find("session_ticket (35), which the ClientHello did not offer (RFC 8446 §4.2, "
                    "RFC 5246 §7.4.1.4: unsupported_extension)") != std::string::npos);
    // supported_versions in answer to a hello that did not send it: unsolicited.
    CHECK(violation(
              server_hello_body(0x0303, plain_random(), 0x1301, tls13_extensions(group::x25519)),
              [] {
                  auto o = offer13();
                  std::erase(o.extensions, ext::supported_versions);
                  o.supported_versions.clear();
                  return o;
              }())
              .find("supported_versions (43), which the ClientHello did not offer") !=
          std::string::npos);

    // supported_versions selecting what was not offered, or below TLS 1.3.
    Bytes v12 = ext_entry(ext::supported_versions, {0x03, 0x03});
    auto offer_12_13 = offer13();
    offer_12_13.supported_versions = {0x0304, 0x0303};
    offer_12_13.cipher_suites.push_back(0xC02F);
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0xC02F, v12), offer_12_13)
              .find("selects TLS 1.2, below TLS 1.3 (RFC 8446 §4.2.1)") != std::string::npos);
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0x1301, v12), offer13())
              .find("selects TLS 1.2, which was not offered (RFC 8446 §4.2.1)") !=
          std::string::npos);

    // TLS 1.3: only supported_versions, key_share (and pre_shared_key) in a ServerHello.
    Bytes with_ems = tls13_extensions(group::x25519);
    append(with_ems, ext_entry(ext::extended_master_secret, {}));
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0x1301, with_ems), offer13())
              .find("may not carry extension extended_master_secret") != std::string::npos);
    // Its key share must be in a group the client sent a share for.
    CHECK(violation(
              server_hello_body(0x0303, plain_random(), 0x1301, tls13_extensions(group::secp384r1)),
              offer13())
              .find("sent no share (RFC 8446 §4.2.8") != std::string::npos);
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0x1301,
                                      ext_entry(ext::supported_versions, {0x03, 0x04})),
                    offer13())
              .find("no key_share") != std::string::npos);
}

TEST_CASE("a HelloRetryRequest must ask for an offered group that had no share",
          "[wire][hello_offer]") {
    const auto retry_for = [](std::uint16_t g) {
        Bytes ext = ext_entry(ext::supported_versions, {0x03, 0x04});
        append(ext, ext_entry(ext::key_share,
                              {static_cast<std::uint8_t>(g >> 8), static_cast<std::uint8_t>(g)}));
        return server_hello_body(0x0303, hello_retry_request_random, 0x1301, ext);
    };
    CHECK(violation(retry_for(group::secp384r1), offer13()).empty());
    CHECK(violation(retry_for(0x7a7a), offer13())
              .find("group unknown (31354), which supported_groups did not offer (RFC 8446 "
                    "§4.1.4: illegal_parameter)") != std::string::npos);
    CHECK(violation(retry_for(group::secp256r1), offer13())
              .find("secp256r1 (23), for which the ClientHello already sent a key share") !=
          std::string::npos);
    // A cookie is allowed in a retry although the client never sends one (RFC 8446 §4.2.2).
    Bytes cookie = ext_entry(ext::supported_versions, {0x03, 0x04});
    append(cookie, ext_entry(ext::cookie, {0x00, 0x02, 0xab, 0xcd}));
    CHECK(
        violation(server_hello_body(0x0303, hello_retry_request_random, 0x1301, cookie), offer13())
            .empty());
    // ... but not in a ServerHello.
    Bytes sh_cookie = tls13_extensions(group::x25519);
    append(sh_cookie, ext_entry(ext::cookie, {0x00, 0x02, 0xab, 0xcd}));
    CHECK(violation(server_hello_body(0x0303, plain_random(), 0x1301, sh_cookie), offer13())
              .find("cookie (44), which the ClientHello did not offer") != std::string::npos);
}

// ---- The incremental decoder -------------------------------------------------------------

TEST_CASE("fed in any split, the incremental decoder decodes what the whole stream decodes",
          "[wire][server_flight]") {
    Bytes ext = ext_entry(ext::renegotiation_info, {0x00});
    Bytes stream = handshake(2, server_hello_body(0x0303, plain_random(), 0xC02F, ext));
    append(stream, handshake(11, {0x00, 0x00, 0x07, 0x00, 0x00, 0x04, 0x30, 0x02, 0x05, 0x00}));
    append(stream, handshake(14, {}));
    Bytes flight = record(21, {0x01, 0x70});            // a warning first, as Apache sends it
    for (std::size_t i = 0; i < stream.size(); i += 3)  // 3-byte handshake fragments
        append(flight, record(22, Bytes(stream.begin() + static_cast<long>(i),
                                        stream.begin() +
                                            static_cast<long>(std::min(stream.size(), i + 3)))));
    const auto whole = decode_server_flight(flight);
    REQUIRE(whole.kind == Kind::server_hello);
    CHECK(whole.certificates.size() == 1);
    CHECK(whole.consumed == flight.size());
    for (std::size_t chunk : {1u, 2u, 5u, 6u, 7u, 64u}) {
        INFO("chunk " << chunk);
        ServerFlightDecoder d;
        for (std::size_t at = 0; at < flight.size(); at += chunk) {
            const auto& f =
                d.feed(ByteView(flight).subspan(at, std::min(chunk, flight.size() - at)));
            if (at + chunk < flight.size()) CHECK(f.kind == Kind::truncated);
        }
        const auto& f = d.flight();
        CHECK(f.kind == Kind::server_hello);
        CHECK(f.certificates == whole.certificates);
        CHECK(f.handshake_types == whole.handshake_types);
        CHECK(f.consumed == whole.consumed);
        CHECK(f.alert.has_value());
        CHECK(f.error.empty());
        CHECK(d.records() == 1 + (stream.size() + 2) / 3);  // each record decoded once
    }
    // Bytes after the decision point change nothing.
    ServerFlightDecoder d;
    d.feed(flight);
    CHECK(d.feed(Bytes{0x17, 0x03, 0x03, 0x00, 0x01, 0xff}).kind == Kind::server_hello);
}

TEST_CASE("a peer that stalls with empty, warning or ignored records is cut off",
          "[wire][server_flight]") {
    const Bytes hello =
        record(22, handshake(2, server_hello_body(0x0303, plain_random(), 0xC02F, {})));
    const auto repeat = [](const Bytes& unit, std::size_t n) {
        Bytes out;
        for (std::size_t i = 0; i < n; ++i) append(out, unit);
        return out;
    };
    // Warning alerts: 5 in a row are tolerated (OpenSSL's limit), the 6th is not.
    const Bytes warning = record(21, {0x01, 0x70});
    Bytes five = repeat(warning, kMaxWarningAlerts);
    append(five, hello);
    auto f = decode_server_flight(five);
    CHECK(f.kind == Kind::truncated);
    CHECK(f.hello.has_value());
    f = decode_server_flight(repeat(warning, kMaxWarningAlerts + 1));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("more than 5 warning alerts in a row") != std::string::npos);
    // "In a row": a handshake record in between starts the count again.
    Bytes spaced = repeat(warning, kMaxWarningAlerts);
    append(spaced, hello);
    append(spaced, repeat(warning, kMaxWarningAlerts));
    CHECK(decode_server_flight(spaced).kind == Kind::truncated);

    // Empty records (heartbeat: the one type the decoder would otherwise skip when empty).
    const Bytes empty = record(24, {});
    CHECK(decode_server_flight(repeat(empty, kMaxEmptyRecords)).kind == Kind::truncated);
    f = decode_server_flight(repeat(empty, kMaxEmptyRecords + 1));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("empty records in a row") != std::string::npos);

    // HelloRequests (RFC 5246 §7.4.1.1: ignored while negotiating) and heartbeats, together.
    Bytes requests;
    for (std::size_t i = 0; i < kMaxIgnoredUnits; ++i) append(requests, handshake(0, {}));
    CHECK(decode_server_flight(record(22, requests)).kind == Kind::truncated);
    append(requests, handshake(0, {}));
    f = decode_server_flight(record(22, requests));
    CHECK(f.kind == Kind::malformed);
    CHECK(f.error.find("HelloRequest") != std::string::npos);

    // Records: a Certificate that never ends, 1 byte per record.
    Bytes fragments = hello;
    for (std::uint8_t b :
         {std::uint8_t{11}, std::uint8_t{0x0f}, std::uint8_t{0xff}, std::uint8_t{0xff}})
        append(fragments, record(22, Bytes{b}));
    ServerFlightDecoder d;
    d.feed(fragments);
    const Bytes one = repeat(record(22, {0x30}), 1000);
    std::size_t fed = 0;
    while (d.flight().kind == Kind::truncated && fed < kMaxRecords + 1000) {
        d.feed(one);
        fed += 1000;
    }
    CHECK(d.flight().kind == Kind::malformed);
    CHECK(d.flight().error.find("more than 65536 records") != std::string::npos);
    CHECK(d.records() == kMaxRecords + 1);
}
