#include "x509/certificate.hpp"

#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <ctime>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdexcept>

#include "core/text.hpp"

namespace tlsprobe::x509 {

using core::Bytes;
using core::ByteView;
using core::to_hex;
namespace {

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct GeneralNamesDeleter {
    void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};
struct EkuDeleter {
    void operator()(EXTENDED_KEY_USAGE* e) const { EXTENDED_KEY_USAGE_free(e); }
};
struct BignumDeleter {
    void operator()(BIGNUM* b) const { BN_free(b); }
};

// X509v3_KU_* bits with the names RFC 5280 §4.2.1.3 gives them, in bit order.
struct KeyUsageName {
    std::uint32_t bit;
    const char* name;
};
constexpr std::array<KeyUsageName, 9> kKeyUsageNames{{
    {X509v3_KU_DIGITAL_SIGNATURE, "digitalSignature"},
    {X509v3_KU_NON_REPUDIATION, "nonRepudiation"},
    {X509v3_KU_KEY_ENCIPHERMENT, "keyEncipherment"},
    {X509v3_KU_DATA_ENCIPHERMENT, "dataEncipherment"},
    {X509v3_KU_KEY_AGREEMENT, "keyAgreement"},
    {X509v3_KU_KEY_CERT_SIGN, "keyCertSign"},
    {X509v3_KU_CRL_SIGN, "cRLSign"},
    {X509v3_KU_ENCIPHER_ONLY, "encipherOnly"},
    {X509v3_KU_DECIPHER_ONLY, "decipherOnly"},
}};

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string openssl_error_text() {
    const char* reason = ERR_reason_error_string(ERR_peek_last_error());
    std::string text = reason ? reason : "unknown error";
    ERR_clear_error();
    return text;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string serial_text(const X509* x) {
    std::unique_ptr<BIGNUM, BignumDeleter> bn(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    std::string out = hex ? lower(hex) : std::string();
    OPENSSL_free(hex);
    return out;
}

std::string digest_hex(const X509* x, const EVP_MD* md) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
    unsigned int len = 0;
    if (!X509_digest(x, md, buf.data(), &len)) return {};
    return to_hex(ByteView(buf.data(), len));
}

std::chrono::sys_seconds time_value(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return {};
    using namespace std::chrono;
    const sys_days day = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                         static_cast<unsigned>(tm.tm_mday);
    return day + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
    const unsigned char* data = ASN1_STRING_get0_data(ip);
    const int len = ASN1_STRING_length(ip);
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (len == 4 && inet_ntop(AF_INET, data, buf.data(), buf.size())) return buf.data();
    if (len == 16 && inet_ntop(AF_INET6, data, buf.data(), buf.size())) return buf.data();
    return "invalid IP (" + std::to_string(len) + " bytes)";
}

// Whatever the certificate holds, as safe UTF-8: the wide and Latin-1 types (BMPString,
// UniversalString, T61String) are converted by OpenSSL first; the others are meant to be
// ASCII or UTF-8 already, so their bytes go through as they are, anything else escaped.
std::string string_text(const ASN1_STRING* s) {
    const int type = ASN1_STRING_type(s);
    const bool convert =
        type == V_ASN1_BMPSTRING || type == V_ASN1_UNIVERSALSTRING || type == V_ASN1_T61STRING;
    unsigned char* utf8 = nullptr;
    if (const int len = convert ? ASN1_STRING_to_UTF8(&utf8, s) : -1; len >= 0) {
        std::string out = core::to_safe_utf8(
            {reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len)});
        OPENSSL_free(utf8);
        return out;
    }
    ERR_clear_error();
    return core::to_safe_utf8({reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                               static_cast<std::size_t>(ASN1_STRING_length(s))});
}

void read_san(X509* x, CertificateInfo& info) {
    std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
        if (gen->type == GEN_DNS) info.san_dns.push_back(string_text(gen->d.dNSName));
        if (gen->type == GEN_IPADD) info.san_ip.push_back(ip_text(gen->d.iPAddress));
    }
}

std::optional<std::string> last_common_name(const X509_NAME* name) {
    int index = -1;
    for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) index = i;
    if (index < 0) return std::nullopt;
    return string_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

std::string object_name(const ASN1_OBJECT* obj) {
    if (const int nid = OBJ_obj2nid(obj); nid != NID_undef) return OBJ_nid2sn(nid);
    std::array<char, 128> buf{};
    OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return buf.data();
}

void read_eku(X509* x, CertificateInfo& info) {
    if (X509_get_ext_by_NID(x, NID_ext_key_usage, -1) < 0) return;
    info.eku.emplace();  // present: a damaged extension then allows nothing, as in OpenSSL
    std::unique_ptr<EXTENDED_KEY_USAGE, EkuDeleter> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
    if (!eku) return;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
        info.eku->push_back(core::to_safe_utf8(object_name(sk_ASN1_OBJECT_value(eku.get(), i))));
}

void read_key(X509* x, CertificateInfo& info) {
    EVP_PKEY* key = X509_get0_pubkey(x);
    if (!key) {
        info.key_type = "unknown";
        return;
    }
    info.key_bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA: info.key_type = "RSA"; break;
        case EVP_PKEY_RSA_PSS: info.key_type = "RSA-PSS"; break;
        case EVP_PKEY_EC: info.key_type = "EC"; break;
        case EVP_PKEY_ED25519: info.key_type = "Ed25519"; break;
        case EVP_PKEY_ED448: info.key_type = "Ed448"; break;
        case EVP_PKEY_DSA: info.key_type = "DSA"; break;
        default:
            info.key_type = EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
    }
    if (info.key_type == "EC") {
        std::array<char, 80> group{};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                           group.size(), &len))
            info.curve.assign(group.data(), len);
    }
}

void read_signature(X509* x, CertificateInfo& info) {
    if (const int nid = X509_get_signature_nid(x); nid != NID_undef) {
        info.signature_algorithm = OBJ_nid2ln(nid);
    } else {
        const X509_ALGOR* alg = nullptr;
        X509_get0_signature(nullptr, &alg, x);
        const ASN1_OBJECT* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
        info.signature_algorithm = obj ? object_name(obj) : "unknown";
    }
    // X509_get_signature_info also resolves RSA-PSS parameters to their hash.
    int md_nid = NID_undef;
    if (X509_get_signature_info(x, &md_nid, nullptr, nullptr, nullptr) && md_nid != NID_undef)
        info.signature_digest = OBJ_nid2sn(md_nid);
}

}  // namespace

// RFC 2253 order (most specific first) as users know it from browsers, but with ", " between
// the parts and UTF-8 kept as is: the RFC's \XX escapes are unreadable in a report. The
// result is safe UTF-8 (core::to_safe_utf8): a name is bytes the peer chose.
std::string distinguished_name(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    const unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) |
                                XN_FLAG_SEP_CPLUS_SPC | ASN1_STRFLGS_UTF8_CONVERT;
    X509_NAME_print_ex(bio.get(), name, 0, flags);
    return core::to_safe_utf8(bio_text(bio.get()));
}

X509Ptr x509_from_der(ByteView der) {
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (x && p != der.data() + der.size()) return nullptr;
    return x;
}

std::optional<CertificateInfo> parse_certificate(ByteView der, std::string* error,
                                                 X509Ptr* x509) {
    auto fail = [&](std::string why) -> std::optional<CertificateInfo> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (der.empty()) return fail("empty certificate");
    const unsigned char* p = der.data();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x) return fail("not a DER X.509 certificate: " + openssl_error_text());
    if (p != der.data() + der.size())
        return fail(std::to_string(der.data() + der.size() - p) +
                    " trailing bytes after the certificate");

    // X509_get_extension_flags parses and caches every extension OpenSSL knows.
    const std::uint32_t flags = X509_get_extension_flags(x.get());
    CertificateInfo info;
    info.subject = distinguished_name(X509_get_subject_name(x.get()));
    info.issuer = distinguished_name(X509_get_issuer_name(x.get()));
    info.serial_hex = serial_text(x.get());
    info.sha1_hex = digest_hex(x.get(), EVP_sha1());
    info.sha256_hex = digest_hex(x.get(), EVP_sha256());
    info.not_before = time_value(X509_get0_notBefore(x.get()));
    info.not_after = time_value(X509_get0_notAfter(x.get()));
    read_san(x.get(), info);
    info.common_name = last_common_name(X509_get_subject_name(x.get()));
    read_eku(x.get(), info);
    if (flags & EXFLAG_KUSAGE) {
        info.key_usage = X509_get_key_usage(x.get());
        for (const auto& ku : kKeyUsageNames)
            if (*info.key_usage & ku.bit) info.key_usage_names.emplace_back(ku.name);
    }
    info.has_basic_constraints = (flags & EXFLAG_BCONS) != 0;
    info.is_ca = (flags & EXFLAG_CA) != 0;
    if (const long len = X509_get_pathlen(x.get()); info.is_ca && len >= 0) info.path_len = len;
    read_key(x.get(), info);
    read_signature(x.get(), info);
    info.self_issued =
        X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())) == 0;
    info.self_signed = info.self_issued && X509_self_signed(x.get(), 1) == 1;
    ERR_clear_error();  // a failed self-signature check leaves an error behind
    info.der.assign(der.begin(), der.end());
    if (x509) *x509 = std::move(x);
    return info;
}

std::vector<Bytes> pem_to_der_chain(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::runtime_error("out of memory reading PEM");
    std::vector<Bytes> out;
    for (int block = 1;; ++block) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (!PEM_read_bio(bio.get(), &name, &header, &data, &len)) {
            const unsigned long err = ERR_peek_last_error();
            const bool at_end =
                ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
            const std::string why = openssl_error_text();
            if (at_end) break;
            throw std::runtime_error("damaged PEM block #" + std::to_string(block) + ": " + why);
        }
        const std::string_view label(name);
        // "X509 CERTIFICATE" is the pre-RFC 7468 label some old tools still write.
        if (label == "CERTIFICATE" || label == "X509 CERTIFICATE")
            out.emplace_back(data, data + len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
    }
    if (out.empty())
        throw std::runtime_error("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
    return out;
}

bool has_server_auth_eku(const CertificateInfo& cert) {
    if (!cert.eku) return true;
    for (const auto& use : *cert.eku)
        if (use == "serverAuth" || use == "anyExtendedKeyUsage") return true;
    return false;
}

bool has_key_usage(const CertificateInfo& cert, std::uint32_t bit) {
    return !cert.key_usage || (*cert.key_usage & bit) != 0;
}

}  // namespace tlsprobe::x509
