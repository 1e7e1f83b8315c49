#include "wire/server_messages.hpp"

#include <algorithm>
#include <bit>
#include <fmt/format.h>
#include <stdexcept>

#include "core/text.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/reader.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
namespace {

DowngradeSentinel read_sentinel(const std::array<std::uint8_t, 32>& random) {
    if (!std::equal(downgrade_prefix.begin(), downgrade_prefix.end(), random.begin() + 24))
        return DowngradeSentinel::none;
    switch (random[31]) {
        case 0x01: return DowngradeSentinel::tls1_2;
        case 0x00: return DowngradeSentinel::tls1_1_or_below;
        default: return DowngradeSentinel::none;
    }
}

// Fills the decoded fields from the extensions the hello carries.
void decode_extensions(ServerHello& hello) {
    for (const auto& e : hello.extensions) {
        Reader r(e.data);
        switch (e.type) {
            case ext::supported_versions:
                hello.selected_version = r.u16();  // ServerHello form: one ProtocolVersion
                break;
            case ext::key_share:
                // HRR: NamedGroup selected_group; ServerHello: KeyShareEntry server_share
                // (RFC 8446 §4.2.8). The group comes first in both.
                hello.key_share_group = r.u16();
                if (!hello.hello_retry_request) (void)r.vec16();
                break;
            case ext::alpn: {
                auto list = r.vec16();
                auto name = list.vec8();
                // The server's bytes: made safe UTF-8 here, where they become a string.
                hello.alpn =
                    core::to_safe_utf8(std::string(name.rest().begin(), name.rest().end()));
                break;
            }
            case ext::renegotiation_info: hello.renegotiation_info = true; break;
            case ext::extended_master_secret: hello.extended_master_secret = true; break;
            default: break;
        }
    }
}

}  // namespace

std::string_view to_string(DowngradeSentinel d) {
    switch (d) {
        case DowngradeSentinel::none: return "none";
        case DowngradeSentinel::tls1_2: return "tls1_2";
        case DowngradeSentinel::tls1_1_or_below: return "tls1_1_or_below";
    }
    return "unknown";
}

bool ServerHello::has_extension(std::uint16_t type) const {
    return std::any_of(extensions.begin(), extensions.end(),
                       [&](const auto& e) { return e.type == type; });
}

ServerHello parse_server_hello(ByteView body) {
    Reader r(body);
    ServerHello hello;
    hello.legacy_version = r.u16();
    hello.random = r.array<32>();
    const auto sid = r.vec8().rest();
    if (sid.size() > 32)
        throw std::invalid_argument(fmt::format(
            "ServerHello session_id of {} bytes, longer than 32 (RFC 8446 §4.1.3, RFC 5246 "
            "§7.4.1.3)",
            sid.size()));
    hello.session_id.assign(sid.begin(), sid.end());
    hello.cipher_suite = r.u16();
    hello.compression = r.u8();
    hello.hello_retry_request = hello.random == hello_retry_request_random;
    if (!hello.hello_retry_request) hello.downgrade = read_sentinel(hello.random);
    if (!r.empty()) {
        hello.extensions = parse_extension_list(r.vec16().rest());
        if (!r.empty()) throw std::invalid_argument("bytes after the ServerHello extensions");
    }
    const char* what = hello.hello_retry_request ? "HelloRetryRequest" : "ServerHello";
    // Sorted, not pairwise: a 64 KiB block holds 16,384 empty extensions.
    std::vector<std::uint16_t> types;
    for (const auto& e : hello.extensions) types.push_back(e.type);
    std::sort(types.begin(), types.end());
    if (const auto twice = std::adjacent_find(types.begin(), types.end()); twice != types.end())
        throw std::invalid_argument(fmt::format(
            "the {} carries extension {} ({}) twice (RFC 8446 §4.2, RFC 5246 §7.4.1.4: at most "
            "one extension of each type)",
            what, extension_name(*twice), *twice));
    decode_extensions(hello);
    // RFC 8446 §4.1.3: a TLS 1.3 server (one that answers with supported_versions) sets
    // legacy_version to 0x0303; the version itself lives in the extension.
    if (hello.selected_version && hello.legacy_version != 0x0303)
        throw std::invalid_argument(fmt::format(
            "a {} with supported_versions has legacy_version 0x{:04x}, not 0x0303 (RFC 8446 "
            "§4.1.3)",
            what, hello.legacy_version));
    return hello;
}

std::vector<RawExtension> parse_extension_list(ByteView block) {
    Reader list(block);
    std::vector<RawExtension> out;
    while (!list.empty()) {
        RawExtension e;
        e.type = list.u16();
        const auto data = list.vec16().rest();
        e.data.assign(data.begin(), data.end());
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<Bytes> parse_certificate_list(ByteView body) {
    Reader r(body);
    auto list = r.vec24();
    if (!r.empty()) throw std::invalid_argument("bytes after the certificate_list");
    std::vector<Bytes> chain;
    while (!list.empty()) {
        const auto cert = list.vec24().rest();
        if (cert.empty()) throw std::invalid_argument("empty ASN.1Cert in certificate_list");
        chain.emplace_back(cert.begin(), cert.end());
    }
    return chain;
}

int bit_length(ByteView n) {
    std::size_t i = 0;
    while (i < n.size() && n[i] == 0) ++i;
    if (i == n.size()) return 0;
    const auto top = static_cast<unsigned>(std::bit_width(static_cast<unsigned>(n[i])));
    return static_cast<int>((n.size() - i - 1) * 8 + top);
}

std::string_view to_string(KeyExchangeInfo::Kind k) {
    switch (k) {
        case KeyExchangeInfo::Kind::ecdhe: return "ecdhe";
        case KeyExchangeInfo::Kind::dhe: return "dhe";
        case KeyExchangeInfo::Kind::rsa_export: return "rsa_export";
        case KeyExchangeInfo::Kind::psk_hint_only: return "psk_hint_only";
        case KeyExchangeInfo::Kind::unknown: return "unknown";
    }
    return "unknown";
}

KeyExchangeInfo parse_server_key_exchange(ByteView body, const CipherSuite* suite) {
    Reader r(body);
    KeyExchangeInfo info;
    const auto kx = suite ? suite->kx : KeyExchange::any;
    // PSK variants start with psk_identity_hint<0..2^16-1> (RFC 4279 §2-§4, RFC 5489 §2).
    if (kx == KeyExchange::psk || kx == KeyExchange::rsa_psk || kx == KeyExchange::dhe_psk ||
        kx == KeyExchange::ecdhe_psk) {
        (void)r.vec16();
        if (kx == KeyExchange::psk || kx == KeyExchange::rsa_psk) {
            info.kind = KeyExchangeInfo::Kind::psk_hint_only;
            return info;
        }
    }
    bool ec = kx == KeyExchange::ecdhe || kx == KeyExchange::ecdh || kx == KeyExchange::ecdhe_psk;
    bool dh = kx == KeyExchange::dhe || kx == KeyExchange::dh || kx == KeyExchange::dhe_psk;
    if (kx == KeyExchange::rsa) {
        // ServerRSAParams of the EXPORT suites: rsa_modulus, rsa_exponent (RFC 4346 §7.4.3).
        info.kind = KeyExchangeInfo::Kind::rsa_export;
        info.rsa_modulus_bits = bit_length(r.vec16().rest());
        (void)r.vec16();
        return info;
    }
    if (!ec && !dh) {
        if (kx != KeyExchange::any) return info;  // SRP, KRB5, GOST...: not decoded
        // Unknown suite: named-curve ECParameters are 03 00 <group < 0x40>. A dh_p<..> starts
        // 03 00 only for a 768-byte (6144-bit) prime, whose next byte has its top bit set.
        ec = body.size() >= 3 && body[0] == 3 && body[1] == 0 && body[2] < 0x40;
        dh = !ec;
    }
    if (ec) {
        info.kind = KeyExchangeInfo::Kind::ecdhe;
        info.curve_type = r.u8();               // RFC 8422 §5.4 ECParameters
        if (info.curve_type != 3) return info;  // explicit curves (deprecated): not decoded
        info.named_group = r.u16();
        info.public_key_bytes = r.vec8().remaining();
        return info;
    }
    info.kind = KeyExchangeInfo::Kind::dhe;  // ServerDHParams (RFC 5246 §7.4.3)
    const auto p = r.vec16().rest();
    const auto g = r.vec16().rest();
    const auto ys = r.vec16().rest();
    info.dh_prime_bits = bit_length(p);
    info.dh_p.assign(p.begin(), p.end());
    info.dh_g.assign(g.begin(), g.end());
    info.dh_ys.assign(ys.begin(), ys.end());
    info.public_key_bytes = ys.size();
    return info;
}

}  // namespace tlsprobe::wire
