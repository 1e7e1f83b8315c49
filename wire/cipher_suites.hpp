// The cipher-suite registry: every IANA-assigned TLS cipher suite, the SSL 2.0 cipher kinds and
// a few pre-standard suites still met on old servers, in one table.
//
// Codes: a TLS CipherSuite is its 16-bit value (0xC02F). An SSL 2.0 CIPHER-KIND is its 3-byte
// value (0x010080, SSL 2.0 draft, Appendix C); its first byte is never 0, so the two spaces do
// not overlap (a V2CipherSpec {0x00, suite} is the TLS suite, RFC 5246 Appendix E.2).
//
// Strength classes (documented choice, used by findings such as tls.weak_cipher_offered):
//   insecure   - no encryption (NULL, integrity-only), no authentication (anon), EXPORT and
//                EXPORT1024 grades, RC4, RC2, single DES (any key size), every SSL 2.0 kind.
//   weak       - 64-bit block ciphers (3DES, IDEA, GOST 28147-89, Magma: Sweet32-class
//                birthday bounds) and suites whose record MAC is HMAC-MD5.
//   acceptable - 128-bit+ ciphers that are not "strong": CBC with SHA-1/SHA-2 HMAC (SEED,
//                CAMELLIA, ARIA, AES), AEAD without forward secrecy (RSA, static (EC)DH, PSK).
//   strong     - AEAD (GCM, CCM, CCM_8, ChaCha20-Poly1305, MGM, AEGIS, SM4) with forward
//                secrecy (DHE, ECDHE, *_PSK with (EC)DHE, ECCPWD, every TLS 1.3 suite).
//   signalling - SCSVs (0x00FF, 0x5600): not ciphers; never negotiated.
// Forward secrecy is true for ephemeral key exchanges (DHE, ECDHE, DHE_PSK, ECDHE_PSK, SRP,
// ECCPWD) and for TLS 1.3 suites, whose certificate-based handshakes always use (EC)DHE.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/version.hpp"

namespace tlsprobe::wire {

enum class KeyExchange : std::uint8_t {
    null,       // TLS_NULL_WITH_NULL_NULL
    rsa,        // RSA key transport (also SSL 2.0)
    dh,         // static DH (DH_DSS, DH_RSA) and DH_anon
    dhe,        // ephemeral DH
    ecdh,       // static ECDH (ECDH_ECDSA, ECDH_RSA) and ECDH_anon
    ecdhe,      // ephemeral ECDH
    psk,        // RFC 4279 plain PSK
    dhe_psk,    // RFC 4279 DHE_PSK
    rsa_psk,    // RFC 4279 RSA_PSK
    ecdhe_psk,  // RFC 5489
    srp,        // RFC 5054
    krb5,       // RFC 2712
    eccpwd,     // RFC 8492
    gost,       // RFC 9189 (VKO GOST R 34.10-2012)
    any,        // TLS 1.3: negotiated by key_share / psk, not by the suite (RFC 8446 §4.1.1)
    scsv,       // signalling value, no key exchange
};

enum class Authentication : std::uint8_t {
    none,
    rsa,
    dss,
    ecdsa,
    anon,
    psk,
    srp,
    krb5,
    eccpwd,
    gost,
    any
};

enum class Encryption : std::uint8_t {
    null,
    rc4,
    rc2_cbc,
    des_cbc,
    triple_des_cbc,
    idea_cbc,
    seed_cbc,
    aes_cbc,
    aes_gcm,
    aes_ccm,
    aes_ccm_8,
    camellia_cbc,
    camellia_gcm,
    aria_cbc,
    aria_gcm,
    chacha20_poly1305,
    sm4_gcm,
    sm4_ccm,
    aegis_256,
    aegis_128l,
    kuznyechik_ctr,
    magma_ctr,
    gost28147_cnt,
    kuznyechik_mgm,
    magma_mgm,
};

enum class Mac : std::uint8_t { none, null, md5, sha1, sha256, sha384, aead, gost_omac, gost_imit };

enum class Strength : std::uint8_t { insecure, weak, acceptable, strong, signalling };

struct CipherSuite {
    std::uint32_t code;
    std::string_view iana_name;  // "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"; SSL 2.0: "SSL_CK_..."
    std::string_view openssl_name;  // "ECDHE-RSA-AES128-GCM-SHA256"; empty when OpenSSL has none
    KeyExchange kx;
    Authentication auth;
    Encryption enc;
    std::uint16_t enc_bits;  // key size in bits (3DES: 168, EXPORT: 40/56)
    Mac mac;
    core::Version min_version;  // hints: the versions the suite can be negotiated in
    core::Version max_version;
    Strength strength;
    bool forward_secrecy;
    bool export_grade;
    bool registered;  // in the IANA registry (false: SSL 2.0 kinds and pre-standard suites)

    bool is_ssl2() const { return code > 0xFFFF; }
    bool is_scsv() const { return kx == KeyExchange::scsv; }
    bool is_aead() const { return mac == Mac::aead; }
    // True when the suite can be negotiated in version v (per the hints above).
    bool usable_in(core::Version v) const {
        return !is_scsv() && min_version <= v && v <= max_version;
    }
};

std::string_view to_string(KeyExchange k);
std::string_view to_string(Authentication a);
std::string_view to_string(Encryption e);
std::string_view to_string(Mac m);
std::string_view to_string(Strength s);

// The whole table, TLS suites by code point first, then the SSL 2.0 kinds.
std::span<const CipherSuite> cipher_suite_registry();

// Lookups; nullptr when unknown. Names compare exactly (IANA names are case-sensitive:
// "DH_anon"). The OpenSSL names RC4-MD5, EXP-RC4-MD5 and EXP-RC2-CBC-MD5 exist for TLS and
// SSL 2.0 alike: the TLS suite is returned.
const CipherSuite* find_cipher_suite(std::uint32_t code);
const CipherSuite* find_cipher_suite_by_iana_name(std::string_view name);
const CipherSuite* find_cipher_suite_by_openssl_name(std::string_view name);

// IANA name, or "0xC0FF" / "0x010080" style hex for codes not in the table.
std::string cipher_suite_name(std::uint32_t code);

// Every TLS suite (no SCSV, no SSL 2.0 kind) that can be negotiated in `v`, by code point.
// For ssl2, the SSL 2.0 cipher kinds.
std::vector<std::uint32_t> cipher_suites_for(core::Version v);

}  // namespace tlsprobe::wire
