// `tlsprobe cert` (issue 17): certificate files checked offline. The PFX, DER, PKCS#7 and
// encrypted-key inputs are built at test time with OpenSSL from the test PKI (testcerts/),
// so no key material beyond testcerts/ is committed. Trust: testcerts/root-ca.pem only; time
// pinned with --at.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <string>
#include <unistd.h>

#include "cli_run.hpp"
#include "judge/cert_file.hpp"
#include "x509/cert_file.hpp"

using namespace tlsprobe;
using test::run_cli;

namespace {

const std::string kCerts = TLSPROBE_TESTS_DIR "/../testcerts/";
const std::string kPassword = "pfx-s3cret";

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct StackDeleter {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct P12Deleter {
    void operator()(PKCS12* p) const { PKCS12_free(p); }
};
struct P7Deleter {
    void operator()(PKCS7* p) const { PKCS7_free(p); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

x509::X509Ptr load_cert(const std::string& name) {
    const std::string pem = slurp(kCerts + name);
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    REQUIRE(x);
    return x;
}

x509::PKeyPtr load_key(const std::string& name) {
    const std::string pem = slurp(kCerts + name);
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509::PKeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    REQUIRE(k);
    return k;
}

// A scratch directory for this process's generated inputs, removed at exit.
const std::filesystem::path& scratch() {
    static const struct Dir {
        std::filesystem::path path;
        Dir() {
            path = std::filesystem::temp_directory_path() /
                   ("tlsprobe-cert-test-" + std::to_string(::getpid()));
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } dir;
    return dir.path;
}

std::string write(const std::string& name, const std::string& bytes) {
    const auto path = scratch() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
}

std::string bio_bytes(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

// A PKCS#12 of `leaf` (+ `chain`), with `key` or without, protected by kPassword.
std::string make_pfx(const std::string& name, const std::string& leaf, const char* key,
                     std::vector<std::string> chain) {
    auto cert = load_cert(leaf);
    x509::PKeyPtr pkey = key ? load_key(key) : nullptr;
    std::unique_ptr<STACK_OF(X509), StackDeleter> ca(sk_X509_new_null());
    for (const auto& c : chain) sk_X509_push(ca.get(), load_cert(c).release());
    std::unique_ptr<PKCS12, P12Deleter> p12;
    if (pkey) {
        p12.reset(PKCS12_create(kPassword.c_str(), "tlsprobe", pkey.get(), cert.get(), ca.get(), 0,
                                0, 0, 0, 0));
    } else {  // certificates only: the leaf first, then the chain
        sk_X509_unshift(ca.get(), cert.release());
        p12.reset(PKCS12_create(kPassword.c_str(), nullptr, nullptr, nullptr, ca.get(), 0, 0, 0,
                                0, 0));
    }
    REQUIRE(p12);
    std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
    REQUIRE(i2d_PKCS12_bio(out.get(), p12.get()) == 1);
    return write(name, bio_bytes(out.get()));
}

std::string make_der(const std::string& name, const std::string& cert) {
    auto x = load_cert(cert);
    std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
    REQUIRE(i2d_X509_bio(out.get(), x.get()) == 1);
    return write(name, bio_bytes(out.get()));
}

std::string make_p7b(const std::string& name, std::vector<std::string> certs, bool pem) {
    std::unique_ptr<PKCS7, P7Deleter> p7(PKCS7_new());
    REQUIRE(PKCS7_set_type(p7.get(), NID_pkcs7_signed) == 1);
    REQUIRE(PKCS7_content_new(p7.get(), NID_pkcs7_data) == 1);
    for (const auto& c : certs) REQUIRE(PKCS7_add_certificate(p7.get(), load_cert(c).get()) == 1);
    std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
    REQUIRE((pem ? PEM_write_bio_PKCS7(out.get(), p7.get()) : i2d_PKCS7_bio(out.get(), p7.get())) ==
            1);
    return write(name, bio_bytes(out.get()));
}

std::string make_encrypted_key(const std::string& name, const std::string& key) {
    auto k = load_key(key);
    std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(out.get(), k.get(), EVP_aes_256_cbc(), kPassword.data(),
                                          static_cast<int>(kPassword.size()), nullptr,
                                          nullptr) == 1);
    return write(name, bio_bytes(out.get()));
}

std::vector<std::string> cert_args(std::vector<std::string> args) {
    args.insert(args.begin(), "cert");
    for (const auto& a : {"--ca-file", "ROOT", "--at", "2026-06-01", "--no-color"})
        args.push_back(std::string(a) == "ROOT" ? kCerts + "root-ca.pem" : a);
    return args;
}

nlohmann::json cert_json(std::vector<std::string> args, int expected_code) {
    args.push_back("--json");
    const auto r = run_cli(cert_args(args));
    INFO(r.err);
    REQUIRE(r.code == expected_code);
    return nlohmann::json::parse(r.out);
}

std::vector<std::string> finding_ids(const nlohmann::json& j) {
    std::vector<std::string> ids;
    for (const auto& f : j["findings"]) ids.push_back(f["id"]);
    return ids;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("cert: a full-chain PFX with its key answers S1 and S2 cleanly", "[cert]") {
    const auto pfx = make_pfx("full.pfx", "good.leaf.pem", "good.key", {"intermediate-ca.pem"});
    const auto j = cert_json({pfx, "--password", kPassword, "--host", "www.tlsprobe.test"}, 0);
    CHECK(j["verdict"] == "ok");
    CHECK(j["findings"].empty());
    CHECK(j["private_key"]["state"] == "matches");
    CHECK(j["private_key"]["matches_certificate"] == 0);
    CHECK(j["chain"]["trusted"] == true);
    CHECK(j["hosts"][0]["match"] == "match");
    CHECK(j["files"][0]["format"] == "PKCS#12");
    CHECK(j["files"][0]["certificates"] == 2);
    const std::string sha1 = slurp(kCerts + "good.leaf.sha1").substr(0, 40);
    CHECK(j["thumbprint"] == sha1);
    // Text: the thumbprint in the form certutil takes, and the install steps.
    const auto text = run_cli(cert_args({pfx, "--password", kPassword}));
    CHECK(text.code == 0);
    CHECK_THAT(text.out, Catch::Contains("certutil -repairstore my " + sha1) &&
                             Catch::Contains("certutil -importpfx " + pfx) &&
                             Catch::Contains("certhash=" + sha1) &&
                             Catch::Contains("openssl pkcs12 -in " + pfx + " -nokeys"));
    CHECK(text.out.find(kPassword) == std::string::npos);
}

TEST_CASE("cert: a PFX without its private key is S1", "[cert]") {
    const auto pfx = make_pfx("nokey.pfx", "good.leaf.pem", nullptr, {"intermediate-ca.pem"});
    const auto j = cert_json({pfx, "--password", kPassword}, 1);
    CHECK(j["private_key"]["state"] == "absent");
    CHECK(finding_ids(j) == std::vector<std::string>{"cert.no_private_key"});
    CHECK(j["verdict"] == "fail");
    const auto text = run_cli(cert_args({pfx, "--password", kPassword}));
    CHECK_THAT(text.out, Catch::Contains("certutil -repairstore my " + std::string(j["thumbprint"])));
}

TEST_CASE("cert: a leaf-only PFX lacks the intermediate", "[cert]") {
    const auto pfx = make_pfx("leafonly.pfx", "good.leaf.pem", "good.key", {});
    const auto j = cert_json({pfx, "--password", kPassword}, 1);
    CHECK(j["private_key"]["state"] == "matches");
    CHECK(finding_ids(j) == std::vector<std::string>{"chain.missing_intermediate"});
    CHECK(j["chain"]["trusted"] == false);
}

TEST_CASE("cert: the PFX password, missing or wrong, is a clear usage error", "[cert]") {
    const auto pfx = make_pfx("pw.pfx", "good.leaf.pem", "good.key", {"intermediate-ca.pem"});
    const auto wrong = run_cli(cert_args({pfx, "--password", "not-the-password"}));
    CHECK(wrong.code == 2);
    CHECK_THAT(wrong.err, Catch::Contains(pfx) && Catch::Contains("wrong password"));
    CHECK(wrong.err.find("not-the-password") == std::string::npos);
    const auto none = run_cli(cert_args({pfx}));
    CHECK(none.code == 2);
    CHECK_THAT(none.err, Catch::Contains(pfx) && Catch::Contains("--password-file"));
    // The right password from a file (its line ending dropped) opens it.
    const auto pass_file = write("pfx.pass", kPassword + "\r\n");
    const auto ok = run_cli(cert_args({pfx, "--password-file", pass_file}));
    CHECK(ok.code == 0);
    CHECK(run_cli(cert_args({pfx, "--password", "x", "--password-file", pass_file})).code == 2);
}

TEST_CASE("cert: a key that does not belong to the certificate", "[cert]") {
    const auto chain = kCerts + "good.chain.pem";
    SECTION("same type, another key") {
        const auto j = cert_json({chain, "--key", kCerts + "wrong-host.key"}, 1);
        CHECK(j["private_key"]["state"] == "mismatch");
        CHECK(finding_ids(j) == std::vector<std::string>{"cert.key_mismatch"});
    }
    SECTION("a key type the certificate does not carry") {
        const auto j = cert_json({chain, "--key", kCerts + "good-ecdsa.key"}, 1);
        CHECK(j["private_key"]["type"] == "EC");
        CHECK_THAT(std::string(j["findings"][0]["detail"]), Catch::Contains("another type"));
    }
    SECTION("the key of the intermediate, not of the leaf") {
        const auto j = cert_json({chain, "--key", kCerts + "intermediate-ca.key"}, 1);
        CHECK(j["private_key"]["matches_certificate"] == 1);
        CHECK(finding_ids(j) == std::vector<std::string>{"cert.key_mismatch"});
    }
    SECTION("the right key: no finding") {
        const auto j = cert_json({chain, "--key", kCerts + "good.key"}, 0);
        CHECK(j["private_key"]["state"] == "matches");
        CHECK(j["findings"].empty());
    }
}

TEST_CASE("cert: an encrypted key opens with the right password only", "[cert]") {
    const auto key = make_encrypted_key("enc.key", "good.key");
    const auto chain = kCerts + "good.chain.pem";
    const auto right = cert_json({chain, "--key", key, "--password", kPassword}, 0);
    CHECK(right["private_key"]["state"] == "matches");
    const auto wrong = cert_json({chain, "--key", key, "--password", "nope"}, 1);
    CHECK(wrong["private_key"]["state"] == "unreadable");
    CHECK(finding_ids(wrong) == std::vector<std::string>{"cert.key_unreadable"});
    CHECK_THAT(std::string(wrong["private_key"]["detail"]), Catch::Contains("wrong password"));
    const auto none = cert_json({chain, "--key", key}, 1);
    CHECK_THAT(std::string(none["private_key"]["detail"]), Catch::Contains("no password given"));
    // A PEM bundle with the encrypted key inside it reads the same way.
    const auto bundle = write("bundle.pem", slurp(chain) + slurp(key));
    CHECK(cert_json({bundle, "--password", kPassword}, 0)["private_key"]["state"] == "matches");
}

TEST_CASE("cert: DER and PKCS#7 inputs form one chain, in order", "[cert]") {
    const auto der = make_der("leaf.cer", "good.leaf.pem");
    const auto leaf_only = cert_json({der}, 1);
    CHECK(leaf_only["files"][0]["format"] == "DER");
    CHECK(finding_ids(leaf_only) == std::vector<std::string>{"chain.missing_intermediate"});
    const auto p7b = make_p7b("chain.p7b", {"intermediate-ca.pem"}, false);
    const auto both = cert_json({der, p7b}, 0);
    CHECK(both["files"][1]["format"] == "PKCS#7");
    CHECK(both["chain"]["trusted"] == true);
    const auto p7b_pem = make_p7b("chain.p7b.pem", {"good.leaf.pem", "intermediate-ca.pem"}, true);
    CHECK(cert_json({p7b_pem}, 0)["chain"]["trusted"] == true);
}

TEST_CASE("cert: S2 faults in the file use the live probe's finding ids", "[cert]") {
    CHECK(has(finding_ids(cert_json({kCerts + "client-auth-eku.chain.pem"}, 1)),
              "cert.no_server_auth_eku"));
    CHECK(has(finding_ids(cert_json({kCerts + "untrusted-root.chain.pem"}, 1)),
              "chain.untrusted_root"));
    CHECK(has(finding_ids(cert_json({kCerts + "misordered-intermediates.chain.pem"}, 0)),
              "chain.misordered"));
    CHECK(has(finding_ids(cert_json({kCerts + "extra-cert.chain.pem"}, 0)),
              "chain.extra_certificates"));
    CHECK(has(finding_ids(cert_json({kCerts + "rsa1024.chain.pem"}, 1)), "cert.weak_key"));
    CHECK(has(finding_ids(cert_json({kCerts + "sha1.chain.pem"}, 1)), "cert.weak_signature"));
    CHECK(has(finding_ids(cert_json({kCerts + "ca-without-basic-constraints.chain.pem"}, 1)),
              "chain.ca_without_basic_constraints"));
    CHECK(has(finding_ids(cert_json({kCerts + "key-usage-keyencipherment-only.chain.pem"}, 1)),
              "cert.key_usage_incompatible"));
    // Without the test root in the store, the good chain is not trusted.
    const auto r = run_cli({"cert", kCerts + "good.chain.pem", "--at", "2026-06-01", "--json",
                            "--ca-file", kCerts + "other-root-ca.pem"});
    CHECK(r.code == 1);
}

TEST_CASE("cert: --at checks validity at the go-live date", "[cert]") {
    const auto good = kCerts + "good.chain.pem";
    CHECK(cert_json({good}, 0)["findings"].empty());
    auto args = std::vector<std::string>{"cert", good, "--ca-file", kCerts + "root-ca.pem", "--json"};
    auto late = args;
    late.insert(late.end(), {"--at", "2124-06-01T00:00:00Z"});
    const auto r = run_cli(late);
    CHECK(r.code == 1);
    CHECK(has(finding_ids(nlohmann::json::parse(r.out)), "cert.expired"));
    auto soon = args;
    soon.insert(soon.end(), {"--at", "2123-12-20"});
    CHECK(has(finding_ids(nlohmann::json::parse(run_cli(soon).out)), "cert.expires_soon"));
    CHECK(has(finding_ids(cert_json({kCerts + "not-yet-valid.chain.pem"}, 1)), "cert.not_yet_valid"));
    auto bad = args;
    bad.insert(bad.end(), {"--at", "next tuesday"});
    const auto b = run_cli(bad);
    CHECK(b.code == 2);
    CHECK_THAT(b.err, Catch::Contains("--at") && Catch::Contains("next tuesday"));
}

TEST_CASE("cert: --host names are matched as the live probe matches them", "[cert]") {
    const auto j = cert_json({kCerts + "wildcard.chain.pem", "--host", "www.tlsprobe.test", "--host",
                              "tlsprobe.test", "--host", "a.b.tlsprobe.test"},
                             1);
    REQUIRE(j["hosts"].size() == 3);
    CHECK(j["hosts"][0]["match"] == "match");
    CHECK(j["hosts"][1]["match"] == "mismatch");
    CHECK(j["hosts"][2]["match"] == "mismatch");
    CHECK(finding_ids(j) == std::vector<std::string>{"cert.hostname_mismatch", "cert.hostname_mismatch"});
    // Unicode names go through IDNA first; IP literals match IP SANs.
    const auto idn = cert_json({kCerts + "good.chain.pem", "--host", "bücher.example", "--host",
                                "127.0.0.1", "--host", "[::1]"},
                               1);
    CHECK(idn["hosts"][0]["ascii"] == "xn--bcher-kva.example");
    CHECK(idn["hosts"][0]["match"] == "mismatch");
    CHECK(idn["hosts"][1]["match"] == "match");
    CHECK(idn["hosts"][2]["match"] == "match");
    CHECK(cert_json({kCerts + "cn-only.chain.pem", "--host", "tlsprobe.test"}, 1)["hosts"][0]["match"] ==
          "match_cn_fallback");
    CHECK(run_cli(cert_args({kCerts + "good.chain.pem", "--host", "bad..name"})).code == 2);
}

TEST_CASE("cert: garbage and unreadable files name the file and what is wrong", "[cert]") {
    const auto garbage = write("garbage.pfx", std::string("this is not a certificate\x01\x02", 27));
    const auto g = run_cli(cert_args({garbage}));
    CHECK(g.code == 2);
    CHECK_THAT(g.err, Catch::Contains(garbage) && Catch::Contains("not a certificate file"));
    const auto empty = write("empty.pem", "");
    CHECK_THAT(run_cli(cert_args({empty})).err, Catch::Contains(empty) && Catch::Contains("empty"));
    const auto damaged = write("damaged.pem", "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n");
    const auto d = run_cli(cert_args({damaged}));
    CHECK(d.code == 2);
    CHECK_THAT(d.err, Catch::Contains(damaged) && Catch::Contains("PEM block #1"));
    const auto key_only = run_cli(cert_args({kCerts + "good.key"}));
    CHECK(key_only.code == 2);
    CHECK_THAT(key_only.err, Catch::Contains("--key"));
    const auto missing = run_cli(cert_args({(scratch() / "no-such.pem").string()}));
    CHECK(missing.code == 2);
    CHECK_THAT(missing.err, Catch::Contains("no-such.pem") && Catch::Contains("cannot be opened"));
}

TEST_CASE("cert: read_cert_file recognises the format from the contents", "[cert][x509]") {
    const auto pfx = make_pfx("fmt.pfx", "good.leaf.pem", "good.key", {"intermediate-ca.pem"});
    const std::string bytes = slurp(pfx);
    const core::ByteView view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    const auto f = x509::read_cert_file("renamed.pem", view, kPassword);
    CHECK(f.format == x509::CertFileFormat::pkcs12);
    REQUIRE(f.certificates.size() == 2);
    REQUIRE(f.key);
    CHECK(f.key->type == "RSA");
    CHECK(f.key->bits == 2048);
    const auto leaf = x509::parse_certificate(f.certificates[0]);
    REQUIRE(leaf);
    CHECK(x509::key_matches(*leaf, f.key->key.get()));
    CHECK_THROWS_AS(x509::read_cert_file("renamed.pem", view, std::string("wrong")),
                    x509::CertFileError);
}

TEST_CASE("cert: a legacy PFX (RC2/3DES, as older Windows and OpenSSL 1.x write) opens", "[cert]") {
    // The openssl CLI writes it with the legacy provider; the reader loads that provider only
    // when a file needs it.
    const auto pfx = (scratch() / "legacy.pfx").string();
    const std::string command = "openssl pkcs12 -export -legacy -in '" + kCerts +
                                "good.leaf.pem' -inkey '" + kCerts + "good.key' -certfile '" +
                                kCerts + "intermediate-ca.pem' -passout pass:" + kPassword +
                                " -out '" + pfx + "' 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    const auto j = cert_json({pfx, "--password", kPassword, "--host", "tlsprobe.test"}, 0);
    CHECK(j["private_key"]["state"] == "matches");
    CHECK(j["chain"]["trusted"] == true);
    CHECK(j["files"][0]["certificates"] == 2);
}

TEST_CASE("cert: a PFX asking for an implausible iteration count is refused before any work",
          "[cert]") {
    // 1.5 million PBKDF2 iterations for the key, the certificates and the MAC: more than any
    // exporter writes (the cap is 1,000,000). A crafted count of 2^31 would take hours.
    const auto pfx = (scratch() / "slow.pfx").string();
    const std::string command = "openssl pkcs12 -export -iter 1500000 -in '" + kCerts +
                                "good.leaf.pem' -inkey '" + kCerts + "good.key' -passout pass:" +
                                kPassword + " -out '" + pfx + "' 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    const std::string bytes = slurp(pfx);
    const core::ByteView view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    CHECK_THROWS_WITH(x509::read_cert_file("slow.pfx", view, kPassword),
                      Catch::Contains("slow.pfx") && Catch::Contains("1500000") &&
                          Catch::Contains("iterations"));
    // The usual count (OpenSSL's 2048) reads as before.
    const auto usual = (scratch() / "usual.pfx").string();
    const std::string usual_command = "openssl pkcs12 -export -in '" + kCerts +
                                      "good.leaf.pem' -inkey '" + kCerts +
                                      "good.key' -passout pass:" + kPassword + " -out '" + usual +
                                      "' 2>/dev/null";
    REQUIRE(std::system(usual_command.c_str()) == 0);
    const std::string usual_bytes = slurp(usual);
    const core::ByteView usual_view(reinterpret_cast<const std::uint8_t*>(usual_bytes.data()),
                                    usual_bytes.size());
    CHECK(x509::read_cert_file("usual.pfx", usual_view, kPassword).certificates.size() == 1);
}
