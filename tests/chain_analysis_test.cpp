// Chain analysis over every served case of the test PKI (testcerts/README.md), against a
// trust store holding only "tlsprobe Test Root CA", at a fixed time.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <openssl/x509_vfy.h>
#include <set>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "check_fixtures.hpp"
#include "judge/finding.hpp"
#include "x509/chain_analysis.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::x509;
using namespace std::chrono;

namespace {

const std::string kCerts = TLSPROBE_TESTS_DIR "/../testcerts/";
const system_clock::time_point kNow = sys_days{2026y / June / 1};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing test file " + path + " (run testcerts/generate.sh)");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const TrustStore& test_root() {
    static const TrustStore store = TrustStore::from_locations(kCerts + "root-ca.pem", "");
    return store;
}

ChainInput input_for(const std::string& bundle, std::string host = "tlsprobe.test",
                     KeyExchange kx = KeyExchange::tls13) {
    ChainInput in;
    in.served = pem_to_der_chain(slurp(kCerts + bundle));
    in.hostname = std::move(host);
    in.now = kNow;
    in.key_exchange = kx;
    return in;
}

ChainReport analyze(const std::string& testcase, std::string host = "tlsprobe.test",
                    KeyExchange kx = KeyExchange::tls13) {
    return analyze_chain(input_for(testcase + ".chain.pem", std::move(host), kx), test_root());
}

std::vector<std::string> ids(const ChainReport& r) {
    std::vector<std::string> out;
    for (const auto& p : r.problems) out.push_back(std::string(to_string(p.kind)));
    return out;
}

std::vector<std::string> subjects(const std::vector<PathElement>& path) {
    std::vector<std::string> out;
    for (const auto& e : path) out.push_back(e.subject);
    return out;
}

std::vector<std::optional<std::size_t>> served_indices(const std::vector<PathElement>& path) {
    std::vector<std::optional<std::size_t>> out;
    for (const auto& e : path) out.push_back(e.certificate);
    return out;
}

using Index = std::optional<std::size_t>;

struct Expected {
    const char* testcase;
    bool trusted;
    std::vector<std::string> problems;  // in report order
};

}  // namespace

TEST_CASE("every served case yields exactly its problems", "[chain]") {
    const std::vector<Expected> table{
        {"good", true, {}},
        {"good-ecdsa", true, {}},
        {"leaf-only", false, {"chain.missing_intermediate"}},
        // Intermediate first: clients judge the intermediate as the server's certificate (no
        // name, keyUsage keyCertSign only: error 26), whatever comes after it.
        {"misordered",
         false,
         {"chain.leaf_not_first", "cert.hostname_mismatch", "cert.key_usage_incompatible"}},
        {"reversed",
         false,
         {"chain.leaf_not_first", "cert.hostname_mismatch", "cert.key_usage_incompatible"}},
        {"reversed-root-first",
         false,
         {"chain.leaf_not_first", "cert.hostname_mismatch", "cert.key_usage_incompatible"}},
        // Leaf first, the root before the intermediate: only the order is wrong.
        {"misordered-intermediates", true, {"chain.misordered", "chain.root_sent"}},
        {"expired-intermediate", false, {"chain.expired_intermediate"}},
        // Trusted-first path building reaches the store's root and never uses the expired
        // cross-signed copy: trusted, but the expired certificate is reported.
        {"dst-root-shape", true, {"chain.expired_intermediate"}},
        {"sha1-intermediate", true, {"cert.weak_signature"}},
        {"duplicate-cert", true, {"chain.duplicate_certificate"}},
        {"cn-only", true, {"cert.no_san"}},
        {"with-root", true, {"chain.root_sent"}},
        {"extra-cert", true, {"chain.extra_certificates"}},
        {"untrusted-root", false, {"chain.untrusted_root"}},
        {"self-signed", false, {"chain.self_signed"}},
        // Purpose sslserver is part of the verdict, as in a TLS client: error 26.
        {"client-auth-eku", false, {"cert.no_server_auth_eku"}},
        {"no-eku", true, {}},
        {"expired", false, {"cert.expired"}},
        {"not-yet-valid", false, {"cert.not_yet_valid"}},
        // The hostname is not part of the trust verdict.
        {"wrong-host", true, {"cert.hostname_mismatch"}},
        // OpenSSL's verifier has no security level of its own (auth_level -1): trusted, but
        // flagged.
        {"rsa1024", true, {"cert.weak_key"}},
        {"sha1", true, {"cert.weak_signature"}},
        {"key-usage-keyencipherment-only", true, {"cert.key_usage_incompatible"}},
        // OpenSSL 3.0 refuses a non-CA issuer (error 79) even outside strict mode.
        {"ca-without-basic-constraints", false, {"chain.ca_without_basic_constraints"}},
    };
    for (const auto& e : table) {
        SECTION(e.testcase) {
            const auto r = analyze(e.testcase);
            INFO("verify error " << r.verify_error << " " << r.verify_error_text);
            CHECK(ids(r) == e.problems);
            CHECK(r.trusted == e.trusted);
            CHECK((r.verify_error == 0) == e.trusted);
            CHECK(r.verify_error_text.empty() == e.trusted);
            for (const auto& p : r.problems) CHECK_FALSE(p.detail.empty());
        }
    }
}

TEST_CASE("verify errors name the client-side failure", "[chain]") {
    CHECK(analyze("leaf-only").verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK(analyze("self-signed").verify_error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    CHECK(analyze("expired").verify_error == X509_V_ERR_CERT_HAS_EXPIRED);
    CHECK(analyze("not-yet-valid").verify_error == X509_V_ERR_CERT_NOT_YET_VALID);
    CHECK(analyze("client-auth-eku").verify_error == X509_V_ERR_INVALID_PURPOSE);
    const auto untrusted = analyze("untrusted-root");
    CHECK(untrusted.verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK(untrusted.verify_error_depth == std::optional<int>(1));
    CHECK(untrusted.verify_error_text == "unable to get local issuer certificate");
}

TEST_CASE("a served untrusted root is error 19 and still chain.untrusted_root", "[chain]") {
    auto in = input_for("untrusted-root.chain.pem");
    in.served.push_back(pem_to_der_chain(slurp(kCerts + "other-root-ca.pem")).at(0));
    const auto r = analyze_chain(in, test_root());
    CHECK(r.verify_error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    CHECK(ids(r) == std::vector<std::string>{"chain.untrusted_root", "chain.root_sent"});
    CHECK(r.root_sent);
    REQUIRE(r.path.size() == 3);
    CHECK(r.path.back().subject == "CN=tlsprobe Other Root CA, O=tlsprobe Other");
    CHECK(served_indices(r.path) == std::vector<Index>{0, 1, 2});  // the served root ends it
}

TEST_CASE("the path runs from the leaf to the store's anchor", "[chain]") {
    const auto good = analyze("good");
    CHECK(subjects(good.path) ==
          std::vector<std::string>{"CN=tlsprobe.test, O=tlsprobe",
                                   "CN=tlsprobe Test Intermediate CA, O=tlsprobe",
                                   "CN=tlsprobe Test Root CA, O=tlsprobe"});
    CHECK(served_indices(good.path) == std::vector<Index>{0, 1, std::nullopt});
    CHECK_FALSE(good.path[1].from_trust_store());
    CHECK(good.path[2].from_trust_store());
    CHECK_FALSE(good.root_sent);
    CHECK(good.certificates.size() == 2);
    CHECK(good.leaf == 0);
    CHECK(good.hostname == HostnameMatch::match);

    const auto with_root = analyze("with-root");
    CHECK(with_root.root_sent);
    CHECK(with_root.path.size() == 3);
    CHECK(served_indices(with_root.path) == std::vector<Index>{0, 1, 2});
    CHECK(with_root.problems.at(0).certificate == std::optional<std::size_t>(2));

    const auto leaf_only = analyze("leaf-only");
    CHECK(leaf_only.path.size() == 1);
    CHECK(served_indices(leaf_only.path) == std::vector<Index>{0});
}

TEST_CASE("a reversed chain is judged on its first certificate, as clients do", "[chain]") {
    const auto r = analyze("reversed");  // intermediate, leaf
    CHECK(r.leaf == 0);
    REQUIRE(r.leaf_certificate() != nullptr);
    CHECK(r.leaf_certificate()->subject == "CN=tlsprobe Test Intermediate CA, O=tlsprobe");
    CHECK(r.hostname == HostnameMatch::mismatch);  // never "match" from the second certificate
    CHECK(r.verify_error == X509_V_ERR_INVALID_PURPOSE);
    CHECK(r.intended_leaf == Index(1));
    CHECK(r.correct_order == std::vector<std::size_t>{1, 0});
    REQUIRE(r.has(ChainProblemKind::leaf_not_first));
    const auto& p = r.problems.at(0);
    CHECK(p.kind == ChainProblemKind::leaf_not_first);
    CHECK(p.certificate == Index(1));
    // The detail names the certificate to put first, with its thumbprint, and the order.
    CHECK(p.detail.find("CN=tlsprobe.test, O=tlsprobe") != std::string::npos);
    CHECK(p.detail.find(r.certificates.at(1).sha1_hex) != std::string::npos);
    CHECK(p.detail.find("#2 'CN=tlsprobe.test, O=tlsprobe', then #1") != std::string::npos);
    CHECK_FALSE(r.has(ChainProblemKind::extra_certificates));  // the leaf is not "extra"
    CHECK_FALSE(r.has(ChainProblemKind::misordered));

    const auto upside_down = analyze("reversed-root-first");  // root, intermediate, leaf
    CHECK(upside_down.leaf_certificate()->subject == "CN=tlsprobe Test Root CA, O=tlsprobe");
    CHECK(upside_down.intended_leaf == Index(2));
    CHECK(upside_down.correct_order == std::vector<std::size_t>{2, 1, 0});
    CHECK_FALSE(upside_down.trusted);

    // Leaf first with the issuers out of order: misordered only, and the order to send.
    const auto mis = analyze("misordered-intermediates");  // leaf, root, intermediate
    CHECK_FALSE(mis.intended_leaf);
    CHECK(mis.hostname == HostnameMatch::match);
    CHECK(mis.correct_order == std::vector<std::size_t>{0, 2, 1});
    CHECK(served_indices(mis.path) == std::vector<Index>{0, 2, 1});  // path order
    CHECK(mis.problems.at(0).detail.find("#3 'CN=tlsprobe Test Intermediate CA, O=tlsprobe'") !=
          std::string::npos);

    // A leaf-first chain has no intended leaf of its own.
    const auto good = analyze("good");
    CHECK_FALSE(good.intended_leaf);
    CHECK(good.correct_order.empty());
}

TEST_CASE("expired CA certificates in the served chain: on the path or avoided (DST shape)",
          "[chain]") {
    const auto on_path = analyze("expired-intermediate");
    CHECK(on_path.verify_error == X509_V_ERR_CERT_HAS_EXPIRED);
    CHECK(on_path.verify_error_depth == std::optional<int>(1));
    REQUIRE(on_path.problems.size() == 1);
    CHECK(on_path.problems[0].certificate == Index(1));
    CHECK(on_path.problems[0].detail.find("2020-01-01") != std::string::npos);
    CHECK(on_path.problems[0].detail.find("intermediate #2") != std::string::npos);
    CHECK_FALSE(on_path.has(ChainProblemKind::expired));  // the leaf itself is fine

    const auto dst = analyze("dst-root-shape");  // leaf, intermediate, expired cross-signed root
    CHECK(dst.trusted);
    CHECK(served_indices(dst.path) == std::vector<Index>{0, 1, std::nullopt});  // store's root
    REQUIRE(dst.problems.size() == 1);
    CHECK(dst.problems[0].certificate == Index(2));
    CHECK(dst.problems[0].detail.find("2021-09-30") != std::string::npos);
    CHECK(dst.problems[0].detail.find("tlsprobe Legacy Root CA") != std::string::npos);
    // A client without trusted-first follows the served chain to the legacy root, which is
    // not in the store.
    CHECK(dst.problems[0].detail.find("unable to get") != std::string::npos);

    // The same chain for a store that trusts only the legacy root: every path needs the
    // expired cross-signed certificate, so nothing verifies.
    const auto legacy = TrustStore::from_locations(kCerts + "legacy-root-ca.pem", "");
    const auto old = analyze_chain(input_for("dst-root-shape.chain.pem"), legacy);
    CHECK_FALSE(old.trusted);
    CHECK(old.has(ChainProblemKind::expired_intermediate));
}

TEST_CASE("intermediate signatures, duplicates and the served anchor", "[chain]") {
    const auto sha1 = analyze("sha1-intermediate");
    REQUIRE(sha1.problems.size() == 1);
    CHECK(sha1.problems[0].certificate == Index(1));
    CHECK(sha1.problems[0].detail.find("intermediate #2 'CN=tlsprobe SHA-1 Intermediate CA") !=
          std::string::npos);
    CHECK(sha1.problems[0].detail.find("sha1WithRSAEncryption") != std::string::npos);

    const auto dup = analyze("duplicate-cert");
    REQUIRE(dup.problems.size() == 1);
    CHECK(dup.problems[0].certificate == Index(2));
    CHECK(served_indices(dup.path) == std::vector<Index>{0, 1, std::nullopt});

    // The served root is the store's anchor: informational only, and its own SHA-256
    // self-signature is never a weak-signature candidate anyway.
    const auto root = analyze("with-root");
    CHECK(root.trusted);
    CHECK(ids(root) == std::vector<std::string>{"chain.root_sent"});
    CHECK(root.path.back().certificate == Index(2));
}

TEST_CASE("the path is matched by DER: a served certificate sharing the issuer's name stays off it",
          "[chain]") {
    auto in = input_for("good.chain.pem");  // leaf, intermediate
    in.served.insert(in.served.begin() + 1, tlsprobe::testing::same_name_impostor(in.served.at(1)));
    const auto r = analyze_chain(in, test_root());  // leaf, impostor, intermediate
    REQUIRE(r.certificates.size() == 3);
    CHECK(r.certificates[1].subject == r.certificates[2].subject);
    CHECK(r.certificates[1].subject == r.certificates[0].issuer);  // a name match would pick #2
    CHECK(r.trusted);
    CHECK(served_indices(r.path) == std::vector<Index>{0, 2, std::nullopt});
    CHECK(subjects(r.path) ==
          std::vector<std::string>{"CN=tlsprobe.test, O=tlsprobe",
                                   "CN=tlsprobe Test Intermediate CA, O=tlsprobe",
                                   "CN=tlsprobe Test Root CA, O=tlsprobe"});
    CHECK(r.path.back().from_trust_store());
    CHECK(ids(r) == std::vector<std::string>{"chain.extra_certificates"});
    CHECK(r.problems[0].certificate == Index(1));  // the impostor is the one off the path
}

TEST_CASE("the extra certificate is the one named", "[chain]") {
    const auto r = analyze("extra-cert");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].certificate == std::optional<std::size_t>(2));
    CHECK(r.problems[0].detail.find("unrelated.example") != std::string::npos);
}

TEST_CASE("date problems carry the date and can come with chain problems", "[chain]") {
    const auto expired = analyze("expired");
    REQUIRE(expired.problems.size() == 1);
    CHECK(expired.problems[0].certificate == std::optional<std::size_t>(0));
    CHECK(expired.problems[0].detail.find("2020-01-01") != std::string::npos);
    CHECK(analyze("not-yet-valid").problems.at(0).detail.find("2090-01-01") != std::string::npos);

    // Only the expired leaf served: chain problems first, then the leaf's.
    auto in = input_for("expired.leaf.pem");
    const auto r = analyze_chain(in, test_root());
    CHECK(ids(r) == std::vector<std::string>{"chain.missing_intermediate", "cert.expired"});

    auto soon = input_for("good.chain.pem");
    soon.now = sys_days{2123y / December / 15};
    const auto s = analyze_chain(soon, test_root());
    CHECK(ids(s) ==
          std::vector<std::string>{"cert.expires_soon", "chain.intermediate_expires_soon"});
    CHECK(s.trusted);
    soon.expires_soon_days = 7;
    CHECK(analyze_chain(soon, test_root()).problems.empty());
}

TEST_CASE("hostnames: SAN DNS, IP literals, wildcard and CN fallback", "[chain][hostname]") {
    CHECK(analyze("good", "www.tlsprobe.test").hostname == HostnameMatch::match);
    CHECK(analyze("good", "TLSPROBE.test").hostname == HostnameMatch::match);
    CHECK(analyze("good", "tlsprobe.test.").hostname == HostnameMatch::match);
    CHECK(analyze("good", "localhost").hostname == HostnameMatch::match);
    CHECK(analyze("good", "127.0.0.1").hostname == HostnameMatch::match);
    CHECK(analyze("good", "::1").hostname == HostnameMatch::match);
    CHECK(analyze("good", "[::1]").hostname == HostnameMatch::match);
    CHECK(analyze("good", "10.0.0.1").hostname == HostnameMatch::mismatch);
    CHECK(analyze("good", "evil.test").hostname == HostnameMatch::mismatch);
    CHECK(analyze("good", "").hostname == HostnameMatch::not_checked);
    CHECK(analyze("good", "").problems.empty());

    CHECK(analyze("wildcard", "www.tlsprobe.test").hostname == HostnameMatch::match);
    CHECK(analyze("wildcard", "tlsprobe.test").hostname ==
          HostnameMatch::mismatch);  // * needs a label
    CHECK(analyze("wildcard", "a.b.tlsprobe.test").hostname ==
          HostnameMatch::mismatch);  // one label only

    const auto cn = analyze("cn-only");
    CHECK(cn.hostname == HostnameMatch::match_cn_fallback);  // never plain "match" from the CN
    CHECK(ids(cn) == std::vector<std::string>{"cert.no_san"});
    CHECK(cn.problems[0].detail.find("only in the subject CN") != std::string::npos);
    CHECK(analyze("cn-only", "www.tlsprobe.test").hostname == HostnameMatch::mismatch);
    // A DNS SAN disables the CN fallback: wrong-host's CN is tlsprobe.test, its SAN is not.
    const auto wrong = analyze("wrong-host");
    CHECK(wrong.hostname == HostnameMatch::mismatch);
    CHECK(wrong.problems.at(0).detail.find("other.example") != std::string::npos);
}

TEST_CASE("keyUsage is checked against the key exchange", "[chain]") {
    const std::string kenc = "key-usage-keyencipherment-only";
    CHECK(analyze(kenc, "tlsprobe.test", KeyExchange::rsa).problems.empty());
    CHECK(analyze(kenc, "tlsprobe.test", KeyExchange::ecdhe_or_dhe)
              .has(ChainProblemKind::key_usage_incompatible));
    CHECK(analyze(kenc, "tlsprobe.test", KeyExchange::tls13)
              .has(ChainProblemKind::key_usage_incompatible));
    CHECK_FALSE(analyze(kenc, "tlsprobe.test", KeyExchange::unknown)
                    .has(ChainProblemKind::key_usage_incompatible));
    CHECK(analyze("good", "tlsprobe.test", KeyExchange::rsa).problems.empty());
    CHECK(analyze("good-ecdsa", "tlsprobe.test", KeyExchange::ecdhe_or_dhe).problems.empty());
}

TEST_CASE("empty and unparsable chains", "[chain]") {
    ChainInput empty;
    empty.now = kNow;
    const auto e = analyze_chain(empty, test_root());
    CHECK(ids(e) == std::vector<std::string>{"chain.empty"});
    CHECK_FALSE(e.trusted);

    auto in = input_for("good.chain.pem");
    in.served.insert(in.served.begin() + 1, Bytes{0x30, 0x03, 0x02, 0x01});
    const auto r = analyze_chain(in, test_root());
    CHECK(ids(r) == std::vector<std::string>{"chain.unparsable"});
    CHECK(r.trusted);  // the garbage is skipped, the rest verifies
    CHECK(r.certificates.size() == 2);
    CHECK(r.problems[0].detail.find("#2") != std::string::npos);

    ChainInput garbage;
    garbage.now = kNow;
    garbage.served = {Bytes{1, 2, 3}};
    const auto g = analyze_chain(garbage, test_root());
    CHECK(ids(g) == std::vector<std::string>{"chain.unparsable"});
    CHECK(g.certificates.empty());
    CHECK_FALSE(g.trusted);
}

TEST_CASE("a store without our root makes the good chain untrusted", "[chain][trust]") {
    const auto other = TrustStore::from_locations(kCerts + "other-root-ca.pem", "");
    const auto r = analyze_chain(input_for("good.chain.pem"), other);
    CHECK(ids(r) == std::vector<std::string>{"chain.untrusted_root"});
    CHECK(r.problems[0].detail.find("tlsprobe Test Intermediate CA") != std::string::npos);
    CHECK(analyze_chain(input_for("untrusted-root.chain.pem"), other).trusted);
}

TEST_CASE("TrustStore loading errors name the file", "[trust]") {
    CHECK_THROWS_WITH(TrustStore::from_locations(kCerts + "no-such-root.pem", ""),
                      Catch::Contains("no-such-root.pem") && Catch::Contains("no such file"));
    CHECK_THROWS_WITH(TrustStore::from_locations(kCerts + "good.key", ""),
                      Catch::Contains("good.key") && Catch::Contains("no PEM certificate"));
    CHECK_THROWS_WITH(TrustStore::from_locations("", kCerts + "no-such-dir"),
                      Catch::Contains("no-such-dir"));
    CHECK_THROWS_AS(TrustStore::from_locations("", ""), std::runtime_error);
    CHECK(test_root().description() == "CA file " + kCerts + "root-ca.pem");
    CHECK(test_root().anchor_count() == 1);
    CHECK(TrustStore::system_default().description() == "system trust store");
}

TEST_CASE("a DER CA file (Windows .cer export) is accepted", "[trust]") {
    const auto der = pem_to_der_chain(slurp(kCerts + "root-ca.pem")).at(0);
    const auto path = std::filesystem::temp_directory_path() / "tlsprobe-chain-test-root.cer";
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(der.data()),
                  static_cast<std::streamsize>(der.size()));
    }
    const auto store = TrustStore::from_locations(path.string(), "");
    std::filesystem::remove(path);
    CHECK(analyze_chain(input_for("good.chain.pem"), store).trusted);
}

TEST_CASE("every chain problem kind has its registered stable id, and a finding of that id",
          "[chain]") {
    const auto kinds = chain_problem_kinds();
    REQUIRE(kinds.size() == 25);
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        INFO(kinds[i].id);
        CHECK(static_cast<std::size_t>(kinds[i].kind) == i);
        CHECK(to_string(kinds[i].kind) == kinds[i].id);
        CHECK(seen.insert(kinds[i].id).second);
        CHECK((kinds[i].id.starts_with("chain.") || kinds[i].id.starts_with("cert.")));
        CHECK(tlsprobe::judge::find_finding_kind(kinds[i].id) !=
              nullptr);  // the finding catalogue has it
    }
    CHECK(to_string(ChainProblemKind::missing_intermediate) == "chain.missing_intermediate");
    CHECK(to_string(ChainProblemKind::ca_without_basic_constraints) ==
          "chain.ca_without_basic_constraints");
    CHECK(to_string(ChainProblemKind::expired) == "cert.expired");
    CHECK(to_string(ChainProblemKind::weak_signature) == "cert.weak_signature");
    CHECK(to_string(ChainProblemKind::verify_failed) == "chain.verify_failed");
}

TEST_CASE("enum names are the stable ids", "[chain]") {
    CHECK(to_string(KeyExchange::ecdhe_or_dhe) == "ecdhe_or_dhe");
    CHECK(to_string(KeyExchange::tls13) == "tls13");
    CHECK(to_string(HostnameMatch::match_cn_fallback) == "match_cn_fallback");
    CHECK(to_string(HostnameMatch::not_checked) == "not_checked");
}

TEST_CASE("one analysis over several stores equals one analysis per store", "[chain]") {
    // The served certificates are parsed once and judged against each store in turn: the
    // reports must be those of separate analyses, including an entry that does not parse.
    const auto legacy = TrustStore::from_locations(kCerts + "legacy-root-ca.pem", "");
    const auto none = TrustStore::empty();
    const std::vector<const TrustStore*> stores{&test_root(), &legacy, &none};
    for (const char* bundle : {"dst-root-shape.chain.pem", "good.chain.pem"}) {
        auto input = input_for(bundle);
        input.served.push_back(Bytes{0x30, 0x03, 0x02, 0x01, 0x01});  // not a certificate
        const auto reports = analyze_chain(input, stores);
        REQUIRE(reports.size() == stores.size());
        for (std::size_t i = 0; i < stores.size(); ++i) {
            INFO(bundle << ", store " << i);
            const auto single = analyze_chain(input, *stores[i]);
            CHECK(reports[i].trusted == single.trusted);
            CHECK(reports[i].verify_error == single.verify_error);
            CHECK(ids(reports[i]) == ids(single));
            CHECK(subjects(reports[i].path) == subjects(single.path));
            CHECK(reports[i].certificates.size() == single.certificates.size());
            CHECK(reports[i].hostname == single.hostname);
            CHECK(reports[i].has(ChainProblemKind::unparsable));
        }
        // The stores do differ: the test root trusts what the empty store cannot.
        CHECK(reports[0].trusted != reports[2].trusted);
    }
}

TEST_CASE("a lazily decoded CA bundle verifies every case exactly as the eager one", "[chain]") {
    // Several anchors, a cross-signed root and an intermediate among them, so lookups by
    // subject find none, one or several certificates.
    const auto bundle_path =
        std::filesystem::temp_directory_path() /
        ("tlsprobe-lazy-bundle-" + std::to_string(::getpid()) + ".pem");
    {
        std::ofstream out(bundle_path, std::ios::binary);
        for (const char* f : {"other-root-ca.pem", "root-ca.pem", "legacy-root-ca.pem",
                              "root-ca-cross.pem", "other-intermediate-ca.pem", "unrelated.pem"})
            out << slurp(kCerts + f);
    }
    const auto eager = TrustStore::from_locations(bundle_path.string(), "");
    const auto lazy = TrustStore::from_bundle_lazily(bundle_path.string());
    CHECK(lazy.anchor_count() == eager.anchor_count());
    CHECK(lazy.description() == eager.description());
    std::size_t cases = 0, trusted = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kCerts)) {
        const auto name = entry.path().filename().string();
        if (!name.ends_with(".chain.pem")) continue;
        INFO(name);
        const auto in = input_for(name);
        // Each case twice against the lazy store: first decoding, then from OpenSSL's cache.
        for (int round = 0; round < 2; ++round) {
            const auto a = analyze_chain(in, eager);
            const auto b = analyze_chain(in, lazy);
            CHECK(b.trusted == a.trusted);
            CHECK(b.verify_error == a.verify_error);
            CHECK(b.verify_error_depth == a.verify_error_depth);
            CHECK(subjects(b.path) == subjects(a.path));
            CHECK(served_indices(b.path) == served_indices(a.path));
            CHECK(ids(b) == ids(a));
            if (round == 0) {
                ++cases;
                trusted += a.trusted ? 1 : 0;
            }
        }
    }
    CHECK(cases >= 20);
    CHECK(trusted >= 3);  // the comparison covers trusted paths, not only failures

    // A certificate whose structure is broken is refused up front, by its position.
    {
        const std::string good = slurp(kCerts + "root-ca.pem");
        std::string broken = good;
        const auto body = broken.find('\n') + 1;
        broken.replace(body, 8, "AAAAAAAA");  // the DER header and first bytes
        std::ofstream(bundle_path, std::ios::binary) << good << broken;
    }
    CHECK_THROWS_WITH(TrustStore::from_bundle_lazily(bundle_path.string()),
                      Catch::Contains("certificate #2 is not a valid X.509 certificate"));
    std::filesystem::remove(bundle_path);
    CHECK_THROWS_WITH(TrustStore::from_bundle_lazily(bundle_path.string()),
                      Catch::Contains("no such file"));
}
