// Path-validation depth (issue 17): what real PKIs do, each case from testcerts/generate.sh with
// the conclusion testcerts/README.md documents, checked three ways: the pure chain analysis,
// a live probe of a loopback server serving the case, and `tlsprobe cert` on the chain file.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <openssl/x509_vfy.h>
#include <string>

#include "cli_run.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "support.hpp"
#include "x509/chain_analysis.hpp"

using namespace tlsprobe;
using namespace std::chrono;
using test::run_cli;

namespace {

const std::string kCerts = TLSPROBE_TESTS_DIR "/../testcerts/";
const system_clock::time_point kNow = sys_days{2026y / June / 1};

const x509::TrustStore& test_root() {
    static const auto store = x509::TrustStore::from_locations(kCerts + "root-ca.pem", "");
    return store;
}

x509::ChainReport analyze(const std::string& testcase) {
    x509::ChainInput in;
    in.served = test::chain_of(testcase);
    in.hostname = "tlsprobe.test";
    in.now = kNow;
    in.key_exchange = x509::KeyExchange::tls13;
    return x509::analyze_chain(in, test_root());
}

std::vector<std::string> ids(const x509::ChainReport& r) {
    std::vector<std::string> out;
    for (const auto& p : r.problems) out.emplace_back(x509::to_string(p.kind));
    return out;
}

struct Case {
    const char* testcase;
    bool trusted;
    std::vector<std::string> problems;  // in report order
    int verify_error;
};

// The table testcerts/README.md ("Path-validation cases") writes out in words.
const std::vector<Case>& cases() {
    static const std::vector<Case> table{
        {"path-length-exceeded", false, {"chain.path_length_exceeded"},
         X509_V_ERR_PATH_LENGTH_EXCEEDED},
        {"name-constraints-ok", true, {}, X509_V_OK},
        {"name-constraints-violated", false,
         {"chain.name_constraints_violated", "cert.hostname_mismatch"},
         X509_V_ERR_PERMITTED_VIOLATION},
        {"akid-mismatch", false, {"chain.missing_intermediate"},
         X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
        // OpenSSL 3.0's library reports the CA:FALSE issuer as error 79 (invalid CA); its
        // `openssl verify` command, with other flags, as 26 (unsuitable purpose).
        {"ca-false-intermediate", false, {"chain.ca_without_basic_constraints"},
         X509_V_ERR_INVALID_CA},
        {"messy-bag", true,
         {"chain.duplicate_certificate", "chain.extra_certificates", "chain.root_sent"},
         X509_V_OK},
        // Already generated for the chain rules, listed here for the path-validation table.
        {"dst-root-shape", true, {"chain.expired_intermediate"}, X509_V_OK},
        {"ca-without-basic-constraints", false, {"chain.ca_without_basic_constraints"}, -1},
        {"with-root", true, {"chain.root_sent"}, X509_V_OK},
    };
    return table;
}

}  // namespace

TEST_CASE("path validation: every case gives its documented conclusion", "[chain][path]") {
    for (const auto& c : cases()) {
        SECTION(c.testcase) {
            const auto r = analyze(c.testcase);
            INFO("verify error " << r.verify_error << " " << r.verify_error_text);
            CHECK(ids(r) == c.problems);
            CHECK(r.trusted == c.trusted);
            if (c.verify_error >= 0) CHECK(r.verify_error == c.verify_error);
            for (const auto& p : r.problems) CHECK_FALSE(p.detail.empty());
        }
    }
}

TEST_CASE("path validation: the details name the constraint and the certificates", "[chain][path]") {
    const auto len = analyze("path-length-exceeded");
    REQUIRE(len.problems.size() == 1);
    CHECK_THAT(len.problems[0].detail,
               Catch::Contains("'CN=tlsprobe Test Intermediate CA, O=tlsprobe' allows 0") &&
                   Catch::Contains("tlsprobe Sub Intermediate CA"));
    CHECK(len.problems[0].certificate == std::optional<std::size_t>(2));
    // Every served certificate is on the path: none is "extra".
    CHECK(len.path.size() == 4);

    const auto nc = analyze("name-constraints-violated");
    CHECK_THAT(nc.problems.at(0).detail,
               Catch::Contains("other.example") &&
                   Catch::Contains("tlsprobe Name-Constrained Intermediate CA"));
    CHECK(nc.problems.at(0).certificate == std::optional<std::size_t>(0));

    // The served intermediate has the issuer's name but another key: named as not the issuer,
    // not as an unrelated extra certificate.
    const auto akid = analyze("akid-mismatch");
    CHECK_THAT(akid.problems.at(0).detail,
               Catch::Contains("subjectKeyIdentifier differs") && Catch::Contains("#2"));
    CHECK_FALSE(akid.has(x509::ChainProblemKind::extra_certificates));

    const auto messy = analyze("messy-bag");
    CHECK_THAT(messy.problems.at(1).detail, Catch::Contains("unrelated.example"));
    CHECK(messy.problems.at(1).certificate == std::optional<std::size_t>(3));
}

TEST_CASE("path validation: a healthy chain has no constraint problem", "[chain][path]") {
    const auto good = analyze("good");
    CHECK(good.trusted);
    CHECK_FALSE(good.has(x509::ChainProblemKind::path_length_exceeded));
    CHECK_FALSE(good.has(x509::ChainProblemKind::name_constraints_violated));
}

TEST_CASE("path validation: the live probe concludes the same, through the findings",
          "[chain][path][loopback]") {
    const auto root = std::make_shared<const x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    for (const char* testcase : {"path-length-exceeded", "name-constraints-violated",
                                 "akid-mismatch", "ca-false-intermediate", "messy-bag",
                                 "name-constraints-ok"}) {
        SECTION(testcase) {
            const auto& c = *std::find_if(cases().begin(), cases().end(), [&](const Case& k) {
                return std::string(k.testcase) == testcase;
            });
            // A real loopback server serving the case, probed by the command line.
            lab::TlsServer server(lab::config_for_case(testcase));
            const auto run = run_cli({"probe", "tlsprobe.test:" + std::to_string(server.port()),
                                      "--connect-to", "127.0.0.1", "--ca-file",
                                      lab::testcert("root-ca.pem").string(), "--quick",
                                      "--no-http", "--timeout", "2s", "--format", "json"});
            INFO(run.err);
            REQUIRE(!run.out.empty());
            const auto j = nlohmann::json::parse(run.out);
            std::vector<std::string> found;
            for (const auto& f : j["findings"]) found.push_back(f["id"]);
            for (const auto& id : c.problems) {
                INFO(id);
                CHECK(std::find(found.begin(), found.end(), id) != found.end());
            }
            CHECK(j["chain"]["trusted"] == c.trusted);
            // The same chain recorded and concluded without sockets agrees.
            const auto r = test::served_result(test::chain_of(testcase), root);
            REQUIRE(r.chain);
            CHECK(ids(*r.chain) == c.problems);
        }
    }
}

TEST_CASE("path validation: `tlsprobe cert` on the chain file concludes the same",
          "[chain][path][cert]") {
    for (const auto& c : cases()) {
        SECTION(c.testcase) {
            const auto run =
                run_cli({"cert", kCerts + c.testcase + ".chain.pem", "--ca-file",
                         kCerts + "root-ca.pem", "--at", "2026-06-01", "--host", "tlsprobe.test",
                         "--json"});
            INFO(run.err);
            REQUIRE(!run.out.empty());
            const auto j = nlohmann::json::parse(run.out);
            CHECK(j["chain"]["trusted"] == c.trusted);
            std::vector<std::string> found;
            for (const auto& f : j["findings"]) found.push_back(f["id"]);
            for (const auto& id : c.problems) {
                INFO(id);
                CHECK(std::find(found.begin(), found.end(), id) != found.end());
            }
        }
    }
}
