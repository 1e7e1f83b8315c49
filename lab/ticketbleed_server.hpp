// Ticketbleed lab server (probe/checks/ticketbleed.*): a relay in front of a real TLS server
// (the lab's OpenSSL servers issue session tickets and resume from them) that behaves like F5
// BIG-IP before the CVE-2016-9244 fix. When a ClientHello offers a non-empty session ticket
// with a session ID shorter than 32 bytes, the ServerHello's session ID (OpenSSL echoes the
// client's on a ticket resumption, RFC 5077 §3.4) is widened to 32 bytes: the client's bytes,
// then kTicketbleedPattern standing in for server memory. Everything else passes unchanged.
// The client's handshake cannot complete after the rewrite (the transcripts differ); the
// check never finishes it.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "lab/loopback.hpp"

namespace tlsprobe::lab {

inline constexpr std::string_view kTicketbleedPattern = "LAB-TICKETBLEED-MEMORY:0123456789";

class TicketbleedRelay {
public:
    // Listens on `where`:0 and relays each connection to 127.0.0.1:`upstream_port`; throws
    // boost::system::system_error if it cannot bind.
    explicit TicketbleedRelay(unsigned short upstream_port, Loopback where = Loopback::ipv4);
    ~TicketbleedRelay();
    TicketbleedRelay(const TicketbleedRelay&) = delete;
    TicketbleedRelay& operator=(const TicketbleedRelay&) = delete;

    unsigned short port() const;
    std::size_t connections() const;
    std::size_t rewritten() const;  // ServerHellos widened so far

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tlsprobe::lab
