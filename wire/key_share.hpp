// Real key shares for TLS 1.3 ClientHellos, and the random bytes every hello needs.
//
// A probe never finishes a TLS 1.3 handshake (everything after the ServerHello is encrypted),
// but the server must be able to use the share, or it answers with an alert instead of the
// ServerHello we want to see; so the public keys are genuine, made with OpenSSL's EVP_PKEY.
// The private halves are dropped at once.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"

namespace tlsprobe::wire {

// KeyShareEntry (RFC 8446 §4.2.8).
struct KeyShareEntry {
    std::uint16_t group = 0;
    core::Bytes
        key_exchange;  // X25519/X448: the raw key; NIST curves: uncompressed point (§4.2.8.2)
};

// A fresh public key for x25519, x448, secp256r1, secp384r1 or secp521r1; nullopt for other
// groups or when the local OpenSSL cannot make one.
std::optional<KeyShareEntry> generate_key_share(std::uint16_t group);

// Cryptographically random bytes (RAND_bytes); throws std::runtime_error if the DRBG fails.
core::Bytes random_bytes(std::size_t n);
std::array<std::uint8_t, 32> random32();

}  // namespace tlsprobe::wire
