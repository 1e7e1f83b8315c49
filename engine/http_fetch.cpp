#include "engine/http_fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <fmt/format.h>

#include "core/text.hpp"
#include "engine/engines.hpp"

namespace tlsprobe::engine {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

FetchStatus status_of(const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) return FetchStatus::timeout;
    if (ec == asio::error::connection_refused) return FetchStatus::refused;
    if (ec == asio::error::connection_reset) return FetchStatus::reset;
    if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable)
        return FetchStatus::unreachable;
    if (ec == http::error::body_limit || ec == http::error::header_limit)
        return FetchStatus::too_large;
    if (ec == asio::error::eof || ec == http::error::end_of_stream ||
        ec == http::error::partial_message)
        return FetchStatus::closed;
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        return FetchStatus::not_http;
    return FetchStatus::error;
}

using Response = http::response<http::vector_body<std::uint8_t>>;

struct Hop {
    FetchStatus status = FetchStatus::error;
    std::string detail;
    Response response;
};

// One request to one address: connect, write, read the whole response within `timeout`.
asio::awaitable<Hop> exchange(const asio::ip::tcp::endpoint& peer, const HttpUrl& url,
                              const FetchRequest& request) {
    Hop hop;
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    const auto tuple = asio::as_tuple(asio::use_awaitable);
    stream.expires_after(request.timeout);
    auto [connect_ec] = co_await stream.async_connect(peer, tuple);
    if (connect_ec) {
        hop.status = status_of(connect_ec);
        hop.detail = fmt::format("{}: {}", peer.port(), connect_ec.message());
        co_return hop;
    }
    // A loopback port where nothing listens can connect to itself (simultaneous open).
    boost::system::error_code local_ec, remote_ec;
    if (stream.socket().local_endpoint(local_ec) == stream.socket().remote_endpoint(remote_ec) &&
        !local_ec && !remote_ec) {
        hop.status = FetchStatus::refused;
        hop.detail = "nothing listens there (the connect reached its own socket)";
        co_return hop;
    }
    http::request<http::vector_body<std::uint8_t>> req{
        request.post ? http::verb::post : http::verb::get, url.target, 11};
    const bool default_port = url.port == 80;
    const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]"
                                                                     : url.host;
    req.set(http::field::host, default_port ? host : fmt::format("{}:{}", host, url.port));
    req.set(http::field::user_agent, "tlsprobe");
    req.set(http::field::connection, "close");
    if (!request.accept.empty()) req.set(http::field::accept, request.accept);
    if (request.post) {
        req.set(http::field::content_type, request.content_type);
        req.body() = request.body;
    }
    req.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, req, tuple);
    (void)written;
    if (write_ec) {
        hop.status = status_of(write_ec);
        hop.detail = "sending the request: " + write_ec.message();
        co_return hop;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::vector_body<std::uint8_t>> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(request.max_bytes);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, tuple);
    (void)read;
    if (read_ec) {
        hop.status = status_of(read_ec);
        hop.detail = hop.status == FetchStatus::too_large
                         ? fmt::format("the answer is larger than {} bytes", request.max_bytes)
                         : "reading the answer: " + read_ec.message();
        co_return hop;
    }
    hop.response = parser.release();
    hop.status = FetchStatus::ok;
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return hop;
}

// `location` made absolute against `base` (only http:// is followed).
std::string resolve_location(const HttpUrl& base, std::string_view location) {
    if (location.starts_with("/") && !location.starts_with("//")) {
        const std::string host =
            base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
        return fmt::format("http://{}:{}{}", host, base.port, location);
    }
    return std::string(location);
}

}  // namespace

std::string_view to_string(FetchStatus s) {
    switch (s) {
        case FetchStatus::ok: return "ok";
        case FetchStatus::not_http_url: return "not_http_url";
        case FetchStatus::bad_url: return "bad_url";
        case FetchStatus::dns_failed: return "dns_failed";
        case FetchStatus::refused: return "refused";
        case FetchStatus::unreachable: return "unreachable";
        case FetchStatus::timeout: return "timeout";
        case FetchStatus::reset: return "reset";
        case FetchStatus::closed: return "closed";
        case FetchStatus::not_http: return "not_http";
        case FetchStatus::http_status: return "http_status";
        case FetchStatus::too_large: return "too_large";
        case FetchStatus::too_many_redirects: return "too_many_redirects";
        case FetchStatus::error: return "error";
    }
    return "error";
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.size() <= scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return std::nullopt;
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return std::nullopt;
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    HttpUrl out;
    if (slash != std::string_view::npos) {
        out.target = std::string(rest.substr(slash));
        if (const auto hash = out.target.find('#'); hash != std::string::npos)
            out.target.erase(hash);
        if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
    }
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
    std::string_view port_text;
    if (authority.starts_with("[")) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return std::nullopt;
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
            value > 65535)
            return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

asio::awaitable<FetchResult> http_fetch(Engines& engines, FetchRequest request) {
    FetchResult result;
    result.url = request.url;
    std::string current = request.url;
    for (int redirects = 0;; ++redirects) {
        result.final_url = current;
        const auto url = parse_http_url(current);
        if (!url) {
            const bool other_scheme = current.find("://") != std::string::npos;
            result.status = other_scheme ? FetchStatus::not_http_url : FetchStatus::bad_url;
            result.detail =
                other_scheme
                    ? fmt::format("'{}' is not an http:// URL: not fetched (AIA, OCSP and CRL "
                                  "URLs are plain HTTP)",
                                  core::to_safe_utf8(current))
                    : fmt::format("'{}' is not a URL", core::to_safe_utf8(current));
            co_return result;
        }
        auto resolution = co_await engines.resolve(url->host, url->port, request.timeout);
        if (resolution.endpoints.empty()) {
            result.status = resolution.status == core::Status::timeout ? FetchStatus::timeout
                                                                       : FetchStatus::dns_failed;
            result.detail = resolution.detail;
            co_return result;
        }
        Hop hop = co_await exchange(resolution.endpoints.front(), *url, request);
        if (hop.status != FetchStatus::ok) {
            result.status = hop.status;
            result.detail = fmt::format("GET {}: {}", core::to_safe_utf8(current), hop.detail);
            if (request.post)
                result.detail = fmt::format("POST {}: {}", core::to_safe_utf8(current), hop.detail);
            co_return result;
        }
        const auto& response = hop.response;
        result.http_status = static_cast<int>(response.result_int());
        if (auto it = response.find(http::field::content_type); it != response.end())
            result.content_type = core::to_safe_utf8(it->value());
        const int code = result.http_status;
        if (code >= 300 && code < 400) {
            const auto it = response.find(http::field::location);
            if (it != response.end() && !it->value().empty()) {
                if (redirects >= request.max_redirects) {
                    result.status = FetchStatus::too_many_redirects;
                    result.detail = fmt::format("{} redirects, at most {} followed",
                                                redirects + 1, request.max_redirects);
                    co_return result;
                }
                current = resolve_location(*url, std::string_view(it->value()));
                continue;
            }
        }
        if (code < 200 || code >= 300) {
            result.status = FetchStatus::http_status;
            result.detail = fmt::format("{} answered HTTP {}", core::to_safe_utf8(current), code);
            co_return result;
        }
        result.status = FetchStatus::ok;
        result.body = std::move(hop.response.body());
        result.detail = fmt::format("{} answered HTTP {} with {} bytes", core::to_safe_utf8(current),
                                    code, result.body.size());
        co_return result;
    }
}

}  // namespace tlsprobe::engine
