#include "probe/plan.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tlsprobe::probe {

std::vector<ProbeSpec> plan_probes(const Target& target, const PlanOptions& options) {
    std::vector<ProbeSpec> plan;
    for (const auto& kind : attempt_kinds()) {
        if (kind.is_variant && !options.variants) continue;
        if (kind.engine == Engine::raw && !options.raw) continue;
        if (kind.kind == AttemptKind::no_sni && !target.sni) continue;  // nothing to leave out
        auto add = [&](std::optional<core::Version> v) {
            if (options.part != PlanOptions::Part::all) {
                const auto want = options.part == PlanOptions::Part::essential ? Stage::essential
                                                                               : Stage::follow_up;
                if (stage_of(kind.kind, v) != want) return;
            }
            ProbeSpec spec;
            spec.kind = kind.kind;
            spec.id =
                v ? std::string(kind.id) + std::string(core::to_string(*v)) : std::string(kind.id);
            spec.version = v;
            spec.role = kind.role;
            spec.engine = kind.engine;
            spec.sni = target.sni;
            if (kind.kind == AttemptKind::no_sni) spec.sni.reset();
            if (kind.kind == AttemptKind::other_sni) spec.sni = std::string(kUnrelatedSni);
            if (kind.kind == AttemptKind::narrow_ciphers) {
                spec.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
                spec.ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
            }
            plan.push_back(std::move(spec));
        };
        if (!kind.per_version) {
            add(std::nullopt);
            continue;
        }
        for (auto v : core::all_versions)
            if (kind.engine == Engine::raw || options.openssl_can[static_cast<std::size_t>(v)])
                add(v);
    }
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
    // Refused for want of a client certificate after the server took the version (its
    // ServerHello, certificate and CertificateRequest): the version is supported; the client
    // certificate is the problem, not the version or the suites.
    if (o.client_certificate_refused) r.supported = true;
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
    const bool broke_after_answer = !*openssl.supported &&
                                    openssl.phase == core::Phase::handshake &&
                                    openssl.status != core::Status::rejected_alert;
    VersionResult out = *openssl.supported || broke_after_answer ? openssl : raw;
    out.source = "both";
    out.disagreement =
        broke_after_answer ? Disagreement::handshake_broken : Disagreement::answers_differ;
    out.disagreement_detail = broke_after_answer
                                  ? fmt::format(
                                        "the server accepts {} (its ServerHello answers the raw "
                                        "ClientHello), but the OpenSSL handshake then fails: {}",
                                        core::display_name(openssl.version), engine_phrase(openssl))
                                  : fmt::format("OpenSSL handshake: {}; raw ClientHello: {}",
                                                engine_phrase(openssl), engine_phrase(raw));
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
            accepts_some_version =
                accepts_some_version || p.observation.status == core::Status::negotiated;
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
    if (const auto all =
            std::find_if(probes.begin(), probes.end(),
                         [](const ProbeRecord& p) { return p.spec.role == ProbeRole::offer_all; });
        all != probes.end() && all->observation.status == core::Status::negotiated &&
        all->observation.version) {
        auto& r = out[static_cast<std::size_t>(*all->observation.version)];
        if (r.supported != true) {
            r.detail = fmt::format(
                "negotiated when every version was offered, but the pinned probe got: {}",
                r.detail);
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
        if (p.observation.status != core::Status::negotiated || p.observation.chain.empty())
            continue;
        if (p.spec.role == ProbeRole::offer_all) return &p;
        if (p.spec.role != ProbeRole::version) continue;
        if (!best || p.observation.version > best->observation.version) best = &p;
    }
    return best;
}

}  // namespace tlsprobe::probe
