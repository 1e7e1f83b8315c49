// A bounded plain-HTTP fetch: the AIA caIssuers certificate, a CRL, an OCSP response
// (RFC 5280 §4.2.2.1 and §4.2.1.13, RFC 6960 appendix A). Only http:// URLs (what CAs publish
// these at: a client cannot check a CRL fetched over the TLS it is checking); time, size and
// redirects bounded; every failure a value.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace tlsprobe::engine {

class Engines;

// How a fetch ended. The JSON `fetch.status` values.
enum class FetchStatus {
    ok,                  // a 2xx response with its body
    not_http_url,        // https:// or another scheme: refused, never connected
    bad_url,             // not a URL this fetcher understands
    dns_failed,          // the host does not resolve
    refused,             // TCP connection refused
    unreachable,         // no route to the host or network
    timeout,             // no connection or no complete answer within the timeout
    reset,               // the connection was reset
    closed,              // closed before a complete response
    not_http,            // the answer is not HTTP
    http_status,         // an HTTP answer that is not 2xx (after redirects)
    too_large,           // the body is larger than the limit
    too_many_redirects,  // more redirects than allowed
    error,               // any other local failure
};
std::string_view to_string(FetchStatus s);

// Limits for what a probe fetches.
inline constexpr std::size_t kMaxCertificateFetch = 64 * 1024;  // caIssuers, OCSP responses
inline constexpr std::size_t kMaxCrlFetch = 1024 * 1024;        // CRLs

struct FetchRequest {
    std::string url;               // http://host[:port]/path
    bool post = false;             // POST `body` (OCSP), else GET
    std::string content_type;      // of the POST body: "application/ocsp-request"
    core::Bytes body;              // the POST body
    std::string accept;            // Accept header; empty = none
    std::size_t max_bytes = kMaxCertificateFetch;
    std::chrono::milliseconds timeout{5000};  // each of: DNS, and connect + exchange, per hop
    int max_redirects = 2;         // 3xx with a Location followed this many times at most
};

struct FetchResult {
    FetchStatus status = FetchStatus::error;
    std::string url;           // the URL asked for
    std::string final_url;     // the URL that answered (after redirects)
    int http_status = 0;       // 200, 404, ...; 0 when no HTTP answer
    std::string content_type;  // as the server said, safe UTF-8
    core::Bytes body;          // when ok
    std::string detail;        // one line for a person

    bool ok() const { return status == FetchStatus::ok; }
};

// The parts of an http:// URL; nullopt when it is not one ("https://" included).
struct HttpUrl {
    std::string host;  // without brackets for an IPv6 literal
    std::uint16_t port = 80;
    std::string target = "/";  // path and query
};
std::optional<HttpUrl> parse_http_url(std::string_view url);

// The fetch, names resolved with `engines.resolve()` (so a scan's shared resolver and the
// fake engines apply). Never throws for what the network or the server does.
boost::asio::awaitable<FetchResult> http_fetch(Engines& engines, FetchRequest request);

}  // namespace tlsprobe::engine
