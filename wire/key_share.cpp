#include "wire/key_share.hpp"

#include <memory>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>

#include "wire/constants.hpp"

namespace tlsprobe::wire {

using core::Bytes;
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// X25519 / X448: the raw 32- / 56-byte public key (RFC 8446 §4.2.8.2, RFC 7748).
std::optional<Bytes> raw_public_key(const char* algorithm) {
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm));
    if (!key) return std::nullopt;
    std::size_t len = 0;
    if (EVP_PKEY_get_raw_public_key(key.get(), nullptr, &len) != 1) return std::nullopt;
    Bytes out(len);
    if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1) return std::nullopt;
    out.resize(len);
    return out;
}

// NIST curves: UncompressedPointRepresentation, 0x04 || X || Y (RFC 8446 §4.2.8.2).
std::optional<Bytes> ec_public_point(const char* curve) {
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    if (!key) return std::nullopt;
    // Ask for the uncompressed form explicitly: it is the only one TLS 1.3 allows.
    EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                   "uncompressed");
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0,
                                        &len) != 1)
        return std::nullopt;
    Bytes out(len);
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(),
                                        out.size(), &len) != 1)
        return std::nullopt;
    out.resize(len);
    return out;
}

}  // namespace

std::optional<KeyShareEntry> generate_key_share(std::uint16_t grp) {
    std::optional<Bytes> key;
    switch (grp) {
        case group::x25519: key = raw_public_key("X25519"); break;
        case group::x448: key = raw_public_key("X448"); break;
        case group::secp256r1: key = ec_public_point("P-256"); break;
        case group::secp384r1: key = ec_public_point("P-384"); break;
        case group::secp521r1: key = ec_public_point("P-521"); break;
        default: return std::nullopt;
    }
    if (!key) return std::nullopt;
    return KeyShareEntry{grp, std::move(*key)};
}

Bytes random_bytes(std::size_t n) {
    Bytes out(n);
    if (n && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return out;
}

std::array<std::uint8_t, 32> random32() {
    std::array<std::uint8_t, 32> out{};
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return out;
}

}  // namespace tlsprobe::wire
