// A scripted TCP server for the misbehaviours no TLS library will produce on purpose: a
// reset or FIN right after the ClientHello (IIS without a usable certificate), a bare alert,
// an HTTP or SSH answer on the TLS port, silence. No TLS code is involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "lab/loopback.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;

struct RawScript {
    enum class Trigger {
        on_accept,           // act at once, before the client sends anything (banners)
        after_client_hello,  // after one full TLS record (5-byte header + body), or 5 bytes
                             // of anything else (SSLv2, HTTP), or ~1 s after accept, or EOF
    };
    enum class Then {
        reset,  // SO_LINGER {1,0} + close: the client sees RST
        close,  // FIN, then the client's remaining bytes are drained briefly before close
        hold,   // stay open and silent until the server stops (or kConnectionLifetime)
    };
    Trigger trigger = Trigger::after_client_hello;
    core::Bytes send;  // written when triggered; may be empty
    Then then = Then::close;
    // Optional: computes the reply from the bytes received so far (empty on on_accept);
    // replaces `send`. Runs on the server's thread: must not throw or block.
    std::function<core::Bytes(core::ByteView client_hello)> respond;
    // Optional: chooses `then` from the same bytes (a server that resets some hellos only).
    // Same rules as `respond`.
    std::function<Then(core::ByteView client_hello)> then_for;
    // Optional: a second exchange after the reply (the vulnerability servers: a heartbeat
    // response, an alert for an early ChangeCipherSpec). Called with the hello and everything
    // the client sent since the reply, each time more arrives, until it returns bytes (sent at
    // once) or the client stops sending (EOF, the hello window, kMaxReads); then `then`.
    // Same rules as `respond`.
    std::function<core::Bytes(core::ByteView client_hello, core::ByteView since)> followup;
    // Optional, with `followup`: called first each time more arrives; a value ends the
    // exchange at once with that `Then` instead of the script's (the ROBOT oracle server
    // resets some key exchanges). Same rules as `respond`.
    std::function<std::optional<Then>(core::ByteView client_hello, core::ByteView since)>
        stop_after;
};
std::string_view to_string(RawScript::Trigger t);
std::string_view to_string(RawScript::Then t);

class RawServer {
public:
    // Starts listening on `where`:0; throws boost::system::system_error if it cannot bind.
    explicit RawServer(RawScript script, Loopback where = Loopback::ipv4);
    // Closes the listener and every connection (held ones too); returns within seconds at worst.
    ~RawServer();
    RawServer(const RawServer&) = delete;
    RawServer& operator=(const RawServer&) = delete;

    unsigned short port() const;
    std::size_t connections() const;  // TCP connections accepted so far
    // What each connection sent before the server ended it (its first flight, and for `hold`
    // and `close` whatever followed), capped at 64 KiB each, in accept order. A snapshot.
    std::vector<core::Bytes> received() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Ready-made scripts, each named after what the client sees.
RawScript reset_after_hello();  // RST, nothing else: HTTP.sys with no usable certificate (S1/S2/S4)
RawScript close_after_hello();  // FIN, nothing else
// One fatal alert record (RFC 5246 §7.2: 15 <version> 00 02 02 <description>), then FIN.
RawScript alert_after_hello(std::uint8_t description, std::uint16_t record_version = 0x0303);
// What HTTP.sys answers to a ClientHello on an http:// registration (S3): 400 "Invalid Verb",
// then FIN. An empty `server` leaves the Server header out.
RawScript http_reply(std::string status_line = "HTTP/1.1 400 Bad Request",
                     std::string server = "Microsoft-HTTPAPI/2.0");
// A service that speaks first ("SSH-2.0-OpenSSH_9.2p1\r\n", "220 mail ESMTP\r\n"), then FIN
// once it has read what the client sent.
RawScript banner(std::string line);
RawScript silent();  // accepts, reads, never answers

// A loopback port that refuses connections right now: binds port 0, reads the number and
// closes. Racy by nature: another process may bind the same port before the test connects;
// the kernel hands out ephemeral ports round-robin, so that is rare enough for tests.
unsigned short closed_port(Loopback where = Loopback::ipv4);

}  // namespace tlsprobe::lab
