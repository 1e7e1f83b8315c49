// The cipher bar: on a real OpenSSL server that accepts every suite the library has, the
// enumeration finds exactly the suites `openssl s_client` negotiates when it offers them one
// at a time, version by version — no fewer (a walk cut short) and no more (a suite the server
// only "accepts" in our reading of its answer).
#include <array>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <algorithm>
#include <memory>
#include <openssl/ssl.h>
#include <set>
#include <string>

#include "async_run.hpp"
#include "lab/tls_server.hpp"
#include "probe/cipher_enumeration.hpp"
#include "wire/constants.hpp"

using namespace tlsprobe;
using core::Version;
namespace asio = boost::asio;

namespace {

struct Suite {
    std::uint32_t code = 0;
    std::string name;  // OpenSSL's
};

// Every suite the local OpenSSL client offers with `cipher_list` pinned to one version.
std::vector<Suite> library_suites(int version, const char* cipher_list) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                          SSL_CTX_free);
    REQUIRE(ctx);
    SSL_CTX_set_security_level(ctx.get(), 0);
    REQUIRE(SSL_CTX_set_min_proto_version(ctx.get(), version) == 1);
    REQUIRE(SSL_CTX_set_max_proto_version(ctx.get(), version) == 1);
    if (version < TLS1_3_VERSION) REQUIRE(SSL_CTX_set_cipher_list(ctx.get(), cipher_list) == 1);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    REQUIRE(ssl);
    STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(ssl.get());
    REQUIRE(ciphers != nullptr);
    std::vector<Suite> out;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
        const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
        out.push_back({SSL_CIPHER_get_protocol_id(c), SSL_CIPHER_get_name(c)});
    }
    sk_SSL_CIPHER_free(ciphers);
    return out;
}

// Runs `command` (bounded by coreutils timeout) and returns what it printed.
std::string output_of(const std::string& command) {
    std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
    REQUIRE(pipe);
    std::string out;
    std::array<char, 4096> buffer{};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
        out.append(buffer.data(), n);
    return out;
}

// Whether `openssl s_client` offering only `suite` at `flag` negotiates exactly that suite.
bool s_client_negotiates(std::uint16_t port, const char* flag, const Suite& suite) {
    const bool tls13 = std::string_view(flag) == "-tls1_3";
    const std::string command = fmt::format(
        "timeout 10 openssl s_client -connect 127.0.0.1:{} -servername tlsprobe.test {} {} "
        "'{}' </dev/null 2>&1",
        port, flag, tls13 ? "-ciphersuites" : "-cipher",
        tls13 ? suite.name : suite.name + ":@SECLEVEL=0");
    const std::string out = output_of(command);
    return out.find(fmt::format("Cipher is {}", suite.name)) != std::string::npos;
}

// Enumerates `versions` on a lab server of the "good" case with `cipher_list` and `groups`
// (empty: the case's), in the server's or the client's order.
struct Enumerated {
    std::unique_ptr<lab::TlsServer> server;
    probe::CipherEnumeration e;
};

Enumerated enumerate_lab(int min_version, const char* cipher_list, std::string groups,
                         bool server_preference, std::vector<Version> versions) {
    auto config = lab::config_for_case("good", min_version, TLS1_3_VERSION);
    config.cipher_list = cipher_list;
    if (!groups.empty()) config.groups = std::move(groups);
    config.server_cipher_preference = server_preference;
    config.http_after_handshake = false;
    Enumerated out;
    out.server = std::make_unique<lab::TlsServer>(config);
    engine::RawProbeOptions probe;
    probe.sni = "tlsprobe.test";
    probe.timeout = std::chrono::seconds(5);
    probe::EnumerationOptions options;
    options.versions = std::move(versions);
    out.e = testing::run_awaitable(probe::enumerate_ciphers(
        *engine::network_engines(), {asio::ip::make_address("127.0.0.1"), out.server->port()},
        probe, options));
    for (const auto& err : out.e.errors) UNSCOPED_INFO(err);
    return out;
}

}  // namespace

TEST_CASE("enumeration (raw): the cipher bar, every suite openssl s_client negotiates one at a time",
          "[enumeration][raw][openssl][bar]") {
    constexpr const char* kEverything = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
    for (bool server_preference : {true, false}) {
        const std::vector<Version> versions{Version::tls1_0, Version::tls1_1, Version::tls1_2,
                                            Version::tls1_3};
        const auto run = enumerate_lab(TLS1_VERSION, kEverything, "", server_preference, versions);
        const auto& e = run.e;
        const auto& server = *run.server;
        CHECK(e.errors.empty());
        CHECK(e.connections == server.connections());  // before s_client adds its own

        struct Pinned {
            Version version;
            int openssl;
            const char* flag;
        };
        std::size_t accepted = 0, groups = 0;
        for (const Pinned& p : {Pinned{Version::tls1_0, TLS1_VERSION, "-tls1"},
                                Pinned{Version::tls1_1, TLS1_1_VERSION, "-tls1_1"},
                                Pinned{Version::tls1_2, TLS1_2_VERSION, "-tls1_2"},
                                Pinned{Version::tls1_3, TLS1_3_VERSION, "-tls1_3"}}) {
            std::set<std::uint32_t> bar;
            for (const auto& s : library_suites(p.openssl, kEverything))
                if (s_client_negotiates(server.port(), p.flag, s)) bar.insert(s.code);
            const auto& vc = e.version(p.version);
            std::set<std::uint32_t> found;
            for (const auto& s : vc.suites) found.insert(s.code);
            INFO(core::display_name(p.version) << ", server preference " << server_preference);
            CHECK_FALSE(bar.empty());
            CHECK(found == bar);
            CHECK(found.size() == vc.suites.size());  // no suite listed twice
            accepted += vc.suites.size();
            groups += vc.groups.size();
        }
        // The walk's cost: one connection per accepted suite and group, four more per version.
        CHECK(e.connections <= accepted + groups + 4 * versions.size());
    }
}

TEST_CASE("enumeration (raw): group order on real OpenSSL servers, server or client",
          "[enumeration][raw][openssl]") {
    namespace g = wire::group;
    for (bool server_preference : {true, false}) {
        INFO("server preference " << server_preference);
        const auto run =
            enumerate_lab(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                          "secp384r1:x25519:prime256v1", server_preference,
                          {Version::tls1_2, Version::tls1_3});
        const auto& e = run.e;
        CHECK(e.errors.empty());
        const std::vector<std::uint16_t> server_order{g::secp384r1, g::x25519, g::secp256r1};
        const auto& v12 = e.version(Version::tls1_2);
        CHECK(v12.group_server_preference == std::optional<bool>(server_preference));
        if (server_preference) {
            CHECK(v12.groups == server_order);
        } else {  // ours: enumeration_groups order
            std::vector<std::uint16_t> ours;
            for (auto grp : probe::enumeration_groups(Version::tls1_2))
                if (std::find(server_order.begin(), server_order.end(), grp) != server_order.end())
                    ours.push_back(grp);
            CHECK(v12.groups == ours);
        }
        // TLS 1.3: OpenSSL names its own favourite in a HelloRetryRequest whatever its
        // cipher-preference option says.
        const auto& v13 = e.version(Version::tls1_3);
        CHECK(v13.groups == server_order);
        CHECK(v13.group_server_preference == std::optional<bool>(true));
    }
}
