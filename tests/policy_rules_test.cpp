// Policy rules as pure table tests over constructed results: chains from the test PKI
// (analysed at a fixed time against the test root), versions, cipher lists, SNI and HTTP
// evidence set by hand. Plus the gate's exit-code logic.
#include <catch2/catch.hpp>
#include <map>

#include "check_fixtures.hpp"
#include "judge/policy_rules.hpp"
#include "probe/probe_target.hpp"

using namespace tlsprobe;
using namespace std::chrono;
using core::Status;
using core::Version;
using judge::RuleStatus;

namespace {

probe::TargetResult result_for(const std::string& testcase = "good") {
    return testing::constructed_result(testcase);
}
std::vector<core::Bytes> served(const std::string& testcase) {
    return testing::served_chain(testcase);
}

void enumerate_all(probe::TargetResult& r, std::vector<probe::CipherEntry> tls12) {
    for (auto& vr : r.versions) {
        if (vr.supported != true) {
            vr.supported = false;  // every version answered
            continue;
        }
        vr.ciphers_enumerated = true;
        vr.ciphers = vr.version == Version::tls1_3
                         ? std::vector<probe::CipherEntry>{{0x1302,
                                                            "TLS_AES_256_GCM_SHA384",
                                                            wire::Strength::strong,
                                                            true,
                                                            "x25519",
                                                            {},
                                                            {}}}
                         : tls12;
    }
}

const judge::RuleResult& rule(const std::vector<judge::RuleResult>& rules, std::string_view id) {
    for (const auto& r : rules)
        if (r.id == id) return r;
    FAIL("rule " << id << " not evaluated");
    throw std::logic_error("unreachable");
}

std::map<std::string, RuleStatus> statuses(const std::vector<judge::RuleResult>& rules) {
    std::map<std::string, RuleStatus> out;
    for (const auto& r : rules) out[r.id] = r.status;
    return out;
}

std::string failed(const std::vector<judge::RuleResult>& rules) {
    std::string out;
    for (const auto& r : rules)
        if (r.status == RuleStatus::fail) out += r.id + " ";
    return out;
}

}  // namespace

TEST_CASE("the intermediate profile over each chain case fails exactly the expected rule",
          "[policy][rules]") {
    const auto policy = judge::builtin_policy("intermediate");
    struct Row {
        const char* testcase;
        std::string failing;  // space-terminated ids
    };
    const std::vector<Row> rows{
        {"good", ""},
        {"good-ecdsa", ""},
        {"leaf-only", "chain.complete "},
        // Intermediate first: the name is checked on it, as clients do.
        {"misordered", "chain.ordered cert.hostname "},
        {"misordered-intermediates", "chain.ordered "},
        {"reversed", "chain.ordered cert.hostname "},
        {"duplicate-cert", ""},
        {"sha1-intermediate", "cert.no_sha1 "},
        // An expired intermediate on the only path fails validity like an expired leaf;
        // trusted-first avoids the expired cross-signed root: no rule fails (a medium finding).
        {"expired-intermediate", "cert.validity "},
        {"dst-root-shape", ""},
        {"untrusted-root", "chain.trusted "},
        {"self-signed", "chain.trusted "},
        {"client-auth-eku", "cert.server_auth_eku "},
        {"expired", "cert.validity "},
        {"not-yet-valid", "cert.validity "},
        {"wrong-host", "cert.hostname "},
        {"rsa1024", "cert.min_key_bits "},
        {"sha1", "cert.no_sha1 "},
        {"cn-only", "cert.hostname "},  // CN fallback: browsers need a SAN
        {"with-root", ""},
        {"extra-cert", ""},
    };
    for (const auto& row : rows) {
        INFO(row.testcase);
        const auto rules = judge::evaluate(policy, result_for(row.testcase));
        CHECK(failed(rules) == row.failing);
    }
}

TEST_CASE("an incomplete chain leaves trust to chain.complete only when that rule is on",
          "[policy][rules]") {
    auto policy = judge::builtin_policy("intermediate");
    const auto r = result_for("leaf-only");
    const auto trusted = rule(judge::evaluate(policy, r), "chain.trusted");
    CHECK(trusted.status == RuleStatus::not_applicable);
    CHECK_THAT(trusted.evidence.front(), Catch::Contains("chain.complete"));
    policy.chain_complete = false;  // then trust must fail by itself: never a silent pass
    CHECK(rule(judge::evaluate(policy, r), "chain.trusted").status == RuleStatus::fail);
}

TEST_CASE("protocol rules: accepted fails, refused passes, untested is n/a", "[policy][rules]") {
    judge::Policy p;
    p.min_version = Version::tls1_2;
    p.max_version = Version::tls1_2;
    p.forbidden_versions = {Version::tls1_1};
    auto r = result_for();
    auto rules = judge::evaluate(p, r);
    CHECK(rule(rules, "protocol.min_version").status ==
          RuleStatus::not_applicable);  // SSL 2/3 not tested
    CHECK_THAT(rule(rules, "protocol.min_version").actual,
               Catch::Contains("SSL 2.0, SSL 3.0 not tested"));
    CHECK(rule(rules, "protocol.max_version").status == RuleStatus::fail);  // TLS 1.3 accepted
    CHECK_THAT(rule(rules, "protocol.max_version").actual, Catch::Contains("TLS 1.3 accepted"));
    CHECK(rule(rules, "protocol.forbidden_versions").status == RuleStatus::pass);

    // the raw engine answered for SSL 2/3: now the minimum is decided
    for (auto v : {Version::ssl2, Version::ssl3})
        r.versions[static_cast<std::size_t>(v)].supported = false;
    CHECK(rule(judge::evaluate(p, r), "protocol.min_version").status == RuleStatus::pass);
    r.versions[static_cast<std::size_t>(Version::tls1_0)].supported = true;
    const auto min = rule(judge::evaluate(p, r), "protocol.min_version");
    CHECK(min.status == RuleStatus::fail);
    CHECK_THAT(min.actual, Catch::Contains("TLS 1.0 accepted"));
}

TEST_CASE(
    "cipher rules: a negotiated offender fails, no enumeration is n/a, a full enumeration decides",
    "[policy][rules]") {
    judge::Policy p;
    p.forbidden_ciphers = {"weak", "RC4"};
    p.forward_secrecy = true;
    auto r = result_for();
    auto rules = judge::evaluate(p, r);
    CHECK(rule(rules, "cipher.forbidden").status == RuleStatus::not_applicable);
    CHECK_THAT(rule(rules, "cipher.forbidden").evidence.back(),
               Catch::Contains("cipher enumeration was not run"));
    CHECK(rule(rules, "cipher.forward_secrecy").status == RuleStatus::not_applicable);

    auto legacy = r;  // the suite the probe negotiated is itself forbidden: a definite failure
    legacy.versions[static_cast<std::size_t>(Version::tls1_2)].cipher = "DES-CBC3-SHA";
    rules = judge::evaluate(p, legacy);
    CHECK(rule(rules, "cipher.forbidden").status == RuleStatus::fail);
    CHECK_THAT(rule(rules, "cipher.forbidden").evidence.front(),
               Catch::Contains("DES-CBC3-SHA") && Catch::Contains("weak"));
    CHECK(rule(rules, "cipher.forward_secrecy").status == RuleStatus::fail);

    auto clean = r;
    enumerate_all(clean, {{0xC030,
                           "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                           wire::Strength::strong,
                           true,
                           "x25519",
                           {},
                           {}},
                          {0xC02F,
                           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                           wire::Strength::strong,
                           true,
                           "x25519",
                           {},
                           {}}});
    rules = judge::evaluate(p, clean);
    CHECK(rule(rules, "cipher.forbidden").status == RuleStatus::pass);
    CHECK(rule(rules, "cipher.forward_secrecy").status == RuleStatus::pass);

    auto dirty = r;
    enumerate_all(
        dirty, {{0xC030,
                 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                 wire::Strength::strong,
                 true,
                 "x25519",
                 {},
                 {}},
                {0x0005, "TLS_RSA_WITH_RC4_128_SHA", wire::Strength::insecure, false, "", {}, {}},
                {0x009C,
                 "TLS_RSA_WITH_AES_128_GCM_SHA256",
                 wire::Strength::acceptable,
                 false,
                 "",
                 {},
                 {}}});
    rules = judge::evaluate(p, dirty);
    const auto& forbidden = rule(rules, "cipher.forbidden");
    CHECK(forbidden.status == RuleStatus::fail);
    REQUIRE(forbidden.evidence.size() == 1);
    CHECK_THAT(forbidden.evidence[0], Catch::Contains("TLS_RSA_WITH_RC4_128_SHA (RC4)"));
    const auto& fs = rule(rules, "cipher.forward_secrecy");
    CHECK(fs.status == RuleStatus::fail);
    CHECK(fs.evidence.size() == 2);  // RC4 and the static-RSA AES-GCM suite

    judge::Policy classes;
    for (const auto& [cls, code, name] :
         std::vector<std::tuple<std::string, std::uint32_t, std::string>>{
             {"NULL", 0x0002, "TLS_RSA_WITH_NULL_SHA"},
             {"EXPORT", 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
             {"DES", 0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
             {"3DES", 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
             {"anon", 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
             {"insecure", 0x0004, "TLS_RSA_WITH_RC4_128_MD5"}}) {
        INFO(cls);
        classes.forbidden_ciphers = {cls};
        auto one = r;
        enumerate_all(one, {{code, name, wire::Strength::strong, false, "", {}, {}}});
        CHECK(rule(judge::evaluate(classes, one), "cipher.forbidden").status == RuleStatus::fail);
    }
}

TEST_CASE("names, validity margin, key sizes", "[policy][rules]") {
    judge::Policy p;
    p.names = {"tlsprobe.test", "www.tlsprobe.test"};
    p.min_days_left = 30;
    p.min_rsa_bits = 2048;
    p.min_ec_bits = 384;
    auto rules = judge::evaluate(p, result_for("good"));
    CHECK(rule(rules, "cert.names").status == RuleStatus::pass);
    CHECK(rule(rules, "cert.validity").status == RuleStatus::pass);
    CHECK(rule(rules, "cert.min_key_bits").status == RuleStatus::pass);

    p.names.push_back("shop.example");
    rules = judge::evaluate(p, result_for("good"));
    CHECK(rule(rules, "cert.names").status == RuleStatus::fail);
    CHECK(rule(rules, "cert.names").actual == "not covered: shop.example");
    // the wildcard covers one label only (RFC 6125 §6.4.3)
    p.names = {"www.tlsprobe.test", "a.b.tlsprobe.test"};
    CHECK(rule(judge::evaluate(p, result_for("wildcard")), "cert.names").actual ==
          "not covered: a.b.tlsprobe.test");

    CHECK(rule(judge::evaluate(p, result_for("good-ecdsa")), "cert.min_key_bits").status ==
          RuleStatus::fail);      // P-256 < 384
    p.min_days_left = 365 * 200;  // the test certificates end in 2124
    CHECK(rule(judge::evaluate(p, result_for("good")), "cert.validity").status == RuleStatus::fail);
}

TEST_CASE("no-SNI, HTTP and diagnosis rules need their evidence", "[policy][rules]") {
    judge::Policy p;
    p.no_sni = judge::NoSniBehaviour::same_certificate;
    p.http_reachable = true;
    p.diagnosis_empty = true;
    auto r = result_for();
    auto rules = judge::evaluate(p, r);
    CHECK(rule(rules, "sni.no_sni").status == RuleStatus::not_applicable);
    CHECK(rule(rules, "sni.no_sni").evidence.front() == "the no-SNI probe was not run");
    CHECK(rule(rules, "http.reachable").status == RuleStatus::not_applicable);
    CHECK(rule(rules, "diagnosis.empty").status == RuleStatus::not_applicable);

    probe::ProbeRecord no_sni;
    no_sni.spec.id = "no_sni";
    no_sni.spec.kind = probe::AttemptKind::no_sni;
    no_sni.spec.role = probe::ProbeRole::sni_variant;
    no_sni.observation.status = Status::negotiated;
    no_sni.observation.chain = served("good");
    r.probes.push_back(no_sni);
    r.http = engine::HttpCheck{.port = 80,
                               .status = engine::HttpStatus::answered,
                               .http_status = 301,
                               .status_line = "HTTP/1.1 301 Moved Permanently",
                               .server_header = "nginx",
                               .location = "https://tlsprobe.test/",
                               .detail = "",
                               .redirects_to_https = true};
    r.diagnosed = true;
    rules = judge::evaluate(p, r);
    CHECK(statuses(rules) ==
          std::map<std::string, RuleStatus>{{"tls.handshake", RuleStatus::pass},
                                            {"sni.no_sni", RuleStatus::pass},
                                            {"http.reachable", RuleStatus::pass},
                                            {"diagnosis.empty", RuleStatus::pass}});

    r.probes.back().observation.chain =
        served("wrong-host");  // IIS fallback binding with another certificate
    r.http->status = engine::HttpStatus::refused;
    r.http->http_status = 0;
    r.diagnosis.push_back({"binding.wrong_certificate",
                           {"S4"},
                           probe::Confidence::high,
                           "The default binding serves another certificate.",
                           {},
                           {},
                           {},
                           {},
                           "generic",
                           {}});
    rules = judge::evaluate(p, r);
    CHECK(failed(rules) == "sni.no_sni http.reachable diagnosis.empty ");
    CHECK_THAT(rule(rules, "sni.no_sni").evidence.at(1),
               Catch::Contains("other.example") || Catch::Contains("CN="));

    p.no_sni = judge::NoSniBehaviour::refused;
    CHECK(rule(judge::evaluate(p, r), "sni.no_sni").status == RuleStatus::fail);
    r.probes.back().observation.status = Status::reset;
    CHECK(rule(judge::evaluate(p, r), "sni.no_sni").status == RuleStatus::pass);
}

TEST_CASE("no handshake fails tls.handshake, certificate rules are then n/a", "[policy][rules]") {
    auto r = result_for();
    r.chain.reset();
    r.probes[0].observation.status = Status::reset;
    r.probes[0].observation.chain.clear();
    for (auto& vr : r.versions)
        if (vr.supported) vr.supported = false, vr.status = Status::reset;
    r.facts = probe::decide_facts(r);  // as conclude() decides them from the changed attempts
    const auto rules = judge::evaluate(judge::builtin_policy("old"), r);
    CHECK(failed(rules) == "tls.handshake ");
    CHECK(rule(rules, "chain.complete").status == RuleStatus::not_applicable);
    CHECK(judge::verdict({r, rules}) == judge::CheckVerdict::fail);
}

TEST_CASE(
    "exit codes: pass only when nothing fails, a failure beats unreachable, strict counts n/a",
    "[policy][rules]") {
    const auto policy = judge::builtin_policy("intermediate");
    auto make = [&](const probe::TargetResult& r) {
        return judge::TargetCheck{r, judge::evaluate(policy, r)};
    };
    const auto unreachable = testing::unreachable_result();

    judge::CheckReport report;
    report.policy = policy;
    report.targets = {make(result_for("good"))};
    CHECK(judge::check_exit_code(report) ==
          judge::CheckExit::pass);  // n/a rules (ciphers, SSL 3) do not fail
    judge::finish(report);
    CHECK(report.exit == judge::CheckExit::pass);
    CHECK(report.verdict == judge::CheckVerdict::pass);
    CHECK(report.targets[0].verdict == judge::CheckVerdict::pass);
    CHECK(report.targets[0].counts.fail == 0);
    CHECK(report.targets[0].counts.pass > 0);
    report.strict = true;
    CHECK(judge::check_exit_code(report) == judge::CheckExit::fail);
    judge::finish(report);
    CHECK(report.exit == judge::CheckExit::fail);
    CHECK(report.targets[0].verdict == judge::CheckVerdict::fail);
    report.strict = false;

    report.targets.push_back(make(unreachable));
    CHECK(judge::check_exit_code(report) == judge::CheckExit::unreachable);
    for (const auto& r : report.targets.back().rules)
        CHECK(r.status == RuleStatus::not_applicable);  // never "pass"
    CHECK(judge::verdict(report.targets.back()) == judge::CheckVerdict::unreachable);
    judge::finish(report);
    CHECK(report.exit == judge::CheckExit::unreachable);
    CHECK(report.verdict == judge::CheckVerdict::unreachable);
    CHECK(report.targets.back().verdict == judge::CheckVerdict::unreachable);

    report.targets.push_back(make(result_for("expired")));
    CHECK(judge::check_exit_code(report) == judge::CheckExit::fail);
    judge::finish(report);
    CHECK(report.exit == judge::CheckExit::fail);
    CHECK(report.verdict == judge::CheckVerdict::fail);
    CHECK(report.targets.back().counts.fail > 0);

    CHECK(judge::check_exit_code(judge::CheckReport{}) ==
          judge::CheckExit::unreachable);  // no target is never a pass
    judge::CheckReport empty;
    judge::finish(empty);
    CHECK(empty.exit == judge::CheckExit::unreachable);
}
