#include "x509/ocsp.hpp"

#include <ctime>
#include <fmt/format.h>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/text.hpp"

namespace tlsprobe::x509 {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
using Response = std::unique_ptr<OCSP_RESPONSE, Free<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using Basic = std::unique_ptr<OCSP_BASICRESP, Free<OCSP_BASICRESP, OCSP_BASICRESP_free>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;

Cert parse_cert(const core::Bytes& der) {
    const unsigned char* p = der.data();
    return Cert(der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::optional<std::chrono::system_clock::time_point> to_time(const ASN1_GENERALIZEDTIME* t) {
    if (!t) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    // system_clock counts nanoseconds: years outside 1678..2261 do not fit (a fuzzed time).
    if (tm.tm_year + 1900 < 1678 || tm.tm_year + 1900 > 2261) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string response_status_name(int s) {
    switch (s) {
        case OCSP_RESPONSE_STATUS_SUCCESSFUL: return "successful";
        case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: return "malformedRequest";
        case OCSP_RESPONSE_STATUS_INTERNALERROR: return "internalError";
        case OCSP_RESPONSE_STATUS_TRYLATER: return "tryLater";
        case OCSP_RESPONSE_STATUS_SIGREQUIRED: return "sigRequired";
        case OCSP_RESPONSE_STATUS_UNAUTHORIZED: return "unauthorized";
    }
    return fmt::format("status {}", s);
}

std::string responder_text(const OCSP_BASICRESP* bs) {
    const ASN1_OCTET_STRING* key = nullptr;
    const X509_NAME* name = nullptr;
    if (OCSP_resp_get0_id(bs, &key, &name) != 1) return "";
    if (name) {
        BIO* bio = BIO_new(BIO_s_mem());
        if (!bio) return "";
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        std::string out = n > 0 ? core::to_safe_utf8({data, static_cast<std::size_t>(n)}) : "";
        BIO_free(bio);
        return out;
    }
    if (!key) return "";
    std::string hex;
    for (int i = 0; i < ASN1_STRING_length(key); ++i)
        hex += fmt::format("{:02x}", ASN1_STRING_get0_data(key)[i]);
    return "key hash " + hex;
}

}  // namespace

OcspFacts parse_ocsp_response(const core::Bytes& der, const core::Bytes& leaf_der) {
    OcspFacts f;
    const unsigned char* p = der.data();
    Response response(der.empty() ? nullptr
                                  : d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    if (!response) {
        f.error = der.empty() ? "empty" : "not a DER OCSPResponse";
        return f;
    }
    f.parsed = true;
    f.response_status = response_status_name(OCSP_response_status(response.get()));
    Basic basic(OCSP_response_get1_basic(response.get()));
    if (!basic) return f;
    f.produced_at = to_time(OCSP_resp_get0_produced_at(basic.get()));
    f.responder = responder_text(basic.get());
    const Cert leaf = parse_cert(leaf_der);
    const ASN1_INTEGER* serial = leaf ? X509_get0_serialNumber(leaf.get()) : nullptr;
    OCSP_SINGLERESP* chosen = nullptr;
    for (int i = 0; i < OCSP_resp_count(basic.get()); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(basic.get(), i);
        ASN1_INTEGER* single_serial = nullptr;
        const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
        if (serial && id &&
            OCSP_id_get0_info(nullptr, nullptr, nullptr, &single_serial,
                              const_cast<OCSP_CERTID*>(id)) == 1 &&
            single_serial && ASN1_INTEGER_cmp(single_serial, serial) == 0) {
            chosen = single;
            f.matches_certificate = true;
            break;
        }
        if (!chosen) chosen = single;
    }
    if (!chosen) return f;
    int reason = 0;
    ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
    const int status =
        OCSP_single_get0_status(chosen, &reason, &revoked, &this_update, &next_update);
    f.cert_status = status == V_OCSP_CERTSTATUS_GOOD      ? "good"
                    : status == V_OCSP_CERTSTATUS_REVOKED ? "revoked"
                                                          : "unknown";
    f.this_update = to_time(this_update);
    f.next_update = to_time(next_update);
    f.revoked_at = to_time(revoked);
    return f;
}

bool requires_stapling(const core::Bytes& cert_der) {
    const Cert cert = parse_cert(cert_der);
    if (!cert) return false;
    const int at = X509_get_ext_by_NID(cert.get(), NID_tlsfeature, -1);
    if (at < 0) return false;
    // TLSFeature ::= SEQUENCE OF INTEGER (RFC 7633 §6); status_request is 5.
    auto* features =
        static_cast<STACK_OF(ASN1_INTEGER)*>(X509V3_EXT_d2i(X509_get_ext(cert.get(), at)));
    if (!features) return false;
    bool staple = false;
    for (int i = 0; i < sk_ASN1_INTEGER_num(features); ++i)
        if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features, i)) == 5) staple = true;
    sk_ASN1_INTEGER_pop_free(features, ASN1_INTEGER_free);
    return staple;
}

}  // namespace tlsprobe::x509
