#include "wire/constants.hpp"

#include <algorithm>
#include <utility>

namespace tlsprobe::wire {
namespace {

template <typename Table, typename Code>
std::string_view lookup(const Table& table, Code code) {
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == code; });
    return it == table.end() ? std::string_view{"unknown"} : it->second;
}

using Named16 = std::pair<std::uint16_t, std::string_view>;

constexpr std::array<Named16, 19> kExtensions{{
    {ext::server_name, "server_name"},
    {ext::status_request, "status_request"},
    {ext::supported_groups, "supported_groups"},
    {ext::ec_point_formats, "ec_point_formats"},
    {ext::signature_algorithms, "signature_algorithms"},
    {15, "heartbeat"},  // RFC 6520
    {ext::alpn, "application_layer_protocol_negotiation"},
    {18, "signed_certificate_timestamp"},
    {ext::padding, "padding"},
    {ext::encrypt_then_mac, "encrypt_then_mac"},
    {ext::extended_master_secret, "extended_master_secret"},
    {ext::session_ticket, "session_ticket"},
    {ext::pre_shared_key, "pre_shared_key"},
    {ext::supported_versions, "supported_versions"},
    {ext::cookie, "cookie"},
    {ext::psk_key_exchange_modes, "psk_key_exchange_modes"},
    {ext::key_share, "key_share"},
    {50, "signature_algorithms_cert"},
    {ext::renegotiation_info, "renegotiation_info"},
}};

// IANA "TLS Supported Groups" registry; names as OpenSSL and RFC 8422 spell them.
constexpr std::array<Named16, 44> kGroups{{
    {1, "sect163k1"},
    {2, "sect163r1"},
    {3, "sect163r2"},
    {4, "sect193r1"},
    {5, "sect193r2"},
    {6, "sect233k1"},
    {7, "sect233r1"},
    {8, "sect239k1"},
    {9, "sect283k1"},
    {10, "sect283r1"},
    {11, "sect409k1"},
    {12, "sect409r1"},
    {13, "sect571k1"},
    {14, "sect571r1"},
    {15, "secp160k1"},
    {16, "secp160r1"},
    {17, "secp160r2"},
    {18, "secp192k1"},
    {19, "secp192r1"},
    {20, "secp224k1"},
    {21, "secp224r1"},
    {22, "secp256k1"},
    {23, "secp256r1"},
    {24, "secp384r1"},
    {25, "secp521r1"},
    {26, "brainpoolP256r1"},
    {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},
    {29, "x25519"},
    {30, "x448"},
    {31, "brainpoolP256r1tls13"},
    {32, "brainpoolP384r1tls13"},
    {33, "brainpoolP512r1tls13"},
    {256, "ffdhe2048"},
    {257, "ffdhe3072"},
    {258, "ffdhe4096"},
    {259, "ffdhe6144"},
    {260, "ffdhe8192"},
    {0x11EB, "SecP256r1MLKEM768"},
    {0x11EC, "X25519MLKEM768"},
    {0x11ED, "SecP384r1MLKEM1024"},
    {0x6399, "X25519Kyber768Draft00"},
    {0xFF01, "arbitrary_explicit_prime_curves"},
    {0xFF02, "arbitrary_explicit_char2_curves"},
}};

constexpr std::array<Named16, 27> kSignatureSchemes{{
    {0x0101, "rsa_md5"},
    {0x0201, "rsa_pkcs1_sha1"},
    {0x0202, "dsa_sha1"},
    {0x0203, "ecdsa_sha1"},
    {0x0301, "rsa_sha224"},
    {0x0302, "dsa_sha224"},
    {0x0303, "ecdsa_sha224"},
    {0x0401, "rsa_pkcs1_sha256"},
    {0x0402, "dsa_sha256"},
    {0x0403, "ecdsa_secp256r1_sha256"},
    {0x0501, "rsa_pkcs1_sha384"},
    {0x0502, "dsa_sha384"},
    {0x0503, "ecdsa_secp384r1_sha384"},
    {0x0601, "rsa_pkcs1_sha512"},
    {0x0602, "dsa_sha512"},
    {0x0603, "ecdsa_secp521r1_sha512"},
    {0x0804, "rsa_pss_rsae_sha256"},
    {0x0805, "rsa_pss_rsae_sha384"},
    {0x0806, "rsa_pss_rsae_sha512"},
    {0x0807, "ed25519"},
    {0x0808, "ed448"},
    {0x0809, "rsa_pss_pss_sha256"},
    {0x080A, "rsa_pss_pss_sha384"},
    {0x080B, "rsa_pss_pss_sha512"},
    {0x081A, "ecdsa_brainpoolP256r1tls13_sha256"},
    {0x081B, "ecdsa_brainpoolP384r1tls13_sha384"},
    {0x081C, "ecdsa_brainpoolP512r1tls13_sha512"},
}};

}  // namespace

std::string_view to_string(ContentType t) {
    switch (t) {
        case ContentType::change_cipher_spec: return "change_cipher_spec";
        case ContentType::alert: return "alert";
        case ContentType::handshake: return "handshake";
        case ContentType::application_data: return "application_data";
        case ContentType::heartbeat: return "heartbeat";
    }
    return "unknown";
}

std::string_view to_string(HandshakeType t) {
    switch (t) {
        case HandshakeType::hello_request: return "hello_request";
        case HandshakeType::client_hello: return "client_hello";
        case HandshakeType::server_hello: return "server_hello";
        case HandshakeType::new_session_ticket: return "new_session_ticket";
        case HandshakeType::end_of_early_data: return "end_of_early_data";
        case HandshakeType::encrypted_extensions: return "encrypted_extensions";
        case HandshakeType::certificate: return "certificate";
        case HandshakeType::server_key_exchange: return "server_key_exchange";
        case HandshakeType::certificate_request: return "certificate_request";
        case HandshakeType::server_hello_done: return "server_hello_done";
        case HandshakeType::certificate_verify: return "certificate_verify";
        case HandshakeType::client_key_exchange: return "client_key_exchange";
        case HandshakeType::finished: return "finished";
        case HandshakeType::certificate_status: return "certificate_status";
        case HandshakeType::key_update: return "key_update";
        case HandshakeType::message_hash: return "message_hash";
    }
    return "unknown";
}

std::string_view extension_name(std::uint16_t type) { return lookup(kExtensions, type); }
std::string_view group_name(std::uint16_t code) { return lookup(kGroups, code); }

std::optional<std::uint16_t> group_code(std::string_view name) {
    const auto it = std::find_if(kGroups.begin(), kGroups.end(),
                                 [&](const Named16& e) { return e.second == name; });
    if (it == kGroups.end()) return std::nullopt;
    return it->first;
}

std::optional<EcGroupSize> ec_group_size(std::uint16_t code) {
    // Field size, and the security level: half the bit length of the (prime) group order.
    switch (code) {
        case 1:
        case 2:
        case 3: return EcGroupSize{163, 80};  // sect163k1, sect163r1, sect163r2
        case 4:
        case 5: return EcGroupSize{193, 96};  // sect193r1, sect193r2
        case 6:
        case 7: return EcGroupSize{233, 112};  // sect233k1, sect233r1
        case 8: return EcGroupSize{239, 112};  // sect239k1
        case 9:
        case 10: return EcGroupSize{283, 128};  // sect283k1, sect283r1
        case 11:
        case 12: return EcGroupSize{409, 192};  // sect409k1, sect409r1
        case 13:
        case 14: return EcGroupSize{571, 256};  // sect571k1, sect571r1
        case 15:
        case 16:
        case 17: return EcGroupSize{160, 80};  // secp160k1, secp160r1, secp160r2
        case 18:
        case 19: return EcGroupSize{192, 96};  // secp192k1, secp192r1
        case 20:
        case 21: return EcGroupSize{224, 112};  // secp224k1, secp224r1
        case 22:
        case 23:
        case 26:
        case 31: return EcGroupSize{256, 128};  // secp256k1, secp256r1, brainpoolP256r1(tls13)
        case 24:
        case 27:
        case 32: return EcGroupSize{384, 192};  // secp384r1, brainpoolP384r1(tls13)
        case 25: return EcGroupSize{521, 256};  // secp521r1
        case 28:
        case 33: return EcGroupSize{512, 256};  // brainpoolP512r1(tls13)
        case 29: return EcGroupSize{255, 128};  // x25519 (RFC 7748 §1)
        case 30: return EcGroupSize{448, 224};  // x448
        default: return std::nullopt;
    }
}

std::span<const std::uint16_t> weak_ec_groups() {
    static constexpr std::array<std::uint16_t, 15> kWeak{1,  2,  3,  4,  5,  6,  7, 8,
                                                         15, 16, 17, 18, 19, 20, 21};
    return kWeak;
}
std::string_view signature_scheme_name(std::uint16_t code) {
    return lookup(kSignatureSchemes, code);
}

}  // namespace tlsprobe::wire
