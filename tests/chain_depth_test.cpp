// Issue 11 item 6: a chain OpenSSL refuses as too long (error 22) is never "works, trusted";
// the certificates it did not get to are not "not on the path". Built at test time.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <string>
#include <unistd.h>

#include "support.hpp"
#include "x509/chain_analysis.hpp"

using namespace tlsprobe;

namespace {

struct KeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ExtDeleter {
    void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};

void add_ext(X509* x, int nid, const char* value) {
    std::unique_ptr<X509_EXTENSION, ExtDeleter> ext(
        X509V3_EXT_conf_nid(nullptr, nullptr, nid, value));
    REQUIRE(ext);
    REQUIRE(X509_add_ext(x, ext.get(), -1) == 1);
}

// One shared P-256 key signs everything: only the names link the chain, which is enough.
x509::X509Ptr make_cert(const std::string& subject, const std::string& issuer, bool ca,
                        EVP_PKEY* key, long serial) {
    x509::X509Ptr x(X509_new());
    X509_set_version(x.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * 365);
    auto set_cn = [](X509_NAME* name, const std::string& cn) {
        REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                           reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                           -1, 0));
    };
    set_cn(X509_get_subject_name(x.get()), subject);
    set_cn(X509_get_issuer_name(x.get()), issuer);
    X509_set_pubkey(x.get(), key);
    if (ca) {
        add_ext(x.get(), NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x.get(), NID_subject_alt_name, "DNS:tlsprobe.test");
        add_ext(x.get(), NID_ext_key_usage, "serverAuth");
    }
    REQUIRE(X509_sign(x.get(), key, EVP_sha256()) > 0);
    return x;
}

core::Bytes der_of(X509* x) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(x, &der);
    REQUIRE(len > 0);
    core::Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

struct DeepChain {
    std::vector<core::Bytes> served;  // leaf, then 199 intermediates, each issued by the next
    std::shared_ptr<const x509::TrustStore> store;
};

const DeepChain& deep_chain() {
    static const DeepChain chain = [] {
        constexpr int kIntermediates = 199;
        std::unique_ptr<EVP_PKEY, KeyDeleter> key(EVP_EC_gen("P-256"));
        REQUIRE(key);
        DeepChain c;
        const auto root = make_cert("Deep Root", "Deep Root", true, key.get(), 1);
        std::vector<core::Bytes> intermediates;
        std::string issuer = "Deep Root";
        for (int i = kIntermediates; i >= 1; --i) {
            const std::string subject = "Deep Intermediate " + std::to_string(i);
            intermediates.insert(intermediates.begin(),
                                 der_of(make_cert(subject, issuer, true, key.get(), 1 + i).get()));
            issuer = subject;
        }
        c.served.push_back(
            der_of(make_cert("tlsprobe.test", issuer, false, key.get(), 1000).get()));
        c.served.insert(c.served.end(), intermediates.begin(), intermediates.end());

        const auto pem = std::filesystem::temp_directory_path() /
                         ("tlsprobe-deep-root-" + std::to_string(::getpid()) + ".pem");
        FILE* f = std::fopen(pem.c_str(), "w");
        REQUIRE(f);
        PEM_write_X509(f, root.get());
        std::fclose(f);
        c.store =
            std::make_shared<x509::TrustStore>(x509::TrustStore::from_locations(pem.string(), ""));
        std::filesystem::remove(pem);
        return c;
    }();
    return chain;
}

}  // namespace

TEST_CASE("a 200-certificate chain that is too long is a verify failure, not extra certificates",
          "[x509][chain]") {
    const auto& chain = deep_chain();
    REQUIRE(chain.served.size() == 200);
    x509::ChainInput in;
    in.served = chain.served;
    in.hostname = "tlsprobe.test";
    in.now = std::chrono::system_clock::now();
    in.key_exchange = x509::KeyExchange::tls13;
    const auto report = x509::analyze_chain(in, *chain.store);
    CHECK_FALSE(report.trusted);
    CHECK(report.verify_error == X509_V_ERR_CERT_CHAIN_TOO_LONG);
    CHECK(report.leaf == 0);
    REQUIRE(report.has(x509::ChainProblemKind::verify_failed));
    for (const auto& p : report.problems) {
        INFO(p.detail);
        CHECK(p.kind != x509::ChainProblemKind::extra_certificates);
        CHECK(p.kind != x509::ChainProblemKind::misordered);
        if (p.kind == x509::ChainProblemKind::verify_failed)
            CHECK(p.detail.find("error 22") != std::string::npos);
    }
}

TEST_CASE("judge: a chain that fails verification is never 'works, trusted'", "[judge][chain]") {
    const auto& chain = deep_chain();
    const auto r = test::served_result(chain.served, chain.store);
    REQUIRE(r.chain);
    CHECK_FALSE(r.chain->trusted);
    CHECK(r.verdict == probe::TargetVerdict::fail);
    INFO(r.summary);
    CHECK(r.summary.find("trusted and valid") == std::string::npos);
    CHECK(r.summary.find(" works") == std::string::npos);
    const bool has_finding =
        std::any_of(r.findings.begin(), r.findings.end(),
                    [](const probe::Finding& f) { return f.id == "chain.verify_failed"; });
    CHECK(has_finding);
}

TEST_CASE("the path of a too-long chain goes on with the served certificates", "[x509][chain]") {
    const auto& chain = deep_chain();
    x509::ChainInput in;
    in.served = chain.served;
    in.hostname = "tlsprobe.test";
    in.now = std::chrono::system_clock::now();
    const auto report = x509::analyze_chain(in, *chain.store);
    REQUIRE(report.path.size() == 200);
    for (std::size_t d = 0; d < report.path.size(); ++d)
        CHECK(report.path[d].certificate == std::optional<std::size_t>(d));
}
