// Code points of the TLS handshake that the raw codec writes and reads, with their names.
//
// Values are from the IANA "Transport Layer Security (TLS) Parameters" and "TLS
// ExtensionType Values" registries; the RFC that defines each is cited beside it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tlsprobe::wire {

// TLSPlaintext.type (RFC 8446 §5.1, RFC 5246 §6.2.1).
enum class ContentType : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
    heartbeat = 24,  // RFC 6520
};
std::string_view to_string(ContentType t);

// Handshake.msg_type (RFC 8446 §4, RFC 5246 §7.4, RFC 6066 §8 for certificate_status).
enum class HandshakeType : std::uint8_t {
    hello_request = 0,
    client_hello = 1,
    server_hello = 2,
    new_session_ticket = 4,
    end_of_early_data = 5,
    encrypted_extensions = 8,
    certificate = 11,
    server_key_exchange = 12,
    certificate_request = 13,
    server_hello_done = 14,
    certificate_verify = 15,
    client_key_exchange = 16,
    finished = 20,
    certificate_status = 22,
    key_update = 24,
    message_hash = 254,
};
std::string_view to_string(HandshakeType t);

// ExtensionType values the codec writes or decodes.
namespace ext {
inline constexpr std::uint16_t server_name = 0;            // RFC 6066 §3
inline constexpr std::uint16_t status_request = 5;         // RFC 6066 §8
inline constexpr std::uint16_t supported_groups = 10;      // RFC 8446 §4.2.7, RFC 8422 §5.1.1
inline constexpr std::uint16_t ec_point_formats = 11;      // RFC 8422 §5.1.2
inline constexpr std::uint16_t signature_algorithms = 13;  // RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1
inline constexpr std::uint16_t heartbeat = 15;             // RFC 6520 §2
inline constexpr std::uint16_t alpn = 16;                  // RFC 7301 §3.1
inline constexpr std::uint16_t padding = 21;               // RFC 7685
inline constexpr std::uint16_t encrypt_then_mac = 22;      // RFC 7366
inline constexpr std::uint16_t extended_master_secret = 23;  // RFC 7627
inline constexpr std::uint16_t session_ticket = 35;          // RFC 5077
inline constexpr std::uint16_t pre_shared_key = 41;          // RFC 8446 §4.2.11
inline constexpr std::uint16_t supported_versions = 43;      // RFC 8446 §4.2.1
inline constexpr std::uint16_t cookie = 44;                  // RFC 8446 §4.2.2
inline constexpr std::uint16_t psk_key_exchange_modes = 45;  // RFC 8446 §4.2.9
inline constexpr std::uint16_t key_share = 51;               // RFC 8446 §4.2.8
inline constexpr std::uint16_t renegotiation_info = 0xff01;  // RFC 5746 §3.2
}  // namespace ext

// Name of an extension type ("server_name"), "unknown" for others.
std::string_view extension_name(std::uint16_t type);

// NamedGroup (RFC 8446 §4.2.7, RFC 8422 §5.1.1, RFC 7919 §2).
namespace group {
inline constexpr std::uint16_t sect163k1 = 1;
inline constexpr std::uint16_t secp256r1 = 23;
inline constexpr std::uint16_t secp384r1 = 24;
inline constexpr std::uint16_t secp521r1 = 25;
inline constexpr std::uint16_t x25519 = 29;
inline constexpr std::uint16_t x448 = 30;
inline constexpr std::uint16_t ffdhe2048 = 256;
inline constexpr std::uint16_t ffdhe3072 = 257;
inline constexpr std::uint16_t ffdhe4096 = 258;
inline constexpr std::uint16_t ffdhe6144 = 259;
inline constexpr std::uint16_t ffdhe8192 = 260;
}  // namespace group

// Group name as tlsprobe prints it and as OpenSSL spells it ("x25519", "secp256r1",
// "ffdhe2048"); "unknown" for unassigned codes.
std::string_view group_name(std::uint16_t code);
// The code of a group_name() ("secp224r1" -> 21); nullopt for a name not in the table.
std::optional<std::uint16_t> group_code(std::string_view name);

// An elliptic-curve group's size: the bit length of its field (secp224r1: 224, sect163k1: 163,
// x25519: 255) and its security level in bits (about half the group order: 112, 80, 128).
// nullopt for finite-field and unknown groups.
struct EcGroupSize {
    int field_bits = 0;
    int security_bits = 0;
};
std::optional<EcGroupSize> ec_group_size(std::uint16_t code);
// The curves below 128-bit security (fewer than 256 bits, X25519 excepted: 128-bit), TLS <= 1.2
// only (RFC 8422 §5.1.1 deprecates them; RFC 8446 dropped them): secp160*, secp192*, secp224*,
// sect163*, sect193*, sect233*, sect239k1. In code order.
std::span<const std::uint16_t> weak_ec_groups();

// SignatureScheme (RFC 8446 §4.2.3); the legacy (hash, signature) pairs of RFC 5246
// §7.4.1.4.1 share the same 16-bit space ("rsa_pkcs1_sha1" is 0x0201).
std::string_view signature_scheme_name(std::uint16_t code);

// PskKeyExchangeMode (RFC 8446 §4.2.9).
inline constexpr std::uint8_t psk_ke = 0;
inline constexpr std::uint8_t psk_dhe_ke = 1;

// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
inline constexpr std::array<std::uint8_t, 32> hello_retry_request_random{
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// Last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates an older version
// (RFC 8446 §4.1.3): "DOWNGRD" followed by 0x01 (TLS 1.2) or 0x00 (TLS 1.1 and below).
inline constexpr std::array<std::uint8_t, 7> downgrade_prefix{0x44, 0x4F, 0x57, 0x4E,
                                                              0x47, 0x52, 0x44};

// The two signalling cipher suite values.
inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00FF;  // RFC 5746 §3.3
inline constexpr std::uint16_t fallback_scsv = 0x5600;                  // RFC 7507 §2

// Largest TLSPlaintext.fragment (RFC 8446 §5.1); ciphertext may add up to 2048 (RFC 5246 §6.2.3).
inline constexpr std::size_t max_plaintext = 1u << 14;
inline constexpr std::size_t max_record_payload = max_plaintext + 2048;

}  // namespace tlsprobe::wire
