// Real and hand-crafted server flights from tests/data/flights (see its README.md).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <openssl/x509.h>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/server_flight.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;
using Kind = ServerFlight::Kind;

namespace {

const std::filesystem::path kFlights =
    std::filesystem::path(TLSPROBE_TESTS_DIR) / "data" / "flights";

Bytes load(const std::string& name) {
    std::ifstream in(kFlights / name, std::ios::binary);
    REQUIRE(in.good());
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ServerFlight decode_file(const std::string& name) { return decode_server_flight(load(name)); }

// Subject CN of a DER certificate, checked with OpenSSL so we know the bytes are a real chain.
std::string subject_cn(const Bytes& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return "<not DER>";
    char buf[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
    X509_free(x);
    return buf;
}

}  // namespace

TEST_CASE("every prefix of every fixture is truncated until its decision point",
          "[wire][fixtures]") {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kFlights)) {
        if (entry.path().extension() != ".bin") continue;
        ++files;
        const auto name = entry.path().filename().string();
        INFO(name);
        const auto data = load(name);
        const auto full = decode_server_flight(data);
        CHECK(full.kind != Kind::truncated);
        CHECK(full.kind != Kind::malformed);
        for (std::size_t n = 0; n < data.size(); ++n) {
            INFO("prefix of " << n << " bytes");
            const auto part = decode_server_flight(ByteView(data).first(n));
            if (full.kind == Kind::not_tls) {
                // One-shot answers: not TLS from the first byte on.
                CHECK(part.kind == (n == 0 ? Kind::truncated : Kind::not_tls));
            } else if (n < full.consumed) {
                CHECK(part.kind == Kind::truncated);
            } else {
                // Bytes after the decision point (TLS 1.3 encrypted records) change nothing.
                CHECK(part.kind == full.kind);
            }
        }
    }
    CHECK(files >= 25);
}

TEST_CASE("every fixture fed to the incremental decoder in 1- and 7-byte pieces decodes as whole",
          "[wire][fixtures]") {
    for (const auto& entry : std::filesystem::directory_iterator(kFlights)) {
        if (entry.path().extension() != ".bin") continue;
        const auto name = entry.path().filename().string();
        const auto data = load(name);
        const auto full = decode_server_flight(data);
        for (const std::size_t piece : {std::size_t{1}, std::size_t{7}}) {
            INFO(name << " in " << piece << "-byte pieces");
            ServerFlightDecoder d;
            for (std::size_t at = 0; at < data.size(); at += piece)
                d.feed(ByteView(data).subspan(at, std::min(piece, data.size() - at)));
            const auto& f = d.flight();
            CHECK(f.kind == full.kind);
            CHECK(f.consumed == full.consumed);
            CHECK(f.handshake_types == full.handshake_types);
            CHECK(f.certificates == full.certificates);
            CHECK(f.hello.has_value() == full.hello.has_value());
            CHECK(f.alert.has_value() == full.alert.has_value());
        }
    }
}

TEST_CASE("captured TLS 1.2 flights give version, suite, group, chain and sentinel",
          "[wire][fixtures]") {
    auto f = decode_file("tls12_ecdhe_rsa.bin");
    REQUIRE(f.kind == Kind::server_hello);
    CHECK(f.hello->negotiated_version() == Version::tls1_2);
    CHECK(cipher_suite_name(f.hello->cipher_suite) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(f.hello->downgrade ==
          DowngradeSentinel::tls1_2);  // OpenSSL 3 can do 1.3: RFC 8446 §4.1.3
    CHECK(f.hello->renegotiation_info);
    CHECK(f.hello->extended_master_secret);
    CHECK(f.kx->named_group == group::x25519);
    CHECK(f.hello_done);
    REQUIRE(f.certificates.size() == 1);
    CHECK(subject_cn(f.certificates[0]) == "localhost");

    f = decode_file("tls12_dhe_rsa.bin");
    CHECK(f.hello->cipher_suite == 0x009E);
    CHECK(f.kx->kind == KeyExchangeInfo::Kind::dhe);
    CHECK(f.kx->dh_prime_bits == 2048);

    f = decode_file("tls12_ecdsa_max12.bin");
    CHECK(f.hello->cipher_suite == 0xC02B);
    CHECK(f.hello->downgrade == DowngradeSentinel::none);  // a TLS 1.2-only server sets none

    f = decode_file("tls10_downgrade.bin");
    CHECK(f.record_version == 0x0301);
    CHECK(f.hello->negotiated_version() == Version::tls1_0);
    CHECK(f.hello->downgrade == DowngradeSentinel::tls1_1_or_below);

    f = decode_file("tls10_from_ssl2_hello.bin");
    CHECK(f.hello->negotiated_version() == Version::tls1_0);
    CHECK(f.hello->extensions.empty());

    for (const auto* name : {"tls12_one_record.bin", "tls12_fragmented.bin"}) {
        const auto g = decode_file(name);
        CHECK(g.hello->random == decode_file("tls12_ecdhe_rsa.bin").hello->random);
        CHECK(g.certificates.size() == 1);
        CHECK(g.hello_done);
    }
}

TEST_CASE("captured TLS 1.3 flights and HelloRetryRequest", "[wire][fixtures]") {
    auto f = decode_file("tls13_x25519.bin");
    REQUIRE(f.kind == Kind::server_hello);
    CHECK(f.hello->negotiated_version() == Version::tls1_3);
    CHECK(f.hello->legacy_version == 0x0303);
    CHECK(f.hello->key_share_group == group::x25519);
    CHECK(f.certificates.empty());  // encrypted in TLS 1.3
    CHECK(f.consumed < load("tls13_x25519.bin").size());

    f = decode_file("tls13_offer_everything.bin");
    CHECK(f.hello->negotiated_version() == Version::tls1_3);

    f = decode_file("tls13_hrr.bin");
    REQUIRE(f.kind == Kind::hello_retry_request);
    CHECK(f.hello->key_share_group == group::x25519);
    CHECK(f.hello->selected_version == 0x0304);
}

TEST_CASE("alerts, SSL 3.0 and SSL 2.0 fixtures", "[wire][fixtures]") {
    CHECK(decode_file("alert_handshake_failure.bin").alert->description == 40);
    CHECK(decode_file("alert_protocol_version.bin").alert->description == 70);
    CHECK(decode_file("alert_unrecognized_name.bin").alert->description == 112);
    CHECK(decode_file("alert_internal_error.bin").alert->description == 80);
    const auto close = decode_file("alert_close_notify_tls10.bin");
    CHECK(close.alert->level == 1);
    CHECK(close.record_version == 0x0301);

    const auto warned = decode_file("tls12_after_warning_alert.bin");
    CHECK(warned.kind == Kind::server_hello);  // the warning did not end the handshake
    CHECK(warned.alert->level == 1);
    CHECK(warned.alert->description == 112);
    CHECK(warned.hello_done);

    auto f = decode_file("ssl3_server_hello_certificate.bin");
    REQUIRE(f.kind == Kind::server_hello);
    CHECK(f.hello->negotiated_version() == Version::ssl3);
    CHECK(f.hello->cipher_suite == 0x000A);
    CHECK(f.hello->session_id.size() == 32);
    CHECK(f.hello_done);
    REQUIRE(f.certificates.size() == 1);
    CHECK(subject_cn(f.certificates[0]) == "localhost");

    f = decode_file("ssl2_server_hello.bin");
    REQUIRE(f.kind == Kind::ssl2_server_hello);
    CHECK(f.ssl2_hello->version == 0x0002);
    CHECK(f.ssl2_hello->cipher_specs == std::vector<std::uint32_t>{0x010080, 0x0700C0});
    CHECK(f.ssl2_hello->connection_id.size() == 16);
    REQUIRE(f.certificates.size() == 1);
    CHECK(subject_cn(f.certificates[0]) == "localhost");

    f = decode_file("ssl2_error_no_cipher.bin");
    REQUIRE(f.kind == Kind::alert);
    CHECK(f.alert->ssl2_error == 0x0001);
    CHECK(ssl2_error_name(*f.alert->ssl2_error) == "NO-CIPHER-ERROR");
}

TEST_CASE("non-TLS fixtures name the service", "[wire][fixtures]") {
    const struct {
        const char* file;
        const char* protocol;
    } cases[] = {{"http_400_httpapi.bin", "http"}, {"http_nginx_plain.bin", "http"},
                 {"ssh_banner.bin", "ssh"},        {"smtp_banner.bin", "smtp"},
                 {"ftp_banner.bin", "ftp"},        {"pop3_banner.bin", "pop3"},
                 {"imap_banner.bin", "imap"},      {"rdp_x224.bin", "unknown"}};
    for (const auto& c : cases) {
        INFO(c.file);
        const auto f = decode_file(c.file);
        REQUIRE(f.kind == Kind::not_tls);
        REQUIRE(f.service.has_value());
        CHECK(f.service->protocol == c.protocol);
    }
    const auto http = decode_file("http_400_httpapi.bin");
    CHECK(http.service->http_status == 400);
    CHECK(http.service->server_header == "Microsoft-HTTPAPI/2.0");
    CHECK(http.service->banner == "HTTP/1.1 400 Bad Request");
}
