#include "probe/attempt_kinds.hpp"

#include <algorithm>
#include <array>

namespace tlsprobe::probe {
namespace {

constexpr std::array<AttemptKindInfo, 6> kKinds{{
    {AttemptKind::pinned, "", ProbeRole::version, Engine::openssl, true, false,
     "one OpenSSL handshake pinned to each version the local library can offer"},
    {AttemptKind::offer_all, "offer_all", ProbeRole::offer_all, Engine::openssl, false, false,
     "every version and suite with the requested name; its chain is the one analysed"},
    // SNI variants separate an SNI-only binding (fails without SNI), a front end that
    // rejects unknown names (alert 112/80) and a default certificate (served for any name).
    {AttemptKind::no_sni, "no_sni", ProbeRole::sni_variant, Engine::openssl, false, true,
     "as offer_all without server_name: clients without SNI, SNI-only bindings"},
    {AttemptKind::other_sni, "other_sni", ProbeRole::sni_variant, Engine::openssl, false, true,
     "as offer_all with an unrelated name: default certificates, name rejection"},
    // A short, modern offer: succeeds where the broad one fails on hello-size or cipher-list
    // intolerant stacks.
    {AttemptKind::narrow_ciphers, "narrow_ciphers", ProbeRole::cipher_variant, Engine::openssl,
     false, true, "two AEAD suites per version: hello-size and cipher-list intolerance"},
    {AttemptKind::raw_pinned, "raw_", ProbeRole::version, Engine::raw, true, false,
     "tlsprobe's own ClientHello pinned to each of SSL 2.0 .. TLS 1.3: legacy versions and a "
     "second opinion"},
}};

}  // namespace

std::string_view to_string(Engine e) { return e == Engine::raw ? "raw" : "openssl"; }

std::string_view to_string(ProbeRole r) {
    switch (r) {
        case ProbeRole::version: return "version";
        case ProbeRole::offer_all: return "offer_all";
        case ProbeRole::sni_variant: return "sni_variant";
        case ProbeRole::cipher_variant: return "cipher_variant";
    }
    return "version";
}

std::string_view to_string(AttemptKind k) {
    switch (k) {
        case AttemptKind::pinned: return "pinned";
        case AttemptKind::offer_all: return "offer_all";
        case AttemptKind::no_sni: return "no_sni";
        case AttemptKind::other_sni: return "other_sni";
        case AttemptKind::narrow_ciphers: return "narrow_ciphers";
        case AttemptKind::raw_pinned: return "raw_pinned";
    }
    return "pinned";
}

std::span<const AttemptKindInfo> attempt_kinds() { return kKinds; }

const AttemptKindInfo& attempt_kind(AttemptKind k) {
    return *std::find_if(kKinds.begin(), kKinds.end(),
                         [&](const AttemptKindInfo& i) { return i.kind == k; });
}

std::optional<AttemptKind> attempt_kind_of(std::string_view id) {
    for (const auto& k : kKinds) {
        if (!k.per_version) {
            if (id == k.id) return k.kind;
            continue;
        }
        if (!id.starts_with(k.id)) continue;
        const auto rest = id.substr(k.id.size());
        for (auto v : core::all_versions)
            if (rest == core::to_string(v)) return k.kind;
    }
    return std::nullopt;
}

Stage stage_of(AttemptKind k, std::optional<core::Version> v) {
    switch (k) {
        case AttemptKind::pinned:
        case AttemptKind::offer_all:
        case AttemptKind::no_sni: return Stage::essential;
        case AttemptKind::raw_pinned:
            return v && *v <= core::Version::ssl3 ? Stage::essential : Stage::follow_up;
        case AttemptKind::other_sni:
        case AttemptKind::narrow_ciphers: return Stage::follow_up;
    }
    return Stage::follow_up;
}

}  // namespace tlsprobe::probe
