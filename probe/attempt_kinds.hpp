// The kinds of connection attempt a probe makes, as one table (attempt_kinds.cpp). Each row
// says what the attempt is for, which engine sends it, whether it is made once or per
// version, and in which stage of an adaptive probe. plan_probes() walks the table; the
// rules find attempts by kind, never by their string ids (those are the JSON contract).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/version.hpp"
#include "probe/target.hpp"

namespace tlsprobe::probe {

// Which engine made an attempt.
enum class Engine { openssl, raw };
std::string_view to_string(Engine e);

// What an attempt is for. Version probes decide the per-version verdicts and offer_all
// supplies the analysed chain; variants only add differential evidence for the diagnosis
// (a different SNI or a narrower cipher list) and never change those verdicts.
enum class ProbeRole { version, offer_all, sni_variant, cipher_variant };
std::string_view to_string(ProbeRole r);

enum class AttemptKind {
    pinned,          // "tls1_2": one OpenSSL handshake pinned to each version the library has
    offer_all,       // "offer_all": every version and suite, the requested name
    no_sni,          // "no_sni": as offer_all without server_name (only when the target has a name)
    other_sni,       // "other_sni": as offer_all with an unrelated name
    narrow_ciphers,  // "narrow_ciphers": a short modern offer (two AEAD suites per version)
    raw_pinned,      // "raw_tls1_2": our own ClientHello pinned to each of the six versions
};
std::string_view to_string(AttemptKind k);

// When an adaptive probe makes the attempt: always, or only when the first stage shows a
// problem (the second opinions and the variants that only matter when something fails).
enum class Stage { essential, follow_up };

struct AttemptKindInfo {
    AttemptKind kind;
    std::string_view
        id;  // the attempt id, or its prefix for per-version kinds ("raw_" -> "raw_tls1_2")
    ProbeRole role;
    Engine engine;
    bool per_version;          // one attempt per version, else one attempt
    bool is_variant;           // planned only when variants are on
    std::string_view purpose;  // one line for --help and the docs
};

// The registry, in plan order.
std::span<const AttemptKindInfo> attempt_kinds();
const AttemptKindInfo& attempt_kind(AttemptKind k);

// The kind of an attempt id ("raw_tls1_2" -> raw_pinned, "tls1_2" -> pinned); nullopt for
// an id no kind makes (records read back from JSON).
std::optional<AttemptKind> attempt_kind_of(std::string_view id);

// The unrelated name the "other_sni" attempt sends (.invalid never resolves, RFC 2606 §2).
inline constexpr std::string_view kUnrelatedSni = "unrelated.tlsprobe.invalid";

// The stage an attempt of kind `k` (pinned to `v` for per-version kinds) belongs to:
// essential = the versions, offer_all, no_sni and raw SSL 2.0/3.0 (what decides the verdicts
// plus the one-connection SNI check every estate scan wants); the rest follow up.
Stage stage_of(AttemptKind k, std::optional<core::Version> v);

}  // namespace tlsprobe::probe
