// Certificate files as an admin has them before go-live: PEM bundles, DER .cer files, PKCS#7
// (.p7b) and PKCS#12 (.pfx/.p12) with their private keys, read into DER certificates and an
// OpenSSL key. Pure: bytes in, values out (the command line reads the files); parsing is
// OpenSSL's (PEM_read_bio_*, d2i_*, PKCS12_parse).
//
// A password is used only to open the file and never appears in an error text.
#pragma once

#include <memory>
#include <openssl/evp.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "x509/certificate.hpp"

namespace tlsprobe::x509 {

// A file that cannot be read as what it claims to be: the message names the file and what
// was wrong ("site.pfx: wrong password (PKCS#12 integrity check failed)").
class CertFileError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class CertFileFormat { pem, der, pkcs7, pkcs12 };
// "PEM", "DER", "PKCS#7", "PKCS#12"
std::string_view to_string(CertFileFormat f);

struct PKeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, PKeyDeleter>;

// A private key found in a file, or the reason it could not be opened.
struct PrivateKeyLoad {
    std::string source;     // the file it came from
    PKeyPtr key;            // null when `unreadable`
    bool unreadable = false;  // an encrypted key the password given does not open
    std::string error;      // why it is unreadable ("no password given", "wrong password")
    std::string type;       // "RSA", "EC", "Ed25519", ... (as CertificateInfo::key_type)
    int bits = 0;
};

struct CertFile {
    std::string name;
    CertFileFormat format = CertFileFormat::pem;
    std::vector<core::Bytes> certificates;  // DER, file order (PKCS#12: the key's certificate first)
    std::optional<PrivateKeyLoad> key;      // a key in the file (PEM bundle or PKCS#12)
};

// Reads one file's contents (`name` only for messages). PEM (CERTIFICATE, PKCS7 and private
// key blocks), a DER certificate, DER PKCS#7 or PKCS#12 are recognised by their contents, not
// their extension. Throws CertFileError naming the file for an empty or unrecognised file, a
// damaged PEM block, and a PKCS#12 whose password is missing or wrong (nothing in it can be
// checked then). An encrypted PEM key that does not open is not an error: the key comes back
// `unreadable` and the certificates are still checked.
CertFile read_cert_file(const std::string& name, core::ByteView contents,
                        const std::optional<std::string>& password);

// A separate key file (--key): PEM (PKCS#8, traditional RSA/EC, encrypted or not) or DER.
// Throws CertFileError when the file holds no private key at all.
PrivateKeyLoad read_private_key(const std::string& name, core::ByteView contents,
                                const std::optional<std::string>& password);

// The key is the private half of the certificate's public key (X509_check_private_key).
bool key_matches(const CertificateInfo& cert, EVP_PKEY* key);

}  // namespace tlsprobe::x509
