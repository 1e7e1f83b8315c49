#include "x509/cert_file.hpp"

#include <algorithm>
#include <cstring>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "core/text.hpp"

namespace tlsprobe::x509 {

using core::Bytes;
using core::ByteView;
namespace {

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct Pkcs7Deleter {
    void operator()(PKCS7* p) const { PKCS7_free(p); }
};
struct Pkcs12Deleter {
    void operator()(PKCS12* p) const { PKCS12_free(p); }
};
struct X509StackDeleter {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

std::string openssl_reason() {
    const char* reason = ERR_reason_error_string(ERR_peek_last_error());
    std::string text = reason ? reason : "unknown error";
    ERR_clear_error();
    return text;
}

Bytes der_of(X509* x) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(x, &der);
    if (len <= 0) return {};
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

// The key's algorithm as CertificateInfo::key_type names it, and its size.
void describe_key(PrivateKeyLoad& load) {
    EVP_PKEY* k = load.key.get();
    load.bits = EVP_PKEY_get_bits(k);
    switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA: load.type = "RSA"; break;
        case EVP_PKEY_RSA_PSS: load.type = "RSA-PSS"; break;
        case EVP_PKEY_EC: load.type = "EC"; break;
        case EVP_PKEY_ED25519: load.type = "Ed25519"; break;
        case EVP_PKEY_ED448: load.type = "Ed448"; break;
        case EVP_PKEY_DSA: load.type = "DSA"; break;
        default: load.type = EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "unknown";
    }
}

// The PEM password callback: hands over the password once, and records that the key asked
// for one (so a failure reads "encrypted" rather than "damaged"). Never prompts.
struct PasswordRequest {
    const std::optional<std::string>* password;
    bool asked = false;
};
int password_callback(char* buf, int size, int /*rwflag*/, void* user) {
    auto* req = static_cast<PasswordRequest*>(user);
    req->asked = true;
    if (!*req->password) return -1;
    const std::string& p = **req->password;
    if (p.size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buf, p.data(), p.size());
    return static_cast<int>(p.size());
}

std::string needs_password_text(const std::optional<std::string>& password) {
    return password ? "wrong password" : "encrypted and no password given (--password or --password-file)";
}

// One PEM private-key block, re-armoured (headers kept: a traditional encrypted key carries
// its cipher in them) and decoded on its own.
PrivateKeyLoad pem_key(const std::string& file, const char* name, const char* header,
                       const unsigned char* data, long len,
                       const std::optional<std::string>& password) {
    BioPtr one(BIO_new(BIO_s_mem()));
    if (!one || !PEM_write_bio(one.get(), name, header, data, len))
        throw CertFileError(file + ": cannot re-read the private key block");
    PrivateKeyLoad load;
    load.source = file;
    PasswordRequest req{&password};
    load.key.reset(PEM_read_bio_PrivateKey(one.get(), nullptr, password_callback, &req));
    const bool encrypted = req.asked || std::strstr(name, "ENCRYPTED") != nullptr ||
                           std::strstr(header, "ENCRYPTED") != nullptr;
    if (!load.key) {
        const std::string reason = openssl_reason();
        if (!encrypted)
            throw CertFileError(file + ": the private key block '" + name +
                                "' cannot be parsed: " + reason);
        load.unreadable = true;
        load.error = "the private key is " + needs_password_text(password);
        return load;
    }
    ERR_clear_error();
    describe_key(load);
    return load;
}

void pkcs7_certificates(const std::string& file, PKCS7* p7, std::vector<Bytes>& out) {
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign)
        throw CertFileError(file + ": a PKCS#7 structure that is not signedData (no certificates)");
    STACK_OF(X509)* certs = p7->d.sign->cert;
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) out.push_back(der_of(sk_X509_value(certs, i)));
}

// Frees what PEM_read_bio allocated for one block, however the block's handling ends.
struct PemBlockFree {
    char* name;
    char* header;
    unsigned char* data;
    PemBlockFree(char* n, char* h, unsigned char* d) : name(n), header(h), data(d) {}
    PemBlockFree(const PemBlockFree&) = delete;
    PemBlockFree& operator=(const PemBlockFree&) = delete;
    ~PemBlockFree() {
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
    }
};

bool is_key_label(std::string_view label) { return label.ends_with("PRIVATE KEY"); }

CertFile read_pem(const std::string& file, ByteView contents,
                  const std::optional<std::string>& password) {
    CertFile out;
    out.name = file;
    out.format = CertFileFormat::pem;
    BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
    if (!bio) throw CertFileError(file + ": out of memory");
    std::size_t keys = 0;
    for (int block = 1;; ++block) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (!PEM_read_bio(bio.get(), &name, &header, &data, &len)) {
            const unsigned long err = ERR_peek_last_error();
            const bool at_end =
                ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
            const std::string why = openssl_reason();
            if (at_end) break;
            throw CertFileError(file + ": damaged PEM block #" + std::to_string(block) + ": " + why);
        }
        const PemBlockFree release{name, header, data};
        const std::string_view label(name);
        if (label == "CERTIFICATE" || label == "X509 CERTIFICATE") {
            out.certificates.emplace_back(data, data + len);
        } else if (label == "PKCS7" || label == "PKCS #7 SIGNED DATA") {
            const unsigned char* p = data;
            std::unique_ptr<PKCS7, Pkcs7Deleter> p7(d2i_PKCS7(nullptr, &p, len));
            if (!p7)
                throw CertFileError(file + ": PEM block #" + std::to_string(block) +
                                    " (PKCS7) cannot be parsed: " + openssl_reason());
            pkcs7_certificates(file, p7.get(), out.certificates);
        } else if (is_key_label(label)) {
            if (++keys == 1) out.key = pem_key(file, name, header, data, len, password);
        }
        // Other blocks (parameters, CSRs, CRLs) are not ours to judge: skipped.
    }
    ERR_clear_error();
    if (keys > 1)
        throw CertFileError(file + ": holds " + std::to_string(keys) +
                            " private keys; a server takes one, give each certificate's key "
                            "in its own file");
    if (out.certificates.empty() && !out.key)
        throw CertFileError(file + ": PEM without a certificate or a private key block");
    if (out.certificates.empty())
        throw CertFileError(file + ": holds a private key but no certificate; give it with --key");
    return out;
}

// Loads the legacy provider (RC2 and DES, which Windows and OpenSSL 1.x use to encrypt PFX
// files) next to the default one, once, only when a PKCS#12 file needs it. Both are unloaded
// at exit (before OpenSSL's own cleanup, which was registered earlier), so nothing is leaked.
class LegacyProviders {
public:
    LegacyProviders()
        : legacy_(OSSL_PROVIDER_load(nullptr, "legacy")),
          default_(OSSL_PROVIDER_load(nullptr, "default")) {
        ERR_clear_error();
    }
    ~LegacyProviders() {
        if (legacy_) OSSL_PROVIDER_unload(legacy_);
        if (default_) OSSL_PROVIDER_unload(default_);
    }
    LegacyProviders(const LegacyProviders&) = delete;
    LegacyProviders& operator=(const LegacyProviders&) = delete;
    bool loaded() const { return legacy_ != nullptr && default_ != nullptr; }

private:
    OSSL_PROVIDER* legacy_;
    OSSL_PROVIDER* default_;
};

bool load_legacy_provider() {
    static const LegacyProviders providers;
    return providers.loaded();
}

// The key-derivation work a PKCS#12 file asks for is the file's to choose: a crafted
// iteration count of 2^31 would keep `tlsprobe cert` (and the fuzzer) busy for hours. Real
// exporters use 2,000 (Windows), 2,048 (OpenSSL) up to 600,000 (PBKDF2 as OWASP advises).
constexpr long kMaxPkcs12Iterations = 1'000'000;

// The iteration count of a PKCS#5 v1.5 / PKCS#12 PBE or a PBES2 (PBKDF2) algorithm; 0 when
// the parameters do not parse (OpenSSL then fails on them itself).
long pbe_iterations(const X509_ALGOR* algorithm) {
    const ASN1_OBJECT* oid = nullptr;
    int type = 0;
    const void* value = nullptr;
    X509_ALGOR_get0(&oid, &type, &value, algorithm);
    if (type != V_ASN1_SEQUENCE || value == nullptr) return 0;
    const auto* params = static_cast<const ASN1_STRING*>(value);
    long iterations = 0;
    if (OBJ_obj2nid(oid) == NID_pbes2) {
        auto* pbe2 = static_cast<PBE2PARAM*>(ASN1_item_unpack(params, ASN1_ITEM_rptr(PBE2PARAM)));
        if (!pbe2) return 0;
        if (pbe2->keyfunc && OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2) {
            auto* kdf = static_cast<PBKDF2PARAM*>(
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
            if (kdf && kdf->iter) iterations = ASN1_INTEGER_get(kdf->iter);
            PBKDF2PARAM_free(kdf);
        }
        PBE2PARAM_free(pbe2);
    } else {
        auto* pbe = static_cast<PBEPARAM*>(ASN1_item_unpack(params, ASN1_ITEM_rptr(PBEPARAM)));
        if (pbe && pbe->iter) iterations = ASN1_INTEGER_get(pbe->iter);
        PBEPARAM_free(pbe);
    }
    return iterations;
}

// The largest iteration count the file asks for before anything is derived: the MAC, each
// encrypted safe, each shrouded key in a plain safe (a key inside an encrypted safe is
// reached only after that safe decrypts, under its own capped count).
long largest_pkcs12_iterations(const PKCS12* p12) {
    long most = 0;
    const ASN1_INTEGER* mac_iterations = nullptr;
    PKCS12_get0_mac(nullptr, nullptr, nullptr, &mac_iterations, p12);
    if (mac_iterations) most = std::max(most, ASN1_INTEGER_get(mac_iterations));
    STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12);
    for (int i = 0; safes && i < sk_PKCS7_num(safes); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes, i);
        const int nid = OBJ_obj2nid(safe->type);
        if (nid == NID_pkcs7_encrypted && safe->d.encrypted && safe->d.encrypted->enc_data) {
            most = std::max(most, pbe_iterations(safe->d.encrypted->enc_data->algorithm));
        } else if (nid == NID_pkcs7_data) {
            STACK_OF(PKCS12_SAFEBAG)* bags = PKCS12_unpack_p7data(safe);
            for (int b = 0; bags && b < sk_PKCS12_SAFEBAG_num(bags); ++b) {
                const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, b);
                if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag) continue;
                const X509_ALGOR* algorithm = nullptr;
                if (const X509_SIG* key = PKCS12_SAFEBAG_get0_pkcs8(bag)) {
                    X509_SIG_get0(key, &algorithm, nullptr);
                    if (algorithm) most = std::max(most, pbe_iterations(algorithm));
                }
            }
            sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        }
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    ERR_clear_error();
    return most;
}

CertFile read_pkcs12(const std::string& file, PKCS12* p12,
                     const std::optional<std::string>& password) {
    CertFile out;
    out.name = file;
    out.format = CertFileFormat::pkcs12;
    const char* pass = password ? password->c_str() : nullptr;
    if (const long iterations = largest_pkcs12_iterations(p12); iterations > kMaxPkcs12Iterations)
        throw CertFileError(file + ": the PKCS#12 file asks for " + std::to_string(iterations) +
                            " key-derivation iterations (more than " +
                            std::to_string(kMaxPkcs12Iterations) +
                            "); no exporter writes that many, so it is not read");
    if (PKCS12_mac_present(p12)) {
        if (!password) {
            // Windows and openssl export "no password" either as an empty password or none.
            if (PKCS12_verify_mac(p12, "", 0)) pass = "";
            else if (PKCS12_verify_mac(p12, nullptr, 0)) pass = nullptr;
            else {
                ERR_clear_error();
                throw CertFileError(file + ": the PKCS#12 file is protected by a password; give "
                                           "it with --password or --password-file");
            }
        } else if (!PKCS12_verify_mac(p12, pass, -1)) {
            ERR_clear_error();
            throw CertFileError(file + ": wrong password (the PKCS#12 integrity check failed)");
        }
    }
    EVP_PKEY* pkey = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    bool parsed = PKCS12_parse(p12, pass, &pkey, &cert, &ca) == 1;
    if (!parsed && load_legacy_provider()) {
        ERR_clear_error();
        parsed = PKCS12_parse(p12, pass, &pkey, &cert, &ca) == 1;
    }
    if (!parsed)
        throw CertFileError(file + ": the PKCS#12 contents cannot be decrypted: " +
                            openssl_reason());
    ERR_clear_error();
    PKeyPtr key(pkey);
    X509Ptr leaf(cert);
    std::unique_ptr<STACK_OF(X509), X509StackDeleter> rest(ca);
    if (leaf) out.certificates.push_back(der_of(leaf.get()));
    for (int i = 0; rest && i < sk_X509_num(rest.get()); ++i)
        out.certificates.push_back(der_of(sk_X509_value(rest.get(), i)));
    if (out.certificates.empty())
        throw CertFileError(file + ": the PKCS#12 file holds no certificate");
    if (key) {
        PrivateKeyLoad load;
        load.source = file;
        load.key = std::move(key);
        describe_key(load);
        out.key = std::move(load);
    }
    return out;
}

}  // namespace

std::string_view to_string(CertFileFormat f) {
    switch (f) {
        case CertFileFormat::pem: return "PEM";
        case CertFileFormat::der: return "DER";
        case CertFileFormat::pkcs7: return "PKCS#7";
        case CertFileFormat::pkcs12: return "PKCS#12";
    }
    return "unknown";
}

CertFile read_cert_file(const std::string& name, ByteView contents,
                        const std::optional<std::string>& password) {
    if (contents.empty()) throw CertFileError(name + ": the file is empty");
    const std::string_view text(reinterpret_cast<const char*>(contents.data()), contents.size());
    if (text.find("-----BEGIN") != std::string_view::npos) return read_pem(name, contents, password);

    const auto end = contents.data() + contents.size();
    if (auto x = x509_from_der(contents)) {
        CertFile out;
        out.name = name;
        out.format = CertFileFormat::der;
        out.certificates.push_back(der_of(x.get()));
        return out;
    }
    ERR_clear_error();
    const unsigned char* p = contents.data();
    if (std::unique_ptr<PKCS7, Pkcs7Deleter> p7(
            d2i_PKCS7(nullptr, &p, static_cast<long>(contents.size())));
        p7 && p == end) {
        CertFile out;
        out.name = name;
        out.format = CertFileFormat::pkcs7;
        pkcs7_certificates(name, p7.get(), out.certificates);
        if (out.certificates.empty())
            throw CertFileError(name + ": the PKCS#7 file holds no certificate");
        return out;
    }
    ERR_clear_error();
    p = contents.data();
    if (std::unique_ptr<PKCS12, Pkcs12Deleter> p12(
            d2i_PKCS12(nullptr, &p, static_cast<long>(contents.size())));
        p12 && p == end)
        return read_pkcs12(name, p12.get(), password);
    ERR_clear_error();
    p = contents.data();
    if (PKeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(contents.size()))); key) {
        ERR_clear_error();
        throw CertFileError(name + ": holds a private key but no certificate; give it with --key");
    }
    ERR_clear_error();
    throw CertFileError(name + ": not a certificate file (" + std::to_string(contents.size()) +
                        " bytes that are neither PEM, a DER certificate, PKCS#7 nor PKCS#12)");
}

PrivateKeyLoad read_private_key(const std::string& name, ByteView contents,
                                const std::optional<std::string>& password) {
    if (contents.empty()) throw CertFileError(name + ": the key file is empty");
    const std::string_view text(reinterpret_cast<const char*>(contents.data()), contents.size());
    if (text.find("-----BEGIN") != std::string_view::npos) {
        BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
        for (;;) {
            char* label = nullptr;
            char* header = nullptr;
            unsigned char* data = nullptr;
            long len = 0;
            if (!PEM_read_bio(bio.get(), &label, &header, &data, &len)) break;
            const PemBlockFree release{label, header, data};
            if (is_key_label(label)) {
                auto load = pem_key(name, label, header, data, len, password);
                ERR_clear_error();
                return load;
            }
        }
        ERR_clear_error();
        throw CertFileError(name + ": no PEM private key block (-----BEGIN PRIVATE KEY-----)");
    }
    const unsigned char* p = contents.data();
    PrivateKeyLoad load;
    load.source = name;
    load.key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(contents.size())));
    if (!load.key) {
        ERR_clear_error();
        throw CertFileError(name + ": not a private key (neither PEM nor DER)");
    }
    ERR_clear_error();
    describe_key(load);
    return load;
}

bool key_matches(const CertificateInfo& cert, EVP_PKEY* key) {
    const auto x = x509_from_der(cert.der);
    const bool ok = x && key && X509_check_private_key(x.get(), key) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace tlsprobe::x509
