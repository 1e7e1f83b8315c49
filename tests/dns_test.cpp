// The c-ares resolver against a scripted DNS server on 127.0.0.1: A and AAAA, the family and
// preference options, the TTL cache (with a test clock), NXDOMAIN and its negative cache, and
// a stuck server that must not hold up other names or outlive the caller's timeout.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "async_run.hpp"
#include "cli_run.hpp"
#include "engine/host_resolver.hpp"
#include "lab/dns_server.hpp"
#include "lab/paths.hpp"
#include "lab/scenarios.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::map<std::string, lab::DnsName> zone() {
    std::map<std::string, lab::DnsName> z;
    z["dual.tlsprobe.test"] = {{"127.0.0.7"}, {"::1"}, 300, false};
    z["short.tlsprobe.test"] = {{"127.0.0.8"}, {}, 0, false};
    z["minute.tlsprobe.test"] = {{"127.0.0.9"}, {}, 60, false};
    z["stuck.tlsprobe.test"] = {{}, {}, 300, true};
    for (int i = 0; i < 40; ++i) z[fmt::format("stuck{}.tlsprobe.test", i)] = {{}, {}, 300, true};
    return z;
}

engine::ResolverOptions using_server(const lab::DnsServer& server) {
    engine::ResolverOptions o;
    o.servers = {server.address()};
    o.query_timeout = 300ms;
    return o;
}

std::vector<std::string> addresses(const engine::Resolution& r) {
    std::vector<std::string> out;
    for (const auto& e : r.endpoints) out.push_back(e.address().to_string());
    return out;
}

}  // namespace

TEST_CASE("dns: c-ares asks for A and AAAA and orders them by --prefer", "[dns]") {
    lab::DnsServer server(zone());
    auto o = using_server(server);
    o.prefer = engine::AddressPreference::ipv6;
    {
        engine::HostResolver resolver(o);
        const auto r = testing::run_awaitable(resolver.resolve("dual.tlsprobe.test", 443, 5s));
        CHECK(addresses(r) == std::vector<std::string>{"::1", "127.0.0.7"});
        REQUIRE(!r.endpoints.empty());
        CHECK(r.endpoints.front().port() == 443);
    }
    o.prefer = engine::AddressPreference::ipv4;
    {
        engine::HostResolver resolver(o);
        const auto r = testing::run_awaitable(resolver.resolve("dual.tlsprobe.test", 443, 5s));
        CHECK(addresses(r) == std::vector<std::string>{"127.0.0.7", "::1"});
    }
    o.family = engine::AddressFamily::ipv4;
    {
        engine::HostResolver resolver(o);
        const auto r = testing::run_awaitable(resolver.resolve("dual.tlsprobe.test", 443, 5s));
        CHECK(addresses(r) == std::vector<std::string>{"127.0.0.7"});
    }
    o.family = engine::AddressFamily::ipv6;
    {
        engine::HostResolver resolver(o);
        const auto r = testing::run_awaitable(resolver.resolve("dual.tlsprobe.test", 443, 5s));
        CHECK(addresses(r) == std::vector<std::string>{"::1"});
    }
}

TEST_CASE("dns: answers are cached for their TTL and no longer", "[dns]") {
    lab::DnsServer server(zone());
    auto o = using_server(server);
    o.family = engine::AddressFamily::ipv4;  // one query per lookup
    auto now = std::chrono::steady_clock::now();
    o.clock = [&now] { return now; };
    engine::HostResolver resolver(o);
    auto resolve = [&](const char* name) {
        return testing::run_awaitable(resolver.resolve(name, 443, 5s));
    };
    CHECK(addresses(resolve("minute.tlsprobe.test")) == std::vector<std::string>{"127.0.0.9"});
    CHECK(addresses(resolve("minute.tlsprobe.test")) == std::vector<std::string>{"127.0.0.9"});
    CHECK(server.queries("minute.tlsprobe.test") == 1);
    now += 59s;
    resolve("minute.tlsprobe.test");
    CHECK(server.queries("minute.tlsprobe.test") == 1);
    now += 2s;  // past the TTL of 60 s: asked again
    CHECK(addresses(resolve("minute.tlsprobe.test")) == std::vector<std::string>{"127.0.0.9"});
    CHECK(server.queries("minute.tlsprobe.test") == 2);
    // TTL 0: every later lookup asks again.
    resolve("short.tlsprobe.test");
    resolve("short.tlsprobe.test");
    CHECK(server.queries("short.tlsprobe.test") == 2);
    CHECK(resolver.lookups() == 4);
}

TEST_CASE("dns: a name that does not exist fails once and is cached as a failure", "[dns]") {
    lab::DnsServer server(zone());
    auto o = using_server(server);
    o.family = engine::AddressFamily::ipv4;
    engine::HostResolver resolver(o);
    const auto r = testing::run_awaitable(resolver.resolve("absent.tlsprobe.test", 443, 5s));
    CHECK(r.status == core::Status::dns_failed);
    CHECK(r.endpoints.empty());
    CHECK_THAT(r.detail, Catch::Contains("absent.tlsprobe.test"));
    const auto queries = server.queries("absent.tlsprobe.test");
    CHECK(queries >= 1);
    const auto again = testing::run_awaitable(resolver.resolve("absent.tlsprobe.test", 443, 5s));
    CHECK(again.status == core::Status::dns_failed);
    CHECK(server.queries("absent.tlsprobe.test") == queries);  // the negative cache answered
}

TEST_CASE("dns: a stuck DNS server holds up neither other names nor the caller", "[dns]") {
    lab::DnsServer server(zone());
    auto o = using_server(server);
    o.family = engine::AddressFamily::ipv4;
    o.query_timeout = 5s;  // c-ares waits long; the callers' own timeout decides
    engine::HostResolver resolver(o);
    asio::io_context io;
    std::vector<engine::Resolution> stuck(40);
    for (std::size_t i = 0; i < stuck.size(); ++i)
        asio::co_spawn(
            io,
            [&, i]() -> asio::awaitable<void> {
                engine::Resolution r = co_await resolver.resolve(
                    fmt::format("stuck{}.tlsprobe.test", i), 443, 300ms);
                stuck[i] = std::move(r);
            },
            asio::detached);
    engine::Resolution good;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            good = co_await resolver.resolve("minute.tlsprobe.test", 443, 5s);
        },
        asio::detached);
    io.run();
    for (const auto& r : stuck) {
        CHECK(r.status == core::Status::timeout);
        CHECK(r.endpoints.empty());
    }
    CHECK(addresses(good) == std::vector<std::string>{"127.0.0.9"});
    CHECK(server.queries("stuck0.tlsprobe.test") >= 1);
    // Leaving the scope destroys the resolver with 40 queries in flight: it cancels them.
}

TEST_CASE("dns: addresses need no lookup, a bad server list is refused", "[dns]") {
    lab::DnsServer server(zone());
    engine::HostResolver resolver(using_server(server));
    const auto v4 = testing::run_awaitable(resolver.resolve("127.0.0.1", 8443, 5s));
    CHECK(addresses(v4) == std::vector<std::string>{"127.0.0.1"});
    const auto v6 = testing::run_awaitable(resolver.resolve("::1", 8443, 5s));
    CHECK(addresses(v6) == std::vector<std::string>{"::1"});
    CHECK(resolver.lookups() == 0);
    engine::ResolverOptions bad;
    bad.servers = {"not an address"};
    CHECK_THROWS_AS(engine::HostResolver(bad), std::runtime_error);
}

TEST_CASE("dns: tlsprobe probe resolves the name through --dns-server", "[dns][e2e]") {
    auto z = zone();
    z["www.tlsprobe.test"] = {{"127.0.0.1"}, {}, 300, false};
    lab::DnsServer dns(z);
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
    const auto run = test::run_cli(
        {"probe", fmt::format("www.tlsprobe.test:{}", server.port()), "--dns-server",
         dns.address(), "--resolve", "ipv4", "--ca-file", lab::testcert("root-ca.pem").string(),
         "--quick", "--checks", "none", "--format", "json"});
    INFO(run.err);
    REQUIRE(run.code == 0);
    const auto report = nlohmann::json::parse(run.out);
    CHECK(report["target"]["address"] == fmt::format("127.0.0.1:{}", server.port()));
    CHECK(dns.queries("www.tlsprobe.test") >= 1);

    const auto bad = test::run_cli({"probe", "www.tlsprobe.test", "--prefer", "sideways"});
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Catch::Contains("--prefer") && Catch::Contains("sideways"));
    const auto bad_server =
        test::run_cli({"probe", "www.tlsprobe.test", "--dns-server", "not an address"});
    CHECK(bad_server.code == 2);
    CHECK_THAT(bad_server.err, Catch::Contains("--dns-server"));
}
