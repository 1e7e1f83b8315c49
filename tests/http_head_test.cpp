// The plain-HTTP check's parsing of what a server answers, without sockets.
#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "engine/http_head.hpp"

using namespace tlsprobe;
using core::Status;

TEST_CASE("HTTP head: a redirect, HTTP.sys's 400, an SSH banner, a cut answer", "[http]") {
    const auto redirect = engine::read_http_head(
        "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: "
        "https://shop.example/\r\n\r\n",
        80, "shop.example");
    CHECK(redirect.status == engine::HttpStatus::answered);
    CHECK(redirect.http_status == 301);
    CHECK(redirect.status_line == "HTTP/1.1 301 Moved Permanently");
    CHECK(redirect.server_header == "nginx");
    CHECK(redirect.location == "https://shop.example/");

    const auto httpapi = engine::read_http_head(
        "HTTP/1.1 400 Bad Request\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n", 443, "x");
    CHECK(httpapi.http_status == 400);
    CHECK(httpapi.server_header == "Microsoft-HTTPAPI/2.0");

    CHECK(engine::read_http_head("SSH-2.0-OpenSSH_9.2p1\r\n", 80, "x").status ==
          engine::HttpStatus::not_http);
    CHECK(engine::read_http_head("HTTP/1.1 200 OK\r\nServer: half", 80, "x").status ==
          engine::HttpStatus::closed);
    CHECK(engine::read_http_head("", 80, "x").status == engine::HttpStatus::closed);
}

TEST_CASE("HTTP head: header bytes that are not UTF-8 come out safe, control bytes are not HTTP",
          "[http]") {
    // obs-text (0x80-0xFF) is allowed in a field value (RFC 9110 §5.5): kept, made valid UTF-8.
    const auto h =
        engine::read_http_head("HTTP/1.1 200 OK\r\nServer: caf\xe9 \xff\xfe\r\n\r\n", 80, "x");
    REQUIRE(h.status == engine::HttpStatus::answered);
    CHECK(core::is_safe_utf8(h.server_header));
    CHECK(h.server_header == "caf\\xE9 \\xFF\\xFE");
    CHECK(core::is_safe_utf8(h.detail));
    // A control byte (ESC) in a field value is no HTTP at all: the parser refuses it.
    const auto esc =
        engine::read_http_head("HTTP/1.1 200 OK\r\nServer: evil\x1b[2J\r\n\r\n", 80, "x");
    CHECK(esc.status != engine::HttpStatus::answered);
    CHECK(core::is_safe_utf8(esc.detail));
}
