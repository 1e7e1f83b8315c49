// The lab's scenario servers, checked on the wire with the lab's own small client (not the
// probe engine, so an engine bug cannot hide a lab bug). Loopback only, every wait bounded.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <openssl/ssl.h>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "lab/loopback_client.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "lab/tls_server.hpp"

using namespace tlsprobe::lab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string chain_file(const std::string& name) { return testcert(name + ".chain.pem").string(); }

TlsServerConfig serving(const std::string& name, int min_version = TLS1_2_VERSION,
                        int max_version = TLS1_3_VERSION) {
    TlsServerConfig c;
    c.chain_pem_file = chain_file(name);
    c.key_pem_file = testcert(name + ".key").string();
    c.min_version = min_version;
    c.max_version = max_version;
    return c;
}

TlsClientOptions pinned(int version, std::string sni = "tlsprobe.test") {
    TlsClientOptions o;
    o.sni = std::move(sni);
    o.min_version = o.max_version = version;
    return o;
}

TlsClientOptions with_sni(std::string sni) {
    TlsClientOptions o;
    o.sni = std::move(sni);
    return o;
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// The server's thread records a connection a moment after the client is done with it.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 2s) {
    const auto deadline = Clock::now() + limit;
    while (!pred() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return pred();
}

bool has_ipv6_loopback() {
    try {
        RawServer probe(silent(), Loopback::ipv6);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

TEST_CASE("TLS server serves the PEM file's chain in the file's order", "[lab][tls]") {
    for (const std::string name :
         {"good", "good-ecdsa", "with-root", "extra-cert", "leaf-only", "untrusted-root"}) {
        INFO(name);
        TlsServer server(serving(name, TLS1_2_VERSION, TLS1_2_VERSION));
        const auto reply = tls_exchange(server.port(), with_sni("tlsprobe.test"));
        REQUIRE(reply.handshake_completed);
        CHECK(reply.version == "TLSv1.2");
        CHECK(reply.peer_chain == pem_file_der(chain_file(name)));
    }
}

TEST_CASE("TLS server negotiates only its pinned versions", "[lab][tls]") {
    SECTION("TLS 1.2 only") {
        TlsServer server(serving("good", TLS1_2_VERSION, TLS1_2_VERSION));
        CHECK(tls_exchange(server.port(), with_sni("tlsprobe.test")).version == "TLSv1.2");
        for (int other : {TLS1_VERSION, TLS1_1_VERSION, TLS1_3_VERSION}) {
            const auto reply = tls_exchange(server.port(), pinned(other));
            CHECK_FALSE(reply.handshake_completed);
            CHECK(reply.alert == std::optional<std::uint8_t>(70));  // protocol_version
        }
    }
    SECTION("TLS 1.0 only, as an old SCHANNEL configuration") {
        TlsServer server(serving("good", TLS1_VERSION, TLS1_VERSION));
        CHECK(tls_exchange(server.port(), with_sni("tlsprobe.test")).version == "TLSv1");
        CHECK_FALSE(tls_exchange(server.port(), pinned(TLS1_2_VERSION)).handshake_completed);
        CHECK_FALSE(tls_exchange(server.port(), pinned(TLS1_3_VERSION)).handshake_completed);
    }
    SECTION("TLS 1.3 only") {
        TlsServer server(serving("good", TLS1_3_VERSION, TLS1_3_VERSION));
        const auto reply = tls_exchange(server.port(), with_sni("tlsprobe.test"));
        CHECK(reply.version == "TLSv1.3");
        CHECK(reply.peer_chain == pem_file_der(chain_file("good")));
        CHECK(tls_exchange(server.port(), pinned(TLS1_2_VERSION)).alert ==
              std::optional<std::uint8_t>(70));
    }
    SECTION("cipher list limits TLS 1.2") {
        auto config = serving("good", TLS1_2_VERSION, TLS1_2_VERSION);
        config.cipher_list = "ECDHE-RSA-AES128-GCM-SHA256";
        TlsServer server(std::move(config));
        CHECK(tls_exchange(server.port(), with_sni("tlsprobe.test")).cipher ==
              "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        auto narrow = pinned(TLS1_2_VERSION);
        narrow.cipher_list = "AES256-SHA";
        CHECK(tls_exchange(server.port(), narrow).alert ==
              std::optional<std::uint8_t>(40));  // handshake_failure
    }
}

TEST_CASE("SNI-only binding resets without SNI, no alert, and works with the right name",
          "[lab][tls][sni]") {
    auto config = serving("good");
    config.sni_policy = SniPolicy::require_sni_reset;
    config.known_names = {"tlsprobe.test"};
    TlsServer server(std::move(config));

    const auto bare = tls_exchange(server.port());
    CHECK_FALSE(bare.handshake_completed);
    CHECK(bare.end == PeerEnd::reset);
    CHECK_FALSE(bare.alert.has_value());

    const auto unknown = tls_exchange(server.port(), with_sni("other.example"));
    CHECK(unknown.end == PeerEnd::reset);
    CHECK_FALSE(unknown.alert.has_value());

    const auto named = tls_exchange(server.port(), with_sni("TLSprobe.test"));
    CHECK(named.handshake_completed);

    REQUIRE(eventually(
        [&] { return server.records().size() == 3 && server.records()[2].handshake_completed; }));
    const auto records = server.records();
    CHECK(records[0].reset_by_policy);
    CHECK_FALSE(records[0].sni.has_value());
    CHECK(records[1].sni == std::optional<std::string>("other.example"));
    CHECK(server.connections() == 3);
}

TEST_CASE("SNI alert policies answer unknown names with 112 or 80", "[lab][tls][sni]") {
    const auto [policy, code] = GENERATE(std::pair{SniPolicy::unknown_name_alert_112, 112},
                                         std::pair{SniPolicy::unknown_name_alert_80, 80});
    INFO(to_string(policy));
    auto config = serving("good");
    config.sni_policy = policy;
    config.known_names = {"tlsprobe.test"};
    TlsServer server(std::move(config));
    CHECK(tls_exchange(server.port(), with_sni("other.example")).alert ==
          std::optional<std::uint8_t>(code));
    CHECK(tls_exchange(server.port()).alert == std::optional<std::uint8_t>(code));
    CHECK(tls_exchange(server.port(), with_sni("tlsprobe.test")).handshake_completed);
}

TEST_CASE("SNI certificates replace the default one for their name", "[lab][tls][sni]") {
    auto config = serving("good");
    config.sni_certs = {
        {"other.example", {chain_file("wrong-host"), testcert("wrong-host.key").string()}}};
    TlsServer server(std::move(config));
    CHECK(tls_exchange(server.port(), with_sni("other.example")).peer_chain ==
          pem_file_der(chain_file("wrong-host")));
    CHECK(tls_exchange(server.port(), with_sni("tlsprobe.test")).peer_chain ==
          pem_file_der(chain_file("good")));
}

TEST_CASE("TLS server answers one HTTP request like a real site", "[lab][tls]") {
    TlsServer server(serving("good"));
    auto options = with_sni("tlsprobe.test");
    options.send_http_request = true;
    const auto reply = tls_exchange(server.port(), options);
    CHECK(reply.http_response.starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("TLS server refuses a configuration it cannot serve", "[lab][tls]") {
    auto mismatched = serving("good");
    mismatched.key_pem_file = testcert("wrong-host.key").string();
    CHECK_THROWS_AS(TlsServer(mismatched), std::runtime_error);
    auto missing = serving("good");
    missing.chain_pem_file = "/nonexistent/chain.pem";
    CHECK_THROWS_WITH(TlsServer(missing), Catch::Contains("/nonexistent/chain.pem"));
    // testcerts' misordered case starts with the intermediate: no TLS server can send that
    // (its own certificate goes first), and the lab says so instead of reordering silently.
    CHECK_THROWS_WITH(TlsServer(serving("misordered")), Catch::Contains("first certificate"));
}

TEST_CASE("raw scripts end the connection the way they say", "[lab][raw]") {
    const Bytes hello = sample_client_hello();
    REQUIRE(hello.size() > 5);
    REQUIRE(hello[0] == 0x16);

    SECTION("reset after the hello, and the hello is recorded") {
        RawServer server(reset_after_hello());
        const auto reply = raw_exchange(server.port(), hello);
        CHECK(reply.end == PeerEnd::reset);
        CHECK(reply.received.empty());
        REQUIRE(server.received().size() == 1);
        CHECK(server.received()[0] == hello);
        CHECK(server.connections() == 1);
    }
    SECTION("FIN after the hello") {
        RawServer server(close_after_hello());
        const auto reply = raw_exchange(server.port(), hello);
        CHECK(reply.end == PeerEnd::fin);
        CHECK(reply.received.empty());
    }
    SECTION("a bare fatal alert") {
        RawServer server(alert_after_hello(40));
        const auto reply = raw_exchange(server.port(), hello);
        CHECK(reply.received == Bytes{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40});
        CHECK(reply.end == PeerEnd::fin);
        RawServer old(alert_after_hello(70, 0x0301));
        CHECK(raw_exchange(old.port(), hello).received ==
              Bytes{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70});
    }
    SECTION("HTTP.sys's 400 on an http registration") {
        RawServer server(http_reply());
        const auto reply = raw_exchange(server.port(), hello);
        const std::string http = text(reply.received);
        CHECK(http.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        CHECK(http.find("\r\nServer: Microsoft-HTTPAPI/2.0\r\n") != std::string::npos);
        const auto body = http.substr(http.find("\r\n\r\n") + 4);
        CHECK(http.find("Content-Length: " + std::to_string(body.size()) + "\r\n") !=
              std::string::npos);
        CHECK(reply.end == PeerEnd::fin);
    }
    SECTION("a banner before any ClientHello") {
        RawServer server(banner("SSH-2.0-OpenSSH_9.2p1\r\n"));
        const auto quiet = raw_exchange(server.port(), {});
        CHECK(text(quiet.received) == "SSH-2.0-OpenSSH_9.2p1\r\n");
        CHECK(quiet.end == PeerEnd::fin);
        const auto reply = raw_exchange(server.port(), hello);
        CHECK(text(reply.received) == "SSH-2.0-OpenSSH_9.2p1\r\n");
        CHECK(reply.end != PeerEnd::timeout);
    }
    SECTION("silence until the client gives up") {
        RawServer server(silent());
        const auto start = Clock::now();
        const auto reply = raw_exchange(server.port(), hello, 300ms);
        CHECK(Clock::now() - start >= 300ms);
        CHECK(reply.end == PeerEnd::timeout);
        CHECK(reply.received.empty());
        CHECK(eventually(
            [&] { return !server.received().empty() && server.received()[0] == hello; }));
    }
    SECTION("a reply computed from the hello") {
        RawScript script;
        script.respond = [](ByteView h) {
            return Bytes{static_cast<std::uint8_t>(h.size() & 0xff)};
        };
        RawServer server(std::move(script));
        CHECK(raw_exchange(server.port(), hello).received ==
              Bytes{static_cast<std::uint8_t>(hello.size() & 0xff)});
    }
    SECTION("a partial hello still triggers after about a second") {
        RawServer server(reset_after_hello());
        const auto start = Clock::now();
        const auto reply = raw_exchange(server.port(), ByteView(hello).first(3), 3s);
        CHECK(reply.end == PeerEnd::reset);
        CHECK(Clock::now() - start >= 800ms);
    }
    SECTION("non-TLS bytes trigger after five") {
        RawServer server(reset_after_hello());
        const std::string get = "GET / HTTP/1.1\r\n\r\n";
        const auto reply = raw_exchange(
            server.port(), ByteView(reinterpret_cast<const std::uint8_t*>(get.data()), get.size()),
            900ms);
        CHECK(reply.end == PeerEnd::reset);
    }
}

TEST_CASE("closed_port refuses connections", "[lab][raw]") {
    const auto reply = raw_exchange(closed_port(), {}, 1s);
    CHECK_FALSE(reply.connected);
    CHECK(reply.end == PeerEnd::refused);
}

TEST_CASE("servers stop promptly with clients still connected", "[lab]") {
    const Bytes hello = sample_client_hello();
    auto stop_with_client = [&](auto make_server, ByteView send) {
        auto server = make_server();
        auto client = std::async(std::launch::async, [port = server->port(), send] {
            return raw_exchange(port, send, 5s);
        });
        const auto connected = Clock::now() + 2s;
        while (server->connections() == 0 && Clock::now() < connected)
            std::this_thread::sleep_for(10ms);
        std::this_thread::sleep_for(100ms);  // let the server reach its wait
        const auto start = Clock::now();
        server.reset();
        CHECK(Clock::now() - start < 1s);
        REQUIRE(client.wait_for(3s) == std::future_status::ready);
        CHECK(client.get().end != PeerEnd::timeout);
    };
    stop_with_client([] { return std::make_unique<RawServer>(silent()); }, hello);
    stop_with_client([] { return std::make_unique<TlsServer>(serving("good")); }, ByteView{});
    stop_with_client([] { return std::make_unique<TlsServer>(serving("good")); },
                     ByteView(hello).first(20));
}

TEST_CASE("dozens of servers run side by side in one process", "[lab]") {
    std::vector<std::unique_ptr<RawServer>> raw;
    std::vector<std::unique_ptr<TlsServer>> tls;
    for (int i = 0; i < 30; ++i)
        raw.push_back(
            std::make_unique<RawServer>(i % 2 ? close_after_hello() : reset_after_hello()));
    for (int i = 0; i < 10; ++i) tls.push_back(std::make_unique<TlsServer>(serving("good")));
    std::set<unsigned short> ports;
    for (auto& s : raw) {
        ports.insert(s->port());
        CHECK(raw_exchange(s->port(), sample_client_hello(), 2s).end != PeerEnd::timeout);
    }
    for (auto& s : tls) {
        ports.insert(s->port());
        CHECK(tls_exchange(s->port(), with_sni("tlsprobe.test")).handshake_completed);
    }
    CHECK(ports.size() == 40);
}

TEST_CASE("servers bind ::1 when asked", "[lab]") {
    if (!has_ipv6_loopback()) {
        WARN("no IPv6 loopback on this host; skipped");
        return;
    }
    auto config = serving("good");
    config.address = Loopback::ipv6;
    TlsServer server(std::move(config));
    auto options = with_sni("tlsprobe.test");
    options.where = Loopback::ipv6;
    CHECK(tls_exchange(server.port(), options).handshake_completed);
    RawServer raw(reset_after_hello(), Loopback::ipv6);
    CHECK(raw_exchange(raw.port(), sample_client_hello(), 2s, Loopback::ipv6).end ==
          PeerEnd::reset);
    CHECK(raw_exchange(closed_port(Loopback::ipv6), {}, 1s, Loopback::ipv6).end ==
          PeerEnd::refused);
}

TEST_CASE("scenario catalogue: unique ids, a diagnosis and an SNI each", "[lab][scenario]") {
    std::set<std::string> ids;
    for (const auto& s : scenarios()) {
        ids.insert(s.id);
        CHECK_FALSE(s.title.empty());
        CHECK_FALSE(s.expected_diagnosis.empty());
        CHECK_FALSE(s.article_scenario.empty());
        CHECK(s.sni == "tlsprobe.test");
        CHECK(find_scenario(s.id) == &s);
    }
    CHECK(ids.size() == scenarios().size());
    CHECK(ids.size() >= 40);  // the accuracy matrix (issue 12)
    CHECK(find_scenario("sni-required")->expected_diagnosis == "binding.sni_required");
    CHECK(find_scenario("nope") == nullptr);
    CHECK_THROWS_AS(ScenarioServer::start(Scenario{"nope", "", "", "", "", "", {}}),
                    std::invalid_argument);
}

TEST_CASE("each scenario server shows its fault on the wire", "[lab][scenario]") {
    for (const auto& s : scenarios()) {
        INFO(s.id);
        auto server = ScenarioServer::start(s);
        if (s.id == "silent") {  // accepts and reads, never answers: nothing to exchange
            CHECK(
                raw_exchange(server->port(), sample_client_hello(), std::chrono::milliseconds(300))
                    .received.empty());
            continue;
        }
        if (s.id == "ssh-on-tls-port") {
            CHECK(text(raw_exchange(server->port(), sample_client_hello()).received)
                      .starts_with("SSH-2.0-"));
            continue;
        }
        if (s.id == "name-rejected" || s.id == "no-shared-cipher") {
            const auto got = raw_exchange(server->port(), sample_client_hello()).received;
            REQUIRE(got.size() == 7);
            CHECK(got[0] == 21);  // alert record
            CHECK(got[6] == (s.id == "name-rejected" ? 112 : 40));
            continue;
        }
        const auto reply = tls_exchange(server->port(), with_sni(s.sni));
        if (s.id == "reset-after-hello") {
            CHECK(reply.end == PeerEnd::reset);
        } else if (s.id == "http-on-tls-port") {
            CHECK(text(raw_exchange(server->port(), sample_client_hello()).received)
                      .starts_with("HTTP/1.1 400"));
        } else {
            REQUIRE(reply.handshake_completed);
            const bool tls12 = s.id == "anon-rsa1024" || s.id == "tls12-only";
            CHECK(reply.version == (s.id == "tls10-only" ? "TLSv1"
                                    : tls12              ? "TLSv1.2"
                                                         : "TLSv1.3"));
        }
        if (s.id == "sni-required") CHECK(tls_exchange(server->port()).end == PeerEnd::reset);
        if (s.id == "missing-intermediate") CHECK(reply.peer_chain.size() == 1);
        CHECK(server->connections() >= 1);
    }
}

TEST_CASE("the lab's certificates come from the binary, not the source tree", "[lab]") {
    namespace fs = std::filesystem;
    // Whatever the environment says, this test is about the embedded copy.
    std::optional<std::string> saved;
    if (const char* env = std::getenv("TLSPROBE_TESTCERTS")) saved = env;
    ::unsetenv("TLSPROBE_TESTCERTS");

    const fs::path source = fs::canonical(fs::path(TLSPROBE_TESTS_DIR) / ".." / "testcerts");
    const fs::path dir = fs::canonical(testcerts_dir());
    CHECK(dir != source);
    const auto [end, _] = std::mismatch(source.begin(), source.end(), dir.begin(), dir.end());
    CHECK(end != source.end());                 // not under the source tree's testcerts/
    CHECK(testcerts_dir() == testcerts_dir());  // written once per process
    CHECK((fs::status(dir).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
          fs::perms::none);

    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    // Every certificate, key and fingerprint of the source tree is embedded, byte for byte.
    std::size_t compared = 0;
    for (const auto& entry : fs::directory_iterator(source)) {
        const auto ext = entry.path().extension();
        if (ext != ".pem" && ext != ".key" && ext != ".sha1" && ext != ".sha256") continue;
        const auto name = entry.path().filename().string();
        INFO(name);
        const auto embedded = testcert(name);
        CHECK(fs::canonical(embedded).parent_path() == dir);
        CHECK(read(embedded) == read(entry.path()));
        ++compared;
    }
    CHECK(compared > 50);
    CHECK_THROWS_WITH(testcert("generate.sh"), Catch::Contains("generate.sh"));

    // A server from the embedded copy serves the source tree's chain.
    TlsServer server(config_for_case("good"));
    const auto reply = tls_exchange(server.port(), pinned(TLS1_3_VERSION));
    REQUIRE(reply.handshake_completed);
    CHECK(reply.peer_chain == pem_file_der((source / "good.chain.pem").string()));

    if (saved) ::setenv("TLSPROBE_TESTCERTS", saved->c_str(), 1);
}
