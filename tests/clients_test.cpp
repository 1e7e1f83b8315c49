// Client simulation (wire/client_simulation.*, probe/checks/clients.*) and the platform trust
// stores (x509/platform_stores.*, TargetResult::trust): the data-file parser on synthetic
// files (good and malformed blocks), the hello replay, and end to end against loopback lab
// servers that only some clients reach. The clients here are synthetic profiles built from
// our own hello encoder, so the tests do not depend on the testssl.sh package; one test reads
// the installed file when it is there.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <openssl/ssl.h>
#include <unistd.h>

#include "cli/client_options.hpp"
#include "core/bytes.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "judge/verdict.hpp"
#include "lab/paths.hpp"
#include "lab/scenarios.hpp"
#include "lab/tls_server.hpp"
#include "probe/checks/clients.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/text_report.hpp"
#include "support.hpp"
#include "wire/client_hello.hpp"
#include "wire/client_simulation.hpp"
#include "wire/hello_presets.hpp"
#include "x509/platform_stores.hpp"

using namespace std::chrono_literals;
using tlsprobe::core::Version;
namespace tp = tlsprobe;
using tp::probe::checks::ClientFailure;
using tp::probe::checks::ClientOutcome;
using tp::probe::checks::ClientsResult;

namespace {

std::string hello_hex(const tp::wire::ClientHelloSpec& spec) {
    return tp::core::to_hex(tp::wire::encode_client_hello(spec));
}

std::string block(const std::string& name, const std::string& hex, const std::string& lowest,
                  const std::string& highest, const std::string& extra = "") {
    return fmt::format(
        "     names+=(\"{}\")\n     short+=(\"{}\")\n     ciphers+=(\"ECDHE-RSA-AES128-SHA\")\n"
        "     sni+=(\"$SNI\")\n     handshakebytes+=(\"{}\")\n"
        "     lowest_protocol+=(\"{}\")\n     highest_protocol+=(\"{}\")\n"
        "     minDhBits+=(-1)\n     requiresSha2+=(false)\n     current+=(true)\n{}\n",
        name, name, hex, lowest, highest, extra);
}

tp::wire::ClientProfile profile(std::string name, const tp::wire::ClientHelloSpec& spec,
                                Version lowest, Version highest) {
    tp::wire::ClientProfile p;
    p.name = std::move(name);
    p.hello = tp::wire::encode_client_hello(spec);
    p.lowest = lowest;
    p.highest = highest;
    p.current = true;
    p.sends_sni = spec.server_name.has_value();
    return p;
}

tp::wire::ClientHelloSpec tls12_spec(std::vector<std::uint16_t> suites = {}) {
    tp::wire::HelloOptions o;
    o.server_name = "www.ssllabs.com";  // as captured: replaced with the target's name
    o.cipher_suites = std::move(suites);
    return tp::wire::preset_client_hello(Version::tls1_2, o);
}

tp::wire::ClientHelloSpec modern_spec() {
    tp::wire::HelloOptions o;
    o.server_name = "www.ssllabs.com";
    return tp::wire::preset_offer_everything(o);
}

tp::probe::Target loopback_target(unsigned short port) {
    auto t = tp::probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

tp::probe::ProbeOptions options_with(std::vector<tp::wire::ClientProfile> profiles) {
    tp::probe::ProbeOptions o;
    o.timeout = 2s;
    o.http_port.reset();
    o.trust = std::make_shared<tp::x509::TrustStore>(
        tp::x509::TrustStore::from_locations(tp::lab::testcert("root-ca.pem").string(), ""));
    o.checks = {"clients"};
    o.client_profiles =
        std::make_shared<const std::vector<tp::wire::ClientProfile>>(std::move(profiles));
    return o;
}

const ClientsResult* clients_of(const tp::probe::TargetResult& r) {
    for (const auto& c : r.checks)
        if (c->kind() == "clients") return dynamic_cast<const ClientsResult*>(c.get());
    return nullptr;
}

const ClientOutcome& outcome(const ClientsResult& c, std::string_view name) {
    const auto it = std::find_if(c.clients.begin(), c.clients.end(),
                                 [&](const ClientOutcome& o) { return o.name == name; });
    REQUIRE(it != c.clients.end());
    return *it;
}

bool has_finding(const tp::probe::TargetResult& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const tp::probe::Finding& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("client data: well-formed blocks become profiles", "[clients]") {
    const auto text = "# comment\n\n" +
                      block("Modern 1", hello_hex(modern_spec()), "0x0301", "0x0304") +
                      block("Old TLS12", hello_hex(tls12_spec()), "0x0300", "0x0303",
                            "     minRsaBits+=(2048)\n     minEcdsaBits+=(256)\n");
    const auto data = tp::wire::parse_client_data(text);
    CHECK(data.warnings.empty());
    REQUIRE(data.profiles.size() == 2);
    const auto& a = data.profiles[0];
    CHECK(a.name == "Modern 1");
    CHECK(a.line == 3);
    CHECK(a.lowest == Version::tls1_0);
    CHECK(a.highest == Version::tls1_3);
    CHECK(a.sends_sni);
    CHECK(a.current);
    CHECK_FALSE(a.min_dh_bits);
    const auto& b = data.profiles[1];
    CHECK(b.lowest == Version::ssl3);
    CHECK(b.min_rsa_bits == 2048);
    CHECK(b.min_ecdsa_bits == 256);
    CHECK_FALSE(b.max_rsa_bits);
}

TEST_CASE("client data: malformed blocks are skipped with a warning naming the line",
          "[clients]") {
    const auto good = hello_hex(tls12_spec());
    std::string text;
    text += "garbage line\n";                                          // 1: not key+=(value)
    text += "current+=(true)\n";                                       // 2: before any names+=
    text += block("Bad hex", "16030zz", "0x0301", "0x0303");          // 3..
    text += block("No range", good, "0x0301", "TLS1");                // bad protocol code
    text += block("Typo key", good, "0x0301", "0x0303", "     requireseha2+=(true)\n");
    text += block("Truncated", good.substr(0, 40), "0x0301", "0x0303");
    text += block("Bad bits", good, "0x0301", "0x0303", "     maxDhBits+=(-7)\n");
    text += "     names+=(\"No hello\")\n     lowest_protocol+=(\"0x0301\")\n";
    const auto data = tp::wire::parse_client_data(text);
    REQUIRE(data.profiles.size() == 1);
    CHECK(data.profiles[0].name == "Typo key");
    std::vector<std::string> messages;
    for (const auto& w : data.warnings) messages.push_back(fmt::format("{}: {}", w.line, w.message));
    INFO(fmt::format("{}", fmt::join(messages, "\n")));
    REQUIRE(data.warnings.size() == 8);
    CHECK(data.warnings[0].line == 1);
    CHECK(data.warnings[1].line == 2);
    auto mentions = [&](std::string_view what) {
        return std::any_of(messages.begin(), messages.end(),
                           [&](const std::string& m) { return m.find(what) != std::string::npos; });
    };
    CHECK(mentions("client 'Bad hex' skipped"));
    CHECK(mentions("client 'No range' skipped"));
    CHECK(mentions("unknown key 'requireseha2'"));
    CHECK(mentions("client 'Truncated' skipped"));
    CHECK(mentions("client 'Bad bits' skipped"));
    CHECK(mentions("client 'No hello' skipped: no handshakebytes"));
    CHECK(tp::wire::parse_client_data("").profiles.empty());
}

TEST_CASE("client data: the testssl.sh package's file, when installed", "[clients]") {
    const std::filesystem::path file = "/etc/testssl/client-simulation.txt";
    if (!std::filesystem::exists(file)) {
        WARN("testssl.sh is not installed (scripts/deps.sh installs it): skipped");
        return;
    }
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto data = tp::wire::parse_client_data(text);
    CHECK(data.profiles.size() > 150);
    const auto current = std::count_if(data.profiles.begin(), data.profiles.end(),
                                       [](const auto& p) { return p.current; });
    CHECK(current > 20);
    const auto selected = tp::cli::select_clients(data.profiles, "current");
    CHECK(selected.size() == static_cast<std::size_t>(current));
    CHECK_THROWS_AS(tp::cli::select_clients(data.profiles, "Netscape 4"), tp::cli::UsageError);
    // Every hello replays with a new name and parses back with it.
    for (const auto& p : data.profiles) {
        INFO(p.name);
        const auto replayed =
            tp::wire::replay_client_hello(p.hello, std::string("tlsprobe.test"), {});
        REQUIRE(replayed);
        const auto parsed = tp::wire::parse_client_hello(*replayed);
        REQUIRE(parsed.kind == tp::wire::ClientHelloParse::Kind::ok);
        if (p.sends_sni && !parsed.hello->ssl2_format)
            CHECK(parsed.hello->server_name == std::optional<std::string>("tlsprobe.test"));
    }
}

TEST_CASE("client data: the replayed hello carries the target's name and a new random",
          "[clients]") {
    const auto captured = tp::wire::encode_client_hello(modern_spec());
    std::array<std::uint8_t, 32> random{};
    random.fill(0xAB);
    const auto out = tp::wire::replay_client_hello(captured, std::string("example.org"), random);
    REQUIRE(out);
    const auto before = tp::wire::parse_client_hello(captured);
    const auto after = tp::wire::parse_client_hello(*out);
    REQUIRE(after.kind == tp::wire::ClientHelloParse::Kind::ok);
    CHECK(after.hello->server_name == std::optional<std::string>("example.org"));
    CHECK(after.hello->cipher_suites == before.hello->cipher_suites);
    CHECK(after.hello->supported_versions == before.hello->supported_versions);
    CHECK(after.hello->extensions.size() == before.hello->extensions.size());
    // The random sits after the record header (5), handshake header (4) and version (2).
    CHECK(std::all_of(out->begin() + 11, out->begin() + 43, [](auto b) { return b == 0xAB; }));
    // No name to send (an IP target): the extension goes.
    const auto no_name = tp::wire::replay_client_hello(captured, std::nullopt, random);
    REQUIRE(no_name);
    CHECK_FALSE(tp::wire::parse_client_hello(*no_name).hello->server_name);
    // A client that sends no SNI keeps sending none.
    auto spec = tls12_spec();
    spec.server_name.reset();
    const auto plain = tp::wire::replay_client_hello(tp::wire::encode_client_hello(spec),
                                                     std::string("example.org"), random);
    REQUIRE(plain);
    CHECK_FALSE(tp::wire::parse_client_hello(*plain).hello->server_name);
    CHECK_FALSE(tp::wire::replay_client_hello(tp::core::Bytes{0x16, 0x03, 0x01}, std::nullopt,
                                              random));
}

TEST_CASE("client data: the platform store of a client", "[clients]") {
    using tp::probe::checks::platform_store_of;
    CHECK(platform_store_of("Chrome 101 (Win 10)") == "Microsoft");
    CHECK(platform_store_of("Chrome 48 OS X") == "Apple");
    CHECK(platform_store_of("IE 11 Win 7") == "Microsoft");
    CHECK(platform_store_of("Edge 101 Win 10 21H2") == "Microsoft");
    CHECK(platform_store_of("Firefox 100 (Win 10)") == "Mozilla");
    CHECK(platform_store_of("Safari 15.4 (macOS 12.3.1)") == "Apple");
    CHECK(platform_store_of("Java 17.0.3 (OpenJDK)") == "Java");
    CHECK(platform_store_of("Android 12 (native)") == "Linux");
    CHECK(platform_store_of("OpenSSL 3.0.3 (git)") == "Linux");
}

TEST_CASE("clients: a TLS 1.3-only server refuses the TLS 1.2 clients, end to end",
          "[clients][e2e]") {
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    config.min_version = TLS1_3_VERSION;
    tp::lab::TlsServer server(config);
    auto options = options_with({profile("Modern", modern_spec(), Version::tls1_0, Version::tls1_3),
                                 profile("Old", tls12_spec(), Version::tls1_0, Version::tls1_2)});
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    const auto& modern = outcome(*c, "Modern");
    CHECK(modern.connected);
    CHECK(modern.version == Version::tls1_3);
    CHECK(modern.key_exchange.rfind("ECDHE", 0) == 0);
    CHECK(modern.server_key == "RSA 2048");
    const auto& old = outcome(*c, "Old");
    CHECK_FALSE(old.connected);
    CHECK(old.failure == ClientFailure::no_shared_version);
    CHECK(old.detail.find("TLS 1.3") != std::string::npos);
    CHECK(has_finding(r, "clients.current_fail"));
    CHECK(r.summary.find("Old") != std::string::npos);
    const auto json = c->to_json();
    CHECK(json["current_failing"] == nlohmann::json::array({"Old"}));
}

TEST_CASE("clients: every client connects to a healthy server", "[clients][e2e]") {
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    tp::lab::TlsServer server(config);
    auto options = options_with({profile("Modern", modern_spec(), Version::tls1_0, Version::tls1_3),
                                 profile("Old", tls12_spec(), Version::tls1_0, Version::tls1_2)});
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    REQUIRE(c->clients.size() == 2);
    for (const auto& o : c->clients) {
        INFO(o.name << ": " << o.detail);
        CHECK(o.connected);
    }
    CHECK(outcome(*c, "Old").version == Version::tls1_2);
    CHECK_FALSE(has_finding(r, "clients.current_fail"));
    CHECK(c->text().front() == "all 2 current clients connect");
}

TEST_CASE("clients: an ECDSA-only server and clients without ECDSA suites or with a minimum",
          "[clients][e2e]") {
    const auto* s = tp::lab::find_scenario("ecdsa-only");
    REQUIRE(s);
    auto server = tp::lab::ScenarioServer::start(*s);
    // TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: RSA only.
    auto big = profile("Wants P-384", tls12_spec(), Version::tls1_0, Version::tls1_2);
    big.min_ecdsa_bits = 384;
    auto options = options_with({profile("RSA only", tls12_spec({0x009C, 0xC02F}),
                                         Version::tls1_0, Version::tls1_2),
                                 big,
                                 profile("Modern", modern_spec(), Version::tls1_0,
                                         Version::tls1_3)});
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server->port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    CHECK(outcome(*c, "RSA only").failure == ClientFailure::no_shared_suite);
    CHECK(outcome(*c, "Wants P-384").failure == ClientFailure::ecdsa_too_small);
    CHECK(outcome(*c, "Modern").connected);
    CHECK(outcome(*c, "Modern").server_key == "EC 256");
}

TEST_CASE("clients: a DH 1024 server fails a client that needs 2048 bits", "[clients][e2e]") {
    const auto* s = tp::lab::find_scenario("dhe-1024");
    REQUIRE(s);
    auto server = tp::lab::ScenarioServer::start(*s);
    // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 only.
    auto strict = profile("DH 2048", tls12_spec({0x009E}), Version::tls1_0, Version::tls1_2);
    strict.min_dh_bits = 2048;
    auto options = options_with(
        {strict, profile("DH any", tls12_spec({0x009E}), Version::tls1_0, Version::tls1_2)});
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server->port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    const auto& f = outcome(*c, "DH 2048");
    CHECK(f.failure == ClientFailure::dh_too_small);
    CHECK(f.key_exchange_bits == 1024);
    const auto& ok = outcome(*c, "DH any");
    CHECK(ok.connected);
    CHECK(ok.key_exchange == "DHE 1024");
}

TEST_CASE("clients: RSA key exchange only fails a forward-secrecy-only client",
          "[clients][e2e]") {
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    config.max_version = TLS1_2_VERSION;
    config.cipher_list = "AES128-GCM-SHA256:AES256-GCM-SHA384";
    tp::lab::TlsServer server(config);
    // ECDHE-RSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES128-GCM-SHA256
    auto options = options_with(
        {profile("FS only", tls12_spec({0xC02F, 0xC02B}), Version::tls1_2, Version::tls1_2),
         profile("Old", tls12_spec(), Version::tls1_0, Version::tls1_2)});
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    CHECK(outcome(*c, "FS only").failure == ClientFailure::no_shared_suite);
    CHECK(outcome(*c, "Old").connected);
    CHECK(outcome(*c, "Old").key_exchange == "RSA");
}

TEST_CASE("clients: a client without SNI gets the default site's certificate",
          "[clients][e2e]") {
    const auto* s = tp::lab::find_scenario("sni-default-cert-differs");
    REQUIRE(s);
    auto server = tp::lab::ScenarioServer::start(*s);
    auto no_sni = tls12_spec();
    no_sni.server_name.reset();
    auto options = options_with({profile("No SNI", no_sni, Version::tls1_0, Version::tls1_2),
                                 profile("SNI", tls12_spec(), Version::tls1_0, Version::tls1_2)});
    auto target = loopback_target(server->port());
    const auto r = tp::test::judged(tp::probe::probe_target_blocking(target, options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    const auto& f = outcome(*c, "No SNI");
    CHECK(f.failure == ClientFailure::default_certificate);
    CHECK(f.detail.find("tlsprobe.test") != std::string::npos);
    CHECK(outcome(*c, "SNI").connected);
}

TEST_CASE("clients: no client data is a note, never an error", "[clients]") {
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    tp::lab::TlsServer server(config);
    auto options = options_with({});
    options.client_data_note = "client simulation skipped: no client data";
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    const auto* c = clients_of(r);
    REQUIRE(c);
    CHECK(c->clients.empty());
    CHECK(c->text() == std::vector<std::string>{"client simulation skipped: no client data"});
    CHECK(c->findings().empty());
    CHECK(server.connections() > 0);
}

namespace {

// A store directory of its own: Mozilla and Linux trust the test root (Linux as a copy of the
// installed store with the test root appended, when testssl.sh is there), Microsoft holds
// only another root, Apple and Java are absent.
struct StoreDir {
    std::filesystem::path dir;
    StoreDir() {
        dir = std::filesystem::temp_directory_path() /
              fmt::format("tlsprobe-stores-{}-{}", ::getpid(), counter()++);
        std::filesystem::create_directories(dir);
        const auto root = read(tp::lab::testcert("root-ca.pem"));
        write(dir / "Mozilla.pem", root);
        write(dir / "Microsoft.pem", read(tp::lab::testcert("other-root-ca.pem")));
        const std::filesystem::path installed = "/etc/testssl/Linux.pem";
        write(dir / "Linux.pem",
              (std::filesystem::exists(installed) ? read(installed) + "\n" : std::string()) + root);
    }
    ~StoreDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
    static std::string read(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), {});
    }
    static void write(const std::filesystem::path& p, const std::string& text) {
        std::ofstream(p, std::ios::binary) << text;
    }
};

}  // namespace

TEST_CASE("trust stores: a chain only some platform stores trust", "[clients][e2e]") {
    StoreDir stores;
    const auto loaded = tp::x509::load_platform_stores(stores.dir);
    REQUIRE(loaded.stores.size() == 3);  // Mozilla, Microsoft, Linux
    CHECK(loaded.missing.size() == 2);   // Apple, Java
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    tp::lab::TlsServer server(config);
    auto options = options_with(
        {profile("Firefox 100 (Win 10)", modern_spec(), Version::tls1_0, Version::tls1_3),
         profile("Chrome 101 (Win 10)", modern_spec(), Version::tls1_0, Version::tls1_3),
         profile("Java 17.0.3 (OpenJDK)", modern_spec(), Version::tls1_0, Version::tls1_3)});
    options.platform_stores = std::make_shared<const tp::x509::PlatformStores>(loaded);
    // The system store (which lacks the test root): with --ca-file the clients would be judged
    // with the user's own anchors instead of their platform's.
    options.trust = tp::x509::TrustStore::shared_system_default();
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    REQUIRE(r.trust.size() == 4);  // three platform stores, then the probe's own
    CHECK(r.trust[0].store == "Mozilla");
    CHECK(r.trust[0].trusted);
    CHECK(r.trust[1].store == "Microsoft");
    CHECK_FALSE(r.trust[1].trusted);
    CHECK_FALSE(r.trust[1].problem.empty());
    CHECK(r.trust[2].store == "Linux");
    CHECK(r.trust[2].trusted);
    CHECK(r.trust[3].store == "system");
    CHECK_FALSE(r.trust[3].trusted);
    CHECK(has_finding(r, "trust.store_disagreement"));
    CHECK(std::any_of(r.diagnosis.begin(), r.diagnosis.end(),
                      [](const auto& d) { return d.id == "trust.store_disagreement"; }));
    const auto* c = clients_of(r);
    REQUIRE(c);
    CHECK(outcome(*c, "Firefox 100 (Win 10)").connected);
    const auto& chrome = outcome(*c, "Chrome 101 (Win 10)");
    CHECK(chrome.failure == ClientFailure::untrusted);
    CHECK(chrome.store == "Microsoft");
    CHECK(chrome.detail.find("Microsoft") != std::string::npos);
    // Java's store is not installed here: judged with the probe's own store.
    const auto& java = outcome(*c, "Java 17.0.3 (OpenJDK)");
    CHECK(java.failure == ClientFailure::untrusted);
    CHECK(java.store == "system");

    // The policy rules read the same verdicts.
    tp::judge::Policy p;
    p.trust_stores = {"Mozilla", "Linux"};
    const auto* trust_rule = tp::judge::find_rule_kind("trust.stores");
    REQUIRE(trust_rule);
    CHECK(trust_rule->evaluate(p, r).status == tp::judge::RuleStatus::pass);
    p.trust_stores = {"Mozilla", "Microsoft"};
    const auto refused = trust_rule->evaluate(p, r);
    CHECK(refused.status == tp::judge::RuleStatus::fail);
    REQUIRE(refused.evidence.size() == 1);
    CHECK(refused.evidence[0].rfind("Microsoft", 0) == 0);
    p.trust_stores = {"Java"};
    CHECK(trust_rule->evaluate(p, r).status == tp::judge::RuleStatus::not_applicable);
    const auto* clients_rule = tp::judge::find_rule_kind("clients.current_ok");
    REQUIRE(clients_rule);
    const auto cr = clients_rule->evaluate(p, r);
    CHECK(cr.status == tp::judge::RuleStatus::fail);
    CHECK(cr.evidence.size() == 2);  // Chrome (Microsoft) and Java (system)
}

TEST_CASE("trust stores: no disagreement when every store trusts the chain", "[clients][e2e]") {
    StoreDir stores;
    StoreDir::write(stores.dir / "Microsoft.pem",
                    StoreDir::read(tp::lab::testcert("root-ca.pem")));
    tp::lab::TlsServerConfig config;
    config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
    config.key_pem_file = tp::lab::testcert("good.key").string();
    tp::lab::TlsServer server(config);
    auto options = options_with(
        {profile("Chrome 101 (Win 10)", modern_spec(), Version::tls1_0, Version::tls1_3)});
    options.platform_stores =
        std::make_shared<const tp::x509::PlatformStores>(tp::x509::load_platform_stores(stores.dir));
    const auto r = tp::test::judged(
        tp::probe::probe_target_blocking(loopback_target(server.port()), options));
    REQUIRE(r.trust.size() == 4);
    CHECK(r.trust.back().store == "ca-file");
    for (const auto& v : r.trust) {
        INFO(v.store);
        CHECK(v.trusted);
    }
    CHECK_FALSE(has_finding(r, "trust.store_disagreement"));
    const auto* c = clients_of(r);
    REQUIRE(c);
    CHECK(outcome(*c, "Chrome 101 (Win 10)").connected);
    tp::judge::Policy p;
    CHECK(tp::judge::find_rule_kind("clients.current_ok")->evaluate(p, r).status ==
          tp::judge::RuleStatus::pass);
}

TEST_CASE("client options: the search path, the selection and bad values", "[clients]") {
    CHECK(tp::cli::client_data_search_path("x.txt") ==
          std::vector<std::filesystem::path>{"x.txt"});
    const auto path = tp::cli::client_data_search_path("");
    CHECK(std::find(path.begin(), path.end(),
                    std::filesystem::path("/etc/testssl/client-simulation.txt")) != path.end());
    std::vector<tp::wire::ClientProfile> all(3);
    all[0].name = "Chrome 101 (Win 10)";
    all[0].short_name = "chrome_101_win10";
    all[0].current = true;
    all[1].name = "IE 6 XP";
    all[1].short_name = "ie_6_xp";
    all[2].name = "Firefox 100 (Win 10)";
    all[2].short_name = "firefox_100_win10";
    all[2].current = true;
    CHECK(tp::cli::select_clients(all, "current").size() == 2);
    CHECK(tp::cli::select_clients(all, "all").size() == 3);
    const auto named = tp::cli::select_clients(all, "ie 6 xp, chrome_101_win10");
    REQUIRE(named.size() == 2);
    CHECK(named[0].name == "IE 6 XP");
    CHECK_THROWS_WITH(tp::cli::select_clients(all, "Netscape"),
                      Catch::Contains("unknown client 'Netscape'"));
    tp::probe::ProbeOptions o;
    o.checks = {"clients"};
    tp::cli::ClientArgs args;
    args.client_data = "/nonexistent/client-simulation.txt";
    CHECK_THROWS_AS(tp::cli::apply_client_options(o, args, "current"), tp::cli::UsageError);
    args.client_data.clear();
    args.clients = "none";
    tp::cli::apply_client_options(o, args, "current");
    CHECK(o.checks.empty());
}

namespace {

ClientOutcome connected(std::string name, Version v, std::string suite, std::string kx,
                        bool current = true) {
    ClientOutcome o;
    o.name = std::move(name);
    o.current = current;
    o.store = "Linux";
    o.connected = true;
    o.version = v;
    o.suite = std::move(suite);
    o.key_exchange = std::move(kx);
    o.server_key = "RSA 2048";
    return o;
}

ClientOutcome failed(std::string name, ClientFailure f, std::string detail, bool current = true) {
    ClientOutcome o;
    o.name = std::move(name);
    o.current = current;
    o.store = "Microsoft";
    o.failure = f;
    o.detail = std::move(detail);
    return o;
}

// Three current clients on TLS 1.3 with one suite, one on TLS 1.2, one older client; with
// `failing` also a current client that fails (listed last in the data, as a file would).
std::shared_ptr<ClientsResult> grid(bool failing) {
    auto c = std::make_shared<ClientsResult>();
    c->clients = {
        connected("Chrome 101", Version::tls1_3, "TLS_AES_128_GCM_SHA256", "ECDHE x25519"),
        connected("Safari 15.4", Version::tls1_2, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                  "ECDHE secp256r1"),
        connected("Firefox 100", Version::tls1_3, "TLS_AES_128_GCM_SHA256", "ECDHE x25519"),
        connected("curl 7.74", Version::tls1_3, "TLS_AES_128_GCM_SHA256", "ECDHE x25519"),
        failed("IE 6 XP", ClientFailure::no_shared_version,
               "the server speaks TLS 1.2, TLS 1.3, the client SSL 2.0 to TLS 1.0", false),
    };
    if (failing)
        c->clients.push_back(failed("Java 7u25", ClientFailure::dh_too_large,
                                    "DH 2048 bits, the client accepts at most 1024"));
    return c;
}

tp::probe::TargetResult result_with(tp::probe::CheckResultPtr check) {
    tp::probe::TargetResult r;
    r.target = loopback_target(443);
    r.checks.push_back(std::move(check));
    return tp::test::judged(std::move(r));
}

}  // namespace

TEST_CASE("clients text: all current clients OK is one line, then the groups by what they "
          "negotiated",
          "[clients][report]") {
    const auto lines = grid(false)->text();
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0] == "all 4 current clients connect");
    // The biggest group first, names in data-file order; the TLS 1.2 client on its own line.
    CHECK(lines[1] ==
          "  TLS 1.3 TLS_AES_128_GCM_SHA256 ECDHE x25519: Chrome 101, Firefox 100, curl 7.74");
    CHECK(lines[2] == "  TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ECDHE secp256r1: "
                      "Safari 15.4");
    CHECK(std::none_of(lines.begin(), lines.end(),
                       [](const std::string& l) { return l.rfind("FAIL", 0) == 0; }));
    // No line per connected client any more: 3 groups-or-summary lines plus the older ones.
    CHECK(lines.size() == 5);
    CHECK(lines[3] == "older clients: 0 of 1 connect");
    CHECK(lines[4] == "  no_shared_version: IE 6 XP");
}

TEST_CASE("clients text: the failing current clients come first, one line each with the reason",
          "[clients][report]") {
    const auto c = grid(true);
    const auto lines = c->text();
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0] == "FAIL Java 7u25: DH 2048 bits, the client accepts at most 1024");
    CHECK(lines[1] == "the other 4 current clients connect");
    CHECK(lines[2].find("Chrome 101, Firefox 100, curl 7.74") != std::string::npos);
    // The text report lays the lines out under the check's title; --verbose adds the grid,
    // one line per client, the failing one first.
    const auto r = result_with(c);
    tp::report::TextOptions plain;
    const auto text = tp::report::render_text(r, plain);
    CHECK(text.find("  FAIL Java 7u25: DH 2048 bits") != std::string::npos);
    CHECK(text.find("ok   Chrome 101") == std::string::npos);
    tp::report::TextOptions verbose;
    verbose.verbose = true;
    const auto full = tp::report::render_text(r, verbose);
    const auto java = full.find("fail Java 7u25 · DH 2048 bits");
    const auto chrome = full.find("ok   Chrome 101 · TLS 1.3 · TLS_AES_128_GCM_SHA256");
    REQUIRE(java != std::string::npos);
    REQUIRE(chrome != std::string::npos);
    CHECK(java < chrome);
}

TEST_CASE("clients grid: one row per client, the failing ones first", "[clients][report]") {
    const auto t = grid(true)->table();
    REQUIRE(t);
    CHECK(t->headers.size() == 7);
    CHECK(t->headers[t->status_column] == "result");
    CHECK(t->caption == "4 of 5 current clients connect; 0 of 1 older clients connect");
    REQUIRE(t->rows.size() == 6);
    CHECK(t->rows[0].cells[0] == "Java 7u25");
    CHECK(t->rows[0].status == tp::probe::CheckTable::Status::fail);
    CHECK(t->rows[1].cells[0] == "IE 6 XP (older)");
    CHECK(t->rows[2].cells[0] == "Chrome 101");
    CHECK(t->rows[2].status == tp::probe::CheckTable::Status::ok);
    CHECK(t->rows[2].cells[2] == "TLS 1.3");
    // Without client data there is no grid: the note stays text.
    ClientsResult none;
    none.note = "client simulation skipped: no client data";
    CHECK_FALSE(none.table());
}

TEST_CASE("clients grid: the HTML probe report shows it as a table, failing client first",
          "[clients][report][html]") {
    const auto html = tp::report::render_html(result_with(grid(true)));
    const auto table = html.find("<table class=\"check check-clients cards\">");
    REQUIRE(table != std::string::npos);
    CHECK(html.find("<p class=\"meta\">4 of 5 current clients connect; 0 of 1 older clients "
                    "connect</p>") < table);
    const auto java = html.find("Java 7u25", table);
    const auto chrome = html.find("Chrome 101", table);
    REQUIRE(java != std::string::npos);
    REQUIRE(chrome != std::string::npos);
    CHECK(java < chrome);
    CHECK(html.find("<tr class=\"row-fail\"><td data-label=\"client\" "
                    "class=\"token\">Java 7u25</td><td data-label=\"result\"><span "
                    "class=\"badge fail\">fail</span></td>") != std::string::npos);
    CHECK(html.find("<span class=\"badge pass\">ok</span>") != std::string::npos);
    // Cards on a phone: every cell carries its column's caption.
    const auto end = html.find("</table>", table);
    const auto part = html.substr(table, end - table);
    std::size_t cells = 0, labelled = 0;
    for (auto p = part.find("<td"); p != std::string::npos; p = part.find("<td", p + 1)) {
        ++cells;
        labelled += part.compare(p, 15, "<td data-label=") == 0 ? 1 : 0;
    }
    CHECK(cells == 6 * 7);
    CHECK(labelled == cells);
    // No grid without client data: the note is a line as before.
    auto none = std::make_shared<ClientsResult>();
    none->note = "client simulation skipped: no client data";
    const auto plain = tp::report::render_html(result_with(none));
    CHECK(plain.find("check-clients") == std::string::npos);
    CHECK(plain.find("<li>client simulation skipped:<wbr> no client data</li>") !=
          std::string::npos);
}

TEST_CASE("clients grid: the Markdown check report shows it as a table, failing client first",
          "[clients][report][markdown]") {
    tp::judge::CheckReport report;
    report.policy = tp::judge::builtin_policy("intermediate");
    report.policy_source = "builtin:intermediate";
    const auto r = result_with(grid(true));
    report.targets.push_back({r, tp::judge::evaluate(report.policy, r)});
    tp::judge::finish(report);
    const auto md = tp::report::render_markdown(report);
    const auto head = md.find(
        "**Client simulation**\n\n4 of 5 current clients connect; 0 of 1 older clients "
        "connect\n\n| client | result | protocol | cipher suite | key exchange | server key | reason |\n"
        "|---|---|---|---|---|---|---|\n");
    REQUIRE(head != std::string::npos);
    const auto java = md.find("| Java 7u25 | ❌ fail | | | | | DH 2048 bits, the client accepts "
                              "at most 1024 |",
                              head);
    const auto chrome = md.find("| Chrome 101 | ✅ ok | TLS 1.3 | `TLS_AES_128_GCM_SHA256` | "
                                "ECDHE x25519 | RSA 2048 | |",
                                head);
    REQUIRE(java != std::string::npos);
    REQUIRE(chrome != std::string::npos);
    CHECK(java < chrome);
    // A target without a table-making check has no such section.
    tp::judge::CheckReport bare;
    bare.policy = report.policy;
    auto without = r;
    without.checks.clear();
    bare.targets.push_back({without, tp::judge::evaluate(bare.policy, without)});
    tp::judge::finish(bare);
    CHECK(tp::report::render_markdown(bare).find("| client |") == std::string::npos);
}

TEST_CASE("clients: without SNI the default site's chain is verified in the client's store",
          "[clients][e2e]") {
    // The default site serves a self-signed certificate for the same name; the named site the
    // good chain. Clients with SNI connect; clients without get a chain their store refuses.
    auto no_sni12 = tls12_spec();
    no_sni12.server_name.reset();
    auto no_sni13 = modern_spec();
    no_sni13.server_name.reset();
    auto options = options_with({profile("No SNI 1.2", no_sni12, Version::tls1_0, Version::tls1_2),
                                 profile("No SNI 1.3", no_sni13, Version::tls1_0, Version::tls1_3),
                                 profile("SNI", tls12_spec(), Version::tls1_0, Version::tls1_2)});
    SECTION("the default site's chain is not trusted") {
        tp::lab::TlsServerConfig config;
        config.chain_pem_file = tp::lab::testcert("self-signed.chain.pem").string();
        config.key_pem_file = tp::lab::testcert("self-signed.key").string();
        config.sni_certs = {{"tlsprobe.test",
                             {tp::lab::testcert("good.chain.pem").string(),
                              tp::lab::testcert("good.key").string()}}};
        tp::lab::TlsServer server(config);
        const auto r = tp::test::judged(
            tp::probe::probe_target_blocking(loopback_target(server.port()), options));
        REQUIRE(r.chain);
        CHECK(r.chain->trusted);  // the named site's chain
        const auto* c = clients_of(r);
        REQUIRE(c);
        for (const auto* name : {"No SNI 1.2", "No SNI 1.3"}) {
            INFO(name);
            const auto& f = outcome(*c, name);
            CHECK(f.failure == ClientFailure::untrusted);
            CHECK(f.detail.find("sends no SNI") != std::string::npos);
            CHECK(f.detail.find("not trusted") != std::string::npos);
        }
        CHECK(outcome(*c, "SNI").connected);
    }
    SECTION("the default site serves the same trusted chain") {
        tp::lab::TlsServerConfig config;
        config.chain_pem_file = tp::lab::testcert("good.chain.pem").string();
        config.key_pem_file = tp::lab::testcert("good.key").string();
        tp::lab::TlsServer server(config);
        const auto r = tp::test::judged(
            tp::probe::probe_target_blocking(loopback_target(server.port()), options));
        const auto* c = clients_of(r);
        REQUIRE(c);
        REQUIRE(c->clients.size() == 3);
        for (const auto& o : c->clients) {
            INFO(o.name << ": " << o.detail);
            CHECK(o.connected);
        }
    }
}
