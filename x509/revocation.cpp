#include "x509/revocation.hpp"

#include <ctime>
#include <fmt/format.h>
#include <memory>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/openssl_error.hpp"
#include "core/text.hpp"
#include "x509/cert_file.hpp"

namespace tlsprobe::x509 {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, Free<T, F>>;
using Cert = Owned<X509, X509_free>;
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_free(s); }

// At most this many URLs of each kind are taken from one certificate.
constexpr std::size_t kMaxUrls = 8;

Cert parse_cert(const core::Bytes& der) {
    const unsigned char* p = der.data();
    return Cert(der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::optional<std::chrono::system_clock::time_point> to_time(const ASN1_TIME* t) {
    if (!t) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    // system_clock counts nanoseconds: years outside 1678..2261 do not fit (a fuzzed time).
    if (tm.tm_year + 1900 < 1678 || tm.tm_year + 1900 > 2261) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string name_text(const X509_NAME* name) {
    if (!name) return "";
    Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
    if (!bio) return "";
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 ? core::to_safe_utf8({data, static_cast<std::size_t>(n)}) : "";
}

void add_uri(std::vector<std::string>& out, const GENERAL_NAME* name) {
    if (!name || name->type != GEN_URI || out.size() >= kMaxUrls) return;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    if (!uri) return;
    out.push_back(core::to_safe_utf8(
        {reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
         static_cast<std::size_t>(ASN1_STRING_length(uri))}));
}

}  // namespace

CertificateUrls certificate_urls(const core::Bytes& cert_der) {
    CertificateUrls urls;
    const Cert cert = parse_cert(cert_der);
    if (!cert) return urls;
    auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(
        X509_get_ext_d2i(cert.get(), NID_info_access, nullptr, nullptr));
    if (aia) {
        for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); ++i) {
            const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, i);
            const int nid = OBJ_obj2nid(ad->method);
            if (nid == NID_ad_ca_issuers) add_uri(urls.ca_issuers, ad->location);
            if (nid == NID_ad_OCSP) add_uri(urls.ocsp, ad->location);
        }
        AUTHORITY_INFO_ACCESS_free(aia);
    }
    auto* dps = static_cast<STACK_OF(DIST_POINT)*>(
        X509_get_ext_d2i(cert.get(), NID_crl_distribution_points, nullptr, nullptr));
    if (dps) {
        for (int i = 0; i < sk_DIST_POINT_num(dps); ++i) {
            const DIST_POINT* dp = sk_DIST_POINT_value(dps, i);
            if (!dp->distpoint || dp->distpoint->type != 0) continue;  // fullName only
            const GENERAL_NAMES* names = dp->distpoint->name.fullname;
            for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j)
                add_uri(urls.crl, sk_GENERAL_NAME_value(names, j));
        }
        sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    }
    return urls;
}

std::vector<core::Bytes> read_fetched_certificates(core::ByteView bytes, std::string* error) {
    try {
        auto file = read_cert_file("the fetched file", bytes, std::nullopt);
        if (file.certificates.empty() && error) *error = "no certificate in the fetched file";
        return std::move(file.certificates);
    } catch (const CertFileError& e) {
        if (error) *error = e.what();
    }
    return {};
}

bool issued_by(const core::Bytes& child_der, const core::Bytes& issuer_der, std::string* why) {
    const Cert child = parse_cert(child_der), issuer = parse_cert(issuer_der);
    auto fail = [&](std::string text) {
        if (why) *why = std::move(text);
        return false;
    };
    if (!child || !issuer) return fail("a certificate does not parse");
    if (const int rc = X509_check_issued(issuer.get(), child.get()); rc != X509_V_OK)
        return fail(fmt::format("not its issuer: {}", X509_verify_cert_error_string(rc)));
    EVP_PKEY* key = X509_get0_pubkey(issuer.get());
    if (!key || X509_verify(child.get(), key) != 1) {
        core::take_openssl_error();
        return fail("the signature does not verify with the issuer's key");
    }
    return true;
}

core::Bytes find_issuer_in_store(const core::Bytes& child_der, const TrustStore& store) {
    const Cert child = parse_cert(child_der);
    if (!child) return {};
    Owned<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.native(), child.get(), nullptr) != 1)
        return {};
    X509* found = nullptr;
    if (X509_STORE_CTX_get1_issuer(&found, ctx.get(), child.get()) != 1 || !found) {
        core::take_openssl_error();
        return {};
    }
    const Cert issuer(found);
    const int n = i2d_X509(issuer.get(), nullptr);
    if (n <= 0) return {};
    core::Bytes der(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    i2d_X509(issuer.get(), &out);
    return der;
}

std::string to_pem(const core::Bytes& cert_der) {
    const Cert cert = parse_cert(cert_der);
    if (!cert) return "";
    Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) return "";
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : "";
}

core::Bytes make_ocsp_request(const core::Bytes& leaf_der, const core::Bytes& issuer_der) {
    const Cert leaf = parse_cert(leaf_der), issuer = parse_cert(issuer_der);
    if (!leaf || !issuer) return {};
    Owned<OCSP_REQUEST, OCSP_REQUEST_free> request(OCSP_REQUEST_new());
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf.get(), issuer.get());
    if (!request || !id || !OCSP_request_add0_id(request.get(), id)) {
        OCSP_CERTID_free(id);
        return {};
    }
    const int n = i2d_OCSP_REQUEST(request.get(), nullptr);
    if (n <= 0) return {};
    core::Bytes der(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    i2d_OCSP_REQUEST(request.get(), &out);
    return der;
}

OcspSignature verify_ocsp_signature(const core::Bytes& response_der,
                                    const core::Bytes& issuer_der) {
    OcspSignature s;
    const unsigned char* p = response_der.data();
    Owned<OCSP_RESPONSE, OCSP_RESPONSE_free> response(
        response_der.empty()
            ? nullptr
            : d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response_der.size())));
    if (!response) {
        s.detail = "not an OCSP response";
        return s;
    }
    Owned<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_response_get1_basic(response.get()));
    if (!basic) {
        s.detail = "no basic response to verify";
        return s;
    }
    s.checked = true;
    const Cert issuer = parse_cert(issuer_der);
    if (!issuer) {
        s.detail = "the issuer certificate is not known";
        return s;
    }
    // The issuer is the only anchor: the response is signed by it, or by a responder
    // certificate it issued (carried in the response) with the OCSP signing EKU.
    Owned<X509_STORE, X509_STORE_free> store(X509_STORE_new());
    Owned<STACK_OF(X509), free_x509_stack> certs(sk_X509_new_null());
    if (!store || !certs || X509_STORE_add_cert(store.get(), issuer.get()) != 1 ||
        !sk_X509_push(certs.get(), issuer.get())) {
        s.detail = "allocation";
        return s;
    }
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    if (OCSP_basic_verify(basic.get(), certs.get(), store.get(), 0) == 1) {
        s.valid = true;
    } else {
        const std::string reason = core::take_openssl_error();
        s.detail = "the signature does not verify with the issuer" +
                   (reason.empty() ? std::string() : " (" + reason + ")");
    }
    return s;
}

OcspCheckFacts judge_ocsp_response(const core::Bytes& response_der, const core::Bytes& leaf_der,
                                   const core::Bytes& issuer_der) {
    OcspCheckFacts out;
    out.facts = parse_ocsp_response(response_der, leaf_der);
    if (!out.facts.parsed) return out;
    out.signature = verify_ocsp_signature(response_der, issuer_der);
    if (out.facts.cert_status != "revoked") return out;
    // The reason of the single response about this certificate (the CertID from leaf + issuer).
    const Cert leaf = parse_cert(leaf_der), issuer = parse_cert(issuer_der);
    if (!leaf || !issuer) return out;
    const unsigned char* p = response_der.data();
    Owned<OCSP_RESPONSE, OCSP_RESPONSE_free> response(
        d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response_der.size())));
    Owned<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(
        response ? OCSP_response_get1_basic(response.get()) : nullptr);
    Owned<OCSP_CERTID, OCSP_CERTID_free> id(OCSP_cert_to_id(EVP_sha1(), leaf.get(), issuer.get()));
    int status = -1, reason = -1;
    if (basic && id &&
        OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, nullptr, nullptr,
                              nullptr) == 1 &&
        reason >= 0)
        out.revocation_reason = reason;
    return out;
}

CrlFacts judge_crl(core::ByteView bytes, const core::Bytes& leaf_der,
                   const core::Bytes& issuer_der) {
    CrlFacts f;
    const unsigned char* p = bytes.data();
    Owned<X509_CRL, X509_CRL_free> crl(
        bytes.empty() ? nullptr : d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    if (!crl && !bytes.empty()) {
        Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
        if (bio) crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    }
    core::take_openssl_error();
    if (!crl) {
        f.error = bytes.empty() ? "empty" : "not a DER or PEM X.509 CRL";
        return f;
    }
    f.parsed = true;
    f.issuer = name_text(X509_CRL_get_issuer(crl.get()));
    f.this_update = to_time(X509_CRL_get0_lastUpdate(crl.get()));
    f.next_update = to_time(X509_CRL_get0_nextUpdate(crl.get()));
    const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    f.entries = revoked ? static_cast<std::size_t>(sk_X509_REVOKED_num(revoked)) : 0;
    const Cert leaf = parse_cert(leaf_der), issuer = parse_cert(issuer_der);
    if (leaf)
        f.issuer_matches =
            X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(leaf.get())) == 0;
    if (issuer) {
        EVP_PKEY* key = X509_get0_pubkey(issuer.get());
        f.signature_valid = key && X509_CRL_verify(crl.get(), key) == 1;
        core::take_openssl_error();
    }
    if (!leaf) return f;
    X509_REVOKED* entry = nullptr;
    // 1: listed; 2: listed with removeFromCRL (a delta CRL's "no longer revoked").
    if (X509_CRL_get0_by_serial(crl.get(), &entry,
                                const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(leaf.get()))) ==
            1 &&
        entry) {
        f.revoked = true;
        f.revoked_at = to_time(X509_REVOKED_get0_revocationDate(entry));
        auto* reason = static_cast<ASN1_ENUMERATED*>(
            X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
        if (reason) {
            f.reason = static_cast<int>(ASN1_ENUMERATED_get(reason));
            ASN1_ENUMERATED_free(reason);
        }
    }
    core::take_openssl_error();
    return f;
}

std::string crl_reason_name(int reason) {
    switch (reason) {
        case 0: return "unspecified";
        case 1: return "keyCompromise";
        case 2: return "cACompromise";
        case 3: return "affiliationChanged";
        case 4: return "superseded";
        case 5: return "cessationOfOperation";
        case 6: return "certificateHold";
        case 8: return "removeFromCRL";
        case 9: return "privilegeWithdrawn";
        case 10: return "aACompromise";
    }
    return fmt::format("reason {}", reason);
}

}  // namespace tlsprobe::x509
