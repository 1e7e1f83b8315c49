// The raw-hello engine on loopback: canned first flights (SSL 3.0, SSL 2.0, HRR), every
// failure shape a scripted server can produce, the 256-511 byte intolerance, and agreement
// with the OpenSSL engine against real OpenSSL servers.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <openssl/ssl.h>

#include "async_run.hpp"
#include "engine/openssl_client.hpp"
#include "engine/raw_client.hpp"
#include "lab/hello_servers.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Phase;
using core::Status;
using core::Version;
namespace asio = boost::asio;

namespace {

// Named fields: RawClientOptions grows (after_flight, upgrade), positional braces would not.
engine::RawClientOptions client_options(std::chrono::milliseconds timeout, bool trace) {
    engine::RawClientOptions o;
    o.timeout = timeout;
    o.trace = trace;
    return o;
}

const std::filesystem::path kFlights =
    std::filesystem::path(TLSPROBE_TESTS_DIR) / "data" / "flights";

core::Bytes fixture(const std::string& name) {
    std::ifstream in(kFlights / name, std::ios::binary);
    REQUIRE(in);
    return core::Bytes(std::istreambuf_iterator<char>(in), {});
}

asio::ip::tcp::endpoint loopback(unsigned short port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}

template <typename T>
T run(asio::awaitable<T> op) {
    return testing::run_awaitable(std::move(op));
}

engine::RawProbeOptions options(std::chrono::milliseconds timeout = 2s) {
    engine::RawProbeOptions o;
    o.sni = "tlsprobe.test";
    o.timeout = timeout;
    o.trace = true;
    return o;
}

engine::RawResult probe(unsigned short port, Version v, std::chrono::milliseconds timeout = 2s) {
    return run(engine::raw_version_probe(loopback(port), v, options(timeout)));
}

bool trace_has(const core::Observation& o, std::string_view text) {
    for (const auto& e : o.trace)
        if (e.summary.find(text) != std::string::npos) return true;
    return false;
}

std::string trace_text(const core::Observation& o) {
    std::string s;
    for (const auto& e : o.trace)
        s += std::string(to_string(e.direction)) + ": " + e.summary + "\n";
    return s;
}

}  // namespace

TEST_CASE("raw: every version probe hello signals renegotiation, TLS ones are >= 512 bytes",
          "[raw]") {
    for (auto v : core::all_versions) {
        const auto hello = engine::version_probe_hello(v, options());
        const auto parsed = wire::parse_client_hello(hello.bytes);
        INFO(core::to_string(v) << ": " << hello.summary);
        REQUIRE(parsed.hello);
        CHECK(hello.min_version == v);
        CHECK(hello.max_version == v);
        CHECK_FALSE(hello.cipher_suites.empty());
        if (v == Version::ssl2) continue;
        CHECK(parsed.hello->renegotiation_info);
        CHECK(parsed.hello->highest_version() == std::optional<Version>(v));
        if (v >= Version::tls1_0) CHECK(parsed.hello->message_length >= 512);
        CHECK(hello.summary.starts_with(fmt::format("ClientHello {}, ", core::display_name(v))));
    }
}

TEST_CASE("raw: SSL 3.0 ServerHello + Certificate is negotiated with the chain", "[raw]") {
    lab::RawServer server(lab::canned_flight(fixture("ssl3_server_hello_certificate.bin")));
    const auto r = probe(server.port(), Version::ssl3);
    const auto& o = r.observation;
    INFO(o.detail << "\n" << trace_text(o));
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.phase == Phase::done);
    CHECK(o.version == std::optional<Version>(Version::ssl3));
    CHECK(o.cipher == "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    CHECK(o.cipher_id == 0x000A);
    CHECK_FALSE(o.chain.empty());
    CHECK(r.flight.kind == wire::ServerFlight::Kind::server_hello);
    CHECK(trace_has(o, "ClientHello SSL 3.0, "));
    CHECK(trace_has(o, "ServerHello SSL 3.0 TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
    CHECK(trace_has(o, "Certificate, 1 certificate(s)"));
    CHECK(o.address == "127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("raw: SSL 2.0 SERVER-HELLO is negotiated, SSL 2.0 ERROR is a rejection", "[raw]") {
    lab::RawServer server(lab::canned_flight(fixture("ssl2_server_hello.bin")));
    const auto r = probe(server.port(), Version::ssl2);
    INFO(r.observation.detail);
    REQUIRE(r.observation.status == Status::negotiated);
    CHECK(r.observation.version == std::optional<Version>(Version::ssl2));
    CHECK(r.observation.cipher.starts_with("SSL_CK_"));
    CHECK(r.observation.chain.size() == 1);
    REQUIRE(r.flight.ssl2_hello);
    CHECK(r.flight.ssl2_hello->cipher_specs.size() == 2);

    lab::RawServer refusing(lab::canned_flight(fixture("ssl2_error_no_cipher.bin")));
    const auto e = probe(refusing.port(), Version::ssl2).observation;
    CHECK(e.status == Status::rejected_alert);
    CHECK(e.detail.find("NO-CIPHER-ERROR") != std::string::npos);
}

TEST_CASE("raw: a HelloRetryRequest means TLS 1.3 is accepted, with the group it asks for",
          "[raw]") {
    // The hello the fixture answered: TLS 1.3 with a P-256 key share only (x25519 offered in
    // supported_groups without a share), so a retry for x25519 is legitimate.
    lab::RawServer server(lab::canned_flight(fixture("tls13_hrr.bin")));
    wire::HelloOptions options;
    options.server_name = "tlsprobe.test";
    auto spec = wire::preset_client_hello(Version::tls1_3, options);
    std::erase_if(spec.key_shares,
                  [](const wire::KeyShareEntry& k) { return k.group != wire::group::secp256r1; });
    REQUIRE(spec.key_shares.size() == 1);
    const auto o = run(engine::raw_handshake(loopback(server.port()), engine::make_raw_hello(spec),
                                             client_options(2s, true)))
                       .observation;
    INFO(o.detail);
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.version == std::optional<Version>(Version::tls1_3));
    CHECK(o.group == "x25519");
    CHECK(o.detail.find("HelloRetryRequest") != std::string::npos);
    CHECK(trace_has(o, "HelloRetryRequest TLS 1.3"));

    // The version probe's hello already carries an x25519 share: the same retry asks for
    // nothing new, and a client MUST abort (RFC 8446 §4.1.4).
    const auto strict = probe(server.port(), Version::tls1_3).observation;
    INFO(strict.detail);
    CHECK(strict.status == Status::protocol_error);
    CHECK(strict.detail.find("already sent a key share") != std::string::npos);
    CHECK(strict.detail.find("RFC 8446 §4.1.4") != std::string::npos);
}

TEST_CASE("raw: TLS 1.2 flight: suite, group, chain, sentinel and a capture-like trace", "[raw]") {
    lab::RawServer server(lab::canned_flight(fixture("tls12_ecdhe_rsa.bin")));
    const auto o = probe(server.port(), Version::tls1_2).observation;
    INFO(trace_text(o));
    REQUIRE(o.status == Status::negotiated);
    CHECK(o.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(o.group == "x25519");
    CHECK(o.downgrade_sentinel);
    CHECK_FALSE(o.chain.empty());
    CHECK(trace_has(o, "ClientHello TLS 1.2, "));
    CHECK(trace_has(o, "SNI=tlsprobe.test"));
    CHECK(trace_has(o, "ServerHello TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    CHECK(trace_has(o, "ServerKeyExchange x25519"));
    CHECK(trace_has(o, "server_hello_done"));
    CHECK(o.first_bytes.size() > 5);
}

TEST_CASE("raw: a lower version than pinned means the pinned version is not supported", "[raw]") {
    lab::RawServer server(lab::canned_flight(fixture("tls10_downgrade.bin")));
    const auto o = probe(server.port(), Version::tls1_2).observation;
    INFO(o.detail);
    CHECK(o.status == Status::protocol_error);
    CHECK(o.version == std::optional<Version>(Version::tls1_0));
    CHECK(o.detail.find("TLS 1.2 is not supported") != std::string::npos);
}

TEST_CASE("raw: RST, FIN, alert, HTTP, silence and refusal", "[raw]") {
    {
        lab::RawServer server(lab::reset_after_hello());
        const auto o = probe(server.port(), Version::tls1_2).observation;
        CHECK(o.status == Status::reset);
        CHECK(o.phase == Phase::hello);
        CHECK(trace_has(o, "RST after "));
    }
    {
        lab::RawServer server(lab::close_after_hello());
        const auto o = probe(server.port(), Version::tls1_1).observation;
        CHECK(o.status == Status::closed);
        CHECK(trace_has(o, "FIN after "));
    }
    {
        lab::RawServer server(lab::alert_after_hello(40));
        const auto o = probe(server.port(), Version::tls1_3).observation;
        CHECK(o.status == Status::rejected_alert);
        CHECK(o.alert == std::optional<std::uint8_t>(40));
        CHECK(trace_has(o, "Alert fatal handshake_failure(40)"));
    }
    {
        lab::RawServer server(lab::http_reply());
        const auto o = probe(server.port(), Version::tls1_2).observation;
        CHECK(o.status == Status::not_tls);
        CHECK(o.detail.find("http") != std::string::npos);
        CHECK(o.detail.find("HTTP/1.1 400") != std::string::npos);
    }
    {
        lab::RawServer server(lab::silent());
        const auto o = probe(server.port(), Version::tls1_2, 300ms).observation;
        CHECK(o.status == Status::timeout);
        CHECK(o.phase == Phase::hello);
    }
    {
        const auto o = probe(lab::closed_port(), Version::tls1_2).observation;
        CHECK(o.status == Status::refused);
        CHECK(o.phase == Phase::connect);
    }
}

TEST_CASE("raw: hellos of 256-511 bytes are reset by an intolerant server, ours are not", "[raw]") {
    lab::CipherPolicy policy;
    policy.suites = {0xC02F, 0x009C};
    lab::RawServer server(lab::size_intolerant(lab::cipher_policy_server(policy)));

    // A hello in the window: 60 suites, padding switched off.
    std::vector<std::uint16_t> suites{0xC02F};
    for (auto c : wire::cipher_suites_for(Version::tls1_2))
        if (suites.size() < 60 && c != 0xC02F) suites.push_back(static_cast<std::uint16_t>(c));
    wire::HelloOptions options;
    options.server_name = "tlsprobe.test";
    options.cipher_suites = suites;
    auto spec = wire::preset_client_hello(Version::tls1_2, options);
    spec.pad_to = 0;
    const auto small = engine::make_raw_hello(spec);
    const auto parsed = wire::parse_client_hello(small.bytes);
    REQUIRE(parsed.hello);
    REQUIRE(parsed.hello->message_length >= 256);
    REQUIRE(parsed.hello->message_length <= 511);
    const auto o =
        run(engine::raw_handshake(loopback(server.port()), small, client_options(2s, false)))
            .observation;
    CHECK(o.status == Status::reset);

    const auto ok = probe(server.port(), Version::tls1_2).observation;
    INFO(ok.detail);
    CHECK(ok.status == Status::negotiated);
    CHECK(ok.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}

TEST_CASE("raw: TLS 1.0-1.3 verdicts agree with the OpenSSL engine on real servers",
          "[raw][openssl]") {
    const std::vector<std::pair<int, int>> ranges{{TLS1_2_VERSION, TLS1_3_VERSION},
                                                  {TLS1_VERSION, TLS1_1_VERSION},
                                                  {TLS1_3_VERSION, TLS1_3_VERSION},
                                                  {TLS1_2_VERSION, TLS1_2_VERSION}};
    for (const auto& [lo, hi] : ranges) {
        lab::TlsServer server(lab::config_for_case("good", lo, hi));
        for (auto v : {Version::tls1_0, Version::tls1_1, Version::tls1_2, Version::tls1_3}) {
            engine::HandshakeSpec spec;
            spec.pin = v;
            spec.sni = "tlsprobe.test";
            spec.timeout = 2s;
            const auto ossl = run(engine::openssl_handshake(loopback(server.port()), spec));
            const auto raw = probe(server.port(), v).observation;
            INFO("server " << lo << "-" << hi << ", " << core::to_string(v) << ": openssl "
                           << to_string(ossl.status) << " (" << ossl.detail << "), raw "
                           << to_string(raw.status) << " (" << raw.detail << ")");
            CHECK((ossl.status == Status::negotiated) == (raw.status == Status::negotiated));
            if (raw.status == Status::negotiated) {
                CHECK(raw.version == ossl.version);
                if (v <= Version::tls1_2) CHECK(raw.chain == ossl.chain);
            }
        }
    }
}
