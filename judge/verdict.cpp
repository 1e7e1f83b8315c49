#include "judge/verdict.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "judge/diagnosis_rules.hpp"
#include "judge/findings_rules.hpp"
#include "judge/platform.hpp"
#include "probe/checks/clients.hpp"

namespace tlsprobe::judge {

using probe::Severity;
using probe::TargetResult;
using probe::TargetVerdict;

std::string verdict_paragraph(const TargetResult& r) {
    const auto where = r.target.display();
    // A STARTTLS target names its protocol in `where` ("smtp://..."): the service is TLS.
    const std::string_view service = r.target.starttls == wire::StartTls::none ? "HTTPS" : "TLS";
    const bool works = r.facts.works;
    std::string http;
    if (r.http) {
        if (r.http->status == engine::HttpStatus::answered)
            http = fmt::format(" Plain HTTP on port {} works ({}).", r.http->port,
                               r.http->status_line);
        else if (!works)
            http = fmt::format(" Plain HTTP on port {} fails as well ({}).", r.http->port,
                               engine::to_string(r.http->status));
        else
            http = fmt::format(" Plain HTTP on port {} does not answer ({}).", r.http->port,
                               engine::to_string(r.http->status));
    }
    const auto* best = r.probe(probe::AttemptKind::offer_all);
    if (r.diagnosis.empty()) {
        if (!works)
            return fmt::format(
                "{} on {} fails and the evidence fits no known cause; see the probes below.{}",
                service, where, http);
        std::string how;
        if (best && best->observation.status == core::Status::negotiated &&
            best->observation.version)
            how = fmt::format(" with {} ({})", core::display_name(*best->observation.version),
                              best->observation.cipher);
        const auto worst = r.worst_severity();
        const bool serious = worst && *worst >= Severity::high;
        std::string cert;
        if (r.chain && r.chain->trusted && !serious && r.chain->leaf_certificate())
            cert = fmt::format(" The certificate for {} is trusted and valid until {:%Y-%m-%d}.",
                               r.target.sni.value_or(r.target.host),
                               r.chain->leaf_certificate()->not_after);
        const std::string review = serious ? " Findings below need attention."
                                   : worst && *worst >= Severity::medium
                                       ? " Some findings below are worth a look."
                                       : "";
        const std::string with_certificate =
            r.facts.client_certificate == probe::ClientCertificate::accepted
                ? " It asks for a client certificate and accepted the one given with --client-cert."
                : "";
        return fmt::format("{} on {} {}{}.{}{}{}{}", service, where, serious ? "negotiates" : "works",
                           how, with_certificate, cert, review, http);
    }
    const auto& top = r.diagnosis.front();
    // Only a serious finding means browsers reject it: an expired cross-signed root that
    // trusted-first clients avoid fails old clients only ("not for every client").
    const auto worst_finding = r.worst_severity();
    // Browsers send SNI, so a name-based binding serving another site's certificate is theirs.
    const bool certificate = (top.id.starts_with("cert.") || top.id.starts_with("chain.") ||
                              top.id == "binding.sni_wrong_certificate") &&
                             worst_finding && *worst_finding >= Severity::high;
    const std::string state =
        !r.facts.reached ? "cannot be reached"
        : top.id == "server.client_certificate_required"
            ? "refuses every client that does not present a client certificate it accepts"
        : !works      ? "fails"
        : certificate ? "negotiates, but browsers will reject the certificate"
        : top.id == "protocol.legacy_only"
            ? "negotiates only protocol versions current browsers refuse"
            : "negotiates for this client, but not for every client";
    std::string scenario = top.scenarios.empty() ? ""
                                                 : fmt::format("; the article's scenario {}",
                                                               fmt::join(top.scenarios, "/"));
    std::string others;
    if (r.diagnosis.size() > 1) {
        std::vector<std::string> ids;
        for (std::size_t i = 1; i < r.diagnosis.size(); ++i) ids.push_back(r.diagnosis[i].id);
        others = fmt::format(" Also considered: {}.", fmt::join(ids, ", "));
    }
    return fmt::format("{} on {} {}. Most likely cause ({} confidence{}): {}{}{}", service, where, state,
                       to_string(top.confidence), scenario, top.summary, others, http);
}

namespace {

// The simulated current clients that cannot connect, named with their reason (issue 15).
std::string failing_clients_sentence(const TargetResult& r) {
    constexpr std::size_t kNamed = 5;
    for (const auto& check : r.checks) {
        const auto* clients = dynamic_cast<const probe::checks::ClientsResult*>(check.get());
        if (!clients) continue;
        const auto failing = clients->failing(true);
        if (failing.empty()) return {};
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < failing.size() && i < kNamed; ++i)
            parts.push_back(fmt::format("{} ({})", failing[i]->name, failing[i]->detail));
        if (failing.size() > kNamed) parts.push_back(fmt::format("{} more", failing.size() - kNamed));
        return fmt::format(" Current clients that cannot connect: {}.", fmt::join(parts, "; "));
    }
    return {};
}

}  // namespace

TargetVerdict decide_verdict(const TargetResult& r) {
    if (!r.facts.reached) return TargetVerdict::unreachable;
    if (!r.facts.works)
        return r.facts.works_for_variant_only || r.facts.client_certificate_required()
                   ? TargetVerdict::fail
                   : TargetVerdict::no_tls;
    const auto worst = r.worst_severity();
    if (worst && *worst >= probe::Severity::high) return TargetVerdict::fail;
    if (worst && *worst >= probe::Severity::medium) return TargetVerdict::warn;
    return TargetVerdict::ok;
}

void assess(TargetResult& r) {
    r.findings = derive_findings(r);
    for (const auto& check : r.checks)
        for (auto& f : check->findings()) r.findings.push_back(std::move(f));
    std::stable_sort(
        r.findings.begin(), r.findings.end(),
        [](const probe::Finding& a, const probe::Finding& b) { return a.severity > b.severity; });
    r.platform = identify_platform(r);  // before diagnose(): its steps are per platform
    r.diagnosis = diagnose(r);
    r.diagnosed = true;
    r.verdict = decide_verdict(r);
    r.summary = verdict_paragraph(r) + failing_clients_sentence(r);
}

}  // namespace tlsprobe::judge
