// The diagnosis rules as table tests: recorded attempts in, ranked diagnosis ids out. No
// sockets: conclude() runs the pure tail of a probe (versions, chain analysis, findings,
// diagnosis) over hand-made observations and the test certificates.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "judge/diagnosis_rules.hpp"
#include "judge/finding.hpp"
#include "judge/verdict.hpp"
#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"

using namespace tlsprobe;
using core::Phase;
using core::Status;
using core::Version;
using probe::Confidence;

namespace {

const std::vector<std::pair<std::string, std::optional<Version>>> kPlan{
    {"tls1_0", Version::tls1_0}, {"tls1_1", Version::tls1_1},     {"tls1_2", Version::tls1_2},
    {"tls1_3", Version::tls1_3}, {"offer_all", std::nullopt},     {"no_sni", std::nullopt},
    {"other_sni", std::nullopt}, {"narrow_ciphers", std::nullopt}};

// A result for shop.example:443 where every planned attempt ended the same way; tests then
// change single attempts.
probe::TargetResult every_attempt(Status status, Phase phase) {
    probe::TargetResult r;
    r.target = probe::parse_target("shop.example");
    r.address = "192.0.2.10:443";
    for (const auto& [id, pin] : kPlan) {
        auto rec = test::make_record(id, pin, status, phase);
        rec.spec.sni = id == "no_sni" ? std::nullopt
                       : id == "other_sni"
                           ? std::optional<std::string>(std::string(probe::kUnrelatedSni))
                           : r.target.sni;
        rec.observation.elapsed = std::chrono::microseconds(800);
        rec.observation.detail = std::string(core::to_string(status));
        r.probes.push_back(std::move(rec));
    }
    return r;
}

probe::ProbeRecord& attempt(probe::TargetResult& r, std::string_view id) {
    auto it = std::find_if(r.probes.begin(), r.probes.end(),
                           [&](const probe::ProbeRecord& p) { return p.spec.id == id; });
    REQUIRE(it != r.probes.end());
    return *it;
}

void negotiate(probe::TargetResult& r, std::string_view id, Version v,
               const std::string& chain_case = "good") {
    auto& p = attempt(r, id);
    p.observation.status = Status::negotiated;
    p.observation.phase = Phase::done;
    p.observation.version = v;
    p.observation.cipher =
        v == Version::tls1_3 ? "TLS_AES_128_GCM_SHA256" : "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    p.observation.chain = test::chain_of(chain_case);
}

// A server that works for the right name with the given certificate case.
probe::TargetResult working(const std::string& chain_case) {
    auto r = every_attempt(Status::rejected_alert, Phase::handshake);
    for (auto& p : r.probes) p.observation.alert = 70;
    for (const auto* id : {"tls1_2", "offer_all", "no_sni", "other_sni", "narrow_ciphers"})
        negotiate(r, id, Version::tls1_2, chain_case);
    negotiate(r, "tls1_3", Version::tls1_3, chain_case);
    negotiate(r, "offer_all", Version::tls1_3, chain_case);
    r.target = probe::parse_target("tlsprobe.test");
    return r;
}

probe::TargetResult concluded(probe::TargetResult r) {
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    test::conclude_and_judge(r, options);
    return r;
}

std::vector<std::string> ids(const probe::TargetResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnosis) out.push_back(d.id);
    return out;
}

const probe::Diagnosis& top(const probe::TargetResult& r) {
    REQUIRE_FALSE(r.diagnosis.empty());
    return r.diagnosis.front();
}

bool any_contains(const std::vector<std::string>& lines, std::string_view needle) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

std::string good_sha1() {
    std::ifstream in(lab::testcert("good.leaf.sha1"));
    std::string s;
    in >> s;
    return s;
}

}  // namespace

TEST_CASE("diagnosis: the catalogue has every id the issue names, once", "[diagnosis]") {
    std::set<std::string_view> seen;
    for (const auto& k : judge::diagnosis_kinds()) {
        CHECK(seen.insert(k.id).second);
        CHECK_FALSE(k.title.empty());
    }
    for (const auto* id :
         {"server.no_usable_certificate", "binding.sni_required", "port.not_tls", "port.closed",
          "port.filtered", "protocol.legacy_only", "protocol.no_shared_version",
          "protocol.no_shared_cipher", "chain.incomplete", "chain.untrusted_root",
          "cert.no_server_auth_eku", "cert.wrong_certificate", "cert.expired",
          "path.tls13_stripped", "server.handshake_timeout"})
        CHECK(seen.count(id) == 1);
}

TEST_CASE("diagnosis: a healthy server gets none, and the verdict says it works", "[diagnosis]") {
    const auto r = concluded(working("good"));
    CHECK(r.diagnosis.empty());
    const auto v = judge::verdict_paragraph(r);
    CHECK_THAT(v, Catch::StartsWith("HTTPS on tlsprobe.test:443 works with TLS 1.3"));
    CHECK_THAT(v, Catch::Contains("trusted and valid until 2124-01-01"));
}

TEST_CASE("diagnosis: RST after every hello is S1/S2/S4, ranked above a disabled-protocols S5",
          "[diagnosis]") {
    const auto r = concluded(every_attempt(Status::reset, Phase::hello));
    CHECK(ids(r) ==
          std::vector<std::string>{"server.no_usable_certificate", "protocol.no_shared_version"});
    const auto& d = top(r);
    CHECK(d.confidence == Confidence::medium);  // the wire cannot tell S1, S2 and S4 apart
    CHECK(d.scenarios == std::vector<std::string>{"S1", "S2", "S4"});
    CHECK(r.diagnosis[1].confidence == Confidence::low);
    CHECK(any_contains(d.evidence, "TCP RST right after the ClientHello"));
    CHECK(any_contains(d.evidence, "no SNI"));
    CHECK(any_contains(d.confirm, "36870"));
    CHECK(any_contains(d.confirm, "netsh http show sslcert ipport=0.0.0.0:443"));
    CHECK(any_contains(d.fix, "certutil -repairstore my <thumbprint>"));
    CHECK(any_contains(d.fix, "appid={4dc3e181-e14b-4a21-b022-59fc669b0914}"));
    CHECK_THAT(
        judge::verdict_paragraph(r),
        Catch::Contains(
            "fails. Most likely cause (medium confidence; the article's scenario S1/S2/S4)"));
}

TEST_CASE("diagnosis: FIN after every hello is read the same way as RST", "[diagnosis]") {
    const auto r = concluded(every_attempt(Status::closed, Phase::hello));
    CHECK(top(r).id == "server.no_usable_certificate");
}

TEST_CASE("diagnosis: plain HTTP working is evidence, HTTP failing too is said", "[diagnosis]") {
    auto r = every_attempt(Status::reset, Phase::hello);
    engine::HttpCheck h;
    h.status = engine::HttpStatus::answered;
    h.http_status = 200;
    h.status_line = "HTTP/1.1 200 OK";
    h.server_header = "Microsoft-IIS/10.0";
    r.http = h;
    r = concluded(std::move(r));
    CHECK(any_contains(top(r).evidence,
                       "plain HTTP works: HEAD http://shop.example:80/ answered HTTP/1.1 200 OK "
                       "(Server: Microsoft-IIS/10.0)"));
    CHECK_THAT(judge::verdict_paragraph(r),
               Catch::Contains("Plain HTTP on port 80 works (HTTP/1.1 200 OK)"));
}

TEST_CASE("diagnosis: SNI-only binding when only the no-SNI hello is dropped", "[diagnosis]") {
    auto r = working("good");
    auto& no_sni = attempt(r, "no_sni");
    no_sni.observation = {};
    no_sni.observation.status = Status::reset;
    no_sni.observation.phase = Phase::hello;
    r = concluded(std::move(r));
    CHECK(ids(r) == std::vector<std::string>{"binding.sni_required"});
    const auto& d = top(r);
    CHECK(d.confidence == Confidence::high);
    CHECK(any_contains(d.evidence, "without SNI: RST"));
    // The fix is pasteable: the served certificate's thumbprint and the port are filled in. The
    // alerts of the refused versions rule Schannel out, so IIS's steps are not first here.
    CHECK(d.advice_for == "generic");
    const auto iis =
        std::find_if(d.advice.begin(), d.advice.end(),
                     [](const probe::PlatformAdvice& a) { return a.platform == "iis"; });
    REQUIRE(iis != d.advice.end());
    CHECK(any_contains(iis->fix,
                       "netsh http add sslcert ipport=0.0.0.0:443 certhash=" + good_sha1()));
}

TEST_CASE("diagnosis: another service on the port, named from its reply", "[diagnosis]") {
    SECTION("HTTP.sys http registration") {
        auto r = every_attempt(Status::not_tls, Phase::handshake);
        const std::string reply =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nServer: "
            "Microsoft-HTTPAPI/2.0\r\n\r\n";
        for (auto& p : r.probes) p.observation.first_bytes.assign(reply.begin(), reply.end());
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"port.not_tls"});
        CHECK_THAT(top(r).summary, Catch::Contains("HTTP.sys plain-HTTP"));
        CHECK(any_contains(top(r).evidence, "Server: Microsoft-HTTPAPI/2.0"));
    }
    SECTION("SSH daemon") {
        auto r = every_attempt(Status::not_tls, Phase::handshake);
        const std::string banner = "SSH-2.0-OpenSSH_9.2p1\r\n";
        for (auto& p : r.probes) p.observation.first_bytes.assign(banner.begin(), banner.end());
        r = concluded(std::move(r));
        CHECK(top(r).id == "port.not_tls");
        CHECK(top(r).confidence == Confidence::high);
        CHECK_THAT(top(r).summary, Catch::Contains("(ssh)"));
    }
    SECTION("unrecognised bytes: still not TLS, with less confidence in what it is") {
        auto r = every_attempt(Status::not_tls, Phase::handshake);
        for (auto& p : r.probes) p.observation.first_bytes = {0x00, 0x01, 0x02, 0xFF};
        r = concluded(std::move(r));
        CHECK(top(r).id == "port.not_tls");
        CHECK(top(r).confidence == Confidence::medium);
    }
}

TEST_CASE("diagnosis: reachability failures", "[diagnosis]") {
    SECTION("refused everywhere: nothing listens") {
        const auto r = concluded(every_attempt(Status::refused, Phase::connect));
        CHECK(ids(r) == std::vector<std::string>{"port.closed"});
        CHECK(any_contains(top(r).confirm, "netstat -ano | findstr :443"));
        CHECK_THAT(judge::verdict_paragraph(r), Catch::Contains("cannot be reached"));
    }
    SECTION("connect timeouts: filtered") {
        const auto r = concluded(every_attempt(Status::timeout, Phase::connect));
        CHECK(ids(r) == std::vector<std::string>{"port.filtered"});
        CHECK(top(r).confidence == Confidence::medium);
    }
    SECTION("DNS") {
        const auto r = concluded(every_attempt(Status::dns_failed, Phase::dns));
        CHECK(ids(r) == std::vector<std::string>{"dns.failed"});
    }
    SECTION("connected, then silence after every hello") {
        const auto r = concluded(every_attempt(Status::timeout, Phase::hello));
        CHECK(ids(r) == std::vector<std::string>{"server.handshake_timeout"});
    }
}

TEST_CASE("diagnosis: protocol and cipher mismatches", "[diagnosis]") {
    SECTION("only TLS 1.0 negotiates") {
        auto r = every_attempt(Status::reset, Phase::hello);
        for (const auto* id : {"tls1_0", "offer_all", "no_sni", "other_sni"})
            negotiate(r, id, Version::tls1_0);
        r.target = probe::parse_target("tlsprobe.test");  // the name the good certificate covers
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"protocol.legacy_only"});
        CHECK(top(r).confidence == Confidence::high);
        CHECK(any_contains(top(r).fix,
                           "SCHANNEL\\Protocols\\TLS 1.2\\Server\" /v Enabled /t REG_DWORD /d 1"));
        CHECK(any_contains(top(r).evidence, "TLS 1.0: negotiated"));
    }
    SECTION("alert protocol_version to everything") {
        auto r = every_attempt(Status::rejected_alert, Phase::handshake);
        for (auto& p : r.probes) p.observation.alert = 70;
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"protocol.no_shared_version"});
        CHECK(top(r).confidence == Confidence::high);
    }
    SECTION("alert handshake_failure to everything") {
        auto r = every_attempt(Status::rejected_alert, Phase::handshake);
        for (auto& p : r.probes) p.observation.alert = 40;
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"protocol.no_shared_cipher"});
    }
    SECTION("alert unrecognized_name for the right name") {
        auto r = every_attempt(Status::rejected_alert, Phase::handshake);
        for (auto& p : r.probes) p.observation.alert = 112;
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"binding.name_rejected"});
    }
    SECTION("a short hello works where the full one is dropped") {
        auto r = every_attempt(Status::reset, Phase::hello);
        negotiate(r, "narrow_ciphers", Version::tls1_2);
        r = concluded(std::move(r));
        CHECK(ids(r) == std::vector<std::string>{"server.hello_intolerance"});
    }
}

TEST_CASE("diagnosis: certificate and chain faults on a working handshake", "[diagnosis]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"leaf-only", "chain.incomplete"},
        {"untrusted-root", "chain.untrusted_root"},
        {"client-auth-eku", "cert.no_server_auth_eku"},
        {"expired", "cert.expired"},
        {"wrong-host", "cert.wrong_certificate"},
        {"self-signed", "chain.untrusted_root"},
    };
    for (const auto& [chain_case, expected] : cases) {
        INFO(chain_case);
        const auto r = concluded(working(chain_case));
        CHECK(top(r).id == expected);
        CHECK(top(r).confidence == Confidence::high);
        CHECK_FALSE(top(r).client_sees.empty());
        CHECK_FALSE(top(r).confirm.empty());
        CHECK_FALSE(top(r).fix.empty());
        CHECK_THAT(judge::verdict_paragraph(r),
                   Catch::Contains("browsers will reject the certificate"));
    }
    const auto wrong = concluded(working("wrong-host"));
    CHECK(any_contains(wrong.diagnosis.front().evidence, "the certificate covers other.example"));
    CHECK(any_contains(wrong.diagnosis.front().evidence, "no SNI: the same certificate"));
}

TEST_CASE("diagnosis: the downgrade sentinel means something stripped TLS 1.3", "[diagnosis]") {
    auto r = working("good");
    attempt(r, "offer_all").observation.downgrade_sentinel = true;
    r = concluded(std::move(r));
    CHECK(ids(r) == std::vector<std::string>{"path.tls13_stripped"});
}

TEST_CASE("diagnosis: several faults at once are all listed, facts before guesses", "[diagnosis]") {
    // An expired certificate served without its intermediate: both are facts (high).
    auto r = concluded(working("expired"));
    auto& no_sni = attempt(r, "no_sni");
    no_sni.observation.status = Status::reset;
    no_sni.observation.phase = Phase::hello;
    no_sni.observation.chain.clear();
    r = concluded(std::move(r));
    const auto got = ids(r);
    CHECK(std::find(got.begin(), got.end(), "binding.sni_required") != got.end());
    CHECK(std::find(got.begin(), got.end(), "cert.expired") != got.end());
    for (std::size_t i = 1; i < r.diagnosis.size(); ++i)
        CHECK(r.diagnosis[i - 1].confidence >= r.diagnosis[i].confidence);
    CHECK_THAT(judge::verdict_paragraph(r), Catch::Contains("Also considered:"));
}

TEST_CASE("diagnosis: a version accepted by ServerHello whose handshake then breaks is not support",
          "[diagnosis]") {
    // The server answers the raw TLS 1.3 hello with a ServerHello, and OpenSSL's handshake then
    // ends in a FIN (a key that cannot sign RSA-PSS, say); nothing else negotiates.
    auto r = every_attempt(Status::rejected_alert, Phase::handshake);
    for (auto& p : r.probes) p.observation.alert = 70;
    auto& t13 = attempt(r, "tls1_3");
    t13.observation.status = Status::closed;
    t13.observation.alert.reset();
    auto& all = attempt(r, "offer_all");
    all.observation.status = Status::closed;
    all.observation.alert.reset();
    auto raw =
        test::make_record("raw_tls1_3", Version::tls1_3, Status::negotiated, Phase::handshake);
    raw.observation.version = Version::tls1_3;
    raw.observation.cipher = "TLS_AES_128_GCM_SHA256";
    r.probes.push_back(raw);
    r = concluded(std::move(r));
    CHECK_FALSE(r.facts.works);  // a ServerHello is not a completed handshake
    const auto& v = r.version(Version::tls1_3);
    CHECK(v.supported == std::optional<bool>(false));
    CHECK(v.source == "both");
    CHECK(v.disagreement == probe::Disagreement::handshake_broken);
    CHECK_THAT(v.disagreement_detail,
               Catch::Contains("accepts TLS 1.3") && Catch::Contains("then fails"));
    CHECK(top(r).id == "server.handshake_broken");
    CHECK(top(r).confidence == Confidence::high);
    CHECK_THAT(judge::verdict_paragraph(r), Catch::Contains(" fails."));
}

TEST_CASE("diagnosis: no shared cipher on an OpenSSL-style server mixing alerts 70 and 40",
          "[diagnosis]") {
    // Disabled versions get protocol_version (70), the enabled ones handshake_failure (40).
    auto r = every_attempt(Status::rejected_alert, Phase::handshake);
    for (auto& p : r.probes) p.observation.alert = 40;
    attempt(r, "tls1_3").observation.alert = 70;
    attempt(r, "tls1_0").observation.alert = 70;
    r = concluded(std::move(r));
    CHECK(top(r).id == "protocol.no_shared_cipher");
}

TEST_CASE("diagnosis: one odd reply while TLS works is not another service on the port",
          "[diagnosis]") {
    auto r = working("good");
    auto odd = test::make_record("raw_ssl2", Version::ssl2, Status::not_tls, Phase::handshake);
    odd.observation.first_bytes = {'H', 'T', 'T', 'P', '/', '1',  '.',
                                   '1', ' ', '4', '0', '0', '\r', '\n'};
    odd.spec.engine = probe::Engine::raw;
    r.probes.push_back(odd);
    r = concluded(std::move(r));
    CHECK(r.diagnosis.empty());
}

TEST_CASE("verdict: no 'trusted' claim when the chain is not trusted or a serious finding stands",
          "[diagnosis]") {
    // keyUsage keyEncipherment only, with an ECDHE handshake: a high finding no diagnosis
    // rule covers, so the verdict itself must not call the certificate good.
    auto r = concluded(working("key-usage-keyencipherment-only"));
    INFO(judge::verdict_paragraph(r));
    REQUIRE(r.diagnosis.empty());
    REQUIRE(r.worst_severity() == std::optional<probe::Severity>(probe::Severity::high));
    CHECK(judge::verdict_paragraph(r).find("is trusted") == std::string::npos);
    CHECK_THAT(judge::verdict_paragraph(r),
               Catch::Contains("negotiates") && Catch::Contains("need attention"));
    // Plain HTTP closed on an HTTPS-only site is not "fails as well".
    auto ok = working("good");
    engine::HttpCheck h;
    h.status = engine::HttpStatus::refused;
    ok.http = h;
    ok = concluded(std::move(ok));
    CHECK_THAT(judge::verdict_paragraph(ok), Catch::Contains("does not answer (refused)"));
    CHECK(judge::verdict_paragraph(ok).find("as well") == std::string::npos);
}

// ---- chain rules (issue 12, part 4) ----------------------------------------------------------

namespace {

const probe::Finding* finding(const probe::TargetResult& r, std::string_view id) {
    const auto it = std::find_if(r.findings.begin(), r.findings.end(),
                                 [&](const probe::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

std::string sha1_of_leaf(const std::string& chain_case) {
    const auto chain = test::chain_of(chain_case);
    for (const auto& der : chain) {
        const auto c = x509::parse_certificate(der);
        if (c && !c->is_ca) return c->sha1_hex;
    }
    return "no leaf";
}

}  // namespace

TEST_CASE("diagnosis: chain rules judge the served chain as clients do",
          "[diagnosis][chainrules]") {
    struct Row {
        const char* chain_case;
        const char* diagnosis;
        Confidence confidence;
        const char* finding;
        probe::Severity severity;
    };
    const std::vector<Row> rows{
        {"reversed", "chain.leaf_not_first", Confidence::high, "chain.leaf_not_first",
         probe::Severity::high},
        {"cn-only", "cert.no_san", Confidence::high, "cert.no_san", probe::Severity::high},
        {"expired-intermediate", "chain.expired_intermediate", Confidence::high,
         "chain.expired_intermediate", probe::Severity::high},
        // The verified path avoids the expired cross-signed root: only old clients fail.
        {"dst-root-shape", "chain.expired_intermediate", Confidence::medium,
         "chain.expired_intermediate", probe::Severity::medium},
        // As the catalogue rates SHA-1 (the severity model may change; the rule may not).
        {"sha1-intermediate", "cert.weak_signature", Confidence::medium, "cert.weak_signature",
         judge::find_finding_kind("cert.weak_signature")->severity},
    };
    for (const auto& row : rows) {
        INFO(row.chain_case);
        const auto r = concluded(working(row.chain_case));
        CHECK(top(r).id == row.diagnosis);
        CHECK(top(r).confidence == row.confidence);
        CHECK_FALSE(top(r).evidence.empty());
        CHECK_FALSE(top(r).client_sees.empty());
        CHECK_FALSE(top(r).confirm.empty());
        CHECK_FALSE(top(r).fix.empty());
        const auto* f = finding(r, row.finding);
        REQUIRE(f != nullptr);
        CHECK(f->severity == row.severity);
    }

    // The reversed chain: the fix names the certificate to put first (subject and SHA-1) and
    // the order; the name mismatch it causes is not diagnosed as a wrong certificate.
    const auto reversed = concluded(working("reversed"));
    const auto& d = top(reversed);
    REQUIRE_FALSE(d.fix.empty());
    CHECK_THAT(d.fix.front(), Catch::Contains("'CN=tlsprobe.test, O=tlsprobe'") &&
                                  Catch::Contains(sha1_of_leaf("reversed")) &&
                                  Catch::Contains("then 'CN=tlsprobe Test Intermediate CA"));
    CHECK(any_contains(d.evidence, "host name check on it: mismatch"));
    const auto got = ids(reversed);
    CHECK(std::find(got.begin(), got.end(), "cert.wrong_certificate") == got.end());
    CHECK(finding(reversed, "cert.hostname_mismatch") != nullptr);
    CHECK(reversed.verdict == probe::TargetVerdict::fail);

    // Old clients only: the verdict does not claim browsers reject it.
    CHECK_THAT(judge::verdict_paragraph(concluded(working("dst-root-shape"))),
               Catch::Contains("not for every client"));

    // CN only: the host name is never "match".
    const auto cn = concluded(working("cn-only"));
    REQUIRE(cn.chain);
    CHECK(cn.chain->hostname == x509::HostnameMatch::match_cn_fallback);
    CHECK(any_contains(top(cn).fix, "Subject Alternative Name"));
}

TEST_CASE("diagnosis: SNI bindings, the named site's certificate against the default one",
          "[diagnosis][chainrules]") {
    SECTION("the SNI binding serves another site's certificate, no-SNI clients get the right one") {
        auto r = working("wrong-host");
        negotiate(r, "no_sni", Version::tls1_2, "good");
        r = concluded(std::move(r));
        CHECK(r.facts.no_sni_other_certificate == x509::HostnameMatch::match);
        CHECK(top(r).id == "binding.sni_wrong_certificate");
        CHECK(top(r).confidence == Confidence::high);
        REQUIRE_FALSE(top(r).fix.empty());
        CHECK_THAT(top(r).fix.front(), Catch::Contains(good_sha1()));
        const auto got = ids(r);
        CHECK(std::find(got.begin(), got.end(), "cert.wrong_certificate") == got.end());
        REQUIRE(finding(r, "cert.sni_wrong_certificate") != nullptr);
        CHECK(finding(r, "cert.sni_wrong_certificate")->severity == probe::Severity::high);
        CHECK(finding(r, "cert.no_sni_default_mismatch") == nullptr);
        CHECK_THAT(judge::verdict_paragraph(r),
                   Catch::Contains("browsers will reject the certificate"));
    }
    SECTION("the named site is fine, no-SNI clients get another name's certificate") {
        auto r = working("good");
        negotiate(r, "no_sni", Version::tls1_2, "wrong-host");
        r = concluded(std::move(r));
        CHECK(r.facts.no_sni_other_certificate == x509::HostnameMatch::mismatch);
        CHECK(ids(r) == std::vector<std::string>{"binding.default_certificate_differs"});
        CHECK(top(r).confidence == Confidence::low);
        CHECK(any_contains(top(r).evidence, "other.example"));
        REQUIRE(finding(r, "cert.no_sni_default_mismatch") != nullptr);
        CHECK(finding(r, "cert.sni_wrong_certificate") == nullptr);
        CHECK(r.verdict == probe::TargetVerdict::ok);
        CHECK_THAT(judge::verdict_paragraph(r), Catch::Contains("not for every client"));
    }
    SECTION("the same certificate with and without SNI is no fact at all") {
        const auto r = concluded(working("good"));
        CHECK_FALSE(r.facts.no_sni_other_certificate.has_value());
        CHECK(finding(r, "cert.no_sni_default_mismatch") == nullptr);
    }
    SECTION("both wrong: the plain wrong-certificate diagnosis, no SNI finding") {
        auto r = working("wrong-host");
        auto& no_sni = attempt(r, "no_sni");
        std::ifstream in(lab::testcert("unrelated.pem"), std::ios::binary);
        std::ostringstream pem;
        pem << in.rdbuf();
        no_sni.observation.chain = x509::pem_to_der_chain(pem.str());  // other.example too
        r = concluded(std::move(r));
        CHECK(top(r).id == "cert.wrong_certificate");
        CHECK(finding(r, "cert.sni_wrong_certificate") == nullptr);
    }
}

TEST_CASE("findings: ECDSA only when enumeration shows no RSA-authenticated suite",
          "[diagnosis][chainrules]") {
    auto with_suites = [](const std::string& chain_case, std::vector<std::uint32_t> codes,
                          bool enumerated) {
        auto r = working(chain_case);
        auto& v = r.versions[static_cast<std::size_t>(Version::tls1_2)];
        v.version = Version::tls1_2;
        v.ciphers_enumerated = enumerated;
        for (const auto code : codes)
            v.ciphers.push_back({code, "", wire::Strength::strong, true, {}, {}, {}});
        return concluded(std::move(r));
    };
    const auto ecdsa = with_suites("good-ecdsa", {0xC02B, 0xC02C}, true);
    REQUIRE(finding(ecdsa, "cert.ecdsa_only") != nullptr);
    CHECK(finding(ecdsa, "cert.ecdsa_only")->severity == probe::Severity::info);
    CHECK(ecdsa.verdict == probe::TargetVerdict::ok);
    // An RSA-authenticated suite works too (a second, RSA certificate): no finding.
    CHECK(finding(with_suites("good-ecdsa", {0xC02B, 0xC02F}, true), "cert.ecdsa_only") == nullptr);
    // Without enumeration nothing is claimed.
    CHECK(finding(with_suites("good-ecdsa", {}, false), "cert.ecdsa_only") == nullptr);
    CHECK(finding(with_suites("good", {0xC02F}, true), "cert.ecdsa_only") == nullptr);
}

TEST_CASE("conclude: an unchanged chain is analysed once, a changed chain or store again",
          "[diagnosis][chain]") {
    auto r = working("good");
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    probe::conclude(r, options);
    REQUIRE(r.chain);
    CHECK(r.chain_source == "offer_all");
    CHECK(r.chain->trusted);
    REQUIRE(r.trust.size() == 1);
    // A mark on the analysis: a conclude() that analysed the chain again would lose it.
    r.chain->certificates.front().subject = "marked";
    probe::conclude(r, options);  // as after the next stage: same attempt, same chain
    REQUIRE(r.chain);
    CHECK(r.chain->certificates.front().subject == "marked");
    CHECK(r.trust.size() == 1);
    CHECK(r.chain_differs.empty());

    SECTION("the source attempt serves another chain") {
        attempt(r, "offer_all").observation.chain = test::chain_of("expired");
        probe::conclude(r, options);
        REQUIRE(r.chain);
        CHECK(r.chain->certificates.front().subject != "marked");
        CHECK_FALSE(r.chain->trusted);  // the expired leaf, analysed
        // The pinned attempts still hold the good chain: now they differ from the source.
        CHECK_FALSE(r.chain_differs.empty());
    }
    SECTION("another trust store") {
        options.trust = std::make_shared<x509::TrustStore>(x509::TrustStore::empty());
        probe::conclude(r, options);
        REQUIRE(r.chain);
        CHECK(r.chain->certificates.front().subject != "marked");
        CHECK_FALSE(r.chain->trusted);  // no anchors
    }
    SECTION("no attempt negotiated any more: no chain") {
        for (auto& p : r.probes) p.observation.status = Status::rejected_alert;
        probe::conclude(r, options);
        CHECK_FALSE(r.chain);
        CHECK(r.trust.empty());
    }
}
