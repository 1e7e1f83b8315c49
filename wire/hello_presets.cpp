#include "wire/hello_presets.hpp"

#include <algorithm>
#include <tuple>

#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/key_share.hpp"

namespace tlsprobe::wire {

using core::Version;
namespace {

// Every suite usable in v, best first: strong, acceptable, weak, insecure; within a class forward
// secrecy and AEAD first, ECDHE before other key exchanges, AES-GCM, ChaCha20, AES-CCM, AES-CBC
// before the national and rare ciphers, code point last. Servers that follow the client's order
// then pick what a browser would, and the order stays deterministic.
std::vector<std::uint16_t> suites_for(Version v) {
    std::vector<const CipherSuite*> suites;
    for (auto code : cipher_suites_for(v)) suites.push_back(find_cipher_suite(code));
    const auto common = [](Encryption e) {
        switch (e) {
            case Encryption::aes_gcm: return 0;
            case Encryption::chacha20_poly1305: return 1;
            case Encryption::aes_ccm: return 2;
            case Encryption::aes_cbc: return 3;
            default: return 4;
        }
    };
    const auto rank = [&](const CipherSuite* s) {
        return std::tuple(-static_cast<int>(s->strength), !s->forward_secrecy, !s->is_aead(),
                          s->kx != KeyExchange::ecdhe, common(s->enc), s->code);
    };
    std::stable_sort(suites.begin(), suites.end(),
                     [&](auto* a, auto* b) { return rank(a) < rank(b); });
    std::vector<std::uint16_t> out;
    for (const auto* s : suites) out.push_back(static_cast<std::uint16_t>(s->code));
    return out;
}

void add_tls13_fields(ClientHelloSpec& spec, const HelloOptions& options) {
    // RFC 8446 §4.2.8: a share per group we want; X25519 and P-256 cover nearly every server,
    // anything else earns a HelloRetryRequest, which the decoder reports as such.
    static const std::vector<std::uint16_t> usual{group::x25519, group::secp256r1};
    for (auto g : options.key_share_groups ? *options.key_share_groups : usual)
        if (auto share = generate_key_share(g)) spec.key_shares.push_back(std::move(*share));
    spec.psk_key_exchange_modes = {psk_dhe_ke};
    // RFC 8446 Appendix D.4: a non-empty legacy_session_id keeps middleboxes calm.
    spec.session_id = random_bytes(32);
}

}  // namespace

std::vector<std::uint16_t> default_supported_groups() {
    return {group::x25519,
            group::secp256r1,
            group::x448,
            group::secp521r1,
            group::secp384r1,
            group::ffdhe2048,
            group::ffdhe3072,
            group::ffdhe4096,
            group::ffdhe6144,
            group::ffdhe8192,
            26 /* brainpoolP256r1 */,
            27 /* brainpoolP384r1 */,
            28 /* brainpoolP512r1 */,
            22 /* secp256k1 */,
            21 /* secp224r1 */,
            19 /* secp192r1 */};
}

std::vector<std::uint16_t> default_signature_algorithms() {
    // TLS 1.3 schemes first, then the TLS 1.2 (hash, signature) pairs old servers sign with.
    return {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B,
            0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0203, 0x0201, 0x0202};
}

ClientHelloSpec preset_client_hello(Version v, const HelloOptions& options) {
    ClientHelloSpec spec;
    spec.max_version = v;
    spec.record_version = v == Version::ssl3 ? Version::ssl3 : Version::tls1_0;
    spec.random = random32();
    spec.cipher_suites = options.cipher_suites.empty() ? suites_for(v) : options.cipher_suites;
    spec.server_name = options.server_name;
    spec.alpn = options.alpn;
    spec.renegotiation = options.renegotiation;
    if (v == Version::ssl3) return spec;  // no extensions in an SSL 3.0 hello

    spec.supported_groups = default_supported_groups();
    spec.ec_point_formats = {0};  // uncompressed (RFC 8422 §5.1.2)
    // RFC 5246 §7.4.1.4.1: signature_algorithms is meaningless before TLS 1.2.
    if (v >= Version::tls1_2) spec.signature_algorithms = default_signature_algorithms();
    if (v == Version::tls1_3) {
        spec.supported_versions = {Version::tls1_3};
        add_tls13_fields(spec, options);
    }
    return spec;
}

ClientHelloSpec preset_offer_everything(const HelloOptions& options) {
    auto spec = preset_client_hello(Version::tls1_3, options);
    spec.supported_versions = {Version::tls1_3, Version::tls1_2, Version::tls1_1, Version::tls1_0};
    if (options.cipher_suites.empty()) {
        spec.cipher_suites = suites_for(Version::tls1_3);
        for (auto s : suites_for(Version::tls1_2)) spec.cipher_suites.push_back(s);
        for (auto s : suites_for(Version::tls1_0))  // the EXPORT suites end at TLS 1.0
            if (std::find(spec.cipher_suites.begin(), spec.cipher_suites.end(), s) ==
                spec.cipher_suites.end())
                spec.cipher_suites.push_back(s);
    }
    return spec;
}

}  // namespace tlsprobe::wire
