// What both handshake engines (OpenSSL and raw hellos) share about one connection attempt:
// the clock and trace of the attempt, the TCP connect with its timeout, and how socket errors
// map to the status vocabulary (tls/outcome.hpp). Engine-internal: callers use the engines.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>

#include "core/observation.hpp"

namespace tlsprobe::engine {

// "192.0.2.1:443" / "[::1]:443", as Observation::address and the reports print a peer.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& e);

// Observation::first_bytes keeps at most this many bytes of the server's reply.
inline constexpr std::size_t kFirstBytesKept = 256;

// The most a handshake may receive before it is given up as a local limit: well above real
// chains (a leaf with 10,000 names is ~300 KiB, a 200-deep chain ~200 KiB), small enough to
// bound memory per connection. Limits are by bytes and time, never by the number of reads:
// a server that sends one byte per TCP segment is slow, not broken.
inline constexpr std::size_t kMaxHandshakeBytes = 2 * 1024 * 1024;

// One attempt in progress: the Observation being filled, the clock since the attempt started
// and the trace switch.
struct AttemptLog {
    core::Observation obs;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point hello_sent_at =
        start;  // set by the engine after the ClientHello
    bool trace = false;
    std::size_t bytes_received = 0;
    std::chrono::steady_clock::time_point last_byte_at = start;  // when the last bytes arrived

    // Counts `n` bytes that just arrived.
    void received(std::size_t n);

    core::Micros now() const;
    // Milliseconds since the ClientHello left, for "RST after 3 ms".
    double ms_since_hello() const;
    void event(core::TraceEvent::Direction d, std::string summary);
    // Ends the attempt with `s`; elapsed is measured from the end of the TCP connect.
    void fail(core::Status s, std::string detail);
};

// Connects `stream` to `peer` within `timeout`. On failure records refused / unreachable /
// timeout in `log` (phase connect) and returns false; on success records connect_time, sets
// TCP_NODELAY and returns true. Traces "TCP connect to ..." and "TCP connected in ... ms".
boost::asio::awaitable<bool> connect_with_timeout(boost::beast::tcp_stream& stream,
                                                  boost::asio::ip::tcp::endpoint peer,
                                                  std::chrono::milliseconds timeout,
                                                  AttemptLog& log);

// Maps a socket error after the ClientHello (timeout, FIN, RST, other) to the vocabulary,
// with the phase (hello when nothing was received yet, else handshake). The detail says what
// really arrived: how many bytes and how long before the end the last of them came.
void record_io_failure(AttemptLog& log, const boost::system::error_code& ec,
                       std::chrono::milliseconds timeout);

}  // namespace tlsprobe::engine
