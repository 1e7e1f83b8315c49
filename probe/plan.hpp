// Which attempts to make against a target, and what they mean once made: pure functions.
#pragma once

#include <array>
#include <vector>

#include "probe/result.hpp"

namespace tlsprobe::probe {

struct PlanOptions {
    // Versions this machine's OpenSSL can offer; the rest are reported local_unsupported
    // (until the raw engine probes them).
    std::array<bool, 6> openssl_can{false, false, true, true, true, true};
    // Add the diagnosis variants: "no_sni" (when the target has an SNI), "other_sni" and
    // "narrow_ciphers".
    bool variants = true;
    // Add one raw-hello version probe per version ("raw_ssl2" .. "raw_tls1_3"): SSL 2.0/3.0
    // whatever the local library can do, and a second opinion on TLS 1.0-1.3.
    bool raw = true;
    // Which of the above: the whole plan, only what every target needs (versions, offer_all,
    // no_sni, raw SSL 2.0/3.0), or only the rest (the follow-up stage of an adaptive probe).
    enum class Part { all, essential, follow_up };
    Part part = Part::all;
};

// The attempts of attempt_kinds(), in table order: one pinned handshake per version the
// local library can offer, then "offer_all", then
// the variants, then the raw version probes.
std::vector<ProbeSpec> plan_probes(const Target& target, const PlanOptions& options);

// Per-version verdicts from the attempts made (pinned probes decide; "offer_all" adds a
// version the pinned probe missed). Pure.
std::array<VersionResult, 6> summarize_versions(const std::vector<ProbeRecord>& probes);

// The attempt whose chain is analysed: "offer_all" when it negotiated, else the newest
// negotiated version; nullptr when nothing negotiated.
const ProbeRecord* chain_probe(const std::vector<ProbeRecord>& probes);

}  // namespace tlsprobe::probe
