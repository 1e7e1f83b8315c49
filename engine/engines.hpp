// The one door to the network. Everything the probe does on a socket goes through an
// Engines object: name resolution, an OpenSSL handshake, a raw hello, the plain-HTTP check.
// The probe orchestration (probe/) holds a reference and never opens a socket itself, so
// its tests swap in a fake that records what it was asked (tests/fake_engines.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/observation.hpp"
#include "core/version.hpp"
#include "engine/connection.hpp"
#include "engine/host_resolver.hpp"
#include "engine/http_check.hpp"
#include "engine/http_fetch.hpp"
#include "engine/openssl_client.hpp"
#include "engine/raw_client.hpp"
#include "engine/tls_session.hpp"

namespace tlsprobe::engine {

using Endpoint = boost::asio::ip::tcp::endpoint;

class Engines {
public:
    virtual ~Engines() = default;

    // The addresses of `host` with `port`; failures are in Resolution::status (dns_failed,
    // timeout), never an exception.
    virtual boost::asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                                       std::chrono::milliseconds timeout) = 0;
    // One full handshake with the local OpenSSL (openssl_client.hpp).
    virtual boost::asio::awaitable<core::Observation> handshake(Endpoint peer,
                                                                HandshakeSpec spec) = 0;
    // One raw-hello connection pinned to `version` (raw_client.hpp).
    virtual boost::asio::awaitable<RawResult> raw_version(Endpoint peer, core::Version version,
                                                          RawProbeOptions options) = 0;
    // One raw hello of the caller's making (cipher enumeration).
    virtual boost::asio::awaitable<RawResult> raw(Endpoint peer, RawHello hello,
                                                  RawClientOptions options) = 0;
    // HEAD / over plain HTTP (http_check.hpp).
    virtual boost::asio::awaitable<HttpCheck> http(Endpoint peer, std::string host_header,
                                                   std::chrono::milliseconds timeout) = 0;
    // A full TLS session with the local OpenSSL: resumption, HTTP over TLS, renegotiation
    // (tls_session.hpp).
    virtual boost::asio::awaitable<SessionResult> session(Endpoint peer, SessionSpec spec) = 0;
    // One bounded plain-HTTP GET or POST of an http:// URL (AIA, OCSP, CRL: http_fetch.hpp).
    virtual boost::asio::awaitable<FetchResult> fetch(FetchRequest request) = 0;
};

// The real engines. `resolver` shares lookups between targets (scans); null = one Asio
// lookup per call, bounded by the timeout.
std::shared_ptr<Engines> network_engines(std::shared_ptr<HostResolver> resolver = nullptr);

// `inner`, with `upgrade` stamped on every handshake, raw hello and version probe it is asked
// for (engine/upgrade.hpp): probe_target() wraps its engines in it for a STARTTLS target, so
// each connection (versions, cipher enumeration, checks) makes the upgrade. A new Engines
// operation that opens a TLS connection must carry the upgrade here too.
std::shared_ptr<Engines> with_upgrade(std::shared_ptr<Engines> inner, Upgrade upgrade);

}  // namespace tlsprobe::engine
