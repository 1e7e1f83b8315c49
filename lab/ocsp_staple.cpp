#include "lab/ocsp_staple.hpp"

#include <cstring>
#include <memory>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <utility>

#include "core/openssl_error.hpp"

namespace tlsprobe::lab {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("lab OCSP response: " + what + ": " + core::take_openssl_error());
}

Owned<X509, X509_free> load_cert(const std::string& file) {
    BIO* bio = BIO_new_file(file.c_str(), "r");
    if (!bio) fail("cannot open " + file);
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!cert) fail("no certificate in " + file);
    return Owned<X509, X509_free>(cert);
}

Owned<EVP_PKEY, EVP_PKEY_free> load_key(const std::string& file) {
    BIO* bio = BIO_new_file(file.c_str(), "r");
    if (!bio) fail("cannot open " + file);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!key) fail("no private key in " + file);
    return Owned<EVP_PKEY, EVP_PKEY_free>(key);
}

}  // namespace

std::vector<std::uint8_t> make_ocsp_response(const OcspStapleSpec& spec) {
    const auto leaf = load_cert(spec.leaf_pem_file);
    const auto issuer = load_cert(spec.issuer_pem_file);
    const auto key = load_key(spec.issuer_key_file);
    // OCSP_basic_add1_status keeps its own copy of the id.
    Owned<OCSP_CERTID, OCSP_CERTID_free> id(OCSP_cert_to_id(EVP_sha1(), leaf.get(), issuer.get()));
    Owned<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_BASICRESP_new());
    if (!id || !basic) fail("allocation");
    Owned<ASN1_TIME, ASN1_TIME_free> this_update(
        X509_gmtime_adj(nullptr, static_cast<long>(spec.this_update.count())));
    Owned<ASN1_TIME, ASN1_TIME_free> next_update(
        X509_gmtime_adj(nullptr, static_cast<long>(spec.next_update.count())));
    Owned<ASN1_TIME, ASN1_TIME_free> revoked(X509_gmtime_adj(nullptr, -86400));
    const int status = spec.status == OcspStatus::good      ? V_OCSP_CERTSTATUS_GOOD
                       : spec.status == OcspStatus::revoked ? V_OCSP_CERTSTATUS_REVOKED
                                                            : V_OCSP_CERTSTATUS_UNKNOWN;
    if (!OCSP_basic_add1_status(
            basic.get(), id.get(), status,
            spec.status == OcspStatus::revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
            spec.status == OcspStatus::revoked ? revoked.get() : nullptr, this_update.get(),
            next_update.get()))
        fail("OCSP_basic_add1_status");
    if (OCSP_basic_sign(basic.get(), issuer.get(), key.get(), EVP_sha256(), nullptr, 0) != 1)
        fail("OCSP_basic_sign");
    Owned<OCSP_RESPONSE, OCSP_RESPONSE_free> response(
        OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    if (!response) fail("OCSP_response_create");
    const int n = i2d_OCSP_RESPONSE(response.get(), nullptr);
    if (n <= 0) fail("i2d_OCSP_RESPONSE");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    i2d_OCSP_RESPONSE(response.get(), &out);
    return der;
}

std::vector<std::uint8_t> make_must_staple_certificate(const std::string& name,
                                                       const std::string& issuer_pem_file,
                                                       const std::string& issuer_key_file) {
    const auto issuer = load_cert(issuer_pem_file);
    const auto issuer_key = load_key(issuer_key_file);
    Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
    Owned<X509, X509_free> cert(X509_new());
    if (!key || !cert) fail("allocation");
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x5747);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get()));
    X509_set_pubkey(cert.get(), key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer.get(), cert.get(), nullptr, nullptr, 0);
    const std::string san = "DNS:" + name;
    const std::pair<int, const char*> extensions[] = {{NID_subject_alt_name, san.c_str()},
                                                      {NID_tlsfeature, "status_request"}};
    for (const auto& [nid, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) fail("extension");
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) <= 0) fail("X509_sign");
    const int n = i2d_X509(cert.get(), nullptr);
    if (n <= 0) fail("i2d_X509");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    i2d_X509(cert.get(), &out);
    return der;
}

}  // namespace tlsprobe::lab
