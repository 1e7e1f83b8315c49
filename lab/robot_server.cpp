#include "lab/robot_server.hpp"

#include <algorithm>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <string_view>

#include "lab/embedded_testcerts.hpp"
#include "wire/constants.hpp"

namespace tlsprobe::lab {
namespace {

using core::Bytes;
using core::ByteView;

constexpr std::uint8_t kBadRecordMac = 20;
constexpr std::uint8_t kDecryptError = 51;
constexpr std::size_t kPreMasterSecret = 48;

std::string_view embedded(std::string_view name) {
    for (const auto& f : detail::embedded_testcerts())
        if (f.name == name) return f.content;
    throw std::runtime_error("testcerts: no embedded " + std::string(name));
}

std::shared_ptr<EVP_PKEY> load_key(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                  BIO_free);
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!key) throw std::runtime_error("testcerts/good.key: not a private key");
    return {key, EVP_PKEY_free};
}

Bytes load_der(std::string_view pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                  BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
    if (!cert) throw std::runtime_error("testcerts/good.leaf.pem: not a certificate");
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert.get(), &out);
    if (n <= 0) throw std::runtime_error("testcerts/good.leaf.pem: cannot encode");
    Bytes der(out, out + n);
    OPENSSL_free(out);
    return der;
}

// What the client sent after the first flight, as far as it is complete.
struct KeyExchange {
    std::optional<Bytes> encrypted;  // the EncryptedPreMasterSecret
    bool finished = false;           // a handshake record after a ChangeCipherSpec
    std::uint16_t version = 0x0303;  // of the ClientKeyExchange record
};

KeyExchange parse(ByteView since) {
    KeyExchange out;
    bool ccs = false;
    std::size_t pos = 0;
    for (int records = 0; records < 16 && pos + 5 <= since.size(); ++records) {
        const auto type = since[pos];
        const std::size_t length = (std::size_t{since[pos + 3]} << 8) | since[pos + 4];
        if (pos + 5 + length > since.size()) break;
        const auto body = since.subspan(pos + 5, length);
        if (type == static_cast<std::uint8_t>(wire::ContentType::change_cipher_spec)) {
            ccs = true;
        } else if (type == static_cast<std::uint8_t>(wire::ContentType::handshake) && ccs) {
            out.finished = true;
        } else if (type == static_cast<std::uint8_t>(wire::ContentType::handshake) && body.size() > 4 &&
                   body[0] == static_cast<std::uint8_t>(wire::HandshakeType::client_key_exchange)) {
            out.version = static_cast<std::uint16_t>((since[pos + 1] << 8) | since[pos + 2]);
            auto payload = body.subspan(4);
            // TLS prefixes the ciphertext with its length (RFC 5246 §7.4.7.1), SSL 3.0 does not.
            if (out.version != 0x0300 && payload.size() >= 2) payload = payload.subspan(2);
            out.encrypted = Bytes(payload.begin(), payload.end());
        }
        pos += 5 + length;
    }
    return out;
}

std::optional<Bytes> raw_decrypt(EVP_PKEY* key, ByteView in) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                    EVP_PKEY_CTX_free);
    std::size_t size = 0;
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) <= 0 ||
        EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in.data(), in.size()) <= 0)
        return std::nullopt;
    Bytes out(size);
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &size, in.data(), in.size()) <= 0) return std::nullopt;
    out.resize(size);
    return out;
}

bool prefix_ok(ByteView block) { return block.size() > 2 && block[0] == 0 && block[1] == 2; }

// PKCS#1 v1.5 type 2 (RFC 8017 §7.2.2) with a 48-byte message.
bool conforming(ByteView block) {
    if (!prefix_ok(block)) return false;
    const auto zero = std::find(block.begin() + 2, block.end(), 0);
    if (zero == block.end() || zero - block.begin() < 10) return false;
    return static_cast<std::size_t>(block.end() - zero - 1) == kPreMasterSecret;
}

Bytes alert(std::uint16_t version, std::uint8_t description) {
    return {21, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version & 0xff),
            0, 2, 2, description};
}

// Whether the padding passes this server's check (the uniform server has none).
bool accepted(RobotBehaviour b, ByteView block) {
    switch (b) {
        case RobotBehaviour::strong_oracle: return prefix_ok(block);
        case RobotBehaviour::weak_oracle: return conforming(block);
        case RobotBehaviour::uniform: return true;
    }
    return true;
}

}  // namespace

RawScript robot_server(CipherPolicy policy, RobotBehaviour behaviour) {
    policy.certificate = load_der(embedded("good.leaf.pem"));
    const auto key = load_key(embedded("good.key"));
    RawScript s = cipher_policy_server(std::move(policy));
    const auto verdict = [key, behaviour](ByteView since) -> std::optional<bool> {
        const auto kx = parse(since);
        if (!kx.encrypted) return std::nullopt;
        const auto block = raw_decrypt(key.get(), *kx.encrypted);
        return block && accepted(behaviour, *block);
    };
    s.stop_after = [verdict, behaviour](ByteView, ByteView since) -> std::optional<RawScript::Then> {
        if (behaviour == RobotBehaviour::strong_oracle && verdict(since) == std::optional(false))
            return RawScript::Then::reset;
        return std::nullopt;
    };
    s.followup = [verdict, behaviour](ByteView, ByteView since) -> Bytes {
        const auto kx = parse(since);
        const auto ok = verdict(since);
        if (!ok) return {};  // no whole ClientKeyExchange yet
        if (!*ok && behaviour == RobotBehaviour::weak_oracle) return alert(kx.version, kDecryptError);
        if (kx.finished) return alert(kx.version, kBadRecordMac);
        return {};  // waits for the ChangeCipherSpec and Finished
    };
    return s;
}

}  // namespace tlsprobe::lab
