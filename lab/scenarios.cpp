#include "lab/scenarios.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <openssl/ssl.h>
#include <stdexcept>

#include "lab/dh_groups.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/tls_server.hpp"

namespace tlsprobe::lab {
namespace {

constexpr const char* kName = "tlsprobe.test";
constexpr const char* kModernCiphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
// TLS 1.0/1.1 have no AEAD suites: their servers offer ECDHE with CBC.
constexpr const char* kLegacyCiphers = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES";

struct ServerSpec {
    std::function<std::unique_ptr<TlsServer>()> tls;  // exactly one is set
    std::function<std::unique_ptr<RawServer>()> raw;
};

// A TLS server for the certificate case `name` (testcerts/<name>.chain.pem + <name>.key),
// modern versions only unless `adjust` says otherwise.
ServerSpec tls_case(std::string name, std::function<void(TlsServerConfig&)> adjust = {}) {
    ServerSpec spec;
    spec.tls = [name = std::move(name), adjust = std::move(adjust)] {
        TlsServerConfig c = config_for_case(name, TLS1_2_VERSION, TLS1_3_VERSION);
        // What a current hardened configuration offers (Mozilla "intermediate"), so each
        // scenario shows its own fault and nothing else.
        c.cipher_list = kModernCiphers;
        if (adjust) adjust(c);
        return std::make_unique<TlsServer>(std::move(c));
    };
    return spec;
}

ServerSpec raw_case(std::function<RawScript()> script) {
    ServerSpec spec;
    spec.raw = [script = std::move(script)] { return std::make_unique<RawServer>(script()); };
    return spec;
}

// DHE first, then what a hardened list has, so enumeration sees the group with several suites.
constexpr const char* kDheCiphers = "DHE+AESGCM:ECDHE+AESGCM";

// A TLS server on the good chain whose DHE suites use `group()` (lab/dh_groups.hpp).
ServerSpec dhe_case(DhGroup (*group)()) {
    return tls_case("good", [group](TlsServerConfig& c) {
        c.cipher_list = kDheCiphers;
        auto g = group();
        c.dh_p = std::move(g.p);
        c.dh_g = std::move(g.g);
    });
}

// tlsprobe reads testssl.sh's list of common primes at run time (probe::ProbeOptions, same
// default path); without the file the check is not done and the finding cannot be expected.
std::vector<std::string> common_prime_findings() {
    std::vector<std::string> ids{"kex.dh_weak_group"};
    if (std::ifstream("/etc/testssl/common-primes.txt")) ids.emplace_back("kex.dh_common_prime");
    return ids;
}

struct Entry {
    Scenario scenario;
    ServerSpec server;
};

// The demo's table. Order = demo order: the healthy baseline first, then the article's
// scenarios, then the chain and certificate faults a browser would show.
const std::vector<Entry>& entries() {
    static const std::vector<Entry> table = [] {
        std::vector<Entry> t;
        t.push_back({{"healthy",
                      "Healthy site: good chain, TLS 1.2 and 1.3",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {}},
                     tls_case("good")});
        t.push_back({{"tls10-only",
                      "Only TLS 1.0 enabled (SCHANNEL\\Protocols)",
                      "S5",
                      "protocol.legacy_only",
                      kName,
                      "fail",
                      {"tls.no_modern_version", "tls.legacy_version_enabled"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.min_version = TLS1_VERSION;
                         c.max_version = TLS1_VERSION;
                         c.cipher_list = kLegacyCiphers;
                     })});
        t.push_back({{"reset-after-hello",
                      "TCP reset after every ClientHello (certificate without usable key)",
                      "S1/S2/S4",
                      "server.no_usable_certificate",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case(reset_after_hello)});
        t.push_back({{"sni-required",
                      "SNI-only binding: reset without SNI, works with the right name",
                      "S4",
                      "binding.sni_required",
                      kName,
                      "ok",
                      {}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.sni_policy = SniPolicy::require_sni_reset;
                         c.known_names = {"tlsprobe.test", "www.tlsprobe.test"};
                     })});
        t.push_back({{"http-on-tls-port",
                      "Plain HTTP (HTTP.sys http registration) on the TLS port",
                      "S3",
                      "port.not_tls",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case([] { return http_reply(); })});
        t.push_back({{"ssh-on-tls-port",
                      "An SSH daemon owns the TLS port",
                      "S3",
                      "port.not_tls",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case([] { return banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"); })});
        t.push_back({{"name-rejected",
                      "Front end without a certificate for the name (alert unrecognized_name)",
                      "S4",
                      "binding.name_rejected",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case([] { return alert_after_hello(112); })});
        t.push_back({{"no-shared-cipher",
                      "No cipher suite in common (alert handshake_failure)",
                      "S5",
                      "protocol.no_shared_cipher",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case([] { return alert_after_hello(40); })});
        t.push_back({{"silent",
                      "Accepts TCP, never answers the ClientHello",
                      "-",
                      "server.handshake_timeout",
                      kName,
                      "no_tls",
                      {"tls.unavailable"}},
                     raw_case(silent)});
        t.push_back({{"missing-intermediate",
                      "Only the leaf certificate served",
                      "S2",
                      "chain.incomplete",
                      kName,
                      "fail",
                      {"chain.missing_intermediate"}},
                     tls_case("leaf-only")});
        t.push_back({{"untrusted-root",
                      "Chain ends in an unknown private root",
                      "S2",
                      "chain.untrusted_root",
                      kName,
                      "fail",
                      {"chain.untrusted_root"}},
                     tls_case("untrusted-root")});
        t.push_back({{"client-auth-eku",
                      "Leaf issued for Client Authentication only",
                      "S2",
                      "cert.no_server_auth_eku",
                      kName,
                      "fail",
                      {"cert.no_server_auth_eku"}},
                     tls_case("client-auth-eku")});
        t.push_back({{"expired",
                      "Leaf certificate expired",
                      "-",
                      "cert.expired",
                      kName,
                      "fail",
                      {"cert.expired"}},
                     tls_case("expired")});
        t.push_back({{"wrong-host",
                      "Certificate for another name (other.example)",
                      "S4",
                      "cert.wrong_certificate",
                      kName,
                      "fail",
                      {"cert.hostname_mismatch"}},
                     tls_case("wrong-host")});
        // Client certificates (issue 12): required = nginx `ssl_verify_client on` / IIS
        // "Require"; optional = `ssl_verify_client optional`. Both trust the lab root.
        t.push_back({{"client-cert-required",
                      "The server requires a client certificate (mutual TLS)",
                      "-",
                      "server.client_certificate_required",
                      kName,
                      "fail",
                      {"tls.client_certificate_required"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.client_cert = ClientCertMode::required;
                         c.client_ca_file = testcert("root-ca.pem").string();
                     })});
        t.push_back({{"client-cert-optional",
                      "The server asks for a client certificate, but goes on without one",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"tls.client_certificate_requested"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.client_cert = ClientCertMode::optional;
                         c.client_ca_file = testcert("root-ca.pem").string();
                     })});
        // ---- chain rules (issue 12, part 4): chains and certificates judged as clients do ----
        // The file's first certificate is what the lab serves first, signed with that
        // certificate's key (testcerts/README.md): reversed = intermediate, then the leaf.
        t.push_back({{"leaf-not-first",
                      "The intermediate is sent first, then the leaf (reversed chain)",
                      "S2",
                      "chain.leaf_not_first",
                      kName,
                      "fail",
                      {"chain.leaf_not_first", "cert.hostname_mismatch"}},
                     tls_case("reversed")});
        t.push_back({{"cn-only",
                      "Certificate without subjectAltName, the name only in the CN",
                      "S2",
                      "cert.no_san",
                      kName,
                      "fail",
                      {"cert.no_san"}},
                     tls_case("cn-only")});
        t.push_back({{"expired-intermediate",
                      "Valid leaf under an intermediate that expired in 2020",
                      "S2",
                      "chain.expired_intermediate",
                      kName,
                      "fail",
                      {"chain.expired_intermediate"}},
                     tls_case("expired-intermediate")});
        // Our OpenSSL client builds trusted-first: the lab root is in its store, so the
        // expired cross-signed copy is never used and the chain verifies (modern clients
        // work); only clients following the served chain fail, hence warn, not fail.
        t.push_back({{"dst-root-shape",
                      "Expired cross-signed root served after a valid intermediate (DST Root CA "
                      "X3, 2021)",
                      "-",
                      "chain.expired_intermediate",
                      kName,
                      "warn",
                      {"chain.expired_intermediate"}},
                     tls_case("dst-root-shape")});
        t.push_back({{"sha1-intermediate",
                      "SHA-256 leaf under an intermediate signed with SHA-1",
                      "-",
                      "cert.weak_signature",
                      kName,
                      "fail",
                      {"cert.weak_signature"}},
                     tls_case("sha1-intermediate")});
        t.push_back({{"duplicate-cert",
                      "The intermediate is sent twice",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"chain.duplicate_certificate"}},
                     tls_case("duplicate-cert")});
        t.push_back({{"root-served",
                      "The trust anchor itself is sent after the intermediate",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"chain.root_sent"}},
                     tls_case("with-root")});
        t.push_back(
            {{"sni-default-cert-differs",
              "The named site is fine; clients without SNI get another site's certificate",
              "S4",
              "binding.default_certificate_differs",
              kName,
              "ok",
              {"cert.no_sni_default_mismatch"}},
             tls_case("wrong-host", [](TlsServerConfig& c) {
                 c.sni_certs = {
                     {kName, {testcert("good.chain.pem").string(), testcert("good.key").string()}}};
             })});
        t.push_back({{"sni-wrong-cert",
                      "The SNI binding for the name serves another site's certificate; no-SNI "
                      "clients get the right one",
                      "S4",
                      "binding.sni_wrong_certificate",
                      kName,
                      "fail",
                      {"cert.sni_wrong_certificate", "cert.hostname_mismatch"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.sni_certs = {{kName,
                                         {testcert("wrong-host.chain.pem").string(),
                                          testcert("wrong-host.key").string()}}};
                     })});
        t.push_back({{"ecdsa-only",
                      "Only an ECDSA certificate and ECDSA suites, no RSA fallback",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"cert.ecdsa_only"}},
                     tls_case("good-ecdsa", [](TlsServerConfig& c) {
                         c.cipher_list =
                             "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-"
                             "SHA384:ECDHE-ECDSA-CHACHA20-POLY1305";
                     })});
        // Key exchange (issue 12): weak, shared and invalid DH groups, small curves.
        t.push_back({{"dhe-1024",
                      "DHE with a 1024-bit group of its own (LOGJAM size)",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"kex.dh_weak_group", "vuln.logjam"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.cipher_list = kDheCiphers;
                         c.dh_params_pem_file = testcert("dh1024.pem").string();
                     })});
        t.push_back({{"dhe-common-prime",
                      "DHE with RFC 2409 Oakley group 2, a 1024-bit prime shared by many servers",
                      "-", "works", kName, "fail", common_prime_findings()},
                     dhe_case(oakley_group2)});
        t.push_back({{"dhe-composite-prime",
                      "DHE with a composite 2048-bit modulus",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"kex.dh_invalid_group"}},
                     dhe_case(composite_2048)});
        t.push_back({{"dhe-full-group-generator",
                      "DHE whose generator spans the whole group of a safe prime (old OpenSSL "
                      "dhparam): valid",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {}},
                     dhe_case(modp_2048_full_group_generator)});
        t.push_back({{"weak-curve",
                      "ECDHE also on secp224r1, a curve below 256 bits",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"kex.weak_curve"}},
                     tls_case("good", [](TlsServerConfig& c) { c.groups = "x25519:secp224r1"; })});
        // The issue's own server: `openssl s_server -cipher ALL:@SECLEVEL=0 -no_tls1_3` with a
        // 1024-bit RSA key. tls.insecure_cipher_offered is the lead's finding (anon suites).
        t.push_back({{"anon-rsa1024",
                      "Every suite (anonymous DH included) and a 1024-bit RSA key, TLS 1.2 max",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"tls.insecure_cipher_offered", "cert.weak_key", "kex.dh_weak_group"}},
                     tls_case("rsa1024", [](TlsServerConfig& c) {
                         c.min_version = TLS1_VERSION;
                         c.max_version = TLS1_2_VERSION;
                         c.cipher_list = "ALL:@SECLEVEL=0";
                     })});
        // ---- the rest of the accuracy matrix (issue 12): protocol and certificate faults
        // each on an otherwise healthy server ----
        t.push_back({{"tls12-only",
                      "TLS 1.2 only, no TLS 1.3",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"tls.tls13_not_supported"}},
                     tls_case("good", [](TlsServerConfig& c) { c.max_version = TLS1_2_VERSION; })});
        t.push_back({{"legacy-versions",
                      "TLS 1.0 to 1.3 enabled, CBC suites for the old versions",
                      "-",
                      "works",
                      kName,
                      "warn",
                      {"tls.legacy_version_enabled", "tls.cbc_cipher_offered", "vuln.beast",
                       "vuln.lucky13"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.min_version = TLS1_VERSION;
                         c.cipher_list = kLegacyCiphers;
                     })});
        t.push_back({{"rsa-key-transport",
                      "RSA key-transport suites besides ECDHE (no forward secrecy)",
                      "-",
                      "works",
                      kName,
                      "warn",
                      {"tls.no_forward_secrecy"}},
                     tls_case("good", [](TlsServerConfig& c) {
                         c.cipher_list = std::string(kModernCiphers) + ":AES128-GCM-SHA256";
                     })});
        t.push_back({{"not-yet-valid",
                      "Leaf certificate not valid yet (notBefore in the future)",
                      "-",
                      "cert.expired",
                      kName,
                      "fail",
                      {"cert.not_yet_valid"}},
                     tls_case("not-yet-valid")});
        t.push_back({{"self-signed",
                      "Self-signed leaf certificate",
                      "S2",
                      "chain.untrusted_root",
                      kName,
                      "fail",
                      {"chain.self_signed"}},
                     tls_case("self-signed")});
        t.push_back({{"rsa1024-leaf",
                      "1024-bit RSA key in the leaf",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"cert.weak_key"}},
                     tls_case("rsa1024", [](TlsServerConfig& c) {
                         c.cipher_list = std::string(kModernCiphers) + ":@SECLEVEL=0";
                     })});
        t.push_back({{"sha1-leaf",
                      "Leaf signed with SHA-1",
                      "-",
                      "cert.weak_signature",
                      kName,
                      "fail",
                      {"cert.weak_signature"}},
                     tls_case("sha1", [](TlsServerConfig& c) {
                         c.cipher_list = std::string(kModernCiphers) + ":@SECLEVEL=0";
                     })});
        t.push_back({{"key-usage-incompatible",
                      "Leaf keyUsage keyEncipherment only, with ECDHE suites that need a signature",
                      "-",
                      "works",
                      kName,
                      "fail",
                      {"cert.key_usage_incompatible"}},
                     tls_case("key-usage-keyencipherment-only")});
        t.push_back({{"extra-cert",
                      "An unrelated certificate served after the chain",
                      "-",
                      "works",
                      kName,
                      "ok",
                      {"chain.extra_certificates"}},
                     tls_case("extra-cert")});
        return t;
    }();
    return table;
}

}  // namespace

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> list = [] {
        std::vector<Scenario> out;
        for (const auto& e : entries()) out.push_back(e.scenario);
        return out;
    }();
    return list;
}

const Scenario* find_scenario(std::string_view id) {
    const auto& all = scenarios();
    const auto it = std::ranges::find(all, id, &Scenario::id);
    return it == all.end() ? nullptr : &*it;
}

std::unique_ptr<ScenarioServer> ScenarioServer::start(const Scenario& scenario) {
    const auto& all = entries();
    const auto it =
        std::ranges::find_if(all, [&](const Entry& e) { return e.scenario.id == scenario.id; });
    if (it == all.end()) throw std::invalid_argument("unknown lab scenario: " + scenario.id);
    if (it->server.tls)
        return std::unique_ptr<ScenarioServer>(new ScenarioServer(it->server.tls(), nullptr));
    return std::unique_ptr<ScenarioServer>(new ScenarioServer(nullptr, it->server.raw()));
}

ScenarioServer::ScenarioServer(std::unique_ptr<TlsServer> tls, std::unique_ptr<RawServer> raw)
    : tls_(std::move(tls)), raw_(std::move(raw)) {}

ScenarioServer::~ScenarioServer() = default;

unsigned short ScenarioServer::port() const { return tls_ ? tls_->port() : raw_->port(); }

std::size_t ScenarioServer::connections() const {
    return tls_ ? tls_->connections() : raw_->connections();
}

}  // namespace tlsprobe::lab
