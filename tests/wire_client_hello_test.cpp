#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "wire/cipher_suites.hpp"
#include "wire/client_hello.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"
#include "wire/reader.hpp"
#include "wire/ssl2.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;

namespace {

// A small ClientHello parser for the tests only (the product never parses ClientHellos):
// reassembles the handshake records and splits the message into its fields.
struct ParsedHello {
    std::uint16_t record_version = 0;
    std::size_t records = 0;
    std::size_t message_length = 0;  // handshake header + body
    std::uint16_t legacy_version = 0;
    Bytes random, session_id;
    std::vector<std::uint16_t> suites;
    Bytes compression;
    bool has_extension_block = false;
    std::vector<std::uint16_t> extension_order;
    std::map<std::uint16_t, Bytes> extensions;

    bool has(std::uint16_t type) const { return extensions.count(type) != 0; }
    bool offers(std::uint16_t suite) const {
        return std::find(suites.begin(), suites.end(), suite) != suites.end();
    }
};

ParsedHello parse_hello(ByteView records) {
    ParsedHello p;
    Bytes message;
    Reader rr(records);
    while (!rr.empty()) {
        REQUIRE(rr.u8() == 22);
        p.record_version = rr.u16();
        auto payload = rr.vec16().rest();
        REQUIRE(payload.size() <= 16384);
        message.insert(message.end(), payload.begin(), payload.end());
        ++p.records;
    }
    Reader m(message);
    REQUIRE(m.u8() == 1);
    auto body = m.vec24();
    REQUIRE(m.empty());
    p.message_length = message.size();
    p.legacy_version = body.u16();
    const auto random = body.bytes(32);
    p.random.assign(random.begin(), random.end());
    const auto sid = body.vec8().rest();
    p.session_id.assign(sid.begin(), sid.end());
    auto suites = body.vec16();
    while (!suites.empty()) p.suites.push_back(suites.u16());
    const auto comp = body.vec8().rest();
    p.compression.assign(comp.begin(), comp.end());
    if (!body.empty()) {
        p.has_extension_block = true;
        auto exts = body.vec16();
        REQUIRE(body.empty());
        while (!exts.empty()) {
            const auto type = exts.u16();
            const auto data = exts.vec16().rest();
            REQUIRE_FALSE(p.has(type));  // RFC 8446 §4.2: no duplicates
            p.extension_order.push_back(type);
            p.extensions[type] = Bytes(data.begin(), data.end());
        }
    }
    return p;
}

std::array<std::uint8_t, 32> counting_random() {
    std::array<std::uint8_t, 32> r{};
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(i);
    return r;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

const Bytes kRandomBytes = [] {
    const auto r = counting_random();
    return Bytes(r.begin(), r.end());
}();

}  // namespace

TEST_CASE("golden bytes: SSL 3.0 hello, no extensions, SCSV appended", "[wire][client_hello]") {
    ClientHelloSpec spec;
    spec.max_version = Version::ssl3;
    spec.record_version = Version::ssl3;
    spec.random = counting_random();
    spec.cipher_suites = {0x000A, 0x002F};
    const Bytes expected = concat({
        {0x16, 0x03, 0x00, 0x00, 0x31},  // record: handshake, SSL 3.0, 49 bytes
        {0x01, 0x00, 0x00, 0x2d},        // ClientHello, 45-byte body
        {0x03, 0x00},                    // client_version SSL 3.0
        kRandomBytes,                    // random 00..1f
        {0x00},                          // empty session_id
        {0x00, 0x06, 0x00, 0x0a, 0x00, 0x2f, 0x00,
         0xff},        // 3 suites: 3DES, AES128, SCSV (RFC 5746 §4.5)
        {0x01, 0x00},  // compression: null
    });                // and no extensions block at all
    CHECK(encode_client_hello(spec) == expected);
}

TEST_CASE("golden bytes: TLS 1.2 hello with SNI, renegotiation_info and padding to 512",
          "[wire][client_hello]") {
    ClientHelloSpec spec;
    spec.max_version = Version::tls1_2;
    spec.random = counting_random();
    spec.cipher_suites = {0xC02F, 0x009C};
    spec.server_name = "localhost";
    spec.renegotiation = RenegotiationSignal::extension;
    // Unpadded message: 4 header + 43 fixed fields + 2 + 27 extensions = 76 bytes, so the
    // padding extension is 512 - 76 = 436 bytes: 4 header + 432 zeros (RFC 7685).
    Bytes expected = concat({
        {0x16, 0x03, 0x01, 0x02, 0x00},  // record: handshake, 0x0301, 512 bytes
        {0x01, 0x00, 0x01, 0xfc},        // ClientHello, 508-byte body
        {0x03, 0x03},                    // legacy_version TLS 1.2
        kRandomBytes,
        {0x00},                                // empty session_id
        {0x00, 0x04, 0xc0, 0x2f, 0x00, 0x9c},  // 2 suites, no SCSV (the extension signals)
        {0x01, 0x00},                          // compression: null
        {0x01, 0xcf},                          // extensions: 463 bytes
        {0xff, 0x01, 0x00, 0x01, 0x00},        // renegotiation_info, empty (RFC 5746 §3.4)
        {0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,  // server_name list, host_name, 9
         'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't'},
        {0x00, 0x17, 0x00, 0x00},  // extended_master_secret
        {0x00, 0x15, 0x01, 0xb0},  // padding, 432 bytes
    });
    expected.resize(expected.size() + 432, 0);
    const auto got = encode_client_hello(spec);
    CHECK(got.size() == 517);
    CHECK(got == expected);
}

TEST_CASE("golden bytes: TLS 1.3 supported_versions, psk modes and key_share",
          "[wire][client_hello]") {
    ClientHelloSpec spec;
    spec.max_version = Version::tls1_3;
    spec.random = counting_random();
    spec.cipher_suites = {0x1301};
    spec.supported_groups = {group::x25519};
    spec.supported_versions = {Version::tls1_3, Version::tls1_2};
    spec.psk_key_exchange_modes = {psk_dhe_ke};
    spec.key_shares = {KeyShareEntry{group::x25519, Bytes(32, 0x42)}};
    spec.extended_master_secret = false;
    spec.pad_to = 0;
    Bytes expected = concat({
        {0x16, 0x03, 0x01, 0x00, 0x72},  // record, 114 bytes
        {0x01, 0x00, 0x00, 0x6e},        // ClientHello, 110-byte body
        {0x03, 0x03},                    // legacy_version is TLS 1.2 (RFC 8446 §4.1.2)
        kRandomBytes,
        {0x00},
        {0x00, 0x04, 0x13, 0x01, 0x00, 0xff},  // TLS_AES_128_GCM_SHA256 + SCSV
        {0x01, 0x00},
        {0x00, 0x41},                                            // extensions: 65 bytes
        {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d},        // supported_groups: x25519
        {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03},  // supported_versions 1.3, 1.2
        {0x00, 0x2d, 0x00, 0x02, 0x01, 0x01},  // psk_key_exchange_modes psk_dhe_ke
        {0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
         0x20},  // key_share: x25519, 32 bytes
    });
    expected.resize(expected.size() + 32, 0x42);
    CHECK(encode_client_hello(spec) == expected);
}

TEST_CASE("golden bytes: SSL 2.0 CLIENT-HELLO", "[wire][client_hello][ssl2]") {
    Ssl2ClientHelloSpec spec;
    spec.cipher_specs = {0x010080, 0x0700C0, 0x00002F};
    spec.challenge = Bytes(16, 0x11);
    Bytes expected = {
        0x80, 0x22,        // 2-byte header, 34-byte message
        0x01,              // MSG-CLIENT-HELLO
        0x00, 0x02,        // CLIENT-VERSION SSL 2.0
        0x00, 0x09,        // CIPHER-SPECS-LENGTH: 3 specs
        0x00, 0x00,        // SESSION-ID-LENGTH
        0x00, 0x10,        // CHALLENGE-LENGTH
        0x01, 0x00, 0x80,  // SSL_CK_RC4_128_WITH_MD5
        0x07, 0x00, 0xc0,  // SSL_CK_DES_192_EDE3_CBC_WITH_MD5
        0x00, 0x00, 0x2f,  // TLS_RSA_WITH_AES_128_CBC_SHA as a V2CipherSpec
    };
    expected.resize(expected.size() + 16, 0x11);
    CHECK(encode_ssl2_client_hello(spec) == expected);
    spec.challenge = Bytes(8, 0);
    CHECK_THROWS_AS(encode_ssl2_client_hello(spec), std::invalid_argument);
    const auto preset = preset_ssl2_client_hello();
    CHECK(preset.cipher_specs.size() == 8);
    CHECK(preset.challenge.size() == 16);
}

TEST_CASE("every preset hello signals renegotiation, is padded and round-trips",
          "[wire][client_hello]") {
    for (auto v :
         {Version::ssl3, Version::tls1_0, Version::tls1_1, Version::tls1_2, Version::tls1_3}) {
        INFO(to_string(v));
        HelloOptions options;
        options.server_name = "example.com";
        options.alpn = {"h2", "http/1.1"};
        const auto spec = preset_client_hello(v, options);
        const auto p = parse_hello(encode_client_hello(spec));
        CHECK(p.legacy_version == wire_code(std::min(v, Version::tls1_2)));
        CHECK(p.record_version == (v == Version::ssl3 ? 0x0300 : 0x0301));
        CHECK(p.random == Bytes(spec.random.begin(), spec.random.end()));
        CHECK((p.offers(0x00FF) || p.has(ext::renegotiation_info)));
        CHECK(p.compression == Bytes{0});
        for (auto s : p.suites) {
            const auto* cs = find_cipher_suite(s);
            REQUIRE(cs != nullptr);
            CHECK((cs->is_scsv() || cs->usable_in(v)));
        }
        if (v == Version::ssl3) {
            CHECK_FALSE(p.has_extension_block);
            continue;
        }
        CHECK(p.message_length >= 512);
        if (p.has(ext::padding)) CHECK(p.extension_order.back() == ext::padding);
        REQUIRE(p.has(ext::server_name));
        const auto& sni = p.extensions.at(ext::server_name);
        CHECK(std::string(sni.begin() + 5, sni.end()) == "example.com");
        const auto& alpn = p.extensions.at(ext::alpn);
        CHECK(alpn ==
              Bytes{0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1'});
        CHECK(p.has(ext::signature_algorithms) == (v >= Version::tls1_2));  // RFC 5246 §7.4.1.4.1
        CHECK(p.has(ext::supported_versions) == (v == Version::tls1_3));
    }
}

TEST_CASE("TLS 1.3 preset carries real key shares and a compatibility session id",
          "[wire][client_hello]") {
    HelloOptions options;
    options.server_name = "example.com";
    options.alpn = {"h2"};
    const auto p = parse_hello(encode_client_hello(preset_client_hello(Version::tls1_3, options)));
    std::vector<std::uint16_t> order{ext::server_name,
                                     ext::ec_point_formats,
                                     ext::supported_groups,
                                     ext::alpn,
                                     ext::extended_master_secret,
                                     ext::signature_algorithms,
                                     ext::supported_versions,
                                     ext::psk_key_exchange_modes,
                                     ext::key_share};
    if (p.has(ext::padding)) order.push_back(ext::padding);
    CHECK(p.extension_order == order);
    CHECK(p.message_length >= 512);
    CHECK(p.extensions.at(ext::supported_versions) == Bytes{0x02, 0x03, 0x04});
    CHECK(p.extensions.at(ext::psk_key_exchange_modes) == Bytes{0x01, 0x01});
    CHECK(p.session_id.size() == 32);
    Reader ks(p.extensions.at(ext::key_share));
    auto list = ks.vec16();
    CHECK(list.u16() == group::x25519);
    CHECK(list.vec16().remaining() == 32);
    CHECK(list.u16() == group::secp256r1);
    const auto point = list.vec16().rest();
    REQUIRE(point.size() == 65);
    CHECK(point[0] == 0x04);  // uncompressed (RFC 8446 §4.2.8.2)
    CHECK(list.empty());
    for (auto s : {0x1301, 0x1302, 0x1303}) CHECK(p.offers(static_cast<std::uint16_t>(s)));
}

TEST_CASE("offer-everything hello lists 1.3 down to 1.0 and TLS 1.3 suites first",
          "[wire][client_hello]") {
    const auto p = parse_hello(encode_client_hello(preset_offer_everything()));
    CHECK(p.extensions.at(ext::supported_versions) ==
          Bytes{0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01});
    CHECK(p.suites.front() == 0x1301);  // AES-GCM first among the strong TLS 1.3 suites
    CHECK(p.suites.size() > 300);
    CHECK(p.offers(0x0003));           // EXPORT suites are TLS 1.0 suites: offered too
    CHECK_FALSE(p.has(ext::padding));  // already far over 512 bytes
    CHECK(p.records == 1);
}

TEST_CASE("fallback SCSV and renegotiation signal variants", "[wire][client_hello]") {
    HelloOptions options;
    options.cipher_suites = {0xC02F, 0x00FF};  // an SCSV in the input is not duplicated
    auto spec = preset_client_hello(Version::tls1_2, options);
    spec.fallback_scsv = true;
    auto p = parse_hello(encode_client_hello(spec));
    CHECK(p.suites == std::vector<std::uint16_t>{0xC02F, 0x00FF, 0x5600});
    CHECK_FALSE(p.has(ext::renegotiation_info));

    options.renegotiation = RenegotiationSignal::extension;
    p = parse_hello(encode_client_hello(preset_client_hello(Version::tls1_2, options)));
    CHECK(p.suites == std::vector<std::uint16_t>{0xC02F});
    CHECK(p.extensions.at(ext::renegotiation_info) == Bytes{0x00});
}

TEST_CASE("padding lands every hello at 512 bytes or just above", "[wire][client_hello]") {
    ClientHelloSpec spec;
    spec.cipher_suites = {0xC02F};
    for (std::size_t n = 1; n < 480; n += 7) {
        spec.server_name = std::string(n, 'a');
        ClientHelloSpec unpadded = spec;
        unpadded.pad_to = 0;
        const auto bare = encode_client_hello_message(unpadded).size();
        const auto padded = encode_client_hello_message(spec).size();
        INFO(n);
        if (bare >= 512) {
            CHECK(padded == bare);
        } else {
            CHECK(padded >= 512);
            CHECK(padded <= 515);  // a padding extension cannot be shorter than its 4-byte header
        }
    }
}

TEST_CASE("hellos over 2^14 bytes are split across records", "[wire][client_hello]") {
    ClientHelloSpec spec;
    spec.cipher_suites = {0xC02F};
    for (int i = 0; i < 100; ++i)
        spec.alpn.push_back(std::string(200, static_cast<char>('a' + i % 26)));
    const auto records = encode_client_hello(spec);
    const auto p = parse_hello(records);
    CHECK(p.records == 2);
    CHECK(p.message_length > 16384);
    CHECK(frame_handshake_records(Bytes(20000, 1), Version::tls1_2).size() == 20000 + 2 * 5);
}

TEST_CASE("key shares are real public keys of the right size", "[wire][client_hello]") {
    CHECK(generate_key_share(group::x25519)->key_exchange.size() == 32);
    CHECK(generate_key_share(group::x448)->key_exchange.size() == 56);
    CHECK(generate_key_share(group::secp384r1)->key_exchange.size() == 97);
    CHECK(generate_key_share(group::secp521r1)->key_exchange.size() == 133);
    CHECK(generate_key_share(group::x25519)->key_exchange !=
          generate_key_share(group::x25519)->key_exchange);
    CHECK_FALSE(generate_key_share(group::ffdhe2048).has_value());
    CHECK(random32() != random32());
}
