#include <algorithm>
#include <catch2/catch.hpp>
#include <openssl/ssl.h>
#include <set>
#include <string>

#include "wire/cipher_suites.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;

TEST_CASE("registry is sorted, unique and covers the IANA registry", "[wire][cipher_suites]") {
    const auto table = cipher_suite_registry();
    REQUIRE(table.size() >= 360);
    std::set<std::string_view> names;
    std::size_t registered = 0;
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (i) CHECK(table[i - 1].code < table[i].code);
        CHECK(names.insert(table[i].iana_name).second);
        if (table[i].registered) {
            ++registered;
            CHECK(table[i].iana_name.starts_with("TLS_"));
        }
    }
    CHECK(registered == 352);  // every assigned value of the IANA registry (2024 snapshot)
    CHECK(cipher_suites_for(Version::ssl2).size() == 8);
}

TEST_CASE("well-known rows carry the registry's values", "[wire][cipher_suites]") {
    struct Row {
        std::uint32_t code;
        std::string_view iana, openssl;
        KeyExchange kx;
        Authentication auth;
        Encryption enc;
        int bits;
        Mac mac;
        Strength strength;
        bool fs;
    };
    using K = KeyExchange;
    using A = Authentication;
    using E = Encryption;
    using S = Strength;
    const Row rows[] = {
        {0x0000, "TLS_NULL_WITH_NULL_NULL", "", K::null, A::none, E::null, 0, Mac::null,
         S::insecure, false},
        {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5", K::rsa, A::rsa, E::rc4, 40,
         Mac::md5, S::insecure, false},
        {0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5", K::rsa, A::rsa, E::rc4, 128, Mac::md5,
         S::insecure, false},
        {0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA", K::rsa, A::rsa, E::rc4, 128, Mac::sha1,
         S::insecure, false},
        {0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA", K::rsa, A::rsa, E::des_cbc, 56,
         Mac::sha1, S::insecure, false},
        {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", K::rsa, A::rsa, E::triple_des_cbc,
         168, Mac::sha1, S::weak, false},
        {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "EDH-RSA-DES-CBC3-SHA", K::dhe, A::rsa,
         E::triple_des_cbc, 168, Mac::sha1, S::weak, true},
        {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5", K::dh, A::anon, E::rc4, 128,
         Mac::md5, S::insecure, false},
        {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", K::rsa, A::rsa, E::aes_cbc, 128,
         Mac::sha1, S::acceptable, false},
        {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", K::rsa, A::rsa, E::aes_cbc, 256,
         Mac::sha1, S::acceptable, false},
        {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", K::dhe, A::rsa,
         E::aes_cbc, 256, Mac::sha1, S::acceptable, true},
        {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA", K::rsa, A::rsa,
         E::camellia_cbc, 128, Mac::sha1, S::acceptable, false},
        {0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA", K::rsa, A::rsa, E::seed_cbc, 128,
         Mac::sha1, S::acceptable, false},
        {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", K::rsa, A::rsa, E::aes_gcm,
         128, Mac::aead, S::acceptable, false},
        {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", K::dhe, A::rsa,
         E::aes_gcm, 128, Mac::aead, S::strong, true},
        {0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "", K::scsv, A::none, E::null, 0, Mac::none,
         S::signalling, false},
        {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", K::any, A::any, E::aes_gcm,
         128, Mac::aead, S::strong, true},
        {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", K::any, A::any, E::aes_gcm,
         256, Mac::aead, S::strong, true},
        {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", K::any, A::any,
         E::chacha20_poly1305, 256, Mac::aead, S::strong, true},
        {0x5600, "TLS_FALLBACK_SCSV", "", K::scsv, A::none, E::null, 0, Mac::none, S::signalling,
         false},
        {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", K::ecdhe, A::rsa,
         E::aes_cbc, 128, Mac::sha1, S::acceptable, true},
        {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
         K::ecdhe, A::ecdsa, E::aes_gcm, 128, Mac::aead, S::strong, true},
        {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", K::ecdhe,
         A::rsa, E::aes_gcm, 128, Mac::aead, S::strong, true},
        {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", K::ecdhe,
         A::rsa, E::aes_gcm, 256, Mac::aead, S::strong, true},
        {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8", K::ecdhe,
         A::ecdsa, E::aes_ccm_8, 128, Mac::aead, S::strong, true},
        {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
         K::ecdhe, A::rsa, E::chacha20_poly1305, 256, Mac::aead, S::strong, true},
        {0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "PSK-CHACHA20-POLY1305", K::psk, A::psk,
         E::chacha20_poly1305, 256, Mac::aead, S::acceptable, false},
        {0x010080, "SSL_CK_RC4_128_WITH_MD5", "RC4-MD5", K::rsa, A::rsa, E::rc4, 128, Mac::md5,
         S::insecure, false},
        {0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5", K::rsa, A::rsa,
         E::triple_des_cbc, 168, Mac::md5, S::insecure, false},
    };
    for (const auto& r : rows) {
        INFO(r.iana);
        const auto* s = find_cipher_suite(r.code);
        REQUIRE(s != nullptr);
        CHECK(s->iana_name == r.iana);
        CHECK(s->openssl_name == r.openssl);
        CHECK(s->kx == r.kx);
        CHECK(s->auth == r.auth);
        CHECK(s->enc == r.enc);
        CHECK(s->enc_bits == r.bits);
        CHECK(s->mac == r.mac);
        CHECK(s->strength == r.strength);
        CHECK(s->forward_secrecy == r.fs);
        CHECK(find_cipher_suite_by_iana_name(r.iana) == s);
    }
}

TEST_CASE("lookups by name and unknown codes", "[wire][cipher_suites]") {
    CHECK(find_cipher_suite_by_openssl_name("ECDHE-RSA-AES128-GCM-SHA256")->code == 0xC02F);
    CHECK(find_cipher_suite_by_openssl_name("RC4-MD5")->code == 0x0004);  // TLS row before SSL 2.0
    CHECK(find_cipher_suite_by_openssl_name("") == nullptr);
    CHECK(find_cipher_suite_by_iana_name("TLS_PSK_DHE_WITH_AES_128_CCM_8")->code == 0xC0AA);
    CHECK(find_cipher_suite(0x0A0A) == nullptr);  // GREASE (RFC 8701) is reserved, not a suite
    CHECK(cipher_suite_name(0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(cipher_suite_name(0xC0FF) == "0xC0FF");
    CHECK(cipher_suite_name(0x090080) == "0x090080");
    CHECK(to_string(Strength::weak) == "weak");
    CHECK(to_string(Encryption::triple_des_cbc) == "3DES_EDE_CBC");
}

TEST_CASE("strength classes and version hints follow the documented rules",
          "[wire][cipher_suites]") {
    for (const auto& s : cipher_suite_registry()) {
        INFO(s.iana_name);
        if (s.export_grade || s.auth == Authentication::anon || s.enc == Encryption::null ||
            s.enc == Encryption::rc4 || s.enc == Encryption::des_cbc || s.is_ssl2())
            CHECK((s.strength == Strength::insecure || s.is_scsv()));
        if (s.strength == Strength::strong) CHECK((s.is_aead() && s.forward_secrecy));
        if (s.enc == Encryption::triple_des_cbc && !s.is_ssl2() && s.auth != Authentication::anon)
            CHECK(s.strength == Strength::weak);
        CHECK(s.min_version <= s.max_version);
        if (s.export_grade) CHECK(s.max_version <= Version::tls1_0);
        if (s.is_aead() && !s.is_ssl2()) CHECK(s.min_version >= Version::tls1_2);
    }
    const auto t13 = cipher_suites_for(Version::tls1_3);
    for (std::uint32_t c : {0x1301u, 0x1302u, 0x1303u, 0x1304u, 0x1305u})
        CHECK(std::find(t13.begin(), t13.end(), c) != t13.end());
    const auto t12 = cipher_suites_for(Version::tls1_2);
    CHECK(std::find(t12.begin(), t12.end(), 0x1301u) == t12.end());
    CHECK(std::find(t12.begin(), t12.end(), 0x00FFu) == t12.end());
    CHECK(std::find(t12.begin(), t12.end(), 0x0003u) == t12.end());  // EXPORT ends at TLS 1.0
    const auto s3 = cipher_suites_for(Version::ssl3);
    CHECK(std::find(s3.begin(), s3.end(), 0x000Au) != s3.end());
    CHECK(std::find(s3.begin(), s3.end(), 0xC02Fu) == s3.end());
}

// The local OpenSSL is a second, independent source: every suite it knows must agree with the
// table on code point, IANA ("standard") name and OpenSSL name.
TEST_CASE("registry agrees with the local OpenSSL on every suite it knows",
          "[wire][cipher_suites]") {
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    REQUIRE(ctx != nullptr);
    SSL_CTX_set_security_level(ctx, 0);
    REQUIRE(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL") == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(ctx,
                                     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                     "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
                                     "TLS_AES_128_CCM_8_SHA256") == 1);
    SSL* ssl = SSL_new(ctx);
    REQUIRE(ssl != nullptr);
    const auto* list = SSL_get_ciphers(ssl);
    const int n = sk_SSL_CIPHER_num(list);
    CHECK(n > 100);
    for (int i = 0; i < n; ++i) {
        const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
        const auto code = SSL_CIPHER_get_protocol_id(c);
        INFO(SSL_CIPHER_get_name(c));
        const auto* s = find_cipher_suite(code);
        REQUIRE(s != nullptr);
        CHECK(s->iana_name == SSL_CIPHER_standard_name(c));
        CHECK(s->openssl_name == SSL_CIPHER_get_name(c));
        CHECK(s->enc_bits == SSL_CIPHER_get_bits(c, nullptr));
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}
