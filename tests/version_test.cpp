#include <catch2/catch.hpp>

#include "core/alert.hpp"
#include "core/bytes.hpp"
#include "core/outcome.hpp"
#include "core/version.hpp"

using namespace tlsprobe::core;

TEST_CASE("versions round-trip through their ids and wire codes", "[version]") {
    for (auto v : all_versions) {
        CHECK(parse_version(to_string(v)) == v);
        CHECK(version_from_wire(wire_code(v)) == v);
    }
    CHECK(wire_code(Version::tls1_2) == 0x0303);
    CHECK(display_name(Version::ssl3) == "SSL 3.0");
}

TEST_CASE("version spellings users type are accepted", "[version]") {
    CHECK(parse_version("TLS 1.2") == Version::tls1_2);
    CHECK(parse_version("TLSv1.3") == Version::tls1_3);
    CHECK(parse_version("tls1.0") == Version::tls1_0);
    CHECK(parse_version("SSLv3") == Version::ssl3);
    CHECK(parse_version("1.1") == Version::tls1_1);
    CHECK_FALSE(parse_version("tls1.4").has_value());
    CHECK_FALSE(parse_version("").has_value());
}

TEST_CASE("every status has a distinct stable name", "[outcome]") {
    for (auto s : all_statuses) CHECK(parse_status(to_string(s)) == s);
    CHECK(to_string(Status::rejected_alert) == "rejected_alert");
    CHECK_FALSE(parse_status("bogus").has_value());
}

TEST_CASE("alert registry names the alerts servers send", "[alert]") {
    CHECK(alert_name(40) == "handshake_failure");
    CHECK(alert_name(70) == "protocol_version");
    CHECK(alert_name(112) == "unrecognized_name");
    CHECK(alert_name(200) == "unknown");
}

TEST_CASE("byte helpers print hex and printable excerpts", "[bytes]") {
    const Bytes b{'H', 'T', 'T', 'P', '\r', '\n', 0x00, 0xff};
    CHECK(to_hex(b) ==
          "48545450"
          "0d0a00ff");
    CHECK(hex_dump(b, 3) == "48 54 54 ...");
    CHECK(printable_excerpt(b) == "HTTP\\r\\n..");
}
