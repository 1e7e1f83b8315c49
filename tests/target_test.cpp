// Target parsing: what a person types on the command line becomes host, port and SNI, or
// a TargetError that names the value and says what is expected. Pure, no sockets.
#include <catch2/catch.hpp>
#include <string>

#include "core/text.hpp"
#include "probe/target.hpp"

using namespace tlsprobe::probe;
using Catch::Contains;

TEST_CASE("parse_target: host and host:port", "[target]") {
    const auto plain = parse_target("example.com");
    CHECK(plain.host == "example.com");
    CHECK(plain.port == 443);
    CHECK(plain.sni == std::optional<std::string>("example.com"));
    CHECK_FALSE(plain.connect_to.has_value());

    const auto with_port = parse_target("Example.COM:8443");
    CHECK(with_port.host == "example.com");
    CHECK(with_port.port == 8443);
    CHECK(with_port.sni == std::optional<std::string>("example.com"));

    CHECK(parse_target("example.com", 636).port == 636);
    CHECK(parse_target("  example.com:1  ").port == 1);
    CHECK(parse_target("example.com:65535").port == 65535);
}

TEST_CASE("parse_target: IPv6 literals", "[target]") {
    const auto bracketed = parse_target("[2001:db8::1]:8443");
    CHECK(bracketed.host == "2001:db8::1");
    CHECK(bracketed.port == 8443);
    CHECK_FALSE(bracketed.sni.has_value());

    const auto bracketed_no_port = parse_target("[::1]");
    CHECK(bracketed_no_port.host == "::1");
    CHECK(bracketed_no_port.port == 443);

    const auto bare = parse_target("2001:db8::1");
    CHECK(bare.host == "2001:db8::1");
    CHECK(bare.port == 443);
    CHECK_FALSE(bare.sni.has_value());
}

TEST_CASE("parse_target: URLs set the port from the scheme", "[target]") {
    const auto https = parse_target("https://host.example:8443/path?q=1#frag");
    CHECK(https.host == "host.example");
    CHECK(https.port == 8443);
    CHECK(https.sni == std::optional<std::string>("host.example"));

    const auto user = parse_target("https://user@host.example/");
    CHECK(user.host == "host.example");
    CHECK(user.port == 443);

    const auto userpass = parse_target("https://user:secret@host.example:9443/");
    CHECK(userpass.host == "host.example");
    CHECK(userpass.port == 9443);

    CHECK(parse_target("ldaps://dc.example.com").port == 636);
    CHECK(parse_target("LDAPS://dc.example.com/").port == 636);
    CHECK(parse_target("smtps://mail.example.com").port == 465);
    CHECK(parse_target("imaps://mail.example.com").port == 993);
    CHECK(parse_target("pop3s://mail.example.com").port == 995);
    CHECK(parse_target("ftps://files.example.com").port == 990);
    CHECK(parse_target("https://host.example", 8080).port ==
          443);  // the scheme wins over the default

    const auto v6 = parse_target("https://[2001:db8::5]:8443/x");
    CHECK(v6.host == "2001:db8::5");
    CHECK(v6.port == 8443);
    CHECK_FALSE(v6.sni.has_value());
}

TEST_CASE("parse_target: trailing dot and SNI rules", "[target]") {
    const auto fqdn = parse_target("example.com.");
    CHECK(fqdn.host == "example.com");
    CHECK(fqdn.sni == std::optional<std::string>("example.com"));
    CHECK(parse_target("example.com.:444").port == 444);

    const auto ip = parse_target("192.0.2.1:8443");
    CHECK(ip.host == "192.0.2.1");
    CHECK(ip.port == 8443);
    CHECK_FALSE(ip.sni.has_value());  // RFC 6066 §3: no IP literals in SNI

    CHECK(parse_target("under_score.example.com").sni ==
          std::optional<std::string>("under_score.example.com"));
    CHECK(parse_target("localhost").sni == std::optional<std::string>("localhost"));
}

TEST_CASE("parse_target: bad input names the value and what is expected", "[target]") {
    CHECK_THROWS_AS(parse_target(""), TargetError);
    CHECK_THROWS_WITH(parse_target(""), Contains("the target is empty"));
    CHECK_THROWS_WITH(parse_target("   "), Contains("the target is empty"));
    CHECK_THROWS_WITH(parse_target("host.example:0"),
                      Contains("'host.example:0'") && Contains("out of range"));
    CHECK_THROWS_WITH(parse_target("host.example:99999"),
                      Contains("'99999'") && Contains("out of range"));
    CHECK_THROWS_WITH(parse_target("host.example:abc"), Contains("'abc' is not a number"));
    CHECK_THROWS_WITH(parse_target("host.example:"), Contains("the port is empty"));
    CHECK_THROWS_WITH(parse_target("http://x"), Contains("http:// is plain HTTP"));
    CHECK_THROWS_WITH(parse_target("gopher://x"), Contains("unsupported scheme 'gopher'"));
    CHECK(parse_target("ftp://x").starttls == tlsprobe::wire::StartTls::ftp);  // FTP AUTH TLS (issue 14)
    CHECK_THROWS_WITH(parse_target("[::1"), Contains("missing ']'"));
    CHECK_THROWS_WITH(parse_target("[::1]x"), Contains("expected ':port' after ']'"));
    CHECK_THROWS_WITH(
        parse_target("exa mple.com"),
        Contains("'exa mple.com' is not a valid host name") && Contains("character ' '"));
    const std::string long_label(64, 'a');
    CHECK_THROWS_WITH(parse_target(long_label + ".com"), Contains("longer than 63 characters"));
    CHECK_NOTHROW(parse_target(std::string(63, 'a') + ".com"));
    CHECK_THROWS_WITH(parse_target("-bad.com"), Contains("starts or ends with '-'"));
    CHECK_THROWS_WITH(parse_target("bad-.com"), Contains("starts or ends with '-'"));
    CHECK_THROWS_WITH(parse_target("a..b"), Contains("empty label"));
    CHECK_THROWS_WITH(parse_target("host.example/path"), Contains("a path needs the URL form") &&
                                                             Contains("https://host.example/path"));
    CHECK_THROWS_WITH(parse_target("[zz::1]:443"), Contains("not a valid IPv6 address"));
    CHECK_THROWS_WITH(parse_target("https://"), Contains("the host name is empty"));
    std::string too_long;
    for (int i = 0; i < 50; ++i) too_long += "abcde.";
    too_long += "com";
    CHECK_THROWS_WITH(parse_target(too_long), Contains("at most 253"));
}

TEST_CASE("parse_port", "[target]") {
    CHECK(parse_port("443") == 443);
    CHECK_THROWS_WITH(parse_port("0"), Contains("out of range"));
    CHECK_THROWS_WITH(parse_port("65536"), Contains("out of range"));
    CHECK_THROWS_WITH(parse_port("-1"), Contains("not a number"));
    CHECK_THROWS_WITH(parse_port("44x"), Contains("not a number"));
    CHECK_THROWS_WITH(parse_port(""), Contains("empty"));
}

TEST_CASE("parse_connect_to", "[target]") {
    CHECK(parse_connect_to("192.0.2.10") == std::pair<std::string, std::uint16_t>{"192.0.2.10", 0});
    CHECK(parse_connect_to("192.0.2.10:8443") ==
          std::pair<std::string, std::uint16_t>{"192.0.2.10", 8443});
    CHECK(parse_connect_to("[2001:db8::1]:8443") ==
          std::pair<std::string, std::uint16_t>{"2001:db8::1", 8443});
    CHECK(parse_connect_to("2001:db8::1") ==
          std::pair<std::string, std::uint16_t>{"2001:db8::1", 0});
    CHECK(parse_connect_to("lb.internal:443") ==
          std::pair<std::string, std::uint16_t>{"lb.internal", 443});
    CHECK_THROWS_WITH(parse_connect_to(""), Contains("--connect-to") && Contains("empty"));
    CHECK_THROWS_WITH(parse_connect_to("lb internal"), Contains("not a valid host name"));
    CHECK_THROWS_WITH(parse_connect_to("[::1"), Contains("missing ']'"));
    CHECK_THROWS_AS(parse_connect_to("lb.internal:0"), TargetError);
    CHECK_THROWS_AS(parse_connect_to("lb.internal:abc"), TargetError);
}

TEST_CASE("Target::display and authority", "[target]") {
    auto t = parse_target("example.com:8443");
    CHECK(t.authority() == "example.com:8443");
    CHECK(t.display() == "example.com:8443");

    t.connect_to = "192.0.2.10";
    CHECK(t.display() == "example.com:8443 via 192.0.2.10");
    CHECK(t.authority() == "example.com:8443");  // the key does not change with --connect-to
    t.connect_port = 9443;
    CHECK(t.display() == "example.com:8443 via 192.0.2.10:9443");
    t.connect_to = "2001:db8::1";
    CHECK(t.display() == "example.com:8443 via [2001:db8::1]:9443");
    t.connect_port = 0;
    CHECK(t.display() == "example.com:8443 via [2001:db8::1]");

    const auto v6 = parse_target("[::1]:443");
    CHECK(v6.authority() == "[::1]:443");
    CHECK(v6.display() == "[::1]:443");
    CHECK(parse_target("https://[::1]/").authority() == "[::1]:443");
}

TEST_CASE("is_ip_literal and invalid_host_name_reason", "[target]") {
    CHECK(is_ip_literal("127.0.0.1"));
    CHECK(is_ip_literal("::1"));
    CHECK_FALSE(is_ip_literal("example.com"));
    CHECK_FALSE(is_ip_literal("[::1]"));
    CHECK_FALSE(invalid_host_name_reason("example.com").has_value());
    CHECK_FALSE(invalid_host_name_reason("example.com.").has_value());
    CHECK(invalid_host_name_reason("exa$mple.com").has_value());
    CHECK(invalid_host_name_reason(".example.com").has_value());
}

TEST_CASE("parse_target: a host name IDNA refuses is quoted whole and safe, never one byte",
          "[target][text]") {
    std::string message;
    try {
        (void)parse_target(
            "b\xE2\x98\x83"
            "r.example");  // U+2603 SNOWMAN: not allowed by IDNA2008
    } catch (const TargetError& e) {
        message = e.what();
    }
    INFO(message);
    REQUIRE_FALSE(message.empty());
    CHECK(tlsprobe::core::is_valid_utf8(message));
    CHECK_THAT(message, Contains("'b\xE2\x98\x83r.example'"));
    CHECK_THAT(message, Contains("disallowed"));

    // Invalid UTF-8 and terminal escapes in what was typed come back escaped.
    message.clear();
    try {
        (void)parse_target("bad\xFF\x1B[2J.example");
    } catch (const TargetError& e) {
        message = e.what();
    }
    CHECK(tlsprobe::core::is_safe_utf8(message));
    CHECK_THAT(message, Contains("not valid UTF-8"));
    CHECK_THAT(message, Contains("\\xFF\\x1B[2J"));
}

TEST_CASE("internationalised host names become A-labels, shown with their U-label",
          "[target][idna]") {
    const auto t = tlsprobe::probe::parse_target("bücher.example:8443");
    CHECK(t.host == "xn--bcher-kva.example");
    CHECK(t.host_unicode == "bücher.example");
    CHECK(t.sni == std::optional<std::string>("xn--bcher-kva.example"));
    CHECK(t.port == 8443);
    CHECK(t.display() == "xn--bcher-kva.example:8443 (bücher.example)");
    CHECK(t.authority() == "xn--bcher-kva.example:8443");  // the key stays ASCII
    // The A-label typed directly gets its U-label too; case folds.
    const auto a = tlsprobe::probe::parse_target("https://XN--BCHER-KVA.example/");
    CHECK(a.host == "xn--bcher-kva.example");
    CHECK(a.host_unicode == "bücher.example");
    // Plain names have no U-label.
    CHECK(tlsprobe::probe::parse_target("example.com").host_unicode.empty());
    // UTS #46 mapping: upper-case Unicode folds like ASCII does.
    CHECK(tlsprobe::probe::normalize_host_name("BÜCHER.example").ascii == "xn--bcher-kva.example");
}

TEST_CASE("bad internationalised names are refused with the name, never a broken byte",
          "[target][idna]") {
    // Not UTF-8: the message escapes the byte.
    CHECK_THROWS_WITH(tlsprobe::probe::parse_target("b\xff"
                                                    "x.example"),
                      Catch::Contains("b\\xFFx.example") && Catch::Contains("not valid UTF-8"));
    // A character IDNA2008 does not allow.
    CHECK_THROWS_WITH(tlsprobe::probe::parse_target("a\xe2\x98\x83"
                                                    "b$.example"),
                      Catch::Contains("not a valid internationalised host name"));
    // An A-label IDNA2008 cannot decode (IDNA2003-era names exist) is probed as typed.
    const auto legacy = tlsprobe::probe::parse_target("xn--ls8h.la");
    CHECK(legacy.host == "xn--ls8h.la");
    CHECK(legacy.display().starts_with("xn--ls8h.la:443"));
    // --sni and the scan SNI column take the same forms.
    CHECK(tlsprobe::probe::normalize_host_name("straße.example").ascii == "xn--strae-oqa.example");
}
