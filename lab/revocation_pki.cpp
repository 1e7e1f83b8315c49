#include "lab/revocation_pki.hpp"

#include <fstream>
#include <memory>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>

#include "core/openssl_error.hpp"
#include "lab/paths.hpp"

namespace tlsprobe::lab {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("lab revocation PKI: " + what + ": " + core::take_openssl_error());
}

Owned<X509, X509_free> load_cert(const std::string& file) {
    Owned<BIO, BIO_free_all> bio(BIO_new_file(file.c_str(), "r"));
    if (!bio) fail("cannot open " + file);
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!cert) fail("no certificate in " + file);
    return Owned<X509, X509_free>(cert);
}

Owned<EVP_PKEY, EVP_PKEY_free> load_key(const std::string& file) {
    Owned<BIO, BIO_free_all> bio(BIO_new_file(file.c_str(), "r"));
    if (!bio) fail("cannot open " + file);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!key) fail("no private key in " + file);
    return Owned<EVP_PKEY, EVP_PKEY_free>(key);
}

std::string issuer_pem(const std::string& given) {
    return given.empty() ? testcert("intermediate-ca.pem").string() : given;
}
std::string issuer_key(const std::string& given) {
    return given.empty() ? testcert("intermediate-ca.key").string() : given;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail("cannot read " + file.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) fail("cannot write " + file.string());
}

template <typename Write>
std::string pem_of(Write write) {
    Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) fail("PEM output");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

UrlLeaf make_url_leaf(const UrlLeafSpec& spec, const std::filesystem::path& dir,
                      const std::string& stem) {
    UrlLeaf out;
    out.issuer_pem_file = issuer_pem(spec.issuer_pem_file);
    const auto issuer = load_cert(out.issuer_pem_file.string());
    const auto issuer_key_ = load_key(issuer_key(spec.issuer_key_file));
    Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
    Owned<X509, X509_free> cert(X509_new());
    if (!key || !cert) fail("allocation");
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 24 * 3600);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.name.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get()));
    X509_set_pubkey(cert.get(), key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer.get(), cert.get(), nullptr, nullptr, 0);
    std::vector<std::pair<int, std::string>> extensions = {
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_alt_name, "DNS:" + spec.name},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid"}};
    std::string aia;
    if (!spec.ca_issuers_url.empty()) aia = "caIssuers;URI:" + spec.ca_issuers_url;
    if (!spec.ocsp_url.empty())
        aia += (aia.empty() ? "" : ",") + std::string("OCSP;URI:") + spec.ocsp_url;
    if (!aia.empty()) extensions.emplace_back(NID_info_access, aia);
    if (!spec.crl_url.empty())
        extensions.emplace_back(NID_crl_distribution_points, "URI:" + spec.crl_url);
    for (const auto& [nid, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (!ext) fail("extension " + value);
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (!spec.sct_list.empty()) {
        // The extension's value is an OCTET STRING holding the TLS-encoded list (RFC 6962
        // §3.3); X509_EXTENSION wants that value's DER.
        Owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> inner(ASN1_OCTET_STRING_new());
        if (!inner || ASN1_OCTET_STRING_set(inner.get(), spec.sct_list.data(),
                                            static_cast<int>(spec.sct_list.size())) != 1)
            fail("SCT list");
        unsigned char* der = nullptr;
        const int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
        Owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> value(ASN1_OCTET_STRING_new());
        const bool ok = der_len > 0 && value && ASN1_OCTET_STRING_set(value.get(), der, der_len) == 1;
        OPENSSL_free(der);
        if (!ok) fail("SCT list");
        X509_EXTENSION* ext =
            X509_EXTENSION_create_by_NID(nullptr, NID_ct_precert_scts, 0, value.get());
        if (!ext) fail("SCT list extension");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), issuer_key_.get(), EVP_sha256()) <= 0) fail("X509_sign");
    const int n = i2d_X509(cert.get(), nullptr);
    if (n <= 0) fail("i2d_X509");
    out.der.resize(static_cast<std::size_t>(n));
    unsigned char* p = out.der.data();
    i2d_X509(cert.get(), &p);

    const std::string leaf_pem = pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    out.leaf_pem_file = dir / (stem + ".leaf.pem");
    out.chain_pem_file = dir / (stem + ".chain.pem");
    out.key_file = dir / (stem + ".key");
    write_text(out.leaf_pem_file, leaf_pem);
    write_text(out.chain_pem_file, leaf_pem + read_text(out.issuer_pem_file));
    write_text(out.key_file, pem_of([&](BIO* b) {
                   return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr,
                                                   nullptr);
               }));
    return out;
}

std::vector<std::uint8_t> make_crl(const std::vector<long>& revoked_serials,
                                   std::string issuer_pem_file, std::string issuer_key_file,
                                   std::chrono::seconds next_update) {
    const auto issuer = load_cert(issuer_pem(issuer_pem_file));
    const auto key = load_key(issuer_key(issuer_key_file));
    Owned<X509_CRL, X509_CRL_free> crl(X509_CRL_new());
    if (!crl) fail("allocation");
    X509_CRL_set_version(crl.get(), 1);  // v2
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get()));
    Owned<ASN1_TIME, ASN1_TIME_free> last(X509_gmtime_adj(nullptr, -3600));
    Owned<ASN1_TIME, ASN1_TIME_free> next(
        X509_gmtime_adj(nullptr, static_cast<long>(next_update.count())));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), next.get());
    for (const long serial : revoked_serials) {
        X509_REVOKED* entry = X509_REVOKED_new();
        Owned<ASN1_INTEGER, ASN1_INTEGER_free> number(ASN1_INTEGER_new());
        Owned<ASN1_TIME, ASN1_TIME_free> when(X509_gmtime_adj(nullptr, -86400));
        Owned<ASN1_ENUMERATED, ASN1_ENUMERATED_free> reason(ASN1_ENUMERATED_new());
        if (!entry || !number || !when || !reason) fail("allocation");
        ASN1_INTEGER_set(number.get(), serial);
        ASN1_ENUMERATED_set(reason.get(), 1);  // keyCompromise
        X509_REVOKED_set_serialNumber(entry, number.get());
        X509_REVOKED_set_revocationDate(entry, when.get());
        X509_REVOKED_add1_ext_i2d(entry, NID_crl_reason, reason.get(), 0, 0);
        X509_CRL_add0_revoked(crl.get(), entry);
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0) fail("X509_CRL_sign");
    const int n = i2d_X509_CRL(crl.get(), nullptr);
    if (n <= 0) fail("i2d_X509_CRL");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509_CRL(crl.get(), &p);
    return der;
}

std::vector<std::uint8_t> pem_file_to_der(const std::filesystem::path& pem_file) {
    const auto cert = load_cert(pem_file.string());
    const int n = i2d_X509(cert.get(), nullptr);
    if (n <= 0) fail("i2d_X509");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509(cert.get(), &p);
    return der;
}

}  // namespace tlsprobe::lab
