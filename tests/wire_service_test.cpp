#include <catch2/catch.hpp>
#include <string_view>

#include "wire/service.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;

namespace {
std::optional<ServiceGuess> guess(std::string_view s) {
    return recognise_service(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
}  // namespace

TEST_CASE("HTTP status line and Server header", "[wire][service]") {
    auto g =
        guess("HTTP/1.0 302 Found\r\nLocation: /x\r\nserver:  Apache/2.4.57 (Debian) \r\n\r\n");
    REQUIRE(g.has_value());
    CHECK(g->protocol == "http");
    CHECK(g->http_status == 302);
    CHECK(g->server_header == "Apache/2.4.57 (Debian)");
    // The header block ends before any Server line: none reported, even if the body has one.
    g = guess("HTTP/1.1 200 OK\r\n\r\nServer: not-a-header\r\n");
    CHECK(g->server_header.empty());
    // Partial answers give what they can.
    g = guess("HTTP/1.1 40");
    CHECK(g->protocol == "http");
    CHECK(g->http_status == 0);
    CHECK(guess("HTTP/1.1 400 Bad Request\r\nServer: Micro")->server_header.empty());
}

TEST_CASE("banners of other services", "[wire][service]") {
    CHECK(guess("SSH-2.0-OpenSSH_8.9\r\n")->protocol == "ssh");
    CHECK(guess("SSH-2.0-OpenSSH_8.9\r\n")->banner == "SSH-2.0-OpenSSH_8.9");
    CHECK(guess("220 smtp.example.org ESMTP ready\r\n")->protocol == "smtp");
    CHECK(guess("220 mx Microsoft ESMTP MAIL Service ready\r\n")->protocol == "smtp");
    CHECK(guess("220 ProFTPD Server (Debian)\r\n")->protocol == "ftp");
    CHECK(guess("220-FileZilla Server 1.7\r\n220 Please visit\r\n")->protocol == "ftp");
    CHECK(guess("220-mail.example.org ESMTP\r\n")->protocol == "smtp");
    CHECK(guess("+OK POP3 ready\r\n")->protocol == "pop3");
    CHECK(guess("* OK IMAP4rev1 ready\r\n")->protocol == "imap");
    CHECK(guess("RFB 003.008\n")->protocol == "unknown");
}

TEST_CASE("TLS-looking bytes are not a service", "[wire][service]") {
    CHECK_FALSE(recognise_service(Bytes{}).has_value());
    CHECK_FALSE(recognise_service(Bytes{0x16}).has_value());
    CHECK_FALSE(recognise_service(Bytes{0x15, 0x03, 0x01, 0x00, 0x02}).has_value());
    CHECK_FALSE(recognise_service(Bytes{0x80, 0x2e, 0x04}).has_value());  // SSL 2.0 SERVER-HELLO
    CHECK(recognise_service(Bytes{0x16, 0x00})->protocol == "unknown");
    CHECK(recognise_service(Bytes{0x81, 0x00, 0x09})->protocol == "unknown");
    CHECK(could_be_tls(Bytes{0x17, 0x03}));
}

TEST_CASE("banners are safe UTF-8 and bounded", "[wire][service]") {
    Bytes b{'x', 0x01, 0xff, 0x1b, '[', '2', 'J', 'y'};
    CHECK(recognise_service(b)->banner == "x\\x01\\xFF\\x1B[2Jy");
    CHECK(guess("SSH-2.0-b\xC3\xBC"
                "cher\r\n")
              ->banner ==
          "SSH-2.0-b\xC3\xBC"
          "cher");
    const std::string long_line(500, 'z');
    CHECK(guess(long_line)->banner.size() == 200);
    // 199 ASCII bytes then a 2-byte character: the cut does not split it.
    const std::string split = std::string(199, 'z') + "\xC3\xBC";
    CHECK(guess(split)->banner == std::string(199, 'z'));
    CHECK(guess("HTTP/1.1 200 OK\r\nServer: evil\x1B[2J\r\n\r\n")->server_header == "evil\\x1B[2J");
}
