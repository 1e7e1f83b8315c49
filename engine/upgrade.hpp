// The plaintext upgrade before TLS (STARTTLS, SSLRequest, ...), driven on a connected socket.
// Both handshake engines call connect_and_upgrade() instead of the bare TCP connect, so every
// connection of a probe (each version, each cipher hello, each check) makes the upgrade before
// its ClientHello. The dialogue itself is pure (wire/starttls.hpp); this moves its bytes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>

#include "engine/connection.hpp"
#include "wire/starttls.hpp"

namespace tlsprobe::engine {

// Which upgrade a connection makes before its ClientHello; protocol none = TLS at once.
struct Upgrade {
    wire::StartTls protocol = wire::StartTls::none;
    std::string name;  // the XMPP stream's `to` domain; unused by the other protocols

    bool active() const { return protocol != wire::StartTls::none; }
};

// Runs the dialogue of `upgrade` on the connected `stream` within `timeout` (its own budget,
// like the connect's and the handshake's). On failure records the status in `log` (phase
// upgrade: the wire/starttls.hpp statuses, or timeout / closed / reset) and returns false. On
// success the byte counters of `log` start again at zero, so the TLS phase is judged on TLS
// bytes only. Traces each command and reply.
boost::asio::awaitable<bool> run_upgrade(boost::beast::tcp_stream& stream, const Upgrade& upgrade,
                                         std::chrono::milliseconds timeout, AttemptLog& log);

// connect_with_timeout(), then run_upgrade() when `upgrade` is active: the one
// "connect then upgrade" step both engines share.
boost::asio::awaitable<bool> connect_and_upgrade(boost::beast::tcp_stream& stream,
                                                 boost::asio::ip::tcp::endpoint peer,
                                                 std::chrono::milliseconds timeout,
                                                 const Upgrade& upgrade, AttemptLog& log);

}  // namespace tlsprobe::engine
