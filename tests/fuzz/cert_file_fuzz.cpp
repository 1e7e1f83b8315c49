// libFuzzer target for the certificate-file reader (x509::read_cert_file, read_private_key):
// whatever bytes an admin's .pem/.cer/.p7b/.pfx holds, reading it ends in a CertFile or a
// CertFileError naming the file, never a crash, another exception or an OpenSSL error left
// queued; every certificate it returns parses, and the texts are valid UTF-8.
//
// Input: byte 0 picks the password (none, empty, "fuzz"), the rest is the file.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <optional>
#include <string>

#include "x509/cert_file.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}
void printable(const std::string& s) { (void)nlohmann::json(s).dump(); }

void check_key(const x509::PrivateKeyLoad& k) {
    require(k.unreadable != static_cast<bool>(k.key));
    require(!k.unreadable || !k.error.empty());
    printable(k.error);
    printable(k.type);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    std::optional<std::string> password;
    if (data[0] % 3 == 1) password = "";
    if (data[0] % 3 == 2) password = "fuzz";
    const core::ByteView in(data + 1, size - 1);
    const std::string name = "fuzz.pfx";

    try {
        const auto file = x509::read_cert_file(name, in, password);
        require(file.name == name);
        require(!file.certificates.empty() || file.key.has_value());
        for (const auto& der : file.certificates) {
            const auto info = x509::parse_certificate(der);
            if (info && file.key && file.key->key) (void)x509::key_matches(*info, file.key->key.get());
        }
        if (file.key) check_key(*file.key);
    } catch (const x509::CertFileError& e) {
        const std::string what = e.what();
        require(what.starts_with(name + ":"));
        printable(what);
        if (password && !password->empty()) require(what.find(*password + " ") == std::string::npos);
    }
    require(ERR_peek_error() == 0);

    try {
        const auto key = x509::read_private_key(name, in, password);
        check_key(key);
    } catch (const x509::CertFileError& e) {
        require(std::string(e.what()).starts_with(name + ":"));
        printable(e.what());
    }
    require(ERR_peek_error() == 0);
    return 0;
}
