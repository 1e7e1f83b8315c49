#include "wire/cipher_suites.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tlsprobe::wire {

using core::Version;

std::string_view to_string(KeyExchange k) {
    switch (k) {
        case KeyExchange::null: return "NULL";
        case KeyExchange::rsa: return "RSA";
        case KeyExchange::dh: return "DH";
        case KeyExchange::dhe: return "DHE";
        case KeyExchange::ecdh: return "ECDH";
        case KeyExchange::ecdhe: return "ECDHE";
        case KeyExchange::psk: return "PSK";
        case KeyExchange::dhe_psk: return "DHE_PSK";
        case KeyExchange::rsa_psk: return "RSA_PSK";
        case KeyExchange::ecdhe_psk: return "ECDHE_PSK";
        case KeyExchange::srp: return "SRP";
        case KeyExchange::krb5: return "KRB5";
        case KeyExchange::eccpwd: return "ECCPWD";
        case KeyExchange::gost: return "GOST";
        case KeyExchange::any: return "any";
        case KeyExchange::scsv: return "SCSV";
    }
    return "unknown";
}

std::string_view to_string(Authentication a) {
    switch (a) {
        case Authentication::none: return "NULL";
        case Authentication::rsa: return "RSA";
        case Authentication::dss: return "DSS";
        case Authentication::ecdsa: return "ECDSA";
        case Authentication::anon: return "anon";
        case Authentication::psk: return "PSK";
        case Authentication::srp: return "SRP";
        case Authentication::krb5: return "KRB5";
        case Authentication::eccpwd: return "ECCPWD";
        case Authentication::gost: return "GOST";
        case Authentication::any: return "any";
    }
    return "unknown";
}

std::string_view to_string(Encryption e) {
    switch (e) {
        case Encryption::null: return "NULL";
        case Encryption::rc4: return "RC4";
        case Encryption::rc2_cbc: return "RC2_CBC";
        case Encryption::des_cbc: return "DES_CBC";
        case Encryption::triple_des_cbc: return "3DES_EDE_CBC";
        case Encryption::idea_cbc: return "IDEA_CBC";
        case Encryption::seed_cbc: return "SEED_CBC";
        case Encryption::aes_cbc: return "AES_CBC";
        case Encryption::aes_gcm: return "AES_GCM";
        case Encryption::aes_ccm: return "AES_CCM";
        case Encryption::aes_ccm_8: return "AES_CCM_8";
        case Encryption::camellia_cbc: return "CAMELLIA_CBC";
        case Encryption::camellia_gcm: return "CAMELLIA_GCM";
        case Encryption::aria_cbc: return "ARIA_CBC";
        case Encryption::aria_gcm: return "ARIA_GCM";
        case Encryption::chacha20_poly1305: return "CHACHA20_POLY1305";
        case Encryption::sm4_gcm: return "SM4_GCM";
        case Encryption::sm4_ccm: return "SM4_CCM";
        case Encryption::aegis_256: return "AEGIS_256";
        case Encryption::aegis_128l: return "AEGIS_128L";
        case Encryption::kuznyechik_ctr: return "KUZNYECHIK_CTR";
        case Encryption::magma_ctr: return "MAGMA_CTR";
        case Encryption::gost28147_cnt: return "GOST28147_CNT";
        case Encryption::kuznyechik_mgm: return "KUZNYECHIK_MGM";
        case Encryption::magma_mgm: return "MAGMA_MGM";
    }
    return "unknown";
}

std::string_view to_string(Mac m) {
    switch (m) {
        case Mac::none: return "none";
        case Mac::null: return "NULL";
        case Mac::md5: return "MD5";
        case Mac::sha1: return "SHA1";
        case Mac::sha256: return "SHA256";
        case Mac::sha384: return "SHA384";
        case Mac::aead: return "AEAD";
        case Mac::gost_omac: return "OMAC";
        case Mac::gost_imit: return "IMIT";
    }
    return "unknown";
}

std::string_view to_string(Strength s) {
    switch (s) {
        case Strength::insecure: return "insecure";
        case Strength::weak: return "weak";
        case Strength::acceptable: return "acceptable";
        case Strength::strong: return "strong";
        case Strength::signalling: return "signalling";
    }
    return "unknown";
}

// The table is sorted by code (TLS suites, then the larger SSL 2.0 codes); the registry test
// checks that, so binary search is safe.
const CipherSuite* find_cipher_suite(std::uint32_t code) {
    const auto table = cipher_suite_registry();
    const auto it =
        std::lower_bound(table.begin(), table.end(), code,
                         [](const CipherSuite& s, std::uint32_t c) { return s.code < c; });
    return it != table.end() && it->code == code ? &*it : nullptr;
}

const CipherSuite* find_cipher_suite_by_iana_name(std::string_view name) {
    for (const auto& s : cipher_suite_registry())
        if (s.iana_name == name) return &s;
    return nullptr;
}

const CipherSuite* find_cipher_suite_by_openssl_name(std::string_view name) {
    if (name.empty()) return nullptr;
    for (const auto& s : cipher_suite_registry())
        if (s.openssl_name == name) return &s;
    return nullptr;
}

std::string cipher_suite_name(std::uint32_t code) {
    if (const auto* s = find_cipher_suite(code)) return std::string(s->iana_name);
    return code > 0xFFFF ? fmt::format("0x{:06X}", code) : fmt::format("0x{:04X}", code);
}

std::vector<std::uint32_t> cipher_suites_for(Version v) {
    std::vector<std::uint32_t> out;
    for (const auto& s : cipher_suite_registry())
        if (s.usable_in(v) && (v == Version::ssl2) == s.is_ssl2()) out.push_back(s.code);
    return out;
}

}  // namespace tlsprobe::wire
