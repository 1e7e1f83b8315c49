// The vulnerability checks (probe/checks/vulnerabilities.* and the raw-wire ones): the pure
// judgement on made-up results, then end to end against scripted legacy servers (positive)
// and the healthy lab server (negative).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "judge/finding.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include "lab/hello_servers.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/checks/active_vulns.hpp"
#include "probe/checks/hello_features.hpp"
#include "probe/checks/vulnerabilities.hpp"
#include "wire/client_hello.hpp"
#include "wire/client_hello_parser.hpp"
#include "wire/constants.hpp"
#include "wire/hello_offer.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Version;
using probe::checks::VulnerabilitiesCheck;
using probe::checks::VulnStatus;

namespace {

probe::CipherEntry entry(std::uint32_t code) {
    probe::CipherEntry e;
    e.code = code;
    e.name = wire::cipher_suite_name(code);
    return e;
}

void accepts(probe::TargetResult& r, Version v, std::vector<std::uint32_t> codes) {
    auto& vr = r.versions[static_cast<std::size_t>(v)];
    vr.version = v;
    vr.supported = true;
    vr.ciphers_enumerated = true;
    for (auto c : codes) vr.ciphers.push_back(entry(c));
}

void refuse(probe::TargetResult& r, Version v) {
    auto& vr = r.versions[static_cast<std::size_t>(v)];
    vr.version = v;
    vr.supported = false;
    vr.ciphers_enumerated = true;
}

// A result as a modern server leaves it: TLS 1.2 AEAD + TLS 1.3, everything older refused.
probe::TargetResult modern() {
    probe::TargetResult r;
    r.facts.reached = true;
    for (auto v : {Version::ssl2, Version::ssl3, Version::tls1_0, Version::tls1_1}) refuse(r, v);
    accepts(r, Version::tls1_2, {0xC02F, 0xC030, 0xCCA8});
    accepts(r, Version::tls1_3, {0x1301, 0x1302, 0x1303});
    probe::ProbeRecord raw;
    raw.spec.kind = probe::AttemptKind::raw_pinned;
    raw.spec.id = "raw_tls1_2";
    raw.spec.version = Version::tls1_2;
    raw.observation.status = core::Status::negotiated;
    raw.observation.version = Version::tls1_2;
    raw.observation.downgrade_sentinel = true;
    r.probes.push_back(raw);
    return r;
}

std::vector<std::string> vuln_ids(const std::vector<probe::Finding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings)
        if (f.id.rfind("vuln.", 0) == 0) out.push_back(f.id);
    std::sort(out.begin(), out.end());
    return out;
}

const probe::Finding* finding(const std::vector<probe::Finding>& fs, std::string_view id) {
    const auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.id == id; });
    return it == fs.end() ? nullptr : &*it;
}

probe::ProbeOptions lab_options() {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.enumerate_ciphers = true;
    o.checks = {"vulnerabilities"};
    return o;
}

probe::Target loopback_target(unsigned short port) {
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

const probe::checks::VulnerabilitiesResult* vulns_of(const probe::TargetResult& r) {
    for (const auto& c : r.checks)
        if (c->kind() == "vulnerabilities")
            return dynamic_cast<const probe::checks::VulnerabilitiesResult*>(c.get());
    return nullptr;
}

core::Bytes read_fixture(const std::string& name) {
    std::ifstream in(std::string(TLSPROBE_TESTS_DIR) + "/data/flights/" + name, std::ios::binary);
    return core::Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("vulnerabilities: a modern server is vulnerable to nothing", "[vulns]") {
    const auto v = VulnerabilitiesCheck::assess(modern());
    CHECK(v->findings().empty());
    REQUIRE(v->items.size() == 9);
    for (const auto& item : v->items) {
        INFO(item.id);
        CHECK(item.status == VulnStatus::not_vulnerable);
    }
    CHECK(v->enumerated);
    CHECK(v->to_json()["items"].size() == 9);
}

TEST_CASE("vulnerabilities: each legacy suite names its vulnerability and CVE", "[vulns]") {
    auto r = modern();
    refuse(r, Version::ssl2);
    // SSL 3.0 with RC4, 3DES (CBC), an RSA_EXPORT and a DHE_EXPORT suite.
    accepts(r, Version::ssl3, {0x0005, 0x000A, 0x0003, 0x0014});
    auto& s2 = r.versions[static_cast<std::size_t>(Version::ssl2)];
    s2.supported = true;
    s2.ciphers = {entry(0x010080)};
    const auto v = VulnerabilitiesCheck::assess(r);
    const auto f = v->findings();
    CHECK(vuln_ids(f) == std::vector<std::string>{"vuln.beast", "vuln.drown", "vuln.freak",
                                                  "vuln.logjam", "vuln.lucky13", "vuln.poodle",
                                                  "vuln.rc4", "vuln.sweet32"});
    const std::vector<std::pair<std::string, std::string>> cves{
        {"vuln.drown", "CVE-2016-0800"}, {"vuln.poodle", "CVE-2014-3566"},
        {"vuln.freak", "CVE-2015-0204"}, {"vuln.logjam", "CVE-2015-4000"},
        {"vuln.rc4", "CVE-2013-2566"},   {"vuln.sweet32", "CVE-2016-2183"},
        {"vuln.beast", "CVE-2011-3389"}, {"vuln.lucky13", "CVE-2013-0169"}};
    for (const auto& [id, cve] : cves) {
        INFO(id);
        const auto* x = finding(f, id);
        REQUIRE(x);
        CHECK(x->detail.find(cve) != std::string::npos);
        CHECK(judge::find_finding_kind(id) != nullptr);  // in the catalogue
    }
    CHECK(finding(f, "vuln.drown")->severity == probe::Severity::critical);
    CHECK(finding(f, "vuln.rc4")->detail.find("SSL 3.0 TLS_RSA_WITH_RC4_128_SHA") !=
          std::string::npos);
    // The one DHE_EXPORT suite is LOGJAM's evidence; FREAK's is the RSA_EXPORT one only.
    CHECK(v->find("freak")->evidence ==
          std::vector<std::string>{"SSL 3.0 TLS_RSA_EXPORT_WITH_RC4_40_MD5"});
    CHECK(v->find("logjam")->evidence ==
          std::vector<std::string>{"SSL 3.0 TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"});
    CHECK(v->find("no_downgrade_protection")->status == VulnStatus::not_vulnerable);
    // Text and JSON say the same.
    const auto text = v->text();
    CHECK(std::any_of(text.begin(), text.end(), [](const std::string& l) {
        return l.rfind("POODLE (CVE-2014-3566): VULNERABLE: SSL 3.0 ", 0) == 0;
    }));
    const auto j = v->to_json();
    CHECK(j["items"][1]["id"] == "poodle");
    CHECK(j["items"][1]["status"] == "vulnerable");
}

TEST_CASE("vulnerabilities: a small DH group is LOGJAM, TLS 1.0 CBC alone is BEAST", "[vulns]") {
    auto r = modern();
    accepts(r, Version::tls1_0, {0x002F});  // AES128-SHA: CBC, 128-bit block
    probe::DhGroupFacts g;
    g.bits = 1024;
    g.standard_name = "rfc2409_1024";
    r.dh_groups.push_back(g);
    const auto v = VulnerabilitiesCheck::assess(r);
    CHECK(vuln_ids(v->findings()) ==
          std::vector<std::string>{"vuln.beast", "vuln.logjam", "vuln.lucky13"});
    CHECK(v->find("logjam")->evidence ==
          std::vector<std::string>{"1024-bit DH group rfc2409_1024"});
    CHECK(v->find("sweet32")->status == VulnStatus::not_vulnerable);
    CHECK(v->find("poodle")->status == VulnStatus::not_vulnerable);
    CHECK(!v->find("beast")->note.empty());  // TLS 1.2 is there too: only old clients

    g.bits = 2048;  // a 2048-bit group is not LOGJAM
    r.dh_groups = {g};
    CHECK(VulnerabilitiesCheck::assess(r)->find("logjam")->status == VulnStatus::not_vulnerable);
}

TEST_CASE("vulnerabilities: without enumeration the answer is unknown, never 'not vulnerable'",
          "[vulns]") {
    auto r = modern();
    for (auto& vr : r.versions) {
        vr.ciphers.clear();
        vr.ciphers_enumerated = false;
    }
    r.versions[static_cast<std::size_t>(Version::tls1_2)].cipher = "TLS_RSA_WITH_RC4_128_SHA";
    const auto v = VulnerabilitiesCheck::assess(r);
    CHECK(!v->enumerated);
    CHECK(vuln_ids(v->findings()) == std::vector<std::string>{"vuln.rc4"});
    CHECK(v->find("sweet32")->status == VulnStatus::unknown);
    CHECK(v->find("sweet32")->note.find("TLS 1.2") != std::string::npos);
    CHECK(v->find("poodle")->status == VulnStatus::not_vulnerable);  // SSL 3.0 refused: known
}

TEST_CASE("vulnerabilities: TLS 1.3 without the downgrade sentinel", "[vulns]") {
    auto r = modern();
    r.probes.front().observation.downgrade_sentinel = false;
    auto v = VulnerabilitiesCheck::assess(r);
    CHECK(vuln_ids(v->findings()) == std::vector<std::string>{"vuln.no_downgrade_protection"});
    CHECK(v->find("no_downgrade_protection")->evidence ==
          std::vector<std::string>{"TLS 1.2-pinned hello: ServerHello without DOWNGRD"});
    refuse(r, Version::tls1_3);  // no TLS 1.3: no sentinel is due
    v = VulnerabilitiesCheck::assess(r);
    CHECK(v->find("no_downgrade_protection")->status == VulnStatus::not_vulnerable);
    CHECK(v->findings().empty());
}

TEST_CASE("vulnerabilities: a scripted SSL 3.0 / TLS 1.0 server with legacy suites, end to end",
          "[vulns][e2e]") {
    lab::CipherPolicy policy;
    // RC4, 3DES, RSA_EXPORT, DHE_EXPORT, AES-CBC; DHE with a 1024-bit prime.
    policy.suites = {0x0005, 0x000A, 0x0003, 0x0014, 0x002F, 0x0033};
    policy.min_version = Version::ssl3;
    policy.max_version = Version::tls1_0;
    policy.dh_bits = 1024;
    lab::RawServer server(lab::cipher_policy_server(policy));
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), lab_options()));
    const auto* v = vulns_of(r);
    REQUIRE(v);
    CHECK(vuln_ids(r.findings) == std::vector<std::string>{"vuln.beast", "vuln.freak",
                                                           "vuln.logjam", "vuln.lucky13",
                                                           "vuln.poodle", "vuln.rc4",
                                                           "vuln.sweet32"});
    CHECK(v->find("drown")->status == VulnStatus::not_vulnerable);
}

TEST_CASE("vulnerabilities: an SSL 2.0 server is DROWN, end to end", "[vulns][e2e]") {
    const auto flight = read_fixture("ssl2_server_hello.bin");
    REQUIRE(!flight.empty());
    lab::RawServer server(lab::canned_flight(flight));
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server.port()), lab_options()));
    const auto* v = vulns_of(r);
    REQUIRE(v);
    CHECK(v->find("drown")->status == VulnStatus::vulnerable);
    const auto* f = finding(r.findings, "vuln.drown");
    REQUIRE(f);
    CHECK(f->detail.find("CVE-2016-0800") != std::string::npos);
}

TEST_CASE("vulnerabilities: the healthy lab server shows none, end to end", "[vulns][e2e]") {
    const auto* s = lab::find_scenario("healthy");
    REQUIRE(s);
    auto server = lab::ScenarioServer::start(*s);
    const auto r =
        test::judged(probe::probe_target_blocking(loopback_target(server->port()), lab_options()));
    const auto* v = vulns_of(r);
    REQUIRE(v);
    CHECK(vuln_ids(r.findings).empty());
    for (const auto& item : v->items) {
        INFO(item.id << ": " << item.note);
        CHECK(item.status == VulnStatus::not_vulnerable);
    }
}

// ---- Hello features (probe/checks/hello_features.*) -------------------------------------

namespace {

const probe::checks::HelloFeaturesResult* features_of(const probe::TargetResult& r) {
    for (const auto& c : r.checks)
        if (c->kind() == "hello_features")
            return dynamic_cast<const probe::checks::HelloFeaturesResult*>(c.get());
    return nullptr;
}

std::vector<std::string> hello_ids(const std::vector<probe::Finding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings)
        if (f.id == "tls.no_secure_renegotiation" || f.id == "tls.no_fallback_scsv" ||
            f.id == "tls.no_extended_master_secret" || f.id == "tls.no_encrypt_then_mac" ||
            f.id == "vuln.crime")
            out.push_back(f.id);
    std::sort(out.begin(), out.end());
    return out;
}

probe::TargetResult probe_features(unsigned short port) {
    auto o = lab_options();
    o.checks = {"hello_features"};
    return test::judged(probe::probe_target_blocking(loopback_target(port), o));
}

lab::CipherPolicy features_policy(bool protected_server) {
    lab::CipherPolicy p;
    p.suites = {0xC02F, 0xC013};  // ECDHE-RSA AES128-GCM, then AES128-CBC-SHA
    p.min_version = Version::tls1_0;
    p.max_version = Version::tls1_2;
    p.deflate = !protected_server;
    p.secure_renegotiation = protected_server;
    p.extended_master_secret = protected_server;
    p.encrypt_then_mac = protected_server;
    p.fallback_scsv = protected_server;
    return p;
}

}  // namespace

TEST_CASE("wire: a hello can offer DEFLATE, encrypt_then_mac and heartbeat", "[vulns][wire]") {
    wire::ClientHelloSpec spec;
    spec.compression_methods = {1, 0};
    spec.encrypt_then_mac = true;
    spec.heartbeat = true;
    spec.cipher_suites = {0xC02F};
    const auto parsed = wire::parse_client_hello(wire::encode_client_hello(spec));
    REQUIRE(parsed.hello);
    CHECK(parsed.hello->compression_methods == std::vector<std::uint8_t>{1, 0});
    std::vector<std::uint16_t> types;
    for (const auto& e : parsed.hello->extensions) types.push_back(e.type);
    const auto at = [&](std::uint16_t t) { return std::find(types.begin(), types.end(), t); };
    REQUIRE(at(wire::ext::encrypt_then_mac) != types.end());
    REQUIRE(at(wire::ext::heartbeat) != types.end());
    CHECK(at(wire::ext::encrypt_then_mac) < at(wire::ext::extended_master_secret));
    CHECK(at(wire::ext::extended_master_secret) < at(wire::ext::heartbeat));
    CHECK(wire::offer_of(*parsed.hello).compression_methods == std::vector<std::uint8_t>{1, 0});
    // The default stays null compression only, no new extension.
    const auto plain = wire::parse_client_hello(wire::encode_client_hello(wire::ClientHelloSpec{}));
    REQUIRE(plain.hello);
    CHECK(plain.hello->compression_methods == std::vector<std::uint8_t>{0});
}

TEST_CASE("hello features: a scripted server with compression and no RFC 5746/7627/7366/7507",
          "[vulns][e2e]") {
    lab::RawServer server(lab::cipher_policy_server(features_policy(false)));
    const auto r = probe_features(server.port());
    const auto* f = features_of(r);
    REQUIRE(f);
    CHECK(f->version == std::optional<Version>(Version::tls1_2));
    CHECK(f->compression.value == std::optional<bool>(true));
    CHECK(f->secure_renegotiation.value == std::optional<bool>(false));
    CHECK(f->extended_master_secret.value == std::optional<bool>(false));
    INFO("encrypt_then_mac: " << f->encrypt_then_mac.detail);
    CHECK(f->encrypt_then_mac.value == std::optional<bool>(false));
    CHECK(f->fallback_scsv.value == std::optional<bool>(false));
    CHECK(f->fallback_version == std::optional<Version>(Version::tls1_1));
    CHECK(hello_ids(r.findings) ==
          std::vector<std::string>{"tls.no_encrypt_then_mac", "tls.no_extended_master_secret",
                                   "tls.no_fallback_scsv", "tls.no_secure_renegotiation",
                                   "vuln.crime"});
    const auto* crime = finding(r.findings, "vuln.crime");
    REQUIRE(crime);
    CHECK(crime->detail.find("CVE-2012-4929") != std::string::npos);
    CHECK(crime->severity == probe::Severity::high);
}

TEST_CASE("hello features: the same scripted server with every protection", "[vulns][e2e]") {
    lab::RawServer server(lab::cipher_policy_server(features_policy(true)));
    const auto r = probe_features(server.port());
    const auto* f = features_of(r);
    REQUIRE(f);
    CHECK(f->compression.value == std::optional<bool>(false));
    CHECK(f->secure_renegotiation.value == std::optional<bool>(true));
    CHECK(f->extended_master_secret.value == std::optional<bool>(true));
    INFO("encrypt_then_mac: " << f->encrypt_then_mac.detail);
    CHECK(f->encrypt_then_mac.value == std::optional<bool>(true));  // from the CBC-only hello
    CHECK(f->fallback_scsv.value == std::optional<bool>(true));
    CHECK(hello_ids(r.findings).empty());
    CHECK(f->to_json()["fallback_scsv"]["value"] == true);
}

TEST_CASE("hello features: real OpenSSL servers (healthy, and TLS 1.0-1.2 with CBC)",
          "[vulns][e2e][openssl]") {
    for (std::string id : {"healthy", "legacy-versions"}) {
        INFO(id);
        const auto* s = lab::find_scenario(id);
        REQUIRE(s);
        auto server = lab::ScenarioServer::start(*s);
        const auto r = probe_features(server->port());
        const auto* f = features_of(r);
        REQUIRE(f);
        CHECK(hello_ids(r.findings).empty());
        CHECK(f->compression.value == std::optional<bool>(false));
        CHECK(f->secure_renegotiation.value == std::optional<bool>(true));
        CHECK(f->extended_master_secret.value == std::optional<bool>(true));
        CHECK(f->fallback_scsv.value == std::optional<bool>(true));
        if (id == "healthy")  // AEAD only: nothing to ask
            CHECK(!f->encrypt_then_mac.value);
        else
            CHECK(f->encrypt_then_mac.value == std::optional<bool>(true));
    }
}

// ---- Heartbleed and CCS injection (probe/checks/active_vulns.*) -------------------------

namespace {

const probe::checks::ActiveVulnResult* active_of(const probe::TargetResult& r,
                                                 std::string_view kind) {
    for (const auto& c : r.checks)
        if (c->kind() == kind) return dynamic_cast<const probe::checks::ActiveVulnResult*>(c.get());
    return nullptr;
}

probe::TargetResult probe_active(unsigned short port) {
    auto o = lab_options();
    o.checks = {"heartbleed", "ccs_injection"};
    return test::judged(probe::probe_target_blocking(loopback_target(port), o));
}

lab::CipherPolicy active_policy() {
    lab::CipherPolicy p;
    p.suites = {0xC02F, 0x009C};
    p.min_version = Version::tls1_0;
    p.max_version = Version::tls1_2;
    return p;
}

}  // namespace

TEST_CASE("heartbleed: a scripted server that answers with memory is vulnerable", "[vulns][e2e]") {
    lab::RawServer server(lab::heartbleed_server(active_policy()));
    const auto r = probe_active(server.port());
    const auto* h = active_of(r, "heartbleed");
    REQUIRE(h);
    CHECK(h->item.status == VulnStatus::vulnerable);
    CHECK(h->version == std::optional<Version>(Version::tls1_2));
    const auto* f = finding(r.findings, "vuln.heartbleed");
    REQUIRE(f);
    CHECK(f->severity == probe::Severity::critical);
    CHECK(f->detail.find("CVE-2014-0160") != std::string::npos);
    // The leak is shown as a short hex excerpt only, never as the bytes themselves.
    CHECK(!h->excerpt_hex.empty());
    CHECK(h->excerpt_hex.size() <= 16 * 3 + 8);
    const auto all = h->to_json().dump() + f->detail + fmt::format("{}", fmt::join(h->text(), "\n"));
    CHECK(all.find("secret-key-bytes") == std::string::npos);
    // What the server received: the hello offered the extension, then one heartbeat record.
    const auto got = server.received();
    REQUIRE(!got.empty());
    const std::array<std::uint8_t, 8> heartbeat{24, 3, 3, 0, 4, 1, 0x40, 0};
    CHECK(std::any_of(got.begin(), got.end(), [&](const core::Bytes& b) {
        return std::search(b.begin(), b.end(), heartbeat.begin(), heartbeat.end()) != b.end();
    }));
    // The same server does not take an early CCS silently: unexpected_message.
    const auto* ccs = active_of(r, "ccs_injection");
    REQUIRE(ccs);
    CHECK(ccs->item.status == VulnStatus::not_vulnerable);
}

TEST_CASE("ccs injection: a scripted server that takes an early CCS silently is vulnerable",
          "[vulns][e2e]") {
    lab::RawServer server(lab::ccs_accepting_server(active_policy()));
    const auto r = probe_active(server.port());
    const auto* c = active_of(r, "ccs_injection");
    REQUIRE(c);
    CHECK(c->item.status == VulnStatus::vulnerable);
    const auto* f = finding(r.findings, "vuln.ccs_injection");
    REQUIRE(f);
    CHECK(f->detail.find("CVE-2014-0224") != std::string::npos);
    const auto* h = active_of(r, "heartbleed");  // silence to a heartbeat is not Heartbleed
    REQUIRE(h);
    CHECK(h->item.status == VulnStatus::not_vulnerable);
}

TEST_CASE("heartbleed and ccs injection: a real OpenSSL server is neither", "[vulns][e2e][openssl]") {
    for (std::string id : {"healthy", "legacy-versions"}) {
        INFO(id);
        auto server = lab::ScenarioServer::start(*lab::find_scenario(id));
        const auto r = probe_active(server->port());
        for (std::string_view kind : {"heartbleed", "ccs_injection"}) {
            INFO(std::string(kind));
            const auto* a = active_of(r, kind);
            REQUIRE(a);
            CHECK(a->item.status == VulnStatus::not_vulnerable);
            CHECK(a->answer.find("alert") != std::string::npos);  // refused at once, no wait
        }
        CHECK(vuln_ids(r.findings).empty());
    }
}

TEST_CASE("policy rule vuln.none: pass, fail and not applicable", "[vulns][policy]") {
    judge::Policy policy;
    policy.no_vulnerabilities = true;
    const auto* rule = judge::find_rule_kind("vuln.none");
    REQUIRE(rule);
    auto t = modern();
    t.diagnosed = true;
    CHECK(rule->evaluate(policy, t).status == judge::RuleStatus::not_applicable);  // no check ran
    t.checks = {VulnerabilitiesCheck::assess(t)};
    CHECK(rule->evaluate(policy, t).status == judge::RuleStatus::pass);
    accepts(t, Version::tls1_0, {0x000A});
    t.checks = {VulnerabilitiesCheck::assess(t)};
    t.findings = t.checks.front()->findings();
    const auto failed = rule->evaluate(policy, t);
    CHECK(failed.status == judge::RuleStatus::fail);
    REQUIRE(!failed.evidence.empty());
    CHECK(failed.evidence.front().rfind("vuln.", 0) == 0);
    // The key reads from TOML and shows in `policy show`.
    const auto parsed = judge::parse_policy("[vulnerabilities]\nnone = true\n", "t.toml");
    CHECK(parsed.no_vulnerabilities);
}

TEST_CASE("policy: [vulnerabilities] none survives to_toml and back", "[vulns][policy]") {
    judge::Policy p;
    p.no_vulnerabilities = true;
    CHECK(judge::parse_policy(judge::to_toml(p), "<string>").no_vulnerabilities);
    CHECK(judge::to_toml(p).find("[vulnerabilities]") != std::string::npos);
}
