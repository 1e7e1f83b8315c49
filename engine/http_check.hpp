// The article's first step, from the outside: does the site answer over plain HTTP? One
// HEAD / request; the status line and the Server header become evidence for the diagnosis
// ("HTTP works, HTTPS fails" is the situation the article starts from).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/outcome.hpp"

namespace tlsprobe::engine {

// What the plain-HTTP check saw, in its own words (the TLS attempts' core::Status words such
// as `negotiated` or `not_tls` would mislead here). The JSON `http.status` values.
enum class HttpStatus {
    answered,     // an HTTP response head came back (any status code, 4xx and 5xx too)
    not_http,     // something answered, but not with HTTP (an SSH banner, TLS, garbage)
    refused,      // TCP connection refused: nothing listens on the port
    timeout,      // no connection, or no answer, within the timeout
    reset,        // the connection was reset
    closed,       // the server closed the connection before a complete response head
    unreachable,  // no route to the host or network
    error,        // any other failure (a local error)
};
std::string_view to_string(HttpStatus s);

// The article's first step: is the site reachable over plain HTTP?
struct HttpCheck {
    std::uint16_t port = 80;
    HttpStatus status = HttpStatus::error;               // answered = an HTTP reply came back
    int http_status = 0;                                 // 200, 301, 404, ...; 0 when none
    std::string status_line;                             // "HTTP/1.1 301 Moved Permanently"
    std::string server_header;                           // "Microsoft-IIS/10.0"
    std::string location;                                // Location header, when redirecting
    std::string detail;                                  // one line for a person
    // Location is an https:// URL on the host asked for (any port): the plain-HTTP site
    // sends browsers to HTTPS.
    bool redirects_to_https = false;
};

// True when `location` is an absolute https:// URL whose host is `host` (case-insensitive,
// IPv6 brackets, a port, userinfo and a trailing dot ignored).
bool is_https_redirect(std::string_view location, std::string_view host);

// Sends `HEAD / HTTP/1.1` with `Host: host_header` to `peer` and reads the response head.
// Never throws for what the network does: refused, timeout and a non-HTTP reply are in the
// result (status answered = an HTTP response came back). Runs on the caller's executor.
boost::asio::awaitable<HttpCheck> http_check(boost::asio::ip::tcp::endpoint peer,
                                             std::string host_header,
                                             std::chrono::milliseconds timeout);

}  // namespace tlsprobe::engine
