// The OpenSSL handshake engine against the lab's loopback servers: every outcome in the
// status vocabulary that a real server can produce, with its evidence. Loopback only,
// every wait bounded by the spec's timeout.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <openssl/ssl.h>
#include <sstream>
#include <string>

#include "engine/openssl_client.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Phase;
using core::Status;
using core::Version;
namespace asio = boost::asio;

namespace {

asio::ip::tcp::endpoint loopback(unsigned short port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}

// One handshake on a private io_context; the spec's timeout bounds it.
core::Observation handshake(unsigned short port, engine::HandshakeSpec spec) {
    asio::io_context io;
    auto future = asio::co_spawn(io, engine::openssl_handshake(loopback(port), std::move(spec)),
                                 asio::use_future);
    io.run();
    return future.get();
}

engine::HandshakeSpec pinned(std::optional<Version> v, std::chrono::milliseconds timeout = 2s) {
    engine::HandshakeSpec s;
    s.pin = v;
    s.sni = "tlsprobe.test";
    s.timeout = timeout;
    return s;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string text(const core::Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_CASE("engine: TLS 1.2 server, pinned TLS 1.2 negotiates with the served chain",
          "[engine][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
    const auto o = handshake(server.port(), pinned(Version::tls1_2));
    INFO(o.detail);
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.phase == Phase::done);
    CHECK(o.version == std::optional<Version>(Version::tls1_2));
    CHECK_FALSE(o.cipher.empty());
    CHECK(o.cipher_id != 0);
    CHECK(o.cipher.starts_with("TLS_"));
    CHECK(o.address == "127.0.0.1:" + std::to_string(server.port()));
    CHECK_FALSE(o.alert.has_value());
    const auto expected = x509::pem_to_der_chain(read_file(lab::testcert("good.chain.pem")));
    REQUIRE(expected.size() == 2);
    REQUIRE(o.chain.size() == 2);
    CHECK(o.chain[0] == expected[0]);
    CHECK(o.chain[1] == expected[1]);
    CHECK(o.trace.empty());  // trace off by default
}

TEST_CASE("engine: TLS 1.2 server refuses a TLS 1.3 pin with protocol_version", "[engine][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
    const auto o = handshake(server.port(), pinned(Version::tls1_3));
    INFO(o.detail);
    CHECK(o.status == Status::rejected_alert);
    CHECK(o.alert == std::optional<std::uint8_t>(70));  // protocol_version
    CHECK(o.phase == Phase::handshake);
    CHECK_FALSE(o.version.has_value());
    CHECK(o.chain.empty());
    CHECK(o.detail.find("70") != std::string::npos);
    REQUIRE_FALSE(o.first_bytes.empty());
    CHECK(o.first_bytes[0] == 0x15);  // an alert record
}

TEST_CASE("engine: offering everything against a TLS 1.3 server negotiates TLS 1.3",
          "[engine][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
    const auto o = handshake(server.port(), pinned(std::nullopt));
    INFO(o.detail);
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.version == std::optional<Version>(Version::tls1_3));
    CHECK((o.cipher.starts_with("TLS_AES_") || o.cipher.starts_with("TLS_CHACHA20_")));
    CHECK(
        (o.alpn.empty() || o.alpn == "h2" || o.alpn == "http/1.1"));  // never one we did not offer
    CHECK(o.chain.size() == 2);
}

TEST_CASE("engine: a TLS 1.0 pin negotiates with a TLS 1.0-only server (security level 0)",
          "[engine][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_VERSION, TLS1_VERSION));
    const auto o = handshake(server.port(), pinned(Version::tls1_0));
    INFO(o.detail);
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.version == std::optional<Version>(Version::tls1_0));
    CHECK_FALSE(o.cipher.empty());
    CHECK(o.chain.size() == 2);

    // A TLS 1.2 pin against that server: it answers with a TLS 1.0 ServerHello, which the
    // client refuses on its own; the server sent no alert.
    const auto newer = handshake(server.port(), pinned(Version::tls1_2));
    INFO(newer.detail);
    CHECK(newer.status != Status::negotiated);
    CHECK((newer.status == Status::protocol_error || newer.status == Status::rejected_alert));
}

TEST_CASE("engine: scripted misbehaviours map onto the status vocabulary", "[engine][raw]") {
    SECTION("RST after the ClientHello") {
        lab::RawServer server(lab::reset_after_hello());
        const auto o = handshake(server.port(), pinned(Version::tls1_2));
        INFO(o.detail);
        CHECK(o.status == Status::reset);
        CHECK(o.phase == Phase::hello);
        CHECK_FALSE(o.alert.has_value());
        CHECK(o.first_bytes.empty());
        CHECK_FALSE(o.detail.empty());
    }
    SECTION("FIN after the ClientHello") {
        lab::RawServer server(lab::close_after_hello());
        const auto o = handshake(server.port(), pinned(Version::tls1_2));
        INFO(o.detail);
        CHECK(o.status == Status::closed);
        CHECK(o.phase == Phase::hello);
        CHECK(o.detail.find("FIN") != std::string::npos);
    }
    SECTION("a bare handshake_failure alert") {
        lab::RawServer server(lab::alert_after_hello(40));
        const auto o = handshake(server.port(), pinned(Version::tls1_2));
        INFO(o.detail);
        CHECK(o.status == Status::rejected_alert);
        CHECK(o.alert == std::optional<std::uint8_t>(40));
        CHECK(o.phase == Phase::handshake);
        CHECK(o.first_bytes == core::Bytes{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40});
    }
    SECTION("HTTP on the TLS port") {
        lab::RawServer server(lab::http_reply());
        const auto o = handshake(server.port(), pinned(Version::tls1_2));
        INFO(o.detail);
        CHECK(o.status == Status::not_tls);
        CHECK(text(o.first_bytes).starts_with("HTTP/1.1 400"));
        CHECK(o.detail.find("HTTP/1.1 400") != std::string::npos);
        CHECK(o.phase == Phase::handshake);
    }
    SECTION("silence until the timeout") {
        lab::RawServer server(lab::silent());
        const auto start = std::chrono::steady_clock::now();
        const auto o = handshake(server.port(), pinned(Version::tls1_2, 300ms));
        const auto took = std::chrono::steady_clock::now() - start;
        INFO(o.detail);
        CHECK(o.status == Status::timeout);
        CHECK(o.phase == Phase::hello);
        CHECK(took >= 290ms);
        CHECK(took < 2s);
        CHECK(o.first_bytes.empty());
    }
    SECTION("an SSH banner") {
        lab::RawServer server(lab::banner("SSH-2.0-OpenSSH_9.2p1\r\n"));
        const auto o = handshake(server.port(), pinned(std::nullopt));
        INFO(o.detail);
        CHECK(o.status == Status::not_tls);
        CHECK(text(o.first_bytes).starts_with("SSH-2.0-"));
    }
}

TEST_CASE("engine: a closed port is refused in the connect phase", "[engine][raw]") {
    const auto o = handshake(lab::closed_port(), pinned(Version::tls1_2, 1s));
    INFO(o.detail);
    CHECK(o.status == Status::refused);
    CHECK(o.phase == Phase::connect);
    CHECK_FALSE(core::reached_server(o.status));
    CHECK_FALSE(o.detail.empty());
}

TEST_CASE("engine: SSL 3.0 is local_unsupported on this OpenSSL", "[engine]") {
    // Debian's OpenSSL is built with no-ssl3: it accepts SSL3_VERSION as a bound but has no
    // method to build the hello with, so the attempt ends before any ClientHello is sent.
    lab::RawServer server(lab::close_after_hello());
    const auto o = handshake(server.port(), pinned(Version::ssl3, 1s));
    INFO(o.detail);
    CHECK(o.status == Status::local_unsupported);
    CHECK_FALSE(o.detail.empty());
    CHECK_FALSE(core::reached_server(o.status));
    CHECK(handshake(server.port(), pinned(Version::ssl2, 1s)).status == Status::local_unsupported);
    CHECK_FALSE(engine::openssl_supports(Version::ssl2));
    CHECK(engine::openssl_supports(Version::tls1_0));
    CHECK(engine::openssl_supports(Version::tls1_2));
    CHECK(engine::openssl_supports(Version::tls1_3));
}

// Debian's OpenSSL (no-ssl3) accepts SSL3_VERSION as a bound; the engine must still know it
// cannot offer SSL 3.0 before connecting, or a refused port would be reported instead.
TEST_CASE("engine: SSL 3.0 is known unsupported before any connection", "[engine]") {
    CHECK_FALSE(engine::openssl_supports(Version::ssl3));
    const auto o = handshake(lab::closed_port(), pinned(Version::ssl3, 1s));
    CHECK(o.status == Status::local_unsupported);
}

TEST_CASE("engine: trace records the exchange in order", "[engine][tls]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
    auto spec = pinned(std::nullopt);
    spec.trace = true;
    const auto o = handshake(server.port(), spec);
    INFO(o.detail);
    REQUIRE(o.status == Status::negotiated);
    REQUIRE_FALSE(o.trace.empty());
    const auto has = [&](std::string_view needle, core::TraceEvent::Direction d) {
        return std::any_of(o.trace.begin(), o.trace.end(), [&](const core::TraceEvent& e) {
            return e.direction == d && e.summary.find(needle) != std::string::npos;
        });
    };
    CHECK(has("ClientHello", core::TraceEvent::Direction::sent));
    CHECK(has("ServerHello", core::TraceEvent::Direction::received));
    CHECK(has("Certificate", core::TraceEvent::Direction::received));
    CHECK(std::is_sorted(
        o.trace.begin(), o.trace.end(),
        [](const core::TraceEvent& a, const core::TraceEvent& b) { return a.at < b.at; }));
}
