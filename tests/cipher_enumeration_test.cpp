// Cipher-suite and group enumeration: the algorithm against a pure fake server (table tests),
// then over raw hellos against the scripted policy server and real OpenSSL servers, where the
// enumerated list and the preference order must match the configuration exactly.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <openssl/ssl.h>
#include <set>

#include "async_run.hpp"
#include "lab/hello_servers.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"
#include "probe/cipher_enumeration.hpp"
#include "wire/constants.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Version;
using probe::HelloRequest;
using probe::ServerChoice;
namespace asio = boost::asio;

namespace {

template <typename T>
T run(asio::awaitable<T> op) {
    return testing::run_awaitable(std::move(op));
}

// A server as a value: which versions and suites it accepts, in which order it picks, which
// groups it has. It records every request; `fail_after` makes the n-th request (1-based) fail.
struct FakeServer {
    std::set<Version> versions{Version::tls1_2};
    std::vector<std::uint32_t> suites;  // server order
    bool server_preference = true;
    std::vector<std::uint16_t> groups{wire::group::x25519};
    std::optional<int> dh_bits;
    std::size_t fail_after = 0;
    std::chrono::milliseconds delay{0};  // > 0: each answer waits, so requests overlap
    std::size_t max_suites = 0;          // > 0: a hello with more suites is refused (intolerance)
    bool refuse_no_key_share = false;    // TLS 1.3 hellos without key shares are refused

    std::vector<HelloRequest> requests;
    std::size_t in_flight = 0, max_in_flight = 0;

    bool needs_group(std::uint32_t code, Version v) const {
        const auto* s = wire::find_cipher_suite(code);
        return v == Version::tls1_3 || (s && s->kx == wire::KeyExchange::ecdhe);
    }

    ServerChoice answer(const HelloRequest& r) {
        requests.push_back(r);
        ServerChoice c;
        if (fail_after && requests.size() == fail_after) {
            c.detail = "no reply within 5000 ms after the ClientHello";
            return c;  // failed
        }
        c.outcome = ServerChoice::Outcome::refused;
        if (!versions.contains(r.version)) return c;
        if (max_suites && r.cipher_suites.size() > max_suites) return c;
        if (refuse_no_key_share && r.version == Version::tls1_3 && !r.key_shares) return c;
        std::optional<std::uint16_t> group;
        if (server_preference || r.groups.empty()) {
            for (auto g : groups)
                if (r.groups.empty() ||
                    std::find(r.groups.begin(), r.groups.end(), g) != r.groups.end()) {
                    group = g;
                    break;
                }
        } else {
            for (auto g : r.groups)
                if (std::find(groups.begin(), groups.end(), g) != groups.end()) {
                    group = g;
                    break;
                }
        }
        const auto ok = [&](std::uint32_t code) {
            return std::find(suites.begin(), suites.end(), code) != suites.end() &&
                   std::find(r.cipher_suites.begin(), r.cipher_suites.end(), code) !=
                       r.cipher_suites.end() &&
                   (!needs_group(code, r.version) || group);
        };
        if (r.version == Version::ssl2) {
            for (auto code : suites)
                if (ok(code)) c.ssl2_ciphers.push_back(code);
            if (c.ssl2_ciphers.empty()) return c;
            c.outcome = ServerChoice::Outcome::chose;
            c.cipher_suite = c.ssl2_ciphers.front();
            return c;
        }
        const auto& order = server_preference ? suites : r.cipher_suites;
        const auto it = std::find_if(order.begin(), order.end(), ok);
        if (it == order.end()) return c;
        c.outcome = ServerChoice::Outcome::chose;
        c.cipher_suite = *it;
        if (needs_group(*it, r.version)) c.group = group;
        const auto* s = wire::find_cipher_suite(*it);
        if (s && s->kx == wire::KeyExchange::dhe) c.dh_bits = dh_bits;
        return c;
    }
};

asio::awaitable<ServerChoice> fake_answer(FakeServer* server, HelloRequest request) {
    ++server->in_flight;
    server->max_in_flight = std::max(server->max_in_flight, server->in_flight);
    if (server->delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, server->delay);
        co_await timer.async_wait(asio::use_awaitable);
    }
    --server->in_flight;
    co_return server->answer(request);
}

probe::HelloFn fake(FakeServer& server) {
    return [&server](HelloRequest r) { return fake_answer(&server, std::move(r)); };
}

probe::EnumerationOptions only(std::vector<Version> versions) {
    probe::EnumerationOptions o;
    o.versions = std::move(versions);
    return o;
}

std::vector<std::uint32_t> codes(const probe::VersionCiphers& vc) {
    std::vector<std::uint32_t> out;
    for (const auto& s : vc.suites) out.push_back(s.code);
    return out;
}

// `want` in the order enumeration_candidates lists them (the client's order).
std::vector<std::uint32_t> in_client_order(Version v, const std::vector<std::uint32_t>& want) {
    std::vector<std::uint32_t> out;
    for (auto c : probe::enumeration_candidates(v))
        if (std::find(want.begin(), want.end(), c) != want.end()) out.push_back(c);
    return out;
}

}  // namespace

TEST_CASE("enumeration (fake): accepted suites and preference, server or client order",
          "[enumeration]") {
    struct Row {
        std::vector<std::uint32_t> suites;
        bool server_preference;
    };
    const std::vector<Row> rows{
        {{0x009C, 0xC02F, 0x0035}, true},
        {{0x009C, 0xC02F, 0x0035}, false},
        {{0x000A, 0xC030, 0x0005, 0x009F, 0xC013}, true},
        {{0xC02F}, true},
    };
    for (const auto& row : rows) {
        FakeServer server;
        server.suites = row.suites;
        server.server_preference = row.server_preference;
        server.dh_bits = 1024;
        const auto e = run(probe::enumerate_ciphers(fake(server), only({Version::tls1_2})));
        const auto& vc = e.version(Version::tls1_2);
        INFO("server preference " << row.server_preference << ", " << row.suites.size()
                                  << " suites");
        CHECK(vc.enumerated);
        CHECK(vc.complete());
        CHECK(e.errors.empty());
        if (row.suites.size() < 2) {
            CHECK_FALSE(vc.server_preference.has_value());
            CHECK(codes(vc) == row.suites);
        } else if (row.server_preference) {
            CHECK(vc.server_preference == std::optional<bool>(true));
            CHECK(codes(vc) == row.suites);
        } else {
            CHECK(vc.server_preference == std::optional<bool>(false));
            CHECK(codes(vc) == in_client_order(Version::tls1_2, row.suites));
        }
        CHECK(e.connections == server.requests.size());
        CHECK(vc.connections == server.requests.size());
        for (const auto& s : vc.suites) {
            CHECK(s.name == wire::cipher_suite_name(s.code));
            if (s.code == 0x009F) CHECK(s.dh_bits == std::optional<int>(1024));
            if (s.code == 0xC02F) CHECK(s.group == "x25519");
        }
    }
}

TEST_CASE("enumeration (fake): blocks of at most N suites when asked, merged into the server order",
          "[enumeration]") {
    FakeServer server;
    const auto candidates = probe::enumeration_candidates(Version::tls1_2);
    REQUIRE(candidates.size() > 128);
    // Every 7th: spread over every (interleaved) block, none of which is accepted whole.
    for (std::size_t i = 0; i < candidates.size(); i += 7) server.suites.push_back(candidates[i]);
    std::reverse(server.suites.begin(), server.suites.end());  // server order != client order
    auto options = only({Version::tls1_2});
    options.preference = false;
    options.groups = false;
    options.max_suites_per_hello = 128;
    const auto e = run(probe::enumerate_ciphers(fake(server), options));
    const auto& vc = e.version(Version::tls1_2);
    const std::size_t blocks = (candidates.size() + 127) / 128;
    CHECK(codes(vc) == in_client_order(Version::tls1_2, server.suites));
    CHECK(vc.connections == server.suites.size() + blocks);
    for (const auto& r : server.requests) CHECK(r.cipher_suites.size() <= 128);

    // With preference: the order is the server's, found by merging the blocks.
    FakeServer again = server;
    again.requests.clear();
    auto with_preference = only({Version::tls1_2});
    with_preference.max_suites_per_hello = 128;
    const auto p = run(probe::enumerate_ciphers(fake(again), with_preference));
    CHECK(p.version(Version::tls1_2).server_preference == std::optional<bool>(true));
    CHECK(codes(p.version(Version::tls1_2)) == server.suites);
    for (const auto& r : again.requests) CHECK(r.cipher_suites.size() <= 128);
}

TEST_CASE("enumeration (fake): connections = accepted suites + accepted groups + 4 per version",
          "[enumeration]") {
    namespace g = wire::group;
    for (bool server_preference : {true, false}) {
        FakeServer server;
        server.versions = {Version::tls1_0, Version::tls1_2, Version::tls1_3};
        const auto candidates = probe::enumeration_candidates(Version::tls1_2);
        // Every 5th candidate, in an order that is neither the client's nor its reverse.
        for (std::size_t i = 0; i < candidates.size(); i += 5) server.suites.push_back(candidates[i]);
        std::rotate(server.suites.begin(), server.suites.begin() + 3, server.suites.end());
        server.suites.insert(server.suites.begin(), {0x1302, 0x1301});
        server.server_preference = server_preference;
        server.groups = {g::secp384r1, g::x25519, g::secp256r1};
        const auto e = run(probe::enumerate_ciphers(
            fake(server), only({Version::tls1_0, Version::tls1_2, Version::tls1_3})));
        INFO("server preference " << server_preference);
        CHECK(e.errors.empty());
        std::size_t bound = 0;
        for (auto v : {Version::tls1_0, Version::tls1_2, Version::tls1_3}) {
            const auto& vc = e.version(v);
            INFO(core::display_name(v));
            REQUIRE(vc.suites.size() >= 2);
            REQUIRE(vc.groups.size() >= 2);
            CHECK(vc.connections <= vc.suites.size() + vc.groups.size() + 4);
            bound += vc.suites.size() + vc.groups.size() + 4;
            CHECK(vc.server_preference == std::optional<bool>(server_preference));
            CHECK(vc.group_server_preference == std::optional<bool>(server_preference));
            std::vector<std::uint32_t> accepted;  // the server's list, this version's suites
            const auto offered = probe::enumeration_candidates(v);
            for (auto c : server.suites)
                if (std::find(offered.begin(), offered.end(), c) != offered.end())
                    accepted.push_back(c);
            CHECK(codes(vc) == (server_preference ? accepted : in_client_order(v, accepted)));
            if (server_preference)
                CHECK(vc.groups == std::vector<std::uint16_t>{g::secp384r1, g::x25519, g::secp256r1});
            else  // the order offered: tlsprobe's
                for (std::size_t i = 1; i < vc.groups.size(); ++i) {
                    const auto groups = probe::enumeration_groups(v);
                    CHECK(std::find(groups.begin(), groups.end(), vc.groups[i - 1]) <
                          std::find(groups.begin(), groups.end(), vc.groups[i]));
                }
        }
        CHECK(e.connections == server.requests.size());
        CHECK(e.connections <= bound);
        // The walks offer every candidate at once: no merge hellos.
        CHECK(server.requests.front().cipher_suites.size() > 128);
        // TLS 1.3 hellos carry no key share: the server names its group in a HelloRetryRequest.
        for (const auto& r : server.requests)
            if (r.version == Version::tls1_3) CHECK_FALSE(r.key_shares);
    }
}

TEST_CASE("enumeration (fake): a server refusing a long suite list gets blocks of 128",
          "[enumeration]") {
    FakeServer server;
    server.max_suites = 128;
    const auto candidates = probe::enumeration_candidates(Version::tls1_2);
    REQUIRE(candidates.size() > 128);
    for (std::size_t i = 0; i < candidates.size(); i += 9) server.suites.push_back(candidates[i]);
    std::reverse(server.suites.begin(), server.suites.end());
    const auto e = run(probe::enumerate_ciphers(fake(server), only({Version::tls1_2})));
    const auto& vc = e.version(Version::tls1_2);
    CHECK(e.errors.empty());
    CHECK(codes(vc) == server.suites);  // the server's order, merged from the blocks
    CHECK(vc.server_preference == std::optional<bool>(true));
    REQUIRE(server.requests.size() >= 2);
    CHECK(server.requests.front().cipher_suites.size() == candidates.size());
    for (std::size_t i = 1; i < server.requests.size(); ++i)
        CHECK(server.requests[i].cipher_suites.size() <= 128);
}

TEST_CASE("enumeration (fake): TLS 1.3 without key shares refused, the walks use them",
          "[enumeration]") {
    namespace g = wire::group;
    FakeServer server;
    server.versions = {Version::tls1_3};
    server.suites = {0x1302, 0x1301};
    server.groups = {g::x25519, g::secp256r1};
    server.refuse_no_key_share = true;
    const auto e = run(probe::enumerate_ciphers(fake(server), only({Version::tls1_3})));
    const auto& vc = e.version(Version::tls1_3);
    CHECK(e.errors.empty());
    CHECK(codes(vc) == std::vector<std::uint32_t>{0x1302, 0x1301});
    CHECK(vc.groups == std::vector<std::uint16_t>{g::x25519, g::secp256r1});
    // With key shares the server may pick by the share it got: no order claimed.
    CHECK_FALSE(vc.group_server_preference.has_value());
}

TEST_CASE("enumeration (fake): every version, TLS 1.3 suites, SSL 2.0 in one connection",
          "[enumeration]") {
    FakeServer server;
    server.versions = {Version::ssl2, Version::tls1_2, Version::tls1_3};
    server.suites = {0x1302,  0x1301, 0xC030, 0xC02F, 0x010080 /* SSL_CK_RC4_128_WITH_MD5 */,
                     0x0700C0};
    const auto e = run(probe::enumerate_ciphers(fake(server), {}));
    CHECK(codes(e.version(Version::tls1_3)) == std::vector<std::uint32_t>{0x1302, 0x1301});
    CHECK(codes(e.version(Version::tls1_2)) == std::vector<std::uint32_t>{0xC030, 0xC02F});
    CHECK(e.version(Version::tls1_3).server_preference == std::optional<bool>(true));
    const auto& v2 = e.version(Version::ssl2);
    CHECK(codes(v2) == std::vector<std::uint32_t>{0x010080, 0x0700C0});
    CHECK(v2.connections == 1);
    CHECK_FALSE(v2.server_preference.has_value());
    for (auto v : {Version::ssl3, Version::tls1_0, Version::tls1_1}) {
        CHECK(e.version(v).enumerated);
        CHECK(e.version(v).suites.empty());
        CHECK(e.version(v).complete());
    }
    CHECK(e.errors.empty());
}

TEST_CASE("enumeration (fake): groups for ECDHE and TLS 1.3", "[enumeration]") {
    namespace g = wire::group;
    FakeServer server;
    server.versions = {Version::tls1_2, Version::tls1_3};
    server.suites = {0x1301, 0xC02F, 0x009C};
    server.groups = {g::secp384r1, g::x25519, g::ffdhe2048};
    const auto e = run(probe::enumerate_ciphers(fake(server), {}));
    const auto& v13 = e.version(Version::tls1_3).groups;
    CHECK(std::set<std::uint16_t>(v13.begin(), v13.end()) ==
          std::set<std::uint16_t>{g::secp384r1, g::x25519, g::ffdhe2048});
    const auto& v12 = e.version(Version::tls1_2);
    CHECK(std::set<std::uint16_t>(v12.groups.begin(), v12.groups.end()) ==
          std::set<std::uint16_t>{g::secp384r1, g::x25519});
    CHECK(v12.group_names.size() == 2);
    // Group hellos offer only ECDHE suites below TLS 1.3.
    for (const auto& r : server.requests)
        if (r.version == Version::tls1_2 && !r.groups.empty())
            CHECK(r.cipher_suites == std::vector<std::uint32_t>{0xC02F});
}

TEST_CASE("enumeration (fake): a failed connection is reported, not swallowed", "[enumeration]") {
    FakeServer server;
    server.suites = {0xC02F, 0x009C, 0x0035};
    server.fail_after = 2;
    auto options = only({Version::tls1_2});
    options.max_suites_per_hello = 1000;  // one block: the failure cuts the chain short
    const auto e = run(probe::enumerate_ciphers(fake(server), options));
    const auto& vc = e.version(Version::tls1_2);
    CHECK_FALSE(vc.complete());
    REQUIRE(e.errors.size() >= 1);
    CHECK(e.errors.front().starts_with("TLS 1.2: "));
    CHECK(e.errors.front().find("no reply within") != std::string::npos);
    CHECK(vc.suites.size() == 1);
}

TEST_CASE("enumeration (fake): connections stay within the concurrency cap", "[enumeration]") {
    for (std::size_t cap : {1u, 3u, 8u}) {
        FakeServer server;
        server.versions = {Version::tls1_0, Version::tls1_1, Version::tls1_2, Version::tls1_3};
        server.suites = {0x1301, 0xC02F, 0xC013, 0x002F, 0x0035};
        server.delay = 2ms;
        auto options = probe::EnumerationOptions{};
        options.concurrency = cap;
        const auto e = run(probe::enumerate_ciphers(fake(server), options));
        INFO("cap " << cap);
        CHECK(server.max_in_flight <= cap);
        if (cap > 1) CHECK(server.max_in_flight > 1);
        CHECK(codes(e.version(Version::tls1_0)) ==
              std::vector<std::uint32_t>{0xC013, 0x002F, 0x0035});
    }
}

TEST_CASE("enumeration (raw): the scripted policy server, server and client preference",
          "[enumeration][raw]") {
    for (bool server_preference : {true, false}) {
        lab::CipherPolicy policy;
        policy.suites = {0x0035, 0x009F, 0xC02F, 0x000A};
        policy.server_preference = server_preference;
        policy.min_version = Version::tls1_0;
        policy.dh_bits = 1536;
        lab::RawServer server(lab::cipher_policy_server(policy));
        engine::RawProbeOptions probe;
        probe.timeout = 2s;
        const auto e = run(probe::enumerate_ciphers(
            *engine::network_engines(), {asio::ip::make_address("127.0.0.1"), server.port()}, probe,
            only({Version::ssl3, Version::tls1_2, Version::tls1_3})));
        INFO("server preference " << server_preference);
        CHECK(e.errors.empty());
        const auto& vc = e.version(Version::tls1_2);
        CHECK(vc.server_preference == std::optional<bool>(server_preference));
        const std::vector<std::uint32_t> expected(policy.suites.begin(), policy.suites.end());
        CHECK(codes(vc) ==
              (server_preference ? expected : in_client_order(Version::tls1_2, expected)));
        for (const auto& s : vc.suites) {
            if (s.code == 0x009F) CHECK(s.dh_bits == std::optional<int>(1536));
            if (s.code == 0xC02F) CHECK(s.group == "x25519");
        }
        CHECK(std::set<std::uint16_t>(vc.groups.begin(), vc.groups.end()) ==
              std::set<std::uint16_t>{29, 23});
        CHECK(e.version(Version::ssl3).suites.empty());  // below min_version: protocol_version
        CHECK(e.version(Version::tls1_3).suites.empty());
        CHECK(e.connections == server.connections());
    }
}

TEST_CASE("enumeration (raw): TLS 1.3 through HelloRetryRequest on the policy server",
          "[enumeration][raw]") {
    lab::CipherPolicy policy;
    policy.suites = {0x1303, 0x1301};
    policy.max_version = Version::tls1_3;
    policy.groups = {wire::group::secp384r1};  // no share of it in our hellos: HRR every time
    lab::RawServer server(lab::cipher_policy_server(policy));
    engine::RawProbeOptions probe;
    probe.timeout = 2s;
    const auto e = run(probe::enumerate_ciphers(
        *engine::network_engines(), {asio::ip::make_address("127.0.0.1"), server.port()}, probe,
        only({Version::tls1_3})));
    CHECK(e.errors.empty());
    CHECK(codes(e.version(Version::tls1_3)) == std::vector<std::uint32_t>{0x1303, 0x1301});
    CHECK(e.version(Version::tls1_3).groups == std::vector<std::uint16_t>{wire::group::secp384r1});
}

TEST_CASE("enumeration (raw): real OpenSSL servers, exact suites and order",
          "[enumeration][raw][openssl]") {
    struct Row {
        std::string cipher_list;
        bool server_preference;
        std::vector<std::uint32_t> expected;  // in the order the report must show
    };
    const std::vector<Row> rows{
        {"ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA", true, {0xC02F, 0x0035}},
        {"AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256", true, {0x0035, 0xC02F}},
        {"AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256", false, {0xC02F, 0x0035}},
        {"AES256-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256",
         true,
         {0x0035, 0x0033, 0xC014, 0x009C}},
    };
    for (const auto& row : rows) {
        auto config = lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION);
        config.cipher_list = row.cipher_list + ":@SECLEVEL=0";
        config.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
        config.server_cipher_preference = row.server_preference;
        config.http_after_handshake = false;
        lab::TlsServer server(config);
        engine::RawProbeOptions probe;
        probe.sni = "tlsprobe.test";
        probe.timeout = 3s;
        const auto e = run(probe::enumerate_ciphers(
            *engine::network_engines(), {asio::ip::make_address("127.0.0.1"), server.port()}, probe,
            {}));
        INFO(row.cipher_list << ", server preference " << row.server_preference);
        for (const auto& err : e.errors) UNSCOPED_INFO(err);
        CHECK(e.errors.empty());
        const auto& v12 = e.version(Version::tls1_2);
        CHECK(codes(v12) == row.expected);
        CHECK(v12.server_preference == std::optional<bool>(row.server_preference));
        const auto& v13 = e.version(Version::tls1_3);
        CHECK(codes(v13) == (row.server_preference
                                 ? std::vector<std::uint32_t>{0x1303, 0x1301}
                                 : in_client_order(Version::tls1_3, {0x1303, 0x1301})));
        CHECK(v13.server_preference == std::optional<bool>(row.server_preference));
        CHECK_FALSE(v13.groups.empty());
        for (auto v : {Version::ssl2, Version::ssl3, Version::tls1_0, Version::tls1_1})
            CHECK(e.version(v).suites.empty());
        for (const auto& s : v12.suites)
            if (s.code == 0x0033) CHECK(s.dh_bits.has_value());
        CHECK(e.connections == server.connections());
    }
}
