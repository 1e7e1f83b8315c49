// Policies: parsing good files, every kind of bad file with its message (file, line, key),
// the built-in profiles, and the `policy show` round trip.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.hpp"
#include "judge/policy.hpp"

using namespace tlsprobe;
using core::Version;
using judge::parse_policy;
using judge::Policy;

TEST_CASE("a policy file with every key parses", "[policy]") {
    const auto p = parse_policy(R"(
name = "golive"
description = "shop before the cut-over"
[protocols]
min = "tls1_2"
max = "TLS1.3"
forbidden = ["ssl3", "tls1_0"]
[ciphers]
forbidden = ["insecure", "3DES", "anon"]
forward_secrecy = true
[chain]
complete = true
trusted = true
ordered = false
ca_file = "corp-root.pem"
[certificate]
server_auth_eku = true
hostname = true
names = ["example.com", "www.example.com"]
min_days_left = 21
min_rsa_bits = 3072
min_ec_bits = 384
no_sha1 = true
[sni]
no_sni = "same_certificate"
[http]
reachable = true
[diagnosis]
must_be_empty = true
)",
                                "golive.toml", "/etc/tlsprobe");
    CHECK(p.name == "golive");
    CHECK(p.description == "shop before the cut-over");
    CHECK(p.min_version == Version::tls1_2);
    CHECK(p.max_version == Version::tls1_3);
    CHECK(p.forbidden_versions == std::vector<Version>{Version::ssl3, Version::tls1_0});
    CHECK(p.forbidden_ciphers == std::vector<std::string>{"insecure", "3DES", "anon"});
    CHECK(p.forward_secrecy);
    CHECK((p.chain_complete && p.chain_trusted && !p.chain_ordered));
    CHECK(p.ca_file == "/etc/tlsprobe/corp-root.pem");  // relative to the policy file
    CHECK((p.server_auth_eku && p.hostname && p.no_sha1));
    CHECK(p.names == std::vector<std::string>{"example.com", "www.example.com"});
    CHECK(p.min_days_left == 21);
    CHECK(p.min_rsa_bits == 3072);
    CHECK(p.min_ec_bits == 384);
    CHECK(p.no_sni == judge::NoSniBehaviour::same_certificate);
    CHECK(p.http_reachable);
    CHECK(p.diagnosis_empty);
}

TEST_CASE("an empty policy switches every rule off and takes the file name", "[policy]") {
    const auto p = parse_policy("", "dir/empty.toml");
    Policy expected;
    expected.name = "empty.toml";
    CHECK(p == expected);
}

TEST_CASE("extends a built-in profile, overrides single keys and disables rules", "[policy]") {
    const auto p = parse_policy(R"(
extends = "builtin:intermediate"
disable = ["cert.validity", "chain.ordered"]
[certificate]
names = ["shop.example"]
min_rsa_bits = 4096
[protocols]
max = "any"
)",
                                "shop.toml");
    auto expected = judge::builtin_policy("intermediate");
    expected.name = "shop.toml";
    expected.names = {"shop.example"};
    expected.min_rsa_bits = 4096;
    expected.min_days_left.reset();
    expected.chain_ordered = false;
    CHECK(p == expected);
    CHECK(p.description == judge::builtin_policy("intermediate").description);
}

TEST_CASE("bad policies name the file, the line and the key", "[policy]") {
    struct Bad {
        const char* what;
        const char* text;
        std::vector<std::string> message_parts;
    };
    const std::vector<Bad> cases{
        {"TOML syntax", "[chain]\ncomplete = tru\n", {"bad.toml:2:", "TOML syntax error"}},
        {"unknown key (typo)",
         "[certificate]\nhostname = true\nmin_day_left = 30\n",
         {"bad.toml:3:", "[certificate] min_day_left", "unknown key in [certificate]",
          "min_days_left"}},
        {"unknown top-level key",
         "\n\nstrict_mode = true\n",
         {"bad.toml:3:", "strict_mode", "unknown key at the top level"}},
        {"unknown section",
         "[chains]\ncomplete = true\n",
         {"bad.toml:1:", "chains", "unknown key"}},
        {"wrong type: string for bool",
         "[chain]\n\ntrusted = \"yes\"\n",
         {"bad.toml:3:", "[chain] trusted", "expected true or false, got a string"}},
        {"wrong type: section as value",
         "chain = 3\n",
         {"bad.toml:1:", "chain", "expected a table [chain], got an integer"}},
        {"integer out of range",
         "[certificate]\nmin_days_left = -3\n",
         {"bad.toml:2:", "min_days_left", "out of range"}},
        {"wrong type: float",
         "[certificate]\nmin_rsa_bits = 2048.0\n",
         {"bad.toml:2:", "min_rsa_bits", "expected an integer, got a number"}},
        {"bad version",
         "[protocols]\nmin = \"tls1.4\"\n",
         {"bad.toml:2:", "[protocols] min", "'tls1.4' is not a protocol version"}},
        {"bad version in a list",
         "[protocols]\nforbidden = [\n  \"ssl3\",\n  \"tls9\",\n]\n",
         {"bad.toml:4:", "[protocols] forbidden", "'tls9'"}},
        {"bad cipher class",
         "[ciphers]\nforbidden = [\"RC5\"]\n",
         {"bad.toml:2:", "[ciphers] forbidden", "'RC5' is not a cipher class"}},
        {"non-string in a list",
         "[certificate]\nnames = [\"a.example\", 7]\n",
         {"bad.toml:2:", "names", "expected an array of strings, found an integer"}},
        {"bad no_sni",
         "[sni]\nno_sni = \"sometimes\"\n",
         {"bad.toml:2:", "[sni] no_sni", "'sometimes'"}},
        {"unknown extends",
         "extends = \"builtin:paranoid\"\n",
         {"bad.toml:1:", "extends", "builtin:paranoid"}},
        {"extends a file",
         "extends = \"other.toml\"\n",
         {"bad.toml:1:", "extends", "only built-in policies"}},
        {"disable an unknown rule",
         "disable = [\"chain.complet\"]\n",
         {"bad.toml:1:", "disable", "'chain.complet' is not a rule id"}},
        {"max older than min",
         "[protocols]\nmin = \"tls1_2\"\nmax = \"tls1_0\"\n",
         {"bad.toml:3:", "[protocols] max", "older than min"}},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        try {
            (void)parse_policy(c.text, "bad.toml");
            FAIL("no PolicyError");
        } catch (const judge::PolicyError& e) {
            const std::string message = e.what();
            INFO(message);
            for (const auto& part : c.message_parts) CHECK_THAT(message, Catch::Contains(part));
        }
    }
}

TEST_CASE("an unreadable policy file is a PolicyError naming it", "[policy]") {
    CHECK_THROWS_WITH(judge::load_policy("/nonexistent/golive.toml"),
                      Catch::Contains("/nonexistent/golive.toml"));
}

TEST_CASE("built-in profiles follow Mozilla's guidelines", "[policy]") {
    CHECK(judge::builtin_policy_names() ==
          std::vector<std::string_view>{"modern", "intermediate", "old"});
    const auto modern = judge::builtin_policy("builtin:modern");
    const auto intermediate = judge::builtin_policy("intermediate");
    const auto old = judge::builtin_policy("old");
    CHECK(modern.min_version == Version::tls1_3);
    CHECK(intermediate.min_version == Version::tls1_2);
    CHECK(old.min_version == Version::tls1_0);
    CHECK((modern.forward_secrecy && intermediate.forward_secrecy && !old.forward_secrecy));
    CHECK(intermediate.forbidden_ciphers == std::vector<std::string>{"insecure", "weak"});
    CHECK(old.forbidden_ciphers ==
          std::vector<std::string>{"insecure"});  // 3DES stays allowed in "old"
    for (const auto& p : {modern, intermediate, old}) {
        INFO(p.name);
        CHECK((p.chain_complete && p.chain_trusted && p.chain_ordered && p.server_auth_eku &&
               p.hostname && p.no_sha1));
        CHECK(p.min_rsa_bits == 2048);
        CHECK(p.min_ec_bits == 256);
        CHECK(p.min_days_left == 14);
        CHECK(p.no_sni ==
              judge::NoSniBehaviour::any);  // evidence depends on probes not every run has
    }
    CHECK_THROWS_AS(judge::builtin_policy("paranoid"), judge::PolicyError);
}

TEST_CASE("to_toml parses back to the same policy", "[policy]") {
    for (const auto name : judge::builtin_policy_names()) {
        INFO(name);
        const auto p = judge::builtin_policy(name);
        CHECK(parse_policy(judge::to_toml(p), "shown.toml") == p);
    }
    Policy odd;
    odd.name = "quotes \" and \\ backslash";
    odd.description = "multi\nline";
    odd.max_version = Version::tls1_2;
    odd.forbidden_versions = {Version::ssl2, Version::tls1_1};
    odd.names = {"a.example", "*.b.example"};
    odd.ca_file = "/etc/ssl/corp root.pem";
    odd.no_sni = judge::NoSniBehaviour::refused;
    odd.http_reachable = odd.diagnosis_empty = true;
    odd.min_ec_bits = 384;
    CHECK(parse_policy(judge::to_toml(odd), "shown.toml") == odd);
}

TEST_CASE("`policy show` prints TOML that parses back, `policy list` names the profiles",
          "[policy][cli]") {
    for (const auto name : judge::builtin_policy_names()) {
        std::ostringstream out, err;
        const auto spec = "builtin:" + std::string(name);
        REQUIRE(cli::run({"policy", "show", spec}, out, err) == cli::kOk);
        CHECK(parse_policy(out.str(), "shown.toml") == judge::builtin_policy(name));
    }
    std::ostringstream out, err;
    CHECK(cli::run({"policy", "list"}, out, err) == cli::kOk);
    CHECK_THAT(out.str(), Catch::Contains("builtin:modern") &&
                              Catch::Contains("builtin:intermediate") &&
                              Catch::Contains("builtin:old"));

    std::ostringstream out2, err2;
    CHECK(cli::run({"policy", "show", "builtin:nope"}, out2, err2) == cli::kUsage);
    CHECK_THAT(err2.str(), Catch::Contains("builtin:nope"));
}
