#include "engine/http_check.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/core/string.hpp>
#include <fmt/format.h>

#include "core/text.hpp"
#include "engine/http_head.hpp"

namespace tlsprobe::engine {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

HttpStatus status_of(const boost::system::error_code& ec) {
    if (ec == beast::error::timeout) return HttpStatus::timeout;
    if (ec == asio::error::connection_refused) return HttpStatus::refused;
    if (ec == asio::error::connection_reset) return HttpStatus::reset;
    if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable)
        return HttpStatus::unreachable;
    if (ec == asio::error::eof || ec == http::error::end_of_stream ||
        ec == http::error::partial_message)
        return HttpStatus::closed;
    // Any other parse error of the status line or headers: the port speaks something else.
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        return HttpStatus::not_http;
    return HttpStatus::error;
}

// The fields of a parsed response head. The reason phrase and the header values are the
// server's bytes: made safe here, once.
void fill_from_head(HttpCheck& check, const http::response<http::empty_body>& response,
                    std::string_view host_header) {
    check.status = HttpStatus::answered;
    check.http_status = static_cast<int>(response.result_int());
    check.status_line =
        fmt::format("HTTP/{}.{} {} {}", response.version() / 10, response.version() % 10,
                    response.result_int(), core::to_safe_utf8(response.reason()));
    if (auto it = response.find(http::field::server); it != response.end())
        check.server_header = core::to_safe_utf8(it->value());
    if (auto it = response.find(http::field::location); it != response.end())
        check.location = core::to_safe_utf8(it->value());
    check.redirects_to_https = is_https_redirect(check.location, host_header);
    check.detail = fmt::format(
        "HEAD http://{}:{}/ answered {}{}", core::to_safe_utf8(host_header), check.port,
        check.status_line,
        check.server_header.empty() ? "" : fmt::format(" (Server: {})", check.server_header));
}

// A host name as compared: no IPv6 brackets, no trailing dot.
std::string_view bare_host(std::string_view h) {
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
    return h;
}

}  // namespace

bool is_https_redirect(std::string_view location, std::string_view host) {
    constexpr std::string_view scheme = "https://";
    if (location.size() < scheme.size() ||
        !beast::iequals(location.substr(0, scheme.size()), scheme))
        return false;
    auto authority = location.substr(scheme.size());
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    std::string_view name = authority;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        name = authority.substr(0, close + 1);
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        name = authority.substr(0, colon);
    }
    name = bare_host(name);
    return !name.empty() && beast::iequals(name, bare_host(host));
}

std::string_view to_string(HttpStatus s) {
    switch (s) {
        case HttpStatus::answered: return "answered";
        case HttpStatus::not_http: return "not_http";
        case HttpStatus::refused: return "refused";
        case HttpStatus::timeout: return "timeout";
        case HttpStatus::reset: return "reset";
        case HttpStatus::closed: return "closed";
        case HttpStatus::unreachable: return "unreachable";
        case HttpStatus::error: return "error";
    }
    return "error";
}

asio::awaitable<HttpCheck> http_check(asio::ip::tcp::endpoint peer, std::string host_header,
                                      std::chrono::milliseconds timeout) {
    HttpCheck check;
    check.port = peer.port();
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    const auto tuple = asio::as_tuple(asio::use_awaitable);

    stream.expires_after(timeout);
    auto [connect_ec] = co_await stream.async_connect(peer, tuple);
    if (connect_ec) {
        check.status = status_of(connect_ec);
        check.detail = check.status == HttpStatus::timeout
                           ? fmt::format("TCP connect to port {} timed out after {} ms", check.port,
                                         timeout.count())
                           : fmt::format("port {}: {}", check.port, connect_ec.message());
        co_return check;
    }
    // A loopback port in the ephemeral range where nothing listens can connect to itself
    // (simultaneous open) and would read back its own request: nothing listens there.
    boost::system::error_code local_ec, remote_ec;
    const auto local = stream.socket().local_endpoint(local_ec);
    const auto remote = stream.socket().remote_endpoint(remote_ec);
    if (!local_ec && !remote_ec && local == remote) {
        check.status = HttpStatus::refused;
        check.detail = fmt::format(
            "port {}: nothing listens there (the connect reached its own socket)", check.port);
        co_return check;
    }

    http::request<http::empty_body> request{http::verb::head, "/", 11};
    request.set(http::field::host, host_header);
    request.set(http::field::user_agent, "tlsprobe");
    request.set(http::field::connection, "close");
    stream.expires_after(timeout);
    auto [write_ec, written] = co_await http::async_write(stream, request, tuple);
    (void)written;
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a HEAD response has headers only, whatever Content-Length says
    boost::system::error_code read_ec = write_ec;
    if (!write_ec) {
        auto [ec, read] = co_await http::async_read_header(stream, buffer, parser, tuple);
        (void)read;
        read_ec = ec;
    }
    if (read_ec) {
        check.status = status_of(read_ec);
        check.detail = fmt::format("port {} did not answer HEAD / with HTTP: {}", check.port,
                                   read_ec.message());
        co_return check;
    }
    fill_from_head(check, parser.get(), host_header);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return check;
}

HttpCheck read_http_head(std::string_view bytes, std::uint16_t port, std::string_view host_header) {
    HttpCheck check;
    check.port = port;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);
    parser.eager(false);
    boost::system::error_code ec;
    std::size_t at = 0;
    while (!parser.is_header_done() && at < bytes.size()) {
        const auto used = parser.put(asio::buffer(bytes.data() + at, bytes.size() - at), ec);
        if (ec == http::error::need_more) ec = {};
        if (ec || used == 0) break;
        at += used;
    }
    if (!ec && !parser.is_header_done()) ec = http::error::partial_message;
    if (ec) {
        check.status = status_of(ec);
        check.detail =
            fmt::format("port {} did not answer HEAD / with HTTP: {}", port, ec.message());
        return check;
    }
    fill_from_head(check, parser.get(), host_header);
    return check;
}

const std::string* HttpResponseHead::find(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (beast::iequals(n, name)) return &v;
    return nullptr;
}

HttpResponseHead read_http_response_head(std::string_view bytes) {
    HttpResponseHead head;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // the head only
    parser.eager(false);
    parser.header_limit(static_cast<std::uint32_t>(std::max<std::size_t>(bytes.size(), 8192)));
    boost::system::error_code ec;
    std::size_t at = 0;
    while (!parser.is_header_done() && at < bytes.size()) {
        const auto used = parser.put(asio::buffer(bytes.data() + at, bytes.size() - at), ec);
        if (ec == http::error::need_more) ec = {};
        if (ec || used == 0) break;
        at += used;
    }
    if (!ec && !parser.is_header_done()) ec = http::error::partial_message;
    if (ec) {
        head.detail = "no HTTP response head: " + ec.message();
        return head;
    }
    const auto& response = parser.get();
    head.complete = true;
    head.status = static_cast<int>(response.result_int());
    head.status_line =
        fmt::format("HTTP/{}.{} {} {}", response.version() / 10, response.version() % 10,
                    response.result_int(), core::to_safe_utf8(response.reason()));
    for (const auto& field : response)
        head.headers.emplace_back(core::to_safe_utf8(field.name_string()),
                                  core::to_safe_utf8(field.value()));
    return head;
}

}  // namespace tlsprobe::engine
