// Scale (issue 18): what a scan target in flight holds. The engines allocate a connection's
// 16 kB network buffer only once the TCP connect succeeded, never in the coroutine frame
// (which exists from the attempt's first instruction): a refused or still-connecting attempt,
// the bulk of a big scan, costs no buffer. Counted with engine::net_buffers_allocated(); the
// peak-RSS figures are bench/scan_1m.sh's (no timed or memory assertions here).
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <openssl/ssl.h>

#include "async_run.hpp"
#include "engine/connection.hpp"
#include "engine/net_buffer.hpp"
#include "engine/openssl_client.hpp"
#include "engine/raw_client.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Status;
using core::Version;
using testing::run_awaitable;

namespace {

boost::asio::ip::tcp::endpoint loopback(unsigned short port) {
    return {boost::asio::ip::make_address("127.0.0.1"), port};
}

engine::HandshakeSpec tls12_spec() {
    engine::HandshakeSpec s;
    s.pin = Version::tls1_2;
    s.sni = "tlsprobe.test";
    s.timeout = 2s;
    return s;
}

engine::RawProbeOptions raw_options() {
    engine::RawProbeOptions o;
    o.sni = "tlsprobe.test";
    o.timeout = 2s;
    return o;
}

}  // namespace

TEST_CASE("scale: an OpenSSL attempt allocates its network buffer only once connected",
          "[scale][engine]") {
    SECTION("refused: no buffer") {
        const auto before = engine::net_buffers_allocated();
        const auto o =
            run_awaitable(engine::openssl_handshake(loopback(lab::closed_port()), tls12_spec()));
        CHECK(o.status == Status::refused);
        CHECK(engine::net_buffers_allocated() == before);
    }
    SECTION("connected: one buffer") {
        lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
        const auto before = engine::net_buffers_allocated();
        const auto o =
            run_awaitable(engine::openssl_handshake(loopback(server.port()), tls12_spec()));
        INFO(o.detail);
        CHECK(o.status == Status::negotiated);
        CHECK(engine::net_buffers_allocated() == before + 1);
    }
}

TEST_CASE("scale: a raw-hello attempt allocates its network buffer only once connected",
          "[scale][engine]") {
    SECTION("refused: no buffer") {
        const auto before = engine::net_buffers_allocated();
        const auto r = run_awaitable(engine::raw_version_probe(loopback(lab::closed_port()),
                                                               Version::tls1_2, raw_options()));
        CHECK(r.observation.status == Status::refused);
        CHECK(engine::net_buffers_allocated() == before);
    }
    SECTION("connected: one buffer") {
        lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
        const auto before = engine::net_buffers_allocated();
        const auto r = run_awaitable(
            engine::raw_version_probe(loopback(server.port()), Version::tls1_2, raw_options()));
        INFO(r.observation.detail);
        CHECK(r.observation.status == Status::negotiated);
        CHECK(engine::net_buffers_allocated() == before + 1);
    }
}
