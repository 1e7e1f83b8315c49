#include "probe/result.hpp"

#include <algorithm>

namespace tlsprobe::probe {

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

const ProbeRecord* TargetResult::probe(std::string_view id) const {
    auto it = std::find_if(probes.begin(), probes.end(), [&](const ProbeRecord& p) { return p.spec.id == id; });
    return it == probes.end() ? nullptr : &*it;
}

bool TargetResult::any_negotiated() const {
    // Only a completed handshake counts: the raw engine's "negotiated" means a ServerHello
    // was seen, and a server can accept a version and still fail the handshake after it.
    return std::any_of(probes.begin(), probes.end(), [](const ProbeRecord& p) {
        return p.spec.engine == Engine::openssl && p.observation.status == core::Status::negotiated;
    });
}

bool TargetResult::unreachable() const {
    if (probes.empty()) return false;
    return std::all_of(probes.begin(), probes.end(), [](const ProbeRecord& p) {
        const auto& o = p.observation;
        return o.status == core::Status::dns_failed || o.status == core::Status::refused ||
               o.status == core::Status::unreachable ||
               (o.status == core::Status::timeout && o.phase == core::Phase::connect) ||
               o.status == core::Status::local_unsupported;
    }) && std::any_of(probes.begin(), probes.end(), [](const ProbeRecord& p) {
        return p.observation.status != core::Status::local_unsupported;
    });
}

std::optional<Severity> TargetResult::worst_severity() const {
    std::optional<Severity> worst;
    for (const auto& f : findings)
        if (!worst || f.severity > *worst) worst = f.severity;
    return worst;
}

}  // namespace tlsprobe::probe
