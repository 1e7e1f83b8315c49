// The article's first step, from the outside: does the site answer over plain HTTP? One
// HEAD / request; the status line and the Server header become evidence for the diagnosis
// ("HTTP works, HTTPS fails" is the situation the article starts from).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/outcome.hpp"

namespace tlsprobe::engine {

// The article's first step: is the site reachable over plain HTTP?
struct HttpCheck {
    std::uint16_t port = 80;
    core::Status status = core::Status::internal_error;  // negotiated = an HTTP reply came back
    int http_status = 0;                                 // 200, 301, 404, ...; 0 when none
    std::string status_line;                             // "HTTP/1.1 301 Moved Permanently"
    std::string server_header;                           // "Microsoft-IIS/10.0"
    std::string location;                                // Location header, when redirecting
    std::string detail;                                  // one line for a person
};

// Sends `HEAD / HTTP/1.1` with `Host: host_header` to `peer` and reads the response head.
// Never throws for what the network does: refused, timeout and a non-HTTP reply are in the
// result (status negotiated = an HTTP response came back). Runs on the caller's executor.
boost::asio::awaitable<HttpCheck> http_check(boost::asio::ip::tcp::endpoint peer,
                                             std::string host_header,
                                             std::chrono::milliseconds timeout);

}  // namespace tlsprobe::engine
