// The bounded plain-HTTP fetcher (engine/http_fetch.hpp), the aia check (a missing
// intermediate fetched from the leaf's caIssuers URL) and the revocation check (OCSP and
// CRL), against loopback servers only: lab/http_file_server.hpp serves the files, the
// certificates naming its port are made at test time (lab/revocation_pki.hpp), and the
// revoked OCSP answer comes from Debian's `openssl ocsp` responder.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "async_run.hpp"
#include "fake_engines.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "judge/verdict.hpp"
#include "lab/http_file_server.hpp"
#include "lab/ocsp_staple.hpp"
#include "lab/paths.hpp"
#include "lab/revocation_pki.hpp"
#include "lab/tls_server.hpp"
#include "probe/checks/aia.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/revocation.hpp"
#include "probe/probe_target.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "x509/revocation.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;
using engine::FetchStatus;
using probe::checks::AiaStatus;
using probe::checks::RevocationStatus;

namespace {

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() /
               ("tlsprobe-" + name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::shared_ptr<const x509::TrustStore> test_root() {
    static const auto store = std::make_shared<const x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    return store;
}

probe::TargetResult served(std::vector<core::Bytes> chain) {
    probe::TargetResult r;
    r.target.host = "tlsprobe.test";
    r.target.sni = "tlsprobe.test";
    r.facts.works = true;
    x509::ChainInput input;
    input.served = std::move(chain);
    input.hostname = "tlsprobe.test";
    input.now = std::chrono::system_clock::now();
    r.chain = x509::analyze_chain(input, *test_root());
    return r;
}

probe::ProbeOptions fetching(bool fetch = true) {
    probe::ProbeOptions o;
    o.timeout = std::chrono::milliseconds(3000);
    o.trust = test_root();
    o.fetch = fetch;
    return o;
}

probe::CheckResultPtr run(const probe::CheckKind& kind, engine::Engines& engines,
                          const probe::TargetResult& target, const probe::ProbeOptions& options) {
    const engine::Endpoint peer(boost::asio::ip::make_address("127.0.0.1"), 443);
    REQUIRE(kind.applies(target));
    return testing::run_awaitable(kind.run(probe::CheckContext{engines, peer, target, options}));
}

engine::FetchResult fetch(engine::Engines& engines, engine::FetchRequest request) {
    return testing::run_awaitable(engines.fetch(std::move(request)));
}

bool has(const std::vector<probe::Finding>& findings, std::string_view id) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

const probe::checks::AiaResult& as_aia(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::AiaResult&>(*p);
}
const probe::checks::RevocationResult& as_revocation(const probe::CheckResultPtr& p) {
    return dynamic_cast<const probe::checks::RevocationResult&>(*p);
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

lab::HttpFile file(std::vector<std::uint8_t> body, std::string type = "application/pkix-cert") {
    lab::HttpFile f;
    f.body = std::move(body);
    f.content_type = std::move(type);
    return f;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// ---- the fetcher -------------------------------------------------------------------------

TEST_CASE("fetch: only http URLs are fetched", "[fetch]") {
    const auto url = engine::parse_http_url("http://ca.example:8080/int.der?x=1#frag");
    REQUIRE(url);
    CHECK(url->host == "ca.example");
    CHECK(url->port == 8080);
    CHECK(url->target == "/int.der?x=1");
    const auto v6 = engine::parse_http_url("HTTP://[::1]/crl");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 80);
    CHECK(engine::parse_http_url("http://ocsp.example")->target == "/");
    for (const char* bad : {"https://ca.example/x", "ldap://ca.example/cn=x", "http://", "http://:80/",
                            "http://a:0/", "http://a:99999/", "http://u@a/", "http://a b/",
                            "ca.example/x"})
        CHECK_FALSE(engine::parse_http_url(bad));

    // The fetcher itself over fake engines: names go through engines.resolve().
    testing::FakeEngines fake;
    engine::FetchRequest request;
    request.url = "https://ca.example/int.der";
    const auto https = testing::run_awaitable(engine::http_fetch(fake, request));
    CHECK(https.status == FetchStatus::not_http_url);
    CHECK_THAT(https.detail, Catch::Contains("not an http:// URL"));
    request.url = "not a url";
    CHECK(testing::run_awaitable(engine::http_fetch(fake, request)).status == FetchStatus::bad_url);
    CHECK(fake.count("resolve") == 0);  // neither was looked up
    fake.on_resolve = [](const std::string&, std::uint16_t) {
        engine::Resolution r;
        r.status = core::Status::dns_failed;
        r.detail = "no such name (fake)";
        return r;
    };
    request.url = "http://ca.example/int.der";
    const auto dns = testing::run_awaitable(engine::http_fetch(fake, request));
    CHECK(dns.status == FetchStatus::dns_failed);
    CHECK(fake.count("resolve ca.example:80") == 1);
}

TEST_CASE("fetch (loopback): GET, POST, HTTP errors, the size limit and redirects",
          "[fetch][loopback]") {
    lab::HttpFileServer server;
    server.set("/a.bin", file(bytes_of("hello")));
    server.set("/big", file(std::vector<std::uint8_t>(100 * 1024, 0x41)));
    lab::HttpFile moved;
    moved.status = 302;
    moved.location = "/a.bin";
    server.set("/moved", moved);
    lab::HttpFile loop;
    loop.status = 301;
    loop.location = server.url("/loop");
    server.set("/loop", loop);
    auto engines = engine::network_engines();

    engine::FetchRequest get;
    get.url = server.url("/a.bin");
    get.timeout = std::chrono::milliseconds(3000);
    const auto ok = fetch(*engines, get);
    REQUIRE(ok.status == FetchStatus::ok);
    CHECK(ok.http_status == 200);
    CHECK(ok.body == bytes_of("hello"));
    CHECK(ok.content_type == "application/pkix-cert");

    auto post = get;
    post.post = true;
    post.content_type = "application/ocsp-request";
    post.body = bytes_of("0123456789");
    CHECK(fetch(*engines, post).ok());

    auto missing = get;
    missing.url = server.url("/nothing");
    const auto not_found = fetch(*engines, missing);
    CHECK(not_found.status == FetchStatus::http_status);
    CHECK(not_found.http_status == 404);

    auto big = get;
    big.url = server.url("/big");
    const auto too_large = fetch(*engines, big);
    CHECK(too_large.status == FetchStatus::too_large);
    CHECK(too_large.body.empty());
    big.max_bytes = engine::kMaxCrlFetch;
    CHECK(fetch(*engines, big).body.size() == 100 * 1024);

    auto redirected = get;
    redirected.url = server.url("/moved");
    const auto followed = fetch(*engines, redirected);
    CHECK(followed.ok());
    CHECK(followed.final_url == server.url("/a.bin"));
    CHECK(followed.body == bytes_of("hello"));
    auto looping = get;
    looping.url = server.url("/loop");
    CHECK(fetch(*engines, looping).status == FetchStatus::too_many_redirects);

    const auto requests = server.requests();
    CHECK(requests.front() == "GET /a.bin");
    CHECK(std::count(requests.begin(), requests.end(), "POST /a.bin (10 bytes)") == 1);
    CHECK(std::count(requests.begin(), requests.end(), "GET /loop") == 3);  // 1 + 2 redirects
}

TEST_CASE("fetch (loopback): a port where nothing listens is a value, not an exception",
          "[fetch][loopback]") {
    std::string url;
    {
        lab::HttpFileServer gone;
        url = gone.url("/x");
    }
    auto engines = engine::network_engines();
    engine::FetchRequest request;
    request.url = url;
    request.timeout = std::chrono::milliseconds(3000);
    const auto r = fetch(*engines, request);
    CHECK_FALSE(r.ok());
    CHECK((r.status == FetchStatus::refused || r.status == FetchStatus::reset ||
           r.status == FetchStatus::closed));
}

// ---- AIA ---------------------------------------------------------------------------------

TEST_CASE("AIA check (loopback): the missing intermediate is fetched, confirmed and printed",
          "[aia][loopback]") {
    TempDir dir("aia");
    lab::HttpFileServer server;
    const auto intermediate = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"));
    server.set("/ca.der", file(intermediate));
    server.set("/ca.pem", file(bytes_of(read_text(lab::testcert("intermediate-ca.pem"))),
                               "application/x-pem-file"));
    lab::UrlLeafSpec spec;
    spec.ca_issuers_url = server.url("/ca.der");
    const auto leaf = lab::make_url_leaf(spec, dir.path, "aia");
    auto engines = engine::network_engines();
    probe::checks::AiaCheck check;

    const auto target = served({leaf.der});
    REQUIRE(target.chain->has(x509::ChainProblemKind::missing_intermediate));
    const auto result = run(check, *engines, target, fetching());
    const auto& r = as_aia(result);
    CHECK(r.status == AiaStatus::fetched);
    CHECK(r.chain_verifies);
    CHECK(r.issuer_der == intermediate);
    CHECK_THAT(r.issuer_subject, Catch::Contains("Intermediate"));
    CHECK_THAT(r.issuer_pem, Catch::StartsWith("-----BEGIN CERTIFICATE-----"));
    CHECK(has(r.findings(), "aia.intermediate_fetchable"));
    CHECK_FALSE(has(r.findings(), "aia.intermediate_unavailable"));
    CHECK(server.requests() == std::vector<std::string>{"GET /ca.der"});
    const auto j = r.to_json();
    CHECK(j["status"] == "fetched");
    CHECK(j["fetch"]["status"] == "ok");
    bool firefox_fails = false, windows_connects = false;
    for (const auto& c : j["clients"]) {
        const std::string name = c["client"];
        if (name.starts_with("Firefox")) firefox_fails = c["connects"] == false;
        if (name.starts_with("Windows")) windows_connects = c["connects"] == true;
    }
    CHECK(firefox_fails);
    CHECK(windows_connects);
    const auto lines = r.text();
    CHECK(std::find(lines.begin(), lines.end(), "-----BEGIN CERTIFICATE-----") != lines.end());

    // The same certificate published as PEM.
    spec.ca_issuers_url = server.url("/ca.pem");
    spec.serial = 0x1501;
    const auto pem_leaf = lab::make_url_leaf(spec, dir.path, "aia-pem");
    const auto pem = run(check, *engines, served({pem_leaf.der}), fetching());
    CHECK(as_aia(pem).status == AiaStatus::fetched);

    // A complete chain: nothing to fetch.
    CHECK_FALSE(check.applies(served({leaf.der, intermediate})));
}

TEST_CASE("AIA check (loopback): a wrong certificate, a 404, no URL and --no-fetch",
          "[aia][loopback]") {
    TempDir dir("aia-neg");
    lab::HttpFileServer server;
    server.set("/other.der", file(lab::pem_file_to_der(lab::testcert("other-intermediate-ca.pem"))));
    server.set("/junk.der", file(bytes_of("not a certificate")));
    auto engines = engine::network_engines();
    probe::checks::AiaCheck check;
    auto leaf_for = [&](const std::string& path, long serial) {
        lab::UrlLeafSpec spec;
        spec.serial = serial;
        if (!path.empty()) spec.ca_issuers_url = server.url(path);
        return lab::make_url_leaf(spec, dir.path, "n" + std::to_string(serial)).der;
    };

    const auto wrong = run(check, *engines, served({leaf_for("/other.der", 1)}), fetching());
    CHECK(as_aia(wrong).status == AiaStatus::not_issuer);
    CHECK(has(wrong->findings(), "aia.intermediate_unavailable"));

    const auto junk = run(check, *engines, served({leaf_for("/junk.der", 2)}), fetching());
    CHECK(as_aia(junk).status == AiaStatus::unparsable);

    const auto missing = run(check, *engines, served({leaf_for("/gone.der", 3)}), fetching());
    CHECK(as_aia(missing).status == AiaStatus::fetch_failed);
    REQUIRE(as_aia(missing).fetch);
    CHECK(as_aia(missing).fetch->http_status == 404);
    CHECK(has(missing->findings(), "aia.intermediate_unavailable"));

    const auto none = run(check, *engines, served({leaf_for("", 4)}), fetching());
    CHECK(as_aia(none).status == AiaStatus::no_url);

    const auto before = server.requests().size();
    const auto disabled = run(check, *engines, served({leaf_for("/other.der", 5)}), fetching(false));
    CHECK(as_aia(disabled).status == AiaStatus::fetch_disabled);
    CHECK(disabled->findings().empty());
    CHECK(server.requests().size() == before);  // nothing was fetched
}

TEST_CASE("AIA (loopback): probing a server without its intermediate confirms it in the "
          "diagnosis",
          "[aia][loopback]") {
    TempDir dir("aia-probe");
    lab::HttpFileServer http;
    http.set("/ca.der", file(lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"))));
    lab::UrlLeafSpec spec;
    spec.ca_issuers_url = http.url("/ca.der");
    const auto leaf = lab::make_url_leaf(spec, dir.path, "probe");
    lab::TlsServerConfig config;
    config.chain_pem_file = leaf.leaf_pem_file.string();  // the leaf alone
    config.key_pem_file = leaf.key_file.string();
    lab::TlsServer server(config);

    probe::Target target;
    target.host = "tlsprobe.test";
    target.sni = "tlsprobe.test";
    target.connect_to = "127.0.0.1";
    target.port = server.port();
    auto options = fetching();
    options.variants = false;
    options.raw = false;
    options.checks = {"ocsp", "aia", "revocation"};
    auto result = probe::probe_target_blocking(target, options);
    judge::assess(result);
    const probe::Diagnosis* incomplete = nullptr;
    for (const auto& d : result.diagnosis)
        if (d.id == "chain.incomplete") incomplete = &d;
    REQUIRE(incomplete);
    CHECK_THAT(incomplete->summary, Catch::Contains("Confirmed: the leaf's AIA URL"));
    CHECK(std::any_of(incomplete->evidence.begin(), incomplete->evidence.end(),
                      [](const std::string& e) { return e.starts_with("AIA: "); }));
    CHECK(std::any_of(result.findings.begin(), result.findings.end(),
                      [](const probe::Finding& f) { return f.id == "aia.intermediate_fetchable"; }));
    const auto text = report::render_text(result, {});
    CHECK_THAT(text, Catch::Contains("Missing intermediate from AIA"));
    CHECK_THAT(text, Catch::Contains("BEGIN CERTIFICATE"));
    const auto json = nlohmann::json::parse(report::render_json(result, {}));
    CHECK(json["checks"]["aia"]["status"] == "fetched");
    // The leaf names no OCSP or CRL URL and nothing was stapled.
    CHECK(json["checks"]["revocation"]["status"] == "no_url");
}

// ---- revocation ----------------------------------------------------------------------------

TEST_CASE("revocation check (loopback): a CRL that lists the certificate, one that does not, "
          "one signed by another CA",
          "[revocation][loopback]") {
    TempDir dir("crl");
    lab::HttpFileServer server;
    lab::UrlLeafSpec spec;
    spec.crl_url = server.url("/ca.crl");
    spec.serial = 0x2001;
    const auto leaf = lab::make_url_leaf(spec, dir.path, "crl");
    const auto intermediate = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"));
    auto engines = engine::network_engines();
    probe::checks::RevocationCheck check;
    const auto target = served({leaf.der, intermediate});

    server.set("/ca.crl", file(lab::make_crl({0x1999, 0x2001}), "application/pkix-crl"));
    const auto revoked = run(check, *engines, target, fetching());
    const auto& r = as_revocation(revoked);
    CHECK(r.status == RevocationStatus::revoked);
    CHECK(r.issuer_source == "served");
    REQUIRE(r.deciding());
    CHECK(r.deciding()->source == "crl");
    CHECK(r.deciding()->signature_valid);
    CHECK(r.deciding()->reason == 1);
    CHECK(r.deciding()->revoked_at.has_value());
    CHECK(has(r.findings(), "cert.revoked"));
    CHECK(r.to_json()["sources"][0]["reason"] == "keyCompromise");
    CHECK_THAT(r.text().front(), Catch::StartsWith("REVOKED"));

    // The diagnosis row for it.
    auto judged = target;
    judged.checks.push_back(revoked);
    judge::assess(judged);
    CHECK(std::any_of(judged.diagnosis.begin(), judged.diagnosis.end(),
                      [](const probe::Diagnosis& d) { return d.id == "cert.revoked"; }));

    server.set("/ca.crl", file(lab::make_crl({0x1999})));
    const auto good = run(check, *engines, target, fetching());
    CHECK(as_revocation(good).status == RevocationStatus::good);
    CHECK(good->findings().empty());
    auto fine = target;
    fine.checks.push_back(good);
    judge::assess(fine);
    CHECK_FALSE(std::any_of(fine.diagnosis.begin(), fine.diagnosis.end(),
                            [](const probe::Diagnosis& d) { return d.id == "cert.revoked"; }));

    server.set("/ca.crl", file(lab::make_crl({0x2001}, lab::testcert("other-intermediate-ca.pem").string(),
                                             lab::testcert("other-intermediate-ca.key").string())));
    const auto forged = run(check, *engines, target, fetching());
    CHECK(as_revocation(forged).status == RevocationStatus::invalid);
    CHECK(has(forged->findings(), "revocation.invalid"));
    CHECK_FALSE(has(forged->findings(), "cert.revoked"));
}

TEST_CASE("revocation check (loopback): revoked and good through Debian's openssl ocsp "
          "responder",
          "[revocation][loopback]") {
    if (std::system("openssl version > /dev/null 2>&1") != 0) {
        WARN("SKIPPED: the openssl command-line tool is not installed (Debian package openssl)");
        return;
    }
    TempDir dir("ocsp");
    lab::HttpFileServer server;
    lab::UrlLeafSpec spec;
    spec.ocsp_url = server.url("/ocsp");
    spec.serial = 0x3001;
    const auto leaf = lab::make_url_leaf(spec, dir.path, "ocsp");
    const auto intermediate = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"));
    const auto request = x509::make_ocsp_request(leaf.der, intermediate);
    REQUIRE_FALSE(request.empty());
    {
        std::ofstream out(dir.path / "req.der", std::ios::binary);
        out.write(reinterpret_cast<const char*>(request.data()),
                  static_cast<std::streamsize>(request.size()));
    }
    const auto ca = lab::testcert("intermediate-ca.pem").string();
    const auto key = lab::testcert("intermediate-ca.key").string();
    // `openssl ocsp` as the CA's responder (index.txt in the `openssl ca` layout), answering
    // the request the check sends; its answer is what the loopback server returns to the POST.
    auto respond = [&](const std::string& index_line) {
        std::ofstream(dir.path / "index.txt") << index_line << "\n";
        const std::string command =
            "openssl ocsp -index '" + (dir.path / "index.txt").string() + "' -CA '" + ca +
            "' -rsigner '" + ca + "' -rkey '" + key + "' -reqin '" +
            (dir.path / "req.der").string() + "' -respout '" + (dir.path / "resp.der").string() +
            "' -ndays 1 > /dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
        const std::string resp = read_text(dir.path / "resp.der");
        server.set("/ocsp", file(bytes_of(resp), "application/ocsp-response"));
    };
    auto engines = engine::network_engines();
    probe::checks::RevocationCheck check;
    const auto target = served({leaf.der, intermediate});

    respond("R\t361231235959Z\t240101000000Z,keyCompromise\t3001\tunknown\t/CN=tlsprobe.test");
    const auto revoked = run(check, *engines, target, fetching());
    const auto& r = as_revocation(revoked);
    CHECK(r.status == RevocationStatus::revoked);
    REQUIRE(r.deciding());
    CHECK(r.deciding()->source == "ocsp");
    CHECK(r.deciding()->signature_valid);
    CHECK(r.deciding()->reason == 1);
    CHECK(has(r.findings(), "cert.revoked"));
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests.front() == "POST /ocsp (" + std::to_string(request.size()) + " bytes)");

    respond("V\t361231235959Z\t\t3001\tunknown\t/CN=tlsprobe.test");
    const auto good = run(check, *engines, target, fetching());
    CHECK(as_revocation(good).status == RevocationStatus::good);
    CHECK(good->findings().empty());

    respond("V\t361231235959Z\t\t4444\tunknown\t/CN=someone.else");  // not in the index
    const auto unknown = run(check, *engines, target, fetching());
    CHECK(as_revocation(unknown).status == RevocationStatus::unknown);
    CHECK(has(unknown->findings(), "revocation.unknown"));
}

TEST_CASE("revocation check (fake): an unreachable responder, --no-fetch, the staple's signature",
          "[revocation][fake]") {
    TempDir dir("rev-fake");
    lab::UrlLeafSpec spec;
    spec.ocsp_url = "http://ocsp.ca.example/";
    spec.crl_url = "http://crl.ca.example/ca.crl";
    spec.serial = 0x4001;
    const auto leaf = lab::make_url_leaf(spec, dir.path, "fake");
    const auto intermediate = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"));
    const auto target = served({leaf.der, intermediate});
    probe::checks::RevocationCheck check;

    testing::FakeEngines fake;
    fake.on_fetch = [](const engine::FetchRequest& request) {
        if (request.post) {
            CHECK(request.content_type == "application/ocsp-request");
            CHECK_FALSE(request.body.empty());
        } else {
            CHECK(request.max_bytes == engine::kMaxCrlFetch);
        }
        engine::FetchResult r;
        r.url = r.final_url = request.url;
        r.status = FetchStatus::timeout;
        r.detail = "timed out (fake)";
        return r;
    };
    const auto down = run(check, fake, target, fetching());
    CHECK(as_revocation(down).status == RevocationStatus::unreachable);
    CHECK(has(down->findings(), "revocation.unreachable"));
    CHECK(fake.count("fetch POST http://ocsp.ca.example/") == 1);
    CHECK(fake.count("fetch GET http://crl.ca.example/ca.crl") == 1);

    fake.requests.clear();
    const auto off = run(check, fake, target, fetching(false));
    CHECK(as_revocation(off).status == RevocationStatus::not_fetched);
    CHECK(off->findings().empty());
    CHECK(fake.count("fetch") == 0);

    // A stapled response signed by the issuer counts; one signed by another CA does not.
    lab::OcspStapleSpec staple;
    staple.leaf_pem_file = leaf.leaf_pem_file.string();
    staple.issuer_pem_file = lab::testcert("intermediate-ca.pem").string();
    staple.issuer_key_file = lab::testcert("intermediate-ca.key").string();
    auto with_staple = [&](const std::vector<std::uint8_t>& der) {
        auto t = target;
        auto ocsp = std::make_shared<probe::checks::OcspResult>();
        ocsp->handshake = true;
        ocsp->stapled = true;
        ocsp->staple_der = der;
        ocsp->response = x509::parse_ocsp_response(der, leaf.der);
        t.checks.push_back(ocsp);
        return t;
    };
    const auto stapled = run(check, fake, with_staple(lab::make_ocsp_response(staple)),
                             fetching(false));
    const auto& s = as_revocation(stapled);
    CHECK(s.status == RevocationStatus::good);
    REQUIRE(s.deciding());
    CHECK(s.deciding()->source == "staple");
    CHECK(s.deciding()->signature_valid);

    staple.issuer_pem_file = lab::testcert("other-intermediate-ca.pem").string();
    staple.issuer_key_file = lab::testcert("other-intermediate-ca.key").string();
    const auto forged = run(check, fake, with_staple(lab::make_ocsp_response(staple)),
                            fetching(false));
    CHECK(as_revocation(forged).sources.front().status == RevocationStatus::invalid);
    CHECK_FALSE(as_revocation(forged).sources.front().signature_valid);
    CHECK(has(forged->findings(), "revocation.invalid"));
}

TEST_CASE("revocation: CRL and OCSP parsers take garbage without harm", "[revocation]") {
    const auto leaf = lab::pem_file_to_der(lab::testcert("good.leaf.pem"));
    const auto issuer = lab::pem_file_to_der(lab::testcert("intermediate-ca.pem"));
    const std::vector<std::uint8_t> junk{0x30, 0x82, 0x01, 0x00, 0x01};
    CHECK_FALSE(x509::judge_crl(junk, leaf, issuer).parsed);
    CHECK_FALSE(x509::judge_crl({}, leaf, issuer).parsed);
    CHECK_FALSE(x509::judge_ocsp_response(junk, leaf, issuer).facts.parsed);
    CHECK_FALSE(x509::verify_ocsp_signature(junk, issuer).valid);
    std::string error;
    CHECK(x509::read_fetched_certificates(junk, &error).empty());
    CHECK_FALSE(error.empty());
    CHECK(x509::certificate_urls(junk).ca_issuers.empty());
    CHECK(x509::make_ocsp_request(junk, issuer).empty());
    std::string why;
    CHECK(x509::issued_by(leaf, issuer, &why));
    CHECK_FALSE(x509::issued_by(leaf, lab::pem_file_to_der(lab::testcert("other-intermediate-ca.pem")),
                                &why));
    CHECK_FALSE(why.empty());
    CHECK(x509::find_issuer_in_store(issuer, *test_root()) ==
          lab::pem_file_to_der(lab::testcert("root-ca.pem")));
}

TEST_CASE("policy rule revocation.good reads the revocation check", "[revocation][policy]") {
    const auto policy =
        judge::parse_policy("[certificate]\nrevocation_good = true\n", "revocation.toml");
    REQUIRE(policy.revocation_good);
    CHECK_THAT(judge::to_toml(policy), Catch::Contains("revocation_good = true"));
    auto rule = [&](const probe::TargetResult& t) {
        for (const auto& r : judge::evaluate(policy, t))
            if (r.id == "revocation.good") return r;
        FAIL("no revocation.good rule");
        return judge::RuleResult{};
    };
    auto target = served({lab::pem_file_to_der(lab::testcert("good.leaf.pem"))});
    target.facts.reached = true;
    CHECK(rule(target).status == judge::RuleStatus::not_applicable);  // the check did not run

    auto with = [&](RevocationStatus status) {
        auto t = target;
        auto r = std::make_shared<probe::checks::RevocationResult>();
        probe::checks::RevocationSource s;
        s.source = "crl";
        s.url = "http://crl.ca.example/ca.crl";
        s.status = status;
        r->sources.push_back(s);
        r->status = status;
        t.checks.push_back(r);
        return t;
    };
    CHECK(rule(with(RevocationStatus::good)).status == judge::RuleStatus::pass);
    CHECK(rule(with(RevocationStatus::revoked)).status == judge::RuleStatus::fail);
    CHECK(rule(with(RevocationStatus::unreachable)).status == judge::RuleStatus::fail);
    CHECK(rule(with(RevocationStatus::not_fetched)).status == judge::RuleStatus::not_applicable);
}
