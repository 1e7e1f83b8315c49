// The ClientHello decoder: round trips through the encoders, OpenSSL's own hello, every
// prefix truncated, garbage malformed.
#include <algorithm>
#include <catch2/catch.hpp>

#include "lab/loopback_client.hpp"
#include "core/text.hpp"
#include "wire/client_hello.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"
#include "wire/ssl2.hpp"

using namespace tlsprobe;
using namespace tlsprobe::wire;
using tlsprobe::core::Version;

namespace {
ParsedClientHello parse_ok(const core::Bytes& bytes) {
    const auto r = parse_client_hello(bytes);
    INFO(r.error);
    REQUIRE(r.kind == ClientHelloParse::Kind::ok);
    return *r.hello;
}
}  // namespace

TEST_CASE("client hello parser: TLS 1.2 preset round trip", "[wire][client_hello_parser]") {
    HelloOptions o;
    o.server_name = "tlsprobe.test";
    o.cipher_suites = {0xC02F, 0x009C};
    o.alpn = {"h2"};
    const auto spec = preset_client_hello(Version::tls1_2, o);
    const auto bytes = encode_client_hello(spec);
    const auto h = parse_ok(bytes);
    CHECK_FALSE(h.ssl2_format);
    CHECK(h.record_version == 0x0301);
    CHECK(h.legacy_version == 0x0303);
    CHECK(h.cipher_suites ==
          std::vector<std::uint32_t>{0xC02F, 0x009C, empty_renegotiation_info_scsv});
    CHECK(h.server_name == std::optional<std::string>("tlsprobe.test"));
    CHECK(h.supported_groups == default_supported_groups());
    CHECK(h.signature_algorithms == default_signature_algorithms());
    CHECK(h.alpn == std::vector<std::string>{"h2"});
    CHECK(h.renegotiation_info);
    CHECK(h.message_length >= 512);  // the 256-511 rule (DIAGNOSIS.md)
    CHECK(h.message_length + 5 == bytes.size());
    CHECK(h.padding > 0);
    CHECK(h.highest_version() == std::optional<Version>(Version::tls1_2));
    CHECK(h.offers_suite(0xC02F));
    CHECK_FALSE(h.offers_suite(0x1301));
    CHECK(describe_client_hello(h, bytes.size()) ==
          "ClientHello TLS 1.2, 2 suites, SNI=tlsprobe.test, " + std::to_string(bytes.size()) +
              " bytes");
}

TEST_CASE("client hello parser: TLS 1.3, SSL 3.0 and SSL 2.0 hellos",
          "[wire][client_hello_parser]") {
    const auto h13 = parse_ok(encode_client_hello(preset_client_hello(Version::tls1_3)));
    CHECK(h13.supported_versions == std::vector<std::uint16_t>{0x0304});
    CHECK(h13.key_share_groups == std::vector<std::uint16_t>{group::x25519, group::secp256r1});
    CHECK(h13.session_id.size() == 32);
    CHECK_FALSE(h13.server_name.has_value());
    CHECK(h13.highest_version() == std::optional<Version>(Version::tls1_3));

    // No share at all: the key_share extension is still sent, empty (RFC 8446 §4.2.8), so the
    // server answers with a HelloRetryRequest instead of missing_extension.
    auto no_shares = preset_client_hello(Version::tls1_3);
    no_shares.key_shares.clear();
    const auto h13e = parse_ok(encode_client_hello(no_shares));
    CHECK(h13e.key_share_groups.empty());
    CHECK(std::any_of(h13e.extensions.begin(), h13e.extensions.end(),
                      [](const RawExtension& e) { return e.type == ext::key_share; }));

    const auto h3 = parse_ok(encode_client_hello(preset_client_hello(Version::ssl3)));
    CHECK(h3.record_version == 0x0300);
    CHECK(h3.legacy_version == 0x0300);
    CHECK(h3.extensions.empty());
    CHECK(h3.renegotiation_info);  // the SCSV

    const auto spec2 = preset_ssl2_client_hello();
    const auto bytes2 = encode_ssl2_client_hello(spec2);
    const auto h2 = parse_ok(bytes2);
    CHECK(h2.ssl2_format);
    CHECK(h2.legacy_version == 0x0002);
    CHECK(h2.cipher_suites == spec2.cipher_specs);
    CHECK(describe_client_hello(h2, bytes2.size()).starts_with("SSLv2 CLIENT-HELLO SSL 2.0, "));
}

TEST_CASE("client hello parser: OpenSSL's own hello, and a hello split over records",
          "[wire][client_hello_parser]") {
    const auto h = parse_ok(lab::sample_client_hello("name.example"));
    CHECK(h.server_name == std::optional<std::string>("name.example"));
    CHECK_FALSE(h.cipher_suites.empty());
    CHECK_FALSE(h.supported_versions.empty());

    const auto message = encode_client_hello_message(preset_client_hello(Version::tls1_2));
    core::Bytes two_records;
    const std::size_t cut = 100;
    for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, cut}, {cut, message.size()}}) {
        const auto n = to - from;
        two_records.insert(two_records.end(), {22, 3, 1, static_cast<std::uint8_t>(n >> 8),
                                               static_cast<std::uint8_t>(n)});
        two_records.insert(two_records.end(), message.begin() + static_cast<std::ptrdiff_t>(from),
                           message.begin() + static_cast<std::ptrdiff_t>(to));
    }
    CHECK(parse_ok(two_records).message_length == message.size());
}

TEST_CASE("client hello parser: every prefix is truncated, garbage is malformed",
          "[wire][client_hello_parser]") {
    HelloOptions options;
    options.server_name = "x.example";
    const auto bytes = encode_client_hello(preset_client_hello(Version::tls1_3, options));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const auto r = parse_client_hello(core::ByteView(bytes).first(n));
        INFO("prefix " << n);
        REQUIRE(r.kind == ClientHelloParse::Kind::truncated);
    }
    CHECK(parse_client_hello(core::Bytes{0x17, 3, 3, 0, 1, 0}).kind ==
          ClientHelloParse::Kind::malformed);
    CHECK(parse_client_hello(core::Bytes{22, 3, 1, 0, 4, 2, 0, 0, 0}).kind ==
          ClientHelloParse::Kind::malformed);
    auto bad = bytes;
    bad[5 + 4 + 2 + 32] = 0xff;  // session id length beyond the message
    CHECK(parse_client_hello(bad).kind == ClientHelloParse::Kind::malformed);
}

// Found by client_hello_fuzz: the SNI is the client's bytes, and the trace line carried them
// raw, so a hello naming "\x9a\x8ezz.example" made the JSON dump of the trace throw.
TEST_CASE("client hello parser: the trace line shows a non-UTF-8 SNI escaped",
          "[wire][client_hello_parser][fuzz]") {
    HelloOptions o;
    o.server_name = std::string("\x9a\x8ezz.example", 12);
    const auto bytes = encode_client_hello(preset_client_hello(Version::tls1_2, o));
    const auto h = parse_ok(bytes);
    REQUIRE(h.server_name == o.server_name);  // the parsed value stays what was sent
    const auto line = describe_client_hello(h, bytes.size());
    CHECK(core::is_safe_utf8(line));
    CHECK_THAT(line, Catch::Contains("SNI=\\x9A\\x8Ezz.example"));
    // A name that is valid UTF-8 is shown as it is.
    o.server_name = "tlsprobe.test";
    CHECK_THAT(describe_client_hello(parse_ok(encode_client_hello(preset_client_hello(
                                         Version::tls1_2, o))),
                                     0),
               Catch::Contains("SNI=tlsprobe.test,"));
}
