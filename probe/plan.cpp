#include "probe/plan.hpp"

#include <algorithm>
#include <fmt/format.h>


namespace tlsprobe::probe {

namespace {


template <typename Add>
void add_variants(const Target& target, Add& add) {
    // SNI variants separate an SNI-only binding (fails without SNI), a front end that
    // rejects unknown names (alert 112/80) and a default certificate (served for any name).
    if (target.sni) add("no_sni", std::nullopt, std::nullopt, ProbeRole::sni_variant);
    add("other_sni", std::nullopt, std::string(kUnrelatedSni), ProbeRole::sni_variant);
    // A short, modern offer (small ClientHello, two AEAD suites per version): succeeds where
    // the broad one fails on hello-size or cipher-list intolerant stacks.
    auto* narrow = add("narrow_ciphers", std::nullopt, target.sni, ProbeRole::cipher_variant);
    narrow->cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
    narrow->ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
}

}  // namespace

std::vector<ProbeSpec> plan_probes(const Target& target, const PlanOptions& options) {
    std::vector<ProbeSpec> plan;
    auto add = [&](std::string id, std::optional<core::Version> v, std::optional<std::string> sni, ProbeRole role) {
        ProbeSpec spec;
        spec.id = std::move(id);
        spec.version = v;
        spec.sni = std::move(sni);
        spec.role = role;
        plan.push_back(std::move(spec));
        return &plan.back();
    };
    for (auto v : core::all_versions) {
        if (!options.openssl_can[static_cast<std::size_t>(v)]) continue;
        add(std::string(core::to_string(v)), v, target.sni, ProbeRole::version);
    }
    add("offer_all", std::nullopt, target.sni, ProbeRole::offer_all);
    if (options.variants) add_variants(target, add);
    if (options.raw)
        for (auto v : core::all_versions)
            add(fmt::format("raw_{}", core::to_string(v)), v, target.sni, ProbeRole::version)->engine = Engine::raw;
    if (options.part == PlanOptions::Part::all) return plan;
    // Essential: what decides the verdicts (versions, SSL 2.0/3.0 via raw, the chain) plus the
    // one-connection check every estate scan wants (an SNI-only binding). The follow-up stage
    // adds the second opinions and the variants that only matter when something fails.
    const auto essential = [](const ProbeSpec& p) {
        if (p.engine == Engine::raw) return p.version <= core::Version::ssl3;
        return p.role == ProbeRole::version || p.role == ProbeRole::offer_all || p.id == "no_sni";
    };
    const bool want = options.part == PlanOptions::Part::essential;
    std::erase_if(plan, [&](const ProbeSpec& p) { return essential(p) != want; });
    return plan;
}

namespace {

// Did this failed attempt show that the server does not do the pinned version?
// A reply of any kind (alert, RST, FIN, a ServerHello for another version) says "no";
// silence says "no" only if the server answers other versions (set by the caller).
std::optional<bool> supported_from(const core::Observation& o) {
    switch (o.status) {
        case core::Status::negotiated: return true;
        case core::Status::rejected_alert:
        case core::Status::reset:
        case core::Status::closed:
        case core::Status::protocol_error:
        case core::Status::not_tls: return false;
        default: return std::nullopt;
    }
}

}  // namespace

namespace {


// The verdict one attempt gives its pinned version.
VersionResult verdict_of(const ProbeRecord& p) {
    VersionResult r;
    const auto& o = p.observation;
    r.version = *p.spec.version;
    r.status = o.status;
    r.phase = o.phase;
    r.source = std::string(to_string(p.spec.engine));
    r.supported = supported_from(o);
    r.alert = o.alert;
    r.cipher = o.status == core::Status::negotiated ? o.cipher : "";
    r.detail = o.detail;
    return r;
}

std::string engine_phrase(const VersionResult& v) {
    if (v.supported == true) return fmt::format("negotiated {}", v.cipher);
    return v.detail.empty() ? std::string(core::to_string(v.status)) : v.detail;
}

// Both engines asked about the same version: agree ("both"), or trust the success and say
// how they differ (a server quirk worth showing: it answers one hello and not the other).
VersionResult merge(const VersionResult& openssl, const VersionResult& raw) {
    if (!openssl.supported) return raw.supported ? raw : openssl;
    if (!raw.supported) return openssl;
    if (*openssl.supported == *raw.supported) {
        VersionResult both = openssl;
        both.source = "both";
        if (both.cipher.empty()) both.cipher = raw.cipher;
        return both;
    }
    // The raw hello got a ServerHello for the version, the OpenSSL handshake failed after the
    // server had started answering: the version is accepted but the handshake breaks (a key
    // that cannot sign, a certificate that does not match its key). That is not support.
    const bool broke_after_answer = !*openssl.supported && openssl.phase == core::Phase::handshake &&
                                    openssl.status != core::Status::rejected_alert;
    VersionResult out = *openssl.supported || broke_after_answer ? openssl : raw;
    out.source = "both";
    out.disagreement = broke_after_answer ? Disagreement::handshake_broken : Disagreement::answers_differ;
    out.disagreement_detail = broke_after_answer
                           ? fmt::format("the server accepts {} (its ServerHello answers the raw ClientHello), but the OpenSSL handshake then fails: {}",
                                         core::display_name(openssl.version), engine_phrase(openssl))
                           : fmt::format("OpenSSL handshake: {}; raw ClientHello: {}", engine_phrase(openssl), engine_phrase(raw));
    return out;
}

}  // namespace

std::array<VersionResult, 6> summarize_versions(const std::vector<ProbeRecord>& probes) {
    std::array<VersionResult, 6> out{};
    std::array<std::optional<VersionResult>, 6> by_openssl, by_raw;
    // Some version was accepted, by either engine (a raw ServerHello counts here: the point
    // is whether the server answers hellos at all, not whether TLS works).
    bool accepts_some_version = false;
    for (auto v : core::all_versions) {
        auto& r = out[static_cast<std::size_t>(v)];
        r.version = v;
        r.source = "none";
        r.status = core::Status::local_unsupported;
        r.detail = fmt::format("this machine's TLS library cannot offer {}", core::display_name(v));
    }
    for (const auto& p : probes) {
        if (p.spec.role == ProbeRole::version || p.spec.role == ProbeRole::offer_all)
            accepts_some_version = accepts_some_version || p.observation.status == core::Status::negotiated;
        if (!p.spec.version || p.spec.role != ProbeRole::version) continue;
        if (p.observation.status == core::Status::local_unsupported) continue;
        const auto i = static_cast<std::size_t>(*p.spec.version);
        (p.spec.engine == Engine::raw ? by_raw : by_openssl)[i] = verdict_of(p);
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (by_openssl[i] && by_raw[i]) out[i] = merge(*by_openssl[i], *by_raw[i]);
        else if (by_openssl[i]) out[i] = *by_openssl[i];
        else if (by_raw[i]) out[i] = *by_raw[i];
    }
    // A version that times out while others negotiate is not supported (an intolerant
    // stack that drops what it does not know); if nothing negotiated we cannot tell.
    if (accepts_some_version)
        for (auto& r : out)
            if (r.status == core::Status::timeout && r.source != "none") r.supported = false;
    // "offer_all" negotiated a version whose pinned probe failed: trust the success and
    // say so, it usually means the server mishandles version-pinned hellos.
    if (const auto all = std::find_if(probes.begin(), probes.end(), [](const ProbeRecord& p) { return p.spec.role == ProbeRole::offer_all; });
        all != probes.end() && all->observation.status == core::Status::negotiated && all->observation.version) {
        auto& r = out[static_cast<std::size_t>(*all->observation.version)];
        if (r.supported != true) {
            r.detail = fmt::format("negotiated when every version was offered, but the pinned probe got: {}", r.detail);
            r.supported = true;
            r.status = core::Status::negotiated;
            r.cipher = all->observation.cipher;
        }
    }
    return out;
}

const ProbeRecord* chain_probe(const std::vector<ProbeRecord>& probes) {
    const ProbeRecord* best = nullptr;
    for (const auto& p : probes) {
        if (p.observation.status != core::Status::negotiated || p.observation.chain.empty()) continue;
        if (p.spec.role == ProbeRole::offer_all) return &p;
        if (p.spec.role != ProbeRole::version) continue;
        if (!best || p.observation.version > best->observation.version) best = &p;
    }
    return best;
}

}  // namespace tlsprobe::probe
