// The raw-hello engine: sends ClientHello bytes the project wrote itself (tls/wire/) and reads
// the server's first flight, independently of what the local OpenSSL can offer (SSL 2.0,
// SSL 3.0, every legacy suite).
//
//   connect -> send hello -> read -> decode_server_flight(all bytes so far)
//                              ^          | truncated: read more (until FIN, RST or timeout)
//                              +----------+ anything else: stop, map the flight to a status
//
// The engine never finishes a handshake. A ServerHello (or an SSL 2.0 SERVER-HELLO, or a
// HelloRetryRequest) choosing a version inside the offered range counts as `negotiated`: the
// server accepted that version and suite. A version outside the offered range is
// `protocol_error` (for a pinned hello: that version is not supported, which is how OpenSSL's
// pinned handshakes report it too). Nothing throws out of it: every outcome is a value.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observation.hpp"
#include "core/version.hpp"
#include "engine/upgrade.hpp"
#include "wire/client_hello.hpp"
#include "wire/hello_offer.hpp"
#include "wire/server_flight.hpp"
#include "wire/ssl2.hpp"

namespace tlsprobe::engine {

// A ClientHello ready to send, with what the engine needs to judge the answer.
struct RawHello {
    core::Bytes bytes;                                  // record bytes, as sent
    core::Version min_version = core::Version::tls1_2;  // lowest version the hello accepts
    core::Version max_version = core::Version::tls1_2;  // highest version offered
    std::vector<std::uint32_t> cipher_suites;  // offered (SSL 2.0: 3-byte kinds), SCSVs excluded
    std::string summary;                       // "ClientHello TLS 1.2, 47 suites, SNI=x, 517 bytes"
    // What the hello offers (parsed back from `bytes`): a ServerHello outside it is a
    // protocol_error (wire/hello_offer.hpp).
    wire::HelloOffer offer;
};

// A TLS/SSL 3.0 hello from a spec: min_version = max_version (pinned) unless the spec lists
// several supported_versions, then the lowest of them.
RawHello make_raw_hello(const wire::ClientHelloSpec& spec);
// An SSL 2.0 CLIENT-HELLO (version 0x0002: accepts SSL 2.0 only).
RawHello make_raw_hello(const wire::Ssl2ClientHelloSpec& spec);

struct RawClientOptions {
    std::chrono::milliseconds timeout{
        5000};           // for the TCP connect, then again for the first flight
    bool trace = false;  // fill Observation::trace
    // Bytes sent once a complete TLS <= 1.2 first flight has negotiated (after the
    // ServerHelloDone): the vulnerability checks' heartbeat request or early
    // ChangeCipherSpec. Empty: nothing is sent after the hello. The answer is read for at most
    // `after_timeout`, until one whole record, FIN or RST (RawResult::after).
    core::Bytes after_flight;
    std::chrono::milliseconds after_timeout{2000};
    Upgrade upgrade{};     // made after the TCP connect, before the hello (STARTTLS)
};

// What the server did with RawClientOptions::after_flight.
struct AfterFlight {
    enum class End {
        not_sent,  // the flight did not negotiate (or nothing was asked)
        record,    // a whole record arrived (reply holds it, and whatever came with it)
        closed,    // FIN before a whole record
        reset,     // RST before a whole record
        timeout,   // nothing (or part of a record) within after_timeout
    };
    End end = End::not_sent;
    core::Bytes reply;  // what arrived after the flight, at most kMaxAfterFlightBytes
};
std::string_view to_string(AfterFlight::End e);
inline constexpr std::size_t kMaxAfterFlightBytes = 64 * 1024;

struct RawResult {
    // status / phase / elapsed / connect_time / version / cipher_id / cipher / group / alpn /
    // alert / first_bytes / detail / chain (TLS <= 1.2 Certificate, SSL 2.0 certificate) /
    // downgrade_sentinel / client_certificate_requested / trace, as openssl_handshake fills them.
    core::Observation observation;
    wire::ServerFlight flight;  // the decoded first flight (kind truncated when none completed)
    AfterFlight after;          // RawClientOptions::after_flight's answer
};

// Connects to `peer`, sends `hello`, reads the first flight and closes (no close_notify: no
// session exists). Runs on the calling coroutine's executor.
boost::asio::awaitable<RawResult> raw_handshake(boost::asio::ip::tcp::endpoint peer, RawHello hello,
                                                RawClientOptions options);

// Pure part of raw_handshake: the Observation fields that follow from a decoded flight
// (status, phase, version, suite, group, alert, chain, detail). A truncated flight leaves
// status alone (the socket's ending decides it) but fills what was parsed, unless its
// ServerHello already breaks the offer (rejects_hello): that is a protocol_error at once.
void apply_flight(core::Observation& obs, const wire::ServerFlight& flight, const RawHello& hello);

// True when the flight holds a ServerHello (or HelloRetryRequest) outside `hello`'s offer
// (wire::server_hello_violation): a client MUST abort on it, whatever follows.
bool rejects_hello(const wire::ServerFlight& flight, const RawHello& hello);

// ---- Version probes --------------------------------------------------------------------

struct RawProbeOptions {
    std::optional<std::string> sni;  // server_name; nullopt = none (never sent in SSL 2.0)
    std::chrono::milliseconds timeout{5000};
    bool trace = false;
    Upgrade upgrade{};  // made after the TCP connect, before the hello (STARTTLS)
};

// The hello a version probe sends: SSL 2.0 CLIENT-HELLO with every SSL 2.0 kind; SSL 3.0
// (no extensions, SCSV); TLS 1.0-1.2 pinned by legacy_version; TLS 1.3 by supported_versions.
// Every TLS hello carries the renegotiation SCSV and is padded to >= 512 bytes (DIAGNOSIS.md).
RawHello version_probe_hello(core::Version v, const RawProbeOptions& options);

// One connection asking for exactly version `v`. `negotiated` = the server accepted `v`;
// a lower version in the answer = `v` not supported (status protocol_error, version = what
// the server chose).
boost::asio::awaitable<RawResult> raw_version_probe(boost::asio::ip::tcp::endpoint peer,
                                                    core::Version v, RawProbeOptions options);

}  // namespace tlsprobe::engine
