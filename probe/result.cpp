#include "probe/result.hpp"

#include <algorithm>

namespace tlsprobe::probe {

const ProbeRecord* TargetResult::probe(std::string_view id) const {
    auto it = std::find_if(probes.begin(), probes.end(),
                           [&](const ProbeRecord& p) { return p.spec.id == id; });
    return it == probes.end() ? nullptr : &*it;
}

const ProbeRecord* TargetResult::probe(AttemptKind kind) const {
    auto it = std::find_if(probes.begin(), probes.end(),
                           [&](const ProbeRecord& p) { return p.spec.kind == kind; });
    return it == probes.end() ? nullptr : &*it;
}

bool completes_handshake(const ProbeRecord& p) {
    return (p.spec.role == ProbeRole::version || p.spec.role == ProbeRole::offer_all) &&
           p.spec.engine == Engine::openssl && p.observation.status == core::Status::negotiated &&
           !p.observation.client_certificate_refused;
}

std::string_view to_string(ClientCertificate c) {
    switch (c) {
        case ClientCertificate::not_requested: return "not_requested";
        case ClientCertificate::optional: return "optional";
        case ClientCertificate::required: return "required";
        case ClientCertificate::accepted: return "accepted";
    }
    return "not_requested";
}

std::string_view to_string(Disagreement d) {
    switch (d) {
        case Disagreement::none: return "none";
        case Disagreement::answers_differ: return "answers_differ";
        case Disagreement::handshake_broken: return "handshake_broken";
    }
    return "none";
}

std::string_view to_string(TargetVerdict v) {
    switch (v) {
        case TargetVerdict::ok: return "ok";
        case TargetVerdict::warn: return "warn";
        case TargetVerdict::fail: return "fail";
        case TargetVerdict::no_tls: return "no_tls";
        case TargetVerdict::unreachable: return "unreachable";
    }
    return "no_tls";
}

std::optional<Severity> TargetResult::worst_severity() const {
    std::optional<Severity> worst;
    for (const auto& f : findings)
        if (!worst || f.severity > *worst) worst = f.severity;
    return worst;
}

}  // namespace tlsprobe::probe
