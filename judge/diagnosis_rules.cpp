#include "judge/diagnosis_rules.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <optional>

#include "core/alert.hpp"
#include "probe/checks/aia.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/revocation.hpp"
#include "probe/platform.hpp"
#include "wire/service.hpp"
#include "wire/starttls.hpp"
#include "x509/revocation.hpp"

namespace tlsprobe::judge {

using core::Status;
using probe::AttemptKind;
using probe::Confidence;
using probe::Diagnosis;
using probe::Engine;
using probe::ProbeRecord;
using probe::ProbeRole;
using probe::TargetResult;
using x509::ChainProblemKind;
namespace {

using core::Status;

// IIS's application id for `netsh http add sslcert ... appid=`.
constexpr std::string_view kIisAppId = "{{4dc3e181-e14b-4a21-b022-59fc669b0914}}";

// The facts the rules read, computed once from the result.
struct Facts {
    const TargetResult& r;
    std::vector<const ProbeRecord*>
        attempts;                       // every attempt that was made (not local_unsupported)
    const ProbeRecord* main = nullptr;  // offer_all: every version, the right SNI
    const ProbeRecord* no_sni = nullptr;
    const ProbeRecord* other_sni = nullptr;
    const ProbeRecord* narrow = nullptr;
    bool main_ok = false;  // facts.works: a version probe or offer_all completed

    explicit Facts(const TargetResult& result) : r(result), main_ok(result.facts.works) {
        for (const auto& p : r.probes) {
            if (p.observation.status == Status::local_unsupported) continue;
            attempts.push_back(&p);
            if (p.spec.kind == AttemptKind::offer_all) main = &p;
            if (p.spec.kind == AttemptKind::no_sni) no_sni = &p;
            if (p.spec.kind == AttemptKind::other_sni) other_sni = &p;
            if (p.spec.kind == AttemptKind::narrow_ciphers) narrow = &p;
        }
    }
    template <typename Pred>
    bool all(Pred pred) const {
        return !attempts.empty() &&
               std::all_of(attempts.begin(), attempts.end(),
                           [&](const ProbeRecord* p) { return pred(p->observation); });
    }
    template <typename Pred>
    const ProbeRecord* first(Pred pred) const {
        const auto it = std::find_if(attempts.begin(), attempts.end(),
                                     [&](const ProbeRecord* p) { return pred(p->observation); });
        return it == attempts.end() ? nullptr : *it;
    }
    const x509::CertificateInfo* leaf() const {
        return r.chain ? r.chain->leaf_certificate() : nullptr;
    }
    bool chain_has(ChainProblemKind kind) const { return r.chain && r.chain->has(kind); }
    std::string name() const { return r.target.sni.value_or(r.target.host); }
};

// The handshake worked: negotiated, and not refused afterwards for want of a client
// certificate (TLS 1.3 completes before that refusal).
bool ok(const core::Observation& o) {
    return o.status == Status::negotiated && !o.client_certificate_refused;
}
bool silent_drop(const core::Observation& o) {
    return (o.status == Status::reset || o.status == Status::closed) &&
           o.phase == core::Phase::hello;
}
bool alert_is(const core::Observation& o, std::uint8_t code) {
    return o.status == Status::rejected_alert && o.alert == code;
}

// "TLS 1.2 pinned", "every version", "no SNI", "SNI unrelated.tlsprobe.invalid", "SSL 3.0 (raw
// hello)".
std::string label(const ProbeRecord& p) {
    const auto& s = p.spec;
    if (s.role == ProbeRole::sni_variant) return s.sni ? fmt::format("SNI {}", *s.sni) : "no SNI";
    if (s.role == ProbeRole::cipher_variant) return "narrow cipher list";
    if (!s.version) return "every version";
    return fmt::format("{}{}", core::display_name(*s.version),
                       s.engine == Engine::raw ? " (raw hello)" : " pinned");
}

// How an attempt ended, without the timing, so equal outcomes group together.
std::string outcome_class(const core::Observation& o) {
    switch (o.status) {
        case Status::negotiated:
            return fmt::format("negotiated {}", o.version ? core::display_name(*o.version)
                                                          : std::string_view("TLS"));
        case Status::rejected_alert:
            return o.alert ? fmt::format("alert {} ({})", core::alert_name(*o.alert), *o.alert)
                           : "an alert";
        case Status::reset:
            return o.phase == core::Phase::hello
                       ? "TCP RST right after the ClientHello, no ServerHello, no alert"
                       : "TCP RST mid-handshake";
        case Status::closed:
            return o.phase == core::Phase::hello
                       ? "FIN right after the ClientHello, no ServerHello, no alert"
                       : "FIN mid-handshake";
        case Status::timeout:
            return o.phase == core::Phase::connect ? "TCP connect timed out"
                                                   : "no answer until the timeout";
        case Status::refused: return "connection refused";
        case Status::not_tls: return "a reply that is not TLS";
        default: return std::string(core::to_string(o.status));
    }
}

// Evidence lines: attempts grouped by outcome, with the time from ClientHello to the end.
std::vector<std::string> grouped(const std::vector<const ProbeRecord*>& attempts) {
    struct Group {
        std::vector<std::string> labels;
        core::Micros min{core::Micros::max()}, max{0};
    };
    std::vector<std::pair<std::string, Group>> groups;  // first-seen order
    for (const auto* p : attempts) {
        const auto key = outcome_class(p->observation);
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == key; });
        if (it == groups.end()) it = groups.insert(groups.end(), {key, Group{}});
        it->second.labels.push_back(label(*p));
        it->second.min = std::min(it->second.min, p->observation.elapsed);
        it->second.max = std::max(it->second.max, p->observation.elapsed);
    }
    std::vector<std::string> out;
    for (const auto& [key, g] : groups) {
        std::string timing;
        if (g.max.count() > 0 && key.find("RST") != std::string::npos)
            timing = fmt::format(" after {:.1f}-{:.1f} ms", g.min.count() / 1000.0,
                                 g.max.count() / 1000.0);
        out.push_back(fmt::format("{}: {}{}", fmt::join(g.labels, ", "), key, timing));
    }
    return out;
}

void add_http_evidence(const Facts& f, std::vector<std::string>& evidence) {
    if (!f.r.http) return;
    const auto& h = *f.r.http;
    if (h.status == engine::HttpStatus::answered)
        evidence.push_back(fmt::format(
            "plain HTTP works: HEAD http://{}:{}/ answered {}{}", f.r.target.host, h.port,
            h.status_line,
            h.server_header.empty() ? "" : fmt::format(" (Server: {})", h.server_header)));
    else evidence.push_back(fmt::format("plain HTTP on port {} fails too: {}", h.port, h.detail));
}

struct Match {
    Confidence confidence = Confidence::medium;
    std::string summary;
    std::vector<std::string> evidence;
};

// One platform's confirm and fix templates for a rule.
struct PlatformSteps {
    probe::ServerSoftware platform = probe::ServerSoftware::unknown;
    std::vector<std::string> confirm, fix;
};

// A catalogue row; the layout is explained above rules().
struct Rule {
    std::string_view id;
    std::string_view scenarios;
    std::string_view title;
    std::vector<std::string> client_sees;
    std::vector<std::string> confirm, fix;  // generic steps: fmt templates, see fill()
    std::optional<Match> (*match)(const Facts&);
    std::vector<PlatformSteps> platforms = {};  // per-platform steps, see rules()
};

// ---- the matchers, in catalogue order ------------------------------------------------------

std::optional<Match> dns_failed(const Facts& f) {
    if (!f.all([](const auto& o) { return o.status == Status::dns_failed; })) return std::nullopt;
    return Match{Confidence::high,
                 fmt::format("'{}' does not resolve, so no client can reach the server.",
                             f.r.target.connect_to.value_or(f.r.target.host)),
                 {f.attempts.front()->observation.detail}};
}

std::optional<Match> port_closed(const Facts& f) {
    if (!f.all([](const auto& o) { return o.status == Status::refused; })) return std::nullopt;
    Match m{Confidence::high,
            fmt::format("Nothing accepts connections on {}: the site is stopped, nothing is bound "
                        "to that port, or HTTP.sys does not listen on that IP.",
                        f.r.address),
            {fmt::format("all {} connection attempts to {} were refused (RST in answer to the SYN)",
                         f.attempts.size(), f.r.address)}};
    add_http_evidence(f, m.evidence);
    return m;
}

std::optional<Match> port_filtered(const Facts& f) {
    if (!f.all([](const auto& o) {
            return o.status == Status::timeout && o.phase == core::Phase::connect;
        }))
        return std::nullopt;
    Match m{Confidence::medium,
            fmt::format("Connections to {} time out before TCP connects: a firewall drops them, or "
                        "the host is down.",
                        f.r.address),
            {fmt::format("all {} TCP connects to {} timed out (no SYN-ACK, no RST)",
                         f.attempts.size(), f.r.address)}};
    add_http_evidence(f, m.evidence);
    return m;
}

std::optional<Match> port_not_tls(const Facts& f) {
    const auto* p = f.first([](const auto& o) { return o.status == Status::not_tls; });
    if (!p || f.main_ok)
        return std::nullopt;  // odd bytes to one hello while TLS works: not another service
    const auto service = wire::recognise_service(p->observation.first_bytes);
    Match m{Confidence::high, "", {}};
    const std::string banner =
        service ? service->banner
                : std::string(core::printable_excerpt(p->observation.first_bytes, 60));
    if (service && service->protocol == "http") {
        const bool httpsys = service->server_header.starts_with("Microsoft-HTTPAPI");
        m.summary = httpsys
                        ? fmt::format(
                              "Port {} is an HTTP.sys plain-HTTP (http://) registration, not an "
                              "HTTPS binding: the server answers a ClientHello with an HTTP error.",
                              f.r.target.port)
                        : fmt::format(
                              "A plain-HTTP server owns port {}: it answers the ClientHello with "
                              "an HTTP error page.",
                              f.r.target.port);
        m.evidence.push_back(
            fmt::format("the reply to the ClientHello was '{}'{}", banner,
                        service->server_header.empty()
                            ? ""
                            : fmt::format(" with Server: {}", service->server_header)));
    } else if (service && service->protocol != "unknown") {
        m.summary = fmt::format(
            "Another service ({}) owns port {}: it sent its own greeting instead of a ServerHello.",
            service->protocol, f.r.target.port);
        m.evidence.push_back(fmt::format("the port greeted with '{}'", banner));
    } else {
        m.confidence = Confidence::medium;
        m.summary = fmt::format("Port {} answers, but not with TLS: another program owns it.",
                                f.r.target.port);
        m.evidence.push_back(fmt::format("first bytes received: {}",
                                         core::hex_dump(p->observation.first_bytes, 16)));
    }
    const auto count = std::count_if(
        f.attempts.begin(), f.attempts.end(),
        [](const ProbeRecord* q) { return q->observation.status == Status::not_tls; });
    m.evidence.push_back(
        fmt::format("{} of {} attempts got a non-TLS reply", count, f.attempts.size()));
    return m;
}

// RST/FIN after every ClientHello: every version, with and without SNI, broad and narrow.
bool every_hello_dropped(const Facts& f) {
    return !f.main_ok &&
           f.all([](const auto& o) { return silent_drop(o) || o.status == Status::timeout; }) &&
           f.first(silent_drop) != nullptr;
}

std::optional<Match> no_usable_certificate(const Facts& f) {
    if (!every_hello_dropped(f)) return std::nullopt;
    Match m{Confidence::medium,
            "The server drops every TLS handshake without a word, whatever the version, name or "
            "cipher list: it has no usable certificate "
            "for this IP:port (a certificate without its private key, a key it cannot read, or a "
            "binding with no certificate hash).",
            grouped(f.attempts)};
    m.evidence.push_back(
        "the TCP connection itself works, so the port is open; the server gives up on the "
        "ClientHello itself");
    add_http_evidence(f, m.evidence);
    return m;
}

std::optional<Match> sni_required(const Facts& f) {
    if (!f.main_ok || !f.no_sni || !f.main) return std::nullopt;
    const auto& o = f.no_sni->observation;
    if (ok(o) || o.status == Status::local_unsupported) return std::nullopt;
    if (!(silent_drop(o) || o.status == Status::rejected_alert || o.status == Status::timeout))
        return std::nullopt;
    Match m{o.status == Status::timeout ? Confidence::medium : Confidence::high,
            fmt::format("The HTTPS binding requires SNI: clients that send the name {} get in, "
                        "clients that send no name are dropped.",
                        f.name()),
            {fmt::format("with SNI {}: {}", f.name(), outcome_class(f.main->observation)),
             fmt::format("without SNI: {}", core::outcome_phrase(o))}};
    if (f.other_sni)
        m.evidence.push_back(fmt::format("with an unrelated name ({}): {}", *f.other_sni->spec.sni,
                                         core::outcome_phrase(f.other_sni->observation)));
    return m;
}

std::optional<Match> name_rejected(const Facts& f) {
    if (f.main_ok || !f.main) return std::nullopt;
    const auto& o = f.main->observation;
    if (!(alert_is(o, 112) || alert_is(o, 80))) return std::nullopt;
    Match m{Confidence::medium,
            fmt::format("The front end has no certificate for {}: it refuses the name with {}.",
                        f.name(), core::outcome_phrase(o)),
            grouped(f.attempts)};
    if (f.no_sni && ok(f.no_sni->observation))
        m.evidence.push_back(
            "without SNI the handshake works: a default certificate is configured, but not one for "
            "this name");
    return m;
}

bool negotiated_version(const Facts& f, core::Version v) {
    return f.r.version(v).supported == true;
}

std::optional<Match> legacy_only(const Facts& f) {
    using V = core::Version;
    const bool legacy = negotiated_version(f, V::ssl2) || negotiated_version(f, V::ssl3) ||
                        negotiated_version(f, V::tls1_0) || negotiated_version(f, V::tls1_1);
    if (!legacy || negotiated_version(f, V::tls1_2) || negotiated_version(f, V::tls1_3))
        return std::nullopt;
    Match m{Confidence::high,
            "Only legacy protocol versions are enabled (TLS 1.1 or older); every current browser "
            "requires TLS 1.2 or 1.3, so they find no shared version.",
            {}};
    for (auto v : core::all_versions) {
        const auto& vr = f.r.version(v);
        if (vr.source == "none") continue;
        m.evidence.push_back(fmt::format(
            "{}: {}", core::display_name(v),
            vr.supported == true ? fmt::format("negotiated ({})", vr.cipher) : vr.detail));
    }
    return m;
}

std::optional<Match> no_shared_version(const Facts& f) {
    if (f.main_ok) return std::nullopt;
    // Alert protocol_version on every attempt: the server knows TLS, but none of our versions.
    if (f.all([](const auto& o) { return alert_is(o, 70); }))
        return Match{Confidence::high,
                     "The server answers with protocol_version to every version offered: it has no "
                     "protocol version in common with current clients.",
                     grouped(f.attempts)};
    // Silent drops on everything are read as S1/S2/S4 first; a Schannel without any enabled
    // server protocol looks the same on the wire, so it is listed, ranked below.
    if (every_hello_dropped(f))
        return Match{Confidence::low,
                     "Less likely: every server protocol is disabled in SCHANNEL\\Protocols; "
                     "Schannel then resets exactly like this.",
                     {"the same resets as above: from the outside a server without protocols and "
                      "one without a usable certificate look alike"}};
    return std::nullopt;
}

std::optional<Match> no_shared_cipher(const Facts& f) {
    if (f.main_ok) return std::nullopt;
    // A handshake_failure after the server asked for a client certificate and got none is
    // that refusal (server.client_certificate_required), not a cipher mismatch.
    if (!f.first([](const auto& o) { return alert_is(o, 40) && !o.client_certificate_refused; }))
        return std::nullopt;
    // OpenSSL-style servers answer 70 to the versions they disabled and 40 to the rest.
    if (!f.all([](const auto& o) {
            return alert_is(o, 40) || alert_is(o, 70) || o.status == Status::reset ||
                   o.status == Status::closed || o.client_certificate_refused;
        }))
        return std::nullopt;
    return Match{Confidence::medium,
                 "The server refuses the handshake with handshake_failure: no cipher suite in "
                 "common (or, for some servers, no certificate that fits the name).",
                 grouped(f.attempts)};
}

std::optional<Match> hello_intolerance(const Facts& f) {
    if (!f.narrow || !ok(f.narrow->observation) || !f.main || ok(f.main->observation))
        return std::nullopt;
    return Match{
        Confidence::medium,
        "A short ClientHello with two modern suites works, the full one fails: the server or a "
        "middlebox cannot cope with large hellos or long cipher lists.",
        {fmt::format("narrow cipher list: {}", outcome_class(f.narrow->observation)),
         fmt::format("every version, every suite: {}", core::outcome_phrase(f.main->observation))}};
}

// A version accepted by the server (ServerHello to the raw hello) whose OpenSSL handshake then
// fails: the server cannot finish with its key or certificate.
std::optional<Match> handshake_broken(const Facts& f) {
    std::vector<std::string> evidence;
    for (const auto& v : f.r.versions)
        if (v.disagreement == probe::Disagreement::handshake_broken)
            evidence.push_back(
                fmt::format("{}: {}", core::display_name(v.version), v.disagreement_detail));
    if (evidence.empty()) return std::nullopt;
    return Match{f.main_ok ? Confidence::medium : Confidence::high,
                 "The server accepts the protocol version, then breaks the handshake: its private "
                 "key cannot sign what the version needs "
                 "(e.g. a legacy CAPI key that cannot do RSA-PSS for TLS 1.3), the key does not "
                 "match the certificate, or it cannot be read.",
                 std::move(evidence)};
}

std::optional<Match> handshake_timeout(const Facts& f) {
    if (f.main_ok) return std::nullopt;
    if (!f.all([](const auto& o) {
            return o.status == Status::timeout && o.phase != core::Phase::connect &&
                   o.phase != core::Phase::upgrade;
        }))
        return std::nullopt;
    Match m{Confidence::medium,
            "The server accepts TCP connections but never answers the ClientHello: a TLS stack or "
            "middlebox that silently drops the hello, or a service on the port that waits for the "
            "client to speak its own protocol.",
            grouped(f.attempts)};
    add_http_evidence(f, m.evidence);
    return m;
}

// The server sent a CertificateRequest and, after our Certificate message (empty unless
// --client-cert was given), refused the connection: an alert, a FIN or an RST, during the
// TLS <= 1.2 handshake or on the first read after a TLS 1.3 one. Decided by conclude()
// (facts.client_certificate); this rule only gathers the evidence.
std::optional<Match> client_certificate_required(const Facts& f) {
    if (!f.r.facts.client_certificate_required()) return std::nullopt;
    std::vector<std::pair<std::string, std::vector<std::string>>> refusals;  // how -> attempts
    bool alert_after_empty = false, presented_refused = false;
    std::size_t requested = 0;
    const core::Observation* names_from = nullptr;
    for (const auto* p : f.attempts) {
        const auto& o = p->observation;
        if (o.client_certificate_requested) ++requested;
        if (!names_from && !o.client_ca_names.empty()) names_from = &o;
        if (!o.client_certificate_refused) continue;
        if (o.client_certificate_presented) presented_refused = true;
        else if (o.alert) alert_after_empty = true;
        const std::string how =
            o.status == Status::reset    ? "TCP RST"
            : o.status == Status::closed ? "FIN"
            : o.alert ? fmt::format("alert {} ({})", core::alert_name(*o.alert), *o.alert)
                      : "the connection closed";
        const std::string key =
            fmt::format("{} {}", how,
                        o.status == Status::negotiated
                            ? fmt::format("right after the {} handshake completed",
                                          o.version ? core::display_name(*o.version) : "TLS")
                            : std::string("during the handshake, after our Certificate message"));
        auto it = std::find_if(refusals.begin(), refusals.end(),
                               [&](const auto& r) { return r.first == key; });
        if (it == refusals.end()) it = refusals.insert(refusals.end(), {key, {}});
        it->second.push_back(label(*p));
    }
    Match m{alert_after_empty ? Confidence::high : Confidence::medium,
            presented_refused
                ? "The server requires a client certificate (mutual TLS) and refused the one given "
                  "with --client-cert as well: it is not issued by a CA the server trusts, has "
                  "expired, or lacks Client Authentication."
                : "The server requires a client certificate (mutual TLS): it asks for one during "
                  "the handshake and refuses every client that has none, so browsers and tools "
                  "without a certificate cannot connect.",
            {}};
    m.evidence.push_back(fmt::format("the server sent a CertificateRequest on {} of {} attempts",
                                     requested, f.attempts.size()));
    for (const auto& [how, labels] : refusals)
        m.evidence.push_back(fmt::format(
            "{}: {} ({})", fmt::join(labels, ", "), how,
            presented_refused ? "our --client-cert certificate" : "we sent no certificate"));
    if (names_from)
        m.evidence.push_back(fmt::format("the server asks for a certificate issued by: {}",
                                         fmt::join(names_from->client_ca_names, "; ")));
    else
        m.evidence.push_back(
            "the CertificateRequest names no CA: any certificate the server trusts would do");
    return m;
}

std::string covered_names(const x509::CertificateInfo& c) {
    std::vector<std::string> names = c.san_dns;
    names.insert(names.end(), c.san_ip.begin(), c.san_ip.end());
    if (names.empty() && c.common_name) names.push_back(*c.common_name + " (CN only)");
    return names.empty() ? "no names" : fmt::format("{}", fmt::join(names, ", "));
}

std::optional<Match> wrong_certificate(const Facts& f) {
    const auto* leaf = f.leaf();
    if (!leaf || !f.chain_has(ChainProblemKind::hostname_mismatch)) return std::nullopt;
    // More specific causes of the same mismatch (chain rules below): a CA certificate sent
    // first, or an SNI binding pointing at another site's certificate.
    if (f.chain_has(ChainProblemKind::leaf_not_first) ||
        f.r.facts.no_sni_other_certificate == x509::HostnameMatch::match)
        return std::nullopt;
    Match m{
        Confidence::high,
        fmt::format("The server presents a certificate for other names ({}), not for {}: the "
                    "binding points at the wrong certificate, or a default certificate answers.",
                    covered_names(*leaf), f.name()),
        {fmt::format("asked for {}, the certificate covers {}", f.name(), covered_names(*leaf)),
         fmt::format("served certificate: {}, SHA-1 thumbprint {}", leaf->subject,
                     leaf->sha1_hex)}};
    for (const auto* variant : {f.no_sni, f.other_sni}) {
        if (!variant || !ok(variant->observation) || variant->observation.chain.empty()) continue;
        const bool same = variant->observation.chain.front() == leaf->der;
        m.evidence.push_back(
            fmt::format("{}: {} certificate", label(*variant), same ? "the same" : "a different"));
    }
    return m;
}

std::optional<Match> expired(const Facts& f) {
    const auto* leaf = f.leaf();
    if (!leaf) return std::nullopt;
    const bool past = f.chain_has(ChainProblemKind::expired),
               future = f.chain_has(ChainProblemKind::not_yet_valid);
    if (!past && !future) return std::nullopt;
    Match m{Confidence::high,
            past ? "A certificate in the served chain has expired; every client rejects it."
                 : "A certificate in the served chain is not valid yet (or the server's clock is "
                   "wrong).",
            {}};
    for (const auto& p : f.r.chain->problems)
        if (p.kind == ChainProblemKind::expired || p.kind == ChainProblemKind::not_yet_valid)
            m.evidence.push_back(p.detail);
    m.evidence.push_back(fmt::format("leaf SHA-1 thumbprint {}", leaf->sha1_hex));
    return m;
}

std::optional<Match> untrusted_root(const Facts& f) {
    if (!f.chain_has(ChainProblemKind::untrusted_root) &&
        !f.chain_has(ChainProblemKind::self_signed))
        return std::nullopt;
    Match m{Confidence::high,
            "The chain ends in a root the client does not trust (a private CA or a self-signed "
            "certificate).",
            {}};
    for (const auto& p : f.r.chain->problems)
        if (p.kind == ChainProblemKind::untrusted_root || p.kind == ChainProblemKind::self_signed)
            m.evidence.push_back(p.detail);
    if (f.r.chain->verify_error)
        m.evidence.push_back(fmt::format("OpenSSL verify error {}: {}", f.r.chain->verify_error,
                                         f.r.chain->verify_error_text));
    return m;
}

std::optional<Match> incomplete(const Facts& f) {
    if (!f.chain_has(ChainProblemKind::missing_intermediate)) return std::nullopt;
    Match m{Confidence::high,
            "The server sends its certificate without the intermediate CA certificate; clients "
            "that do not already have it cannot build a path to a trusted root.",
            {}};
    for (const auto& p : f.r.chain->problems)
        if (p.kind == ChainProblemKind::missing_intermediate) m.evidence.push_back(p.detail);
    m.evidence.push_back(fmt::format("{} certificate(s) served", f.r.chain->certificates.size()));
    // The aia check's confirmation (probe/checks/aia.hpp): the intermediate fetched from the
    // leaf's caIssuers URL, and which clients therefore still connect.
    for (const auto& c : f.r.checks) {
        const auto* aia = dynamic_cast<const probe::checks::AiaResult*>(c.get());
        if (!aia) continue;
        using probe::checks::AiaStatus;
        if (aia->status == AiaStatus::fetched && aia->chain_verifies) {
            m.summary += " Confirmed: the leaf's AIA URL gives the missing intermediate, so "
                         "clients that fetch it (Windows, Chrome and Edge, macOS and iOS) "
                         "connect while Firefox (unless it has the intermediate preloaded), "
                         "Android, Java and curl/OpenSSL-based clients fail.";
            m.evidence.push_back(fmt::format(
                "AIA: '{}' (SHA-256 {}) fetched from {} issued the leaf; with it the chain "
                "verifies (its PEM is printed under 'Missing intermediate from AIA': serve it "
                "after the leaf)",
                aia->issuer_subject, aia->issuer_sha256,
                aia->fetch ? aia->fetch->final_url : std::string()));
        } else if (aia->status != AiaStatus::fetch_disabled) {
            m.summary += " The AIA URL does not give it either: no client can build the path.";
            m.evidence.push_back(
                fmt::format("AIA: {}", aia->text().empty() ? std::string(probe::checks::to_string(aia->status))
                                                           : aia->text().front()));
        }
    }
    return m;
}

// A certificate the revocation check (probe/checks/revocation.hpp) found revoked by a
// verified OCSP answer or CRL.
std::optional<Match> revoked(const Facts& f) {
    for (const auto& c : f.r.checks) {
        const auto* r = dynamic_cast<const probe::checks::RevocationResult*>(c.get());
        if (!r || r->status != probe::checks::RevocationStatus::revoked) continue;
        Match m{Confidence::high,
                "The CA has revoked the server's certificate: browsers and clients that check "
                "revocation refuse it. Reissue it (with a new key if it was revoked for key "
                "compromise) and install the new certificate.",
                {}};
        for (const auto& s : r->sources)
            if (s.status == probe::checks::RevocationStatus::revoked)
                m.evidence.push_back(fmt::format("{}{}: revoked{}", s.source,
                                                 s.url.empty() ? std::string() : " " + s.url,
                                                 s.reason ? " (" + x509::crl_reason_name(*s.reason) +
                                                                ")"
                                                          : std::string()));
        return m;
    }
    return std::nullopt;
}

std::optional<Match> no_server_auth_eku(const Facts& f) {
    const auto* leaf = f.leaf();
    if (!leaf || !f.chain_has(ChainProblemKind::no_server_auth_eku)) return std::nullopt;
    return Match{
        Confidence::high,
        "The certificate is not issued for server authentication (its Enhanced Key Usage lacks "
        "Server Authentication); clients refuse it for HTTPS.",
        {fmt::format("leaf EKU: {}",
                     leaf->eku ? fmt::format("{}", fmt::join(*leaf->eku, ", ")) : "(none)"),
         fmt::format("leaf SHA-1 thumbprint {}", leaf->sha1_hex)}};
}

std::optional<Match> tls13_stripped(const Facts& f) {
    // Only a hello that offered TLS 1.3 can be downgraded: a TLS 1.3 server answering a hello
    // pinned to 1.2 must set the sentinel (RFC 8446 §4.1.3), which proves nothing.
    const auto it = std::find_if(f.attempts.begin(), f.attempts.end(), [](const ProbeRecord* q) {
        return q->observation.downgrade_sentinel &&
               (!q->spec.version || q->spec.version == core::Version::tls1_3);
    });
    if (it == f.attempts.end()) return std::nullopt;
    const auto* p = *it;
    return Match{Confidence::medium,
                 "The ServerHello carries the TLS 1.3 downgrade sentinel: the server supports TLS "
                 "1.3, but something on the path removed it from our offer.",
                 {fmt::format("{}: ServerHello.random ends in DOWNGRD ({})", label(*p),
                              outcome_class(p->observation))}};
}

// ---- chain rules (issue 12, part 4): certificate and chain faults judged as clients do -----

std::vector<std::string> details_of(const Facts& f, std::initializer_list<ChainProblemKind> kinds) {
    std::vector<std::string> out;
    if (!f.r.chain) return out;
    for (const auto& p : f.r.chain->problems)
        if (std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end()) out.push_back(p.detail);
    return out;
}

std::optional<Match> leaf_not_first(const Facts& f) {
    const auto* first = f.leaf();
    if (!first || !f.r.chain->intended_leaf) return std::nullopt;
    const auto& chain = *f.r.chain;
    const auto& right = chain.certificates.at(*chain.intended_leaf);
    Match m{Confidence::high,
            fmt::format("The server sends the CA certificate '{}' first; every client takes the "
                        "first certificate as the server's, so the name, the key usage and the "
                        "path are checked on it and fail. Its own certificate '{}' is in the "
                        "chain, but not first.",
                        first->subject, right.subject),
            details_of(f, {ChainProblemKind::leaf_not_first})};
    m.evidence.push_back(
        fmt::format("first certificate: {}, covers {}", first->subject, covered_names(*first)));
    m.evidence.push_back(fmt::format("host name check on it: {}", x509::to_string(chain.hostname)));
    if (chain.verify_error)
        m.evidence.push_back(fmt::format("OpenSSL verify error {} on it: {}", chain.verify_error,
                                         chain.verify_error_text));
    return m;
}

std::optional<Match> no_san(const Facts& f) {
    const auto* leaf = f.leaf();
    if (!leaf || !f.chain_has(ChainProblemKind::no_san)) return std::nullopt;
    Match m{Confidence::high,
            fmt::format("The certificate has no Subject Alternative Name: {} is only in its "
                        "subject CN, which browsers ignore since 2017, so they reject it as if it "
                        "were for another name.",
                        leaf->common_name.value_or("the name")),
            details_of(f, {ChainProblemKind::no_san})};
    m.evidence.push_back(
        fmt::format("host name check: {} (OpenSSL matches the CN only as a "
                    "legacy fallback)",
                    x509::to_string(f.r.chain->hostname)));
    m.evidence.push_back(fmt::format("leaf SHA-1 thumbprint {}", leaf->sha1_hex));
    return m;
}

std::optional<Match> expired_intermediate(const Facts& f) {
    if (!f.chain_has(ChainProblemKind::expired_intermediate)) return std::nullopt;
    const bool avoided = f.r.chain->trusted;
    Match m{avoided ? Confidence::medium : Confidence::high,
            avoided ? "The server still sends an expired CA certificate (a cross-signed root "
                      "or an old intermediate). Clients that build the path to their own trust "
                      "store first succeed; clients that follow the served chain (OpenSSL 1.0.2, "
                      "old Android and Java) fail on it, as many did when DST Root CA X3 "
                      "expired in 2021."
                    : "An intermediate certificate on the only path to the root has expired; "
                      "every client rejects the chain although the leaf itself is valid.",
            details_of(f, {ChainProblemKind::expired_intermediate})};
    if (f.r.chain->verify_error)
        m.evidence.push_back(fmt::format("OpenSSL verify error {}: {}", f.r.chain->verify_error,
                                         f.r.chain->verify_error_text));
    else m.evidence.push_back("OpenSSL verifies the chain along another path (trusted-first)");
    return m;
}

std::optional<Match> weak_signature_chain(const Facts& f) {
    if (!f.chain_has(ChainProblemKind::weak_signature)) return std::nullopt;
    return Match{Confidence::medium,
                 "A certificate in the served chain is signed with SHA-1 (or MD5); browsers "
                 "reject such signatures on the leaf and on intermediates (the anchor's own "
                 "self-signature does not count).",
                 details_of(f, {ChainProblemKind::weak_signature})};
}

// The named site's certificate does not cover the name, the default one does.
std::optional<Match> sni_wrong_certificate(const Facts& f) {
    const auto* leaf = f.leaf();
    if (!leaf || !f.no_sni || f.r.chain->hostname == x509::HostnameMatch::match ||
        f.r.facts.no_sni_other_certificate != x509::HostnameMatch::match)
        return std::nullopt;
    const auto other = x509::parse_certificate(f.no_sni->observation.chain.front());
    Match m{Confidence::high,
            fmt::format("The SNI binding for {} serves another site's certificate ({}); "
                        "connections without SNI get a certificate that covers {}.",
                        f.name(), covered_names(*leaf), f.name()),
            {fmt::format("SNI {}: '{}', covers {}, SHA-1 {}", f.name(), leaf->subject,
                         covered_names(*leaf), leaf->sha1_hex)}};
    if (other)
        m.evidence.push_back(fmt::format("no SNI: '{}', covers {}, SHA-1 {}", other->subject,
                                         covered_names(*other), other->sha1_hex));
    return m;
}

// The named site is fine; clients without SNI get a certificate for other names.
std::optional<Match> default_certificate_differs(const Facts& f) {
    const auto no_sni = f.r.facts.no_sni_other_certificate;
    if (!f.main_ok || !f.no_sni || !no_sni || *no_sni == x509::HostnameMatch::match || !f.r.chain ||
        f.r.chain->hostname != x509::HostnameMatch::match)
        return std::nullopt;
    Match m{Confidence::low,
            fmt::format("Clients that send SNI get the right certificate; clients without SNI "
                        "(old clients, monitors and scripts connecting by IP) get the default "
                        "certificate, which does not cover {}.",
                        f.name()),
            {}};
    if (const auto other = x509::parse_certificate(f.no_sni->observation.chain.front()))
        m.evidence.push_back(fmt::format("no SNI: '{}', covers {}, SHA-1 {}", other->subject,
                                         covered_names(*other), other->sha1_hex));
    if (const auto* leaf = f.leaf())
        m.evidence.push_back(
            fmt::format("SNI {}: '{}', covers {}", f.name(), leaf->subject, covered_names(*leaf)));
    return m;
}

// The chain rules' template arguments: {leaf_to_serve} (the served certificate that should
// come first, with its thumbprint), {serve_order} (the order to serve), {no_sni_sha1} (the
// thumbprint of the certificate clients without SNI get).
struct ChainRulesArgs {
    std::string leaf_to_serve = "<the server certificate>", serve_order = "<leaf, intermediates>",
                no_sni_sha1 = "<thumbprint>";
};

ChainRulesArgs chain_rules_args(const Facts& f) {
    ChainRulesArgs a;
    if (f.r.chain && f.r.chain->intended_leaf) {
        const auto& c = f.r.chain->certificates.at(*f.r.chain->intended_leaf);
        a.leaf_to_serve = fmt::format("'{}' (SHA-1 {})", c.subject, c.sha1_hex);
    }
    if (f.r.chain && !f.r.chain->correct_order.empty()) {
        std::vector<std::string> order;
        for (const auto i : f.r.chain->correct_order)
            order.push_back(fmt::format("'{}'", f.r.chain->certificates.at(i).subject));
        a.serve_order = fmt::format("{}", fmt::join(order, ", then "));
    }
    if (f.r.facts.no_sni_other_certificate && f.no_sni && !f.no_sni->observation.chain.empty())
        if (const auto c = x509::parse_certificate(f.no_sni->observation.chain.front()))
            a.no_sni_sha1 = c->sha1_hex;
    return a;
}

// ---- the plaintext upgrade before TLS (STARTTLS, issue 14) ----------------------------------

// The first attempt that ended in the upgrade with `status`, while nothing worked.
const ProbeRecord* upgrade_failure(const Facts& f, Status status) {
    if (f.main_ok || f.r.target.starttls == wire::StartTls::none) return nullptr;
    return f.first([&](const auto& o) { return o.status == status && o.phase == core::Phase::upgrade; });
}

Match upgrade_match(const Facts& f, const ProbeRecord& p, std::string summary) {
    Match m{Confidence::high, std::move(summary), {p.observation.detail}};
    const auto count = std::count_if(f.attempts.begin(), f.attempts.end(), [&](const ProbeRecord* q) {
        return q->observation.status == p.observation.status;
    });
    m.evidence.push_back(fmt::format("{} of {} attempts ended the same way, before any ClientHello",
                                     count, f.attempts.size()));
    return m;
}

std::optional<Match> starttls_not_offered(const Facts& f) {
    const auto* p = upgrade_failure(f, Status::starttls_not_offered);
    if (!p) return std::nullopt;
    return upgrade_match(
        f, *p,
        fmt::format("The server on {} does not offer the upgrade to TLS ({}): TLS is not "
                    "configured for this service, or not on this port.",
                    f.r.address, wire::display_name(f.r.target.starttls)));
}

std::optional<Match> starttls_refused(const Facts& f) {
    const auto* p = upgrade_failure(f, Status::starttls_refused);
    if (!p) return std::nullopt;
    return upgrade_match(
        f, *p,
        fmt::format("The server on {} refuses the upgrade to TLS ({}): it cannot start TLS (a "
                    "certificate or key it fails to load, a TLS library error) or refuses this "
                    "client.",
                    f.r.address, wire::display_name(f.r.target.starttls)));
}

std::optional<Match> starttls_auth_required(const Facts& f) {
    const auto* p = upgrade_failure(f, Status::starttls_auth_required);
    if (!p) return std::nullopt;
    return upgrade_match(
        f, *p,
        fmt::format("The server on {} wants authentication before the upgrade to TLS ({}): "
                    "credentials would cross the network in clear text.",
                    f.r.address, wire::display_name(f.r.target.starttls)));
}

std::optional<Match> starttls_wrong_service(const Facts& f) {
    const auto* p = upgrade_failure(f, Status::wrong_protocol);
    if (!p) return std::nullopt;
    auto m = upgrade_match(
        f, *p,
        fmt::format("Another service answers on {}: its greeting is not {}'s. The port is wrong, "
                    "or another program owns it.",
                    f.r.address, wire::display_name(f.r.target.starttls)));
    m.evidence.push_back(fmt::format("first bytes received: {}",
                                     core::hex_dump(p->observation.first_bytes, 16)));
    return m;
}

std::optional<Match> starttls_silent(const Facts& f) {
    if (f.main_ok || f.r.target.starttls == wire::StartTls::none) return std::nullopt;
    if (!f.all([](const auto& o) {
            return o.phase == core::Phase::upgrade &&
                   (o.status == Status::timeout || o.status == Status::closed ||
                    o.status == Status::reset);
        }))
        return std::nullopt;
    const auto& o = f.attempts.front()->observation;
    Match m{Confidence::medium,
            fmt::format("The server accepts TCP connections on {} but does not finish the {} "
                        "dialogue: it is overloaded, waits for something else (a TLS port, or a "
                        "client it knows), or drops this client.",
                        f.r.address, wire::display_name(f.r.target.starttls)),
            {o.detail}};
    if (!o.first_bytes.empty())
        m.evidence.push_back(
            fmt::format("it said: '{}'", core::printable_excerpt(o.first_bytes, 80)));
    return m;
}

// A must-staple certificate (RFC 7633) served without a usable staple, as the OCSP check
// (probe/checks/ocsp.hpp) saw it: Firefox enforces the TLS feature and refuses.
std::optional<Match> must_staple_missing(const Facts& f) {
    for (const auto& c : f.r.checks) {
        const auto* ocsp = dynamic_cast<const probe::checks::OcspResult*>(c.get());
        if (!ocsp || !ocsp->handshake || !ocsp->must_staple) continue;
        const auto& resp = ocsp->response;
        const bool usable = ocsp->stapled && resp.parsed && resp.response_status == "successful" &&
                            resp.cert_status == "good" && !ocsp->expired();
        if (usable) return std::nullopt;
        Match m{Confidence::high,
                "The certificate is must-staple (RFC 7633) but the server staples no usable OCSP "
                "response: Firefox refuses the connection.",
                {"the leaf carries the TLS feature extension status_request (must-staple)"}};
        m.evidence.push_back(
            !ocsp->stapled ? std::string("a handshake with status_request got no OCSP response")
            : !resp.parsed ? "the stapled bytes are no OCSP response: " + resp.error
            : ocsp->expired()
                ? fmt::format("the stapled response is expired: {}", ocsp->text().front())
                : fmt::format("the stapled response says: {} / {}", resp.response_status,
                              resp.cert_status.empty() ? "no status" : resp.cert_status));
        return m;
    }
    return std::nullopt;
}

// The platform trust stores disagree about the chain (conclude(): TargetResult::trust): the
// clients of the refusing platforms fail although the site works in a browser that trusts it.
std::optional<Match> store_disagreement(const Facts& f) {
    std::vector<std::string> trusted, refused;
    for (const auto& v : f.r.trust) {
        if (v.store == "ca-file") continue;
        if (v.trusted)
            trusted.push_back(v.store);
        else
            refused.push_back(v.store);
    }
    if (trusted.empty() || refused.empty()) return std::nullopt;
    Match m{Confidence::medium,
            fmt::format("The chain is trusted by {} but not by {}: clients on those platforms "
                        "refuse the certificate (its root, or the cross-sign it needs, is not in "
                        "their store).",
                        fmt::join(trusted, ", "), fmt::join(refused, ", ")),
            {}};
    for (const auto& v : f.r.trust)
        if (v.store != "ca-file")
            m.evidence.push_back(
                v.trusted ? fmt::format("{} store ({}): trusted", v.store, v.description)
                          : fmt::format("{} store ({}): not trusted, {}", v.store, v.description,
                                        v.problem.empty() ? v.error : v.problem));
    return m;
}

// ---- the catalogue ------------------------------------------------------------------------
// One row per diagnosis id:
//
//   {id, scenarios, title,
//    client_sees,            // what browsers / Windows / OpenSSL clients report
//    confirm, fix,           // GENERIC steps: fit any server; shown when the platform is
//                            // unknown and for a platform without its own steps below
//    matcher,
//    {                       // per-platform steps, in the order iis, nginx, apache, haproxy, java
//        {ServerSoftware::iis, {confirm...}, {fix...}},
//        {ServerSoftware::nginx, {confirm...}, {fix...}},
//        ...
//    }}
//
// A row written in the older format {id, scenarios, title, client_sees, confirm, fix, matcher}
// still compiles: its steps become the generic ones (shown for every platform). To adapt such
// a row, move its server-specific lines into a {ServerSoftware::..., confirm, fix} entry and
// leave platform-independent lines (openssl s_client, the certificate's own facts) generic.
// A platform without its own entry gets the generic steps; a rule whose steps do not depend
// on the server (DNS, the network path) has generic steps only.
//
// Templates take {host} (the name asked for), {port}, {address} (IP:port probed), {sha1}
// (the served leaf's thumbprint, or a placeholder), {issuer} (the leaf's issuer); a literal
// brace is written twice.

using probe::ServerSoftware;

// Steps shared by several rules.
// Confirming an upgrade by hand (the STARTTLS rules).
const std::vector<std::string> kStarttlsConfirm{
    "openssl s_client -connect {address} -starttls {starttls} -servername {host}   (the "
    "dialogue, then the handshake)",
    "[smtp] Postfix: postconf -n | grep tls; Exchange: Get-ReceiveConnector | fl "
    "Name,AuthMechanism,Bindings",
    "[imap,pop3,sieve] Dovecot: doveconf -n | grep -E '^ssl'",
    "[ldap] OpenLDAP: ldapsearch -Y EXTERNAL -H ldapi:/// -b cn=config olcTLSCertificateFile; "
    "Active Directory: certutil -store -service NTDS\\My",
    "[postgres] PostgreSQL: psql -c 'SHOW ssl' -c 'SHOW ssl_cert_file'",
    "[mysql] MySQL/MariaDB: SHOW VARIABLES LIKE '%ssl%'   (have_ssl must be YES)"};
const std::string kReloadNginx = "nginx -t && systemctl reload nginx";
const std::string kReloadApache =
    "apachectl configtest && systemctl reload apache2   (RHEL: systemctl reload httpd)";
const std::string kReloadHaproxy =
    "haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl reload haproxy";
const std::string kRestartTomcat = "restart Tomcat (systemctl restart tomcat, or the application)";
const std::string kSClient = "openssl s_client -connect {address} -servername {host}";

PlatformSteps linux_firewall(ServerSoftware s) {
    return {s,
            {"the host firewall: nft list ruleset | grep {port}, or firewall-cmd --list-all, or "
             "ufw status",
             "the network firewall / cloud security group rules for TCP {port}"},
            {"allow inbound TCP {port}: firewall-cmd --permanent --add-port={port}/tcp && "
             "firewall-cmd --reload (or ufw allow {port}/tcp), and in every firewall on the path"}};
}

// Where each mail, directory and database server keeps the certificate and chain it serves
// (issue 14): `change` says what to put there. advice_for() shows these only for the STARTTLS
// protocols the server speaks (service_applies()).
std::vector<PlatformSteps> service_certificate_steps(const std::string& change) {
    return {
        {ServerSoftware::postfix,
         {"postconf -n | grep -E 'smtpd_tls_(chain_files|cert_file|key_file)'",
          "openssl s_client -connect {address} -starttls smtp -showcerts"},
         {change + ": smtpd_tls_chain_files = /etc/postfix/{host}.pem in main.cf (the key, "
                   "then the server certificate, then its intermediates; Postfix 3.4+), or "
                   "smtpd_tls_cert_file with the certificate followed by its intermediates and "
                   "smtpd_tls_key_file its key",
          "postfix check && postfix reload"}},
        {ServerSoftware::exchange,
         {"Get-ExchangeCertificate | fl Thumbprint,Services,Subject,NotAfter   (the certificate "
          "enabled for SMTP/IMAP/POP)",
          "openssl s_client -connect {address} -starttls {starttls} -showcerts"},
         {change + ": Import-ExchangeCertificate with a .pfx that holds the certificate, its key "
                   "and its intermediates (the intermediates also in the computer's Intermediate "
                   "Certification Authorities store)",
          "Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP,IMAP,POP"}},
        {ServerSoftware::exim,
         {"exim -bP tls_certificate tls_privatekey"},
         {change + ": the file tls_certificate names holds the server certificate, then its "
                   "intermediates; tls_privatekey its key",
          "systemctl restart exim4   (RHEL: exim)"}},
        {ServerSoftware::sendmail,
         {"grep -E 'confSERVER_CERT|confSERVER_KEY|confCACERT' /etc/mail/sendmail.mc"},
         {change + ": the file confSERVER_CERT names holds the server certificate, then its "
                   "intermediates; confSERVER_KEY its key",
          "make -C /etc/mail && systemctl restart sendmail"}},
        {ServerSoftware::dovecot,
         {"doveconf -n | grep -E '^ssl_(cert|key)'",
          "openssl s_client -connect {address} -starttls {starttls} -showcerts"},
         {change + ": ssl_cert = </etc/ssl/certs/{host}.fullchain.pem (the certificate, then "
                   "its intermediates), ssl_key = </etc/ssl/private/{host}.key in "
                   "conf.d/10-ssl.conf",
          "doveadm reload"}},
        {ServerSoftware::openldap,
         {"ldapsearch -Y EXTERNAL -H ldapi:/// -b cn=config olcTLSCertificateFile "
          "olcTLSCertificateKeyFile olcTLSCACertificateFile"},
         {change + ": olcTLSCertificateFile (the server certificate, its intermediates after it "
                   "in the same file), olcTLSCertificateKeyFile its key, set with ldapmodify -Y "
                   "EXTERNAL -H ldapi:///",
          "systemctl restart slapd"}},
        {ServerSoftware::active_directory,
         {"certutil -store -service NTDS\\My   (or certutil -store My: the certificate LDAPS "
          "and StartTLS use)"},
         {change + ": import the certificate with its key into the NTDS service's (or the "
                   "computer's) personal store, its intermediates into Intermediate "
                   "Certification Authorities; LDAP picks it up without a restart"}},
        {ServerSoftware::postgresql,
         {"psql -c 'SHOW ssl_cert_file' -c 'SHOW ssl_key_file'",
          "openssl s_client -connect {address} -starttls postgres -showcerts"},
         {change + ": the file ssl_cert_file names (postgresql.conf) holds the server "
                   "certificate, then its intermediates; ssl_key_file its key",
          "psql -c 'SELECT pg_reload_conf()'"}},
        {ServerSoftware::mysql,
         {"mysql -e \"SHOW VARIABLES LIKE 'ssl_%'\"   (ssl_cert, ssl_key, ssl_ca)"},
         {change + ": the file ssl_cert names ([mysqld]) holds the server certificate, then its "
                   "intermediates; ssl_key its key",
          "mysql -e 'ALTER INSTANCE RELOAD TLS'   (MySQL 8.0.16+; MariaDB and older MySQL: "
          "restart the server)"}},
    };
}

// `steps` with the mail, directory and database servers' steps appended.
std::vector<PlatformSteps> with_services(std::vector<PlatformSteps> steps,
                                         const std::string& change) {
    for (auto& s : service_certificate_steps(change)) steps.push_back(std::move(s));
    return steps;
}

// Protocol versions (protocol.legacy_only and protocol.no_shared_version).
// Where each server keeps the certificate and chain it serves, for the rules whose fix is
// "serve another certificate or chain": `change` says what to put there (a template).
std::vector<PlatformSteps> certificate_steps(std::vector<std::string> iis_confirm,
                                             std::vector<std::string> iis_fix,
                                             const std::string& change) {
    return with_services({
        {ServerSoftware::iis, std::move(iis_confirm), std::move(iis_fix)},
        {ServerSoftware::nginx,
         {"nginx -T | grep -nE 'server_name|listen|ssl_certificate'   (the server block for {host} "
          "on port {port}, and the files it names)",
          kSClient + " -showcerts"},
         {change + ": the file ssl_certificate names holds the server certificate first, then "
                   "its intermediates (fullchain.pem); ssl_certificate_key its key",
          kReloadNginx}},
        {ServerSoftware::apache,
         {"apachectl -S   (the virtual host answering {host}:{port}), then its "
          "SSLCertificateFile / SSLCertificateChainFile",
          kSClient + " -showcerts"},
         {change + ": SSLCertificateFile with the server certificate first, then its "
                   "intermediates (Apache 2.4.8+; older: SSLCertificateChainFile), "
                   "SSLCertificateKeyFile its key",
          kReloadApache}},
        {ServerSoftware::haproxy,
         {"grep -n 'bind.*:{port}.*crt' /etc/haproxy/haproxy.cfg   (the PEM file or crt-list "
          "entry for {host})",
          kSClient + " -showcerts"},
         {change + ": the crt PEM holds the server certificate, then its intermediates, then "
                   "the key",
          kReloadHaproxy}},
        {ServerSoftware::java,
         {"keytool -list -v -keystore <the certificateKeystoreFile of the port {port} "
          "Connector>   (the PrivateKeyEntry's certificate chain)",
          kSClient + " -showcerts"},
         {change + ": re-import the key entry with its full chain (keytool -importcert -alias "
                   "<key alias> -file fullchain.pem, or a PKCS#12 built with openssl pkcs12 "
                   "-export -in server.crt -certfile intermediates.pem -inkey server.key)",
          kRestartTomcat}},
    }, change);
}

std::vector<PlatformSteps> protocol_steps(std::vector<std::string> iis_confirm,
                                          std::vector<std::string> iis_fix) {
    return {
        {ServerSoftware::iis, std::move(iis_confirm), std::move(iis_fix)},
        {ServerSoftware::nginx,
         {"nginx -T | grep -n ssl_protocols   (e.g. 'ssl_protocols TLSv1;')",
          kSClient + " -tls1_2   (fails until TLS 1.2 is enabled)"},
         {"ssl_protocols TLSv1.2 TLSv1.3; in the http block and in every server block that sets "
          "its own (for server blocks sharing port {port}, the default_server's setting applies)",
          kReloadNginx}},
        {ServerSoftware::apache,
         {"grep -rn SSLProtocol /etc/apache2 /etc/httpd   (e.g. 'SSLProtocol TLSv1')",
          "apachectl -S   (which virtual host answers *:{port})"},
         {"SSLProtocol -all +TLSv1.2 +TLSv1.3 globally and in the *:{port} virtual host (TLS 1.3 "
          "needs Apache 2.4.36+ with OpenSSL 1.1.1+)",
          kReloadApache}},
        {ServerSoftware::haproxy,
         {"grep -nE 'ssl-(min|max)-ver|force-tls|no-tls|ssl-default-bind-options' "
          "/etc/haproxy/haproxy.cfg"},
         {"on the bind :{port} line: ssl-min-ver TLSv1.2 (and no ssl-max-ver below TLSv1.3, no "
          "force-tlsv10), or globally: ssl-default-bind-options ssl-min-ver TLSv1.2",
          kReloadHaproxy}},
        {ServerSoftware::java,
         {"conf/server.xml: the protocols attribute of the <SSLHostConfig> on the port {port} "
          "Connector (e.g. protocols=\"TLSv1\")",
          "$JAVA_HOME/conf/security/java.security (Java 8: jre/lib/security): "
          "jdk.tls.disabledAlgorithms must not list TLSv1.2"},
         {"<SSLHostConfig protocols=\"TLSv1.2+TLSv1.3\"> (TLS 1.3 needs Java 11+), and TLSv1.2 "
          "out of jdk.tls.disabledAlgorithms",
          kRestartTomcat}},
    };
}

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table{
        {"dns.failed",
         "",
         "The name does not resolve",
         {"Chrome: ERR_NAME_NOT_RESOLVED", "curl: Could not resolve host"},
         {"nslookup {host}"},
         {"create or fix the DNS record for {host}, or probe the server directly with --connect-to "
          "<ip>"},
         dns_failed},
        {"port.closed",
         "S3 S4",
         "Nothing listens on the port",
         {"Chrome: ERR_CONNECTION_REFUSED",
          "Windows: 'No connection could be made because the target machine actively refused it' "
          "(10061)"},
         {"is anything listening on {port}? ss -ltnp 'sport = :{port}' (Linux) or netstat -ano | "
          "findstr :{port} (Windows)"},
         {"start the service that should own port {port}, listening on the address clients use"},
         port_closed,
         {{ServerSoftware::iis,
           {"netstat -ano | findstr :{port}   (is anything listening on {port}?)",
            "netsh http show iplisten   (if the list is not empty, HTTP.sys listens only on the "
            "IPs in it)",
            "IIS Manager: is the site started, and does it have an https binding on port {port}?"},
           {"start the site (or the service that should own port {port})",
            "if the IP is missing from the HTTP.sys listen list: netsh http add iplisten "
            "ipaddress=<ip>, or netsh http delete iplisten ipaddress=<other ip> to listen on all, "
            "then net stop http /y and start the web services again"}},
          {ServerSoftware::nginx,
           {"systemctl status nginx   (and journalctl -u nginx if it failed to start)",
            "nginx -T | grep -n 'listen'   (a 'listen {port} ssl;' in the site's server block?)"},
           {"add listen {port} ssl; (and listen [::]:{port} ssl;) to the site's server block",
            kReloadNginx + "   (systemctl start nginx if it is stopped)"}},
          {ServerSoftware::apache,
           {"systemctl status apache2   (RHEL: httpd)",
            "apachectl -S   (is a *:{port} virtual host listed?) and grep -rn '^Listen' "
            "/etc/apache2 /etc/httpd"},
           {"Listen {port} https (Debian: ports.conf, with a2enmod ssl) and a <VirtualHost "
            "*:{port}> with SSLEngine on",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"systemctl status haproxy", "haproxy -c -f /etc/haproxy/haproxy.cfg",
            "grep -n 'bind' /etc/haproxy/haproxy.cfg   (a 'bind :{port} ssl crt ...' line in a "
            "frontend?)"},
           {"add bind :{port} ssl crt /etc/haproxy/certs/{host}.pem to the frontend",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"ss -ltnp 'sport = :{port}'   (is the JVM listening?)",
            "conf/server.xml: a <Connector port=\"{port}\" SSLEnabled=\"true\">; "
            "logs/catalina.out: "
            "'Failed to initialize connector' (keystore path or password errors)"},
           {"define the HTTPS Connector on port {port} in server.xml with its <SSLHostConfig>, fix "
            "what catalina.out reports",
            kRestartTomcat}}}},
        {"port.filtered",
         "",
         "Connections time out before TCP connects",
         {"Chrome: ERR_CONNECTION_TIMED_OUT"},
         {"the firewalls on the path (host firewall, network firewall, cloud security group) for "
          "TCP {port}",
          "is the host up? (ping or its console)"},
         {"allow inbound TCP {port} to the server in every firewall on the path"},
         port_filtered,
         {{ServerSoftware::iis,
           {"Windows Defender Firewall / network firewall / cloud security group rules for TCP "
            "{port}",
            "is the host up? (ping or its console)"},
           {"allow inbound TCP {port} to the server in every firewall on the path"}},
          linux_firewall(ServerSoftware::nginx),
          linux_firewall(ServerSoftware::apache),
          linux_firewall(ServerSoftware::haproxy),
          linux_firewall(ServerSoftware::java)}},
        {"port.not_tls",
         "S3",
         "Another service owns the TLS port",
         {"Chrome: ERR_SSL_PROTOCOL_ERROR",
          "OpenSSL: 'wrong version number' / 'packet length too long'",
          "Windows: SEC_E_ILLEGAL_MESSAGE (0x80090326)"},
         {"which process owns port {port}? ss -ltnp 'sport = :{port}' (Linux) or netstat -anob | "
          "findstr :{port} (Windows)",
          "curl -v http://{host}:{port}/   (a plain-HTTP answer confirms it)"},
         {"move the other service off port {port}, or turn TLS on for the listener on {port}"},
         port_not_tls,
         {{ServerSoftware::iis,
           {"netstat -anob | findstr :{port}   (which process owns port {port}?)",
            "IIS Manager > site > Bindings: is there an http (not https) binding on port {port}?",
            "netsh http show urlacl   (an http://+:{port}/ reservation on the TLS port)"},
           {"move the other service or the http binding off port {port}, then add the https "
            "binding on {port} with the site's certificate"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -n 'listen'   ('listen {port};' without the ssl parameter serves "
            "plain HTTP on {port})"},
           {"listen {port} ssl; with ssl_certificate and ssl_certificate_key in that server block",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -S   (the *:{port} virtual host)",
            "grep -rn SSLEngine /etc/apache2/sites-enabled /etc/httpd/conf.d   (SSLEngine on in "
            "the *:{port} virtual host?)"},
           {"SSLEngine on with SSLCertificateFile and SSLCertificateKeyFile in the <VirtualHost "
            "*:{port}> (Debian: a2enmod ssl)",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -n 'bind' /etc/haproxy/haproxy.cfg   ('bind :{port}' without 'ssl crt' passes "
            "plain TCP/HTTP)"},
           {"bind :{port} ssl crt /etc/haproxy/certs/{host}.pem", kReloadHaproxy}},
          {ServerSoftware::java,
           {"conf/server.xml: does the <Connector port=\"{port}\"> have SSLEnabled=\"true\"?"},
           {"SSLEnabled=\"true\" scheme=\"https\" secure=\"true\" with an <SSLHostConfig> on the "
            "port {port} Connector, or move the plain-HTTP Connector to another port",
            kRestartTomcat}}}},
        {"server.no_usable_certificate",
         "S1 S2 S4",
         "The server has no usable certificate for this IP:port",
         {"Chrome: ERR_CONNECTION_RESET or ERR_SSL_PROTOCOL_ERROR ('This site can't provide a "
          "secure connection')",
          "Edge/IE: 'Can't connect securely to this page'",
          "OpenSSL: 'unexpected eof while reading' / errno 104 (connection reset)"},
         {"the server's TLS error log at the time of the probe: it says why it dropped the "
          "handshake (no certificate for the listener, key unreadable, key and certificate do not "
          "match)",
          "openssl x509 -in cert.pem -noout -pubkey | openssl sha256 and openssl pkey -in key.pem "
          "-pubout | openssl sha256   (equal hashes: the key belongs to the certificate)"},
         {"install the certificate with its matching private key, readable by the server, for "
          "port {port}"},
         no_usable_certificate,
         {{ServerSoftware::iis,
           {"System event log, source Schannel: event 36870 ('A fatal error occurred when "
            "attempting to access the TLS server credential private key', 0x8009030D or "
            "0x80090016) or 36869",
            "netsh http show sslcert ipport=0.0.0.0:{port}   (Certificate Hash must not be empty, "
            "Application ID must not be all zeros)",
            "certutil -verifystore my <thumbprint>   ('Encryption test passed' means the private "
            "key is there and readable)"},
           {"if the certificate has lost its private key: certutil -repairstore my <thumbprint>, "
            "or re-import the .pfx with its key",
            "if the key is unreadable: give the account HTTP.sys/IIS runs as read access to the "
            "key file under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys",
            "if the binding is broken: netsh http delete sslcert ipport=0.0.0.0:{port}, then netsh "
            "http add sslcert ipport=0.0.0.0:{port} certhash=<thumbprint> appid=" +
                std::string(kIisAppId) +
                " (or remove and re-add the https binding in IIS Manager)"}},
          {ServerSoftware::nginx,
           {"tail /var/log/nginx/error.log   ('no \"ssl_certificate\" is defined', 'key values "
            "mismatch', 'PEM_read_bio' errors)",
            "nginx -T | grep -nE 'listen|ssl_certificate'   (every 'listen {port} ssl' server "
            "block, the default_server first, needs ssl_certificate and ssl_certificate_key)"},
           {"ssl_certificate /etc/ssl/{host}.fullchain.pem; and ssl_certificate_key "
            "/etc/ssl/private/{host}.key; in every server block listening on {port} with ssl",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"the SSL error log (/var/log/apache2/error.log, RHEL: /var/log/httpd/ssl_error_log) "
            "at startup and at the time of the probe",
            "apachectl -t -D DUMP_VHOSTS   (the *:{port} virtual host and its files)"},
           {"SSLCertificateFile /etc/ssl/certs/{host}.fullchain.pem and SSLCertificateKeyFile "
            "/etc/ssl/private/{host}.key in the *:{port} virtual host, the key matching the "
            "certificate",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"haproxy -c -f /etc/haproxy/haproxy.cfg   (reports a crt file without a key or with "
            "a key that does not match)",
            "journalctl -u haproxy   ('SSL handshake failure' lines)"},
           {"the crt PEM on the bind :{port} line holds the leaf, the intermediates and the "
            "private key: cat {host}.crt intermediate.crt {host}.key > "
            "/etc/haproxy/certs/{host}.pem",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"keytool -list -v -keystore <keystore>   (the connector's alias must be a "
            "PrivateKeyEntry; a trustedCertEntry has no key)",
            "logs/catalina.out: 'does not identify a key entry', keystore password or alias "
            "errors"},
           {"build a PKCS#12 with the key and chain: openssl pkcs12 -export -in "
            "{host}.fullchain.pem -inkey {host}.key -name tomcat -out {host}.p12, and point "
            "<Certificate certificateKeystoreFile=\"conf/{host}.p12\" "
            "certificateKeystoreType=\"PKCS12\" certificateKeyAlias=\"tomcat\"> at it",
            kRestartTomcat}}}},
        {"protocol.legacy_only",
         "S5",
         "Only TLS 1.1 or older is enabled",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
          "Edge: 'This site uses outdated or unsafe TLS security settings'",
          "OpenSSL: 'unsupported protocol'"},
         {kSClient + " -tls1_2   (fails) and -tls1   (works)"},
         {"enable TLS 1.2 and TLS 1.3 in the server's TLS configuration (and disable TLS 1.0 and "
          "1.1)"},
         legacy_only,
         protocol_steps(
             {"reg query "
              "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\""
              " "
              "/s   (TLS 1.2\\Server: Enabled=0 or DisabledByDefault=1)",
              "System event log, Schannel 36874 / 36888"},
             {"reg add "
              "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
              "TLS 1.2\\Server\" /v Enabled /t REG_DWORD /d 1 /f",
              "reg add "
              "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
              "TLS 1.2\\Server\" /v DisabledByDefault /t REG_DWORD /d 0 /f",
              "reboot for Schannel to read the change (on Windows Server 2022+ enable TLS 1.3 the "
              "same way)"})},
        {"binding.sni_required",
         "S4",
         "Only clients that send SNI get a certificate",
         {"clients without SNI (old Android/Java/IE on XP, scripts and monitors connecting by IP): "
          "ERR_CONNECTION_RESET / 'connection reset by peer'",
          "browsers that send the name: no error"},
         {"openssl s_client -connect {address} -noservername   (fails) versus -servername {host} "
          "(works)"},
         {"give port {port} a default certificate that answers clients without SNI (the {host} "
          "certificate is a good default)"},
         sni_required,
         {{ServerSoftware::iis,
           {"netsh http show sslcert   (only 'Hostname:port : {host}:{port}' entries, no 'IP:port "
            ": 0.0.0.0:{port}' entry)",
            "IIS Manager > site > Bindings > https: 'Require Server Name Indication' is checked"},
           {"add a fallback binding: netsh http add sslcert ipport=0.0.0.0:{port} certhash={sha1} "
            "appid=" +
                std::string(kIisAppId),
            "or clear 'Require Server Name Indication' on one https binding for port {port}"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -nE 'listen|server_name|ssl_reject_handshake'   (a default_server "
            "with ssl_reject_handshake on refuses hellos without a known name)"},
           {"make the {host} server block the default: listen {port} ssl default_server; (or "
            "remove ssl_reject_handshake on from the default server)",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -S   (the first *:{port} virtual host answers clients without SNI)",
            "grep -rn SSLStrictSNIVHostCheck /etc/apache2 /etc/httpd   (on: clients without SNI "
            "are refused)"},
           {"SSLStrictSNIVHostCheck off, and the {host} virtual host first among the *:{port} ones",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -n 'bind' /etc/haproxy/haproxy.cfg   (strict-sni on the bind :{port} line "
            "refuses hellos without a matching name)"},
           {"remove strict-sni from the bind :{port} line; the first crt named on the line is the "
            "default certificate for clients without SNI",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"conf/server.xml: the port {port} Connector's defaultSSLHostConfigName and its "
            "<SSLHostConfig hostName=...> entries"},
           {"defaultSSLHostConfigName=\"{host}\" on the port {port} Connector, so the {host} "
            "<SSLHostConfig> answers clients without SNI",
            kRestartTomcat}}}},
        {"binding.name_rejected",
         "S4",
         "The front end has no certificate for the name",
         {"Chrome: ERR_SSL_UNRECOGNIZED_NAME_ALERT or ERR_SSL_PROTOCOL_ERROR",
          "OpenSSL: 'tlsv1 unrecognized name' / 'internal error' alert"},
         {"the front end's (load balancer, CDN, reverse proxy) configuration for {host}"},
         {"configure a certificate for {host} on the front end (server_name / listener certificate "
          "/ SNI certificate list)"},
         name_rejected,
         {{ServerSoftware::iis,
           {"netsh http show sslcert hostnameport={host}:{port}   (is there a binding for the "
            "name?)"},
           {"add an https binding for host name {host} on port {port} with its certificate (IIS "
            "Manager > Bindings)"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -nE 'server_name|ssl_reject_handshake'   (is {host} in the "
            "server_name of a server block listening on {port} with ssl?)"},
           {"add {host} to server_name in the server block with its certificate (or a server "
            "block with ssl_certificate for {host})",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -S   (is {host} a ServerName or ServerAlias of a *:{port} virtual host?)"},
           {"ServerName {host} (or ServerAlias {host}) in the *:{port} virtual host with its "
            "certificate",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -nE 'strict-sni|crt-list|crt ' /etc/haproxy/haproxy.cfg   (with strict-sni a "
            "name no loaded certificate covers is refused)"},
           {"add a certificate for {host} (a PEM in the crt directory or a crt-list line), or "
            "drop strict-sni",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"conf/server.xml: is there an <SSLHostConfig hostName=\"{host}\"> on the port {port} "
            "Connector?"},
           {"add <SSLHostConfig hostName=\"{host}\"> with its <Certificate>", kRestartTomcat}}}},
        {"protocol.no_shared_version",
         "S5",
         "No protocol version in common",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "OpenSSL: 'tlsv1 alert protocol version'"},
         {kSClient + " -tls1_2, and again with -tls1_3: which version does the server accept?"},
         {"enable TLS 1.2 and TLS 1.3 in the server's TLS configuration"},
         no_shared_version,
         protocol_steps(
             {"reg query "
              "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\""
              " "
              "/s",
              "System event log, Schannel 36874 ('An TLS connection request was received from a "
              "remote client application, but none of the cipher suites/protocols supported by "
              "the client application are supported by the server')"},
             {"enable TLS 1.2 (and 1.3 where available) for the server role: Enabled=1, "
              "DisabledByDefault=0 under SCHANNEL\\Protocols\\TLS 1.2\\Server, then reboot"})},
        {"protocol.no_shared_cipher",
         "S5",
         "No cipher suite in common",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "OpenSSL: 'sslv3 alert handshake failure'"},
         {kSClient + " -tls1_2 -cipher 'ECDHE+AESGCM'   (does a modern suite work?)",
          "the certificate's key type (RSA or ECDSA) must match the enabled suites"},
         {"enable the suites modern clients offer (ECDHE with AES-GCM or ChaCha20-Poly1305) for "
          "the certificate's key type"},
         no_shared_cipher,
         {{ServerSoftware::iis,
           {"System event log, Schannel 36874 / 36888",
            "PowerShell: Get-TlsCipherSuite | Format-Table Name   (or the SSL Cipher Suite Order "
            "group policy)"},
           {"enable a suite modern clients offer, e.g. Enable-TlsCipherSuite -Name "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), "
            "then reboot",
            "check that the certificate's key type (RSA/ECDSA) matches the enabled suites"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -nE 'ssl_ciphers|ssl_conf_command'"},
           {"ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-"
            "AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-"
            "CHACHA20-POLY1305;",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"grep -rnE 'SSLCipherSuite|SSLOpenSSLConfCmd' /etc/apache2 /etc/httpd"},
           {"SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-"
            "AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-"
            "CHACHA20-POLY1305",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -nE 'ciphers|ssl-default-bind-ciphers' /etc/haproxy/haproxy.cfg"},
           {"global: ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-"
            "SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384 (and "
            "ssl-default-bind-ciphersuites for TLS 1.3), or ciphers on the bind :{port} line",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"conf/server.xml: the ciphers attribute of the port {port} <SSLHostConfig>",
            "java.security: jdk.tls.disabledAlgorithms"},
           {"remove the ciphers attribute (the JDK's defaults are modern) or list "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (the "
            "ECDSA ones for an EC key)",
            kRestartTomcat}}}},
        {"server.hello_intolerance",
         "S5",
         "Large ClientHellos are dropped",
         {"some clients connect and others fail depending on how many suites and extensions they "
          "offer"},
         {"a packet capture on the server or the middlebox in front of it"},
         {"update the TLS stack or the middlebox firmware; remove inspection devices that parse "
          "ClientHellos"},
         hello_intolerance},
        {"server.handshake_broken",
         "S2",
         "The server accepts the version, then breaks the handshake",
         {"Chrome: ERR_SSL_PROTOCOL_ERROR or ERR_CONNECTION_RESET (for the affected versions only)",
          "OpenSSL: 'unexpected eof while reading' after the ServerHello"},
         {"the server's TLS error log at the time of the probe",
          kSClient + " -tls1_3, and again with -tls1_2: which version breaks?"},
         {"make sure the private key matches the certificate and can make the signatures the "
          "version needs (RSA-PSS for TLS 1.3), or disable the affected version until the key is "
          "replaced"},
         handshake_broken,
         {{ServerSoftware::iis,
           {"System event log, Schannel 36870 / 36888 at the time of the probe",
            "certutil -verifystore my {sha1}   (the key provider: a legacy CSP key cannot sign "
            "RSA-PSS, which TLS 1.3 requires)"},
           {"re-import the certificate with its key into a CNG key storage provider (certutil "
            "-importpfx -csp \"Microsoft Software Key Storage Provider\" site.pfx), then rebind it",
            "or disable the affected version until the key is replaced"}},
          {ServerSoftware::nginx,
           {"tail /var/log/nginx/error.log   ('SSL_do_handshake() failed' at the time of the "
            "probe)"},
           {"ssl_certificate_key must be the key of ssl_certificate (compare openssl x509 -noout "
            "-pubkey -in <cert> | openssl sha256 with openssl pkey -pubout -in <key> | openssl "
            "sha256); if the key lives in an engine/HSM that cannot sign RSA-PSS, leave TLSv1.3 "
            "out "
            "of ssl_protocols until it is replaced",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"the SSL error log at the time of the probe (LogLevel ssl:info shows the handshake "
            "error)"},
           {"SSLCertificateKeyFile must be the key of SSLCertificateFile; if the key cannot sign "
            "RSA-PSS, SSLProtocol -all +TLSv1.2 until it is replaced",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"journalctl -u haproxy   ('SSL handshake failure' at the time of the probe)"},
           {"rebuild the crt PEM with the key that belongs to the leaf; if the key cannot sign "
            "RSA-PSS, ssl-max-ver TLSv1.2 on the bind line until it is replaced",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"run with -Djavax.net.debug=ssl:handshake and read catalina.out at the time of the "
            "probe"},
           {"re-create the keystore entry from the matching key and certificate; if the key "
            "cannot sign RSA-PSS, protocols=\"TLSv1.2\" on the <SSLHostConfig> until it is "
            "replaced",
            kRestartTomcat}}}},
        {"server.handshake_timeout",
         "S5",
         "The server never answers the ClientHello",
         {"Chrome: ERR_TIMED_OUT after a long wait", "OpenSSL: the handshake hangs"},
         {"which process owns port {port}? ss -ltnp 'sport = :{port}' (Linux) or netstat -anob | "
          "findstr :{port} (Windows)",
          "a packet capture on the server (tcpdump -ni any tcp port {port}): does the ClientHello "
          "arrive?"},
         {"if another service owns the port, move it; if a middlebox drops hellos, update or "
          "bypass it"},
         handshake_timeout,
         {{ServerSoftware::iis,
           {"netstat -anob | findstr :{port}   (which process owns port {port}?)",
            "a packet capture on the server: does the ClientHello arrive?"},
           {"if another service owns the port, move it; if a middlebox drops hellos, update or "
            "bypass it"}},
          {ServerSoftware::nginx,
           {"ss -ltnp 'sport = :{port}'   (nginx, or another process?)",
            "nginx -T | grep -n 'listen.*{port}'   (the listen line needs 'ssl')"},
           {"listen {port} ssl; in the server block (without 'ssl' nginx speaks plain HTTP and "
            "waits for a request)",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"ss -ltnp 'sport = :{port}'", "apachectl -S   (is *:{port} an SSL virtual host?)"},
           {"SSLEngine on in the *:{port} virtual host", kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -n 'bind.*:{port}' /etc/haproxy/haproxy.cfg   (the bind line needs 'ssl crt')"},
           {"bind :{port} ssl crt /etc/haproxy/certs/site.pem", kReloadHaproxy}},
          {ServerSoftware::java,
           {"conf/server.xml: the Connector on port {port} has SSLEnabled=\"true\" and an "
            "<SSLHostConfig>"},
           {"SSLEnabled=\"true\" scheme=\"https\" secure=\"true\" on that Connector",
            kRestartTomcat}}}},
        {"server.client_certificate_required",
         "",
         "The server requires a client certificate",
         {"Chrome: ERR_BAD_SSL_CLIENT_AUTH_CERT, or ERR_SSL_CLIENT_AUTH_CERT_NEEDED when the "
          "browser has no certificate to offer",
          "curl: exit 56 ('tlsv13 alert certificate required' / 'sslv3 alert handshake failure')",
          "OpenSSL: alert certificate_required (116) on TLS 1.3, handshake_failure (40) on TLS "
          "1.2"},
         {"openssl s_client -connect {address} -servername {host} -state   (a CertificateRequest "
          "('SSL_connect:SSLv3/TLS read server certificate request'), then an alert after the "
          "empty Certificate)"},
         {"if clients without a certificate should get in: make client certificates optional on "
          "the server",
          "if the requirement is intended: give every client a certificate issued by a CA the "
          "server trusts (the names the CertificateRequest lists)",
          "to probe the rest of the server: tlsprobe probe {host}:{port} --client-cert client.pem "
          "--client-key client.key"},
         client_certificate_required,
         {{ServerSoftware::iis,
           {"IIS Manager > site > SSL Settings: Client certificates is 'Require'",
            "netsh http show sslcert ipport=0.0.0.0:{port}   ('Negotiate Client Certificate : "
            "Enabled')"},
           {"IIS Manager > site > SSL Settings > Client certificates: Accept (or Ignore), or "
            "give every client a certificate from a CA in the server's Trusted Root store"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -E 'ssl_verify_client|ssl_client_certificate'   (on = required)"},
           {"ssl_verify_client optional;   (or off), then nginx -t && systemctl reload nginx"}},
          {ServerSoftware::apache,
           {"apachectl -t -D DUMP_RUN_CFG; grep -ri SSLVerifyClient /etc/apache2/   (require = "
            "required)"},
           {"SSLVerifyClient optional   (or none) in the virtual host, then apachectl configtest "
            "&& systemctl reload apache2"}},
          {ServerSoftware::haproxy,
           {"grep -n 'verify required' /etc/haproxy/haproxy.cfg   (on the bind line, with "
            "ca-file)"},
           {"bind ... ssl crt site.pem ca-file clients-ca.pem verify optional, then haproxy -c -f "
            "/etc/haproxy/haproxy.cfg && systemctl reload haproxy"}},
          {ServerSoftware::java,
           {"Tomcat server.xml: <SSLHostConfig certificateVerification=\"required\"> (or "
            "clientAuth=\"true\" on the Connector)"},
           {"certificateVerification=\"optional\" (or \"none\"), then restart Tomcat"}}}},
        {"cert.wrong_certificate",
         "S4",
         "The certificate is for another name",
         {"Chrome: ERR_CERT_COMMON_NAME_INVALID", "Windows: CERT_E_CN_NO_MATCH (0x800B010F)",
          "OpenSSL: verify error 62 (hostname mismatch)"},
         {kSClient + " | openssl x509 -noout -subject -ext subjectAltName -fingerprint   (served "
                     "SHA-1 {sha1})"},
         {"serve the certificate issued for {host} (its Subject Alternative Names must include "
          "{host}) for that name on port {port}"},
         wrong_certificate,
         {{ServerSoftware::iis,
           {"netsh http show sslcert hostnameport={host}:{port} and netsh http show sslcert "
            "ipport=0.0.0.0:{port}: compare Certificate Hash with the served thumbprint {sha1}",
            "IIS Manager > site > Bindings > https: which certificate is selected?"},
           {"bind the certificate issued for {host}: netsh http delete sslcert "
            "ipport=0.0.0.0:{port}, then netsh http add sslcert ipport=0.0.0.0:{port} "
            "certhash=<thumbprint of the {host} certificate> appid=" +
                std::string(kIisAppId) +
                " (for an SNI binding use hostnameport={host}:{port} certstorename=MY)",
            "or issue a certificate whose Subject Alternative Names include {host}"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -nE 'server_name|ssl_certificate '   (which server block has {host} "
            "in server_name; a name in none gets the default_server's certificate)"},
           {"in the server block with server_name {host}: ssl_certificate "
            "/etc/ssl/{host}.fullchain.pem; ssl_certificate_key /etc/ssl/private/{host}.key;",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -S   (which *:{port} virtual host answers {host}; an unmatched name gets "
            "the first one)"},
           {"ServerName {host} with its own SSLCertificateFile and SSLCertificateKeyFile in that "
            "virtual host",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -nE 'crt |crt-list' /etc/haproxy/haproxy.cfg, then openssl x509 -noout -ext "
            "subjectAltName -in <each PEM>   (HAProxy picks by SNI; the first crt is the default)"},
           {"add the {host} PEM (leaf, intermediates, key) to the crt directory or crt-list of the "
            "bind :{port} line",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"keytool -list -v -keystore <keystore>   (the certificateKeyAlias entry's SAN)",
            "conf/server.xml: which <SSLHostConfig> answers {host}"},
           {"point the {host} <SSLHostConfig> at a keystore entry issued for {host} "
            "(certificateKeyAlias)",
            kRestartTomcat}}}},
        {"cert.expired",
         "",
         "The certificate has expired or is not valid yet",
         {"Chrome: ERR_CERT_DATE_INVALID", "Windows: CERT_E_EXPIRED (0x800B0101)",
          "OpenSSL: verify error 10 (expired) / 9 (not yet valid)"},
         {kSClient + " | openssl x509 -noout -dates",
          "the server's clock, if the dates look right"},
         {"renew the certificate, install it with its private key, and reload the server"},
         expired,
         with_services({{ServerSoftware::iis,
           {"certutil -store my {sha1}   (NotAfter / NotBefore)",
            "the server's clock, if the dates look right"},
           {"renew the certificate, import it with its private key, and bind the new thumbprint: "
            "netsh http delete sslcert ipport=0.0.0.0:{port}, then netsh http add sslcert "
            "ipport=0.0.0.0:{port} certhash=<new thumbprint> appid=" +
            std::string(kIisAppId)}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -n 'ssl_certificate '   then openssl x509 -noout -enddate -in "
            "<that file>"},
           {"put the renewed full chain where ssl_certificate points (certbot renew does it for "
            "Let's Encrypt); nginx serves the old certificate until reloaded",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -t -D DUMP_VHOSTS, then openssl x509 -noout -enddate -in "
            "<SSLCertificateFile>"},
           {"install the renewed certificate (intermediates appended) at SSLCertificateFile",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"openssl x509 -noout -enddate -in /etc/haproxy/certs/{host}.pem   (the crt on the "
            "bind :{port} line)"},
           {"rebuild the PEM from the renewed leaf, the intermediates and the key",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"keytool -list -v -keystore <keystore>   ('Valid from ... until' of the key entry)"},
           {"import the renewed chain into the key entry (keytool -importcert -alias <key alias> "
            "-file {host}.fullchain.pem -keystore <keystore>) or build a new PKCS#12",
            kRestartTomcat}}},
             "install the renewed certificate")},
        {"chain.untrusted_root",
         "S2",
         "The chain ends in an untrusted root",
         {"Chrome: ERR_CERT_AUTHORITY_INVALID", "Windows: CERT_E_UNTRUSTEDROOT (0x800B0109)",
          "OpenSSL: verify error 19 (self-signed certificate in chain) / 18"},
         {kSClient + " -showcerts   (the last certificate's issuer is no public CA)"},
         {"use a certificate from a publicly trusted CA, or, for a private CA, install its root in "
          "every client's trust store"},
         untrusted_root,
         certificate_steps(
             {"certutil -verify <exported .cer>   (on a client machine: 'A certificate chain "
              "processed, but terminated in a root certificate which is not trusted')"},
             {"use a certificate from a publicly trusted CA, or, for a private CA, deploy its root "
              "to every client's Trusted Root Certification Authorities (group policy)"},
             "install a certificate from a publicly trusted CA (or deploy the private root to "
             "every client)")},
        {"chain.incomplete",
         "S2",
         "The intermediate certificate is not sent",
         {"Chrome: ERR_CERT_AUTHORITY_INVALID (on clients that have not cached the intermediate)",
          "Windows: CERT_E_CHAINING (0x800B010A)",
          "OpenSSL: verify error 20 (unable to get local issuer certificate) / 21"},
         {kSClient + " -showcerts   (one certificate only: the intermediate '{issuer}' is "
                     "missing)"},
         {"serve the intermediate '{issuer}' after the leaf (leaf first, then the intermediate)"},
         incomplete,
         with_services({{ServerSoftware::iis,
           {"certutil -verify on the server, or the certificate's Certification Path tab: the "
            "intermediate '{issuer}' is missing",
            "certlm.msc > Intermediate Certification Authorities: is '{issuer}' there?"},
           {"import the intermediate CA certificate '{issuer}' into the computer's Intermediate "
            "Certification Authorities store (certutil -addstore CA intermediate.cer); HTTP.sys "
            "then sends it",
            "for a non-Windows server: append the intermediate to the certificate file (leaf "
            "first, then the intermediate)"}},
          {ServerSoftware::nginx,
           {"nginx -T | grep -n 'ssl_certificate '   then grep -c 'BEGIN CERTIFICATE' <that file> "
            "(1: the leaf alone)"},
           {"ssl_certificate must be the full chain: cat {host}.crt intermediate.crt > "
            "{host}.fullchain.pem (certbot: fullchain.pem, not cert.pem)",
            kReloadNginx}},
          {ServerSoftware::apache,
           {"apachectl -t -D DUMP_VHOSTS, then grep -c 'BEGIN CERTIFICATE' <SSLCertificateFile>"},
           {"Apache 2.4.8+: append '{issuer}' to the SSLCertificateFile (leaf first); older: "
            "SSLCertificateChainFile /etc/ssl/certs/intermediate.crt",
            kReloadApache}},
          {ServerSoftware::haproxy,
           {"grep -c 'BEGIN CERTIFICATE' /etc/haproxy/certs/{host}.pem   (the crt on the bind "
            ":{port} line; 1: the leaf alone)"},
           {"the crt PEM holds the leaf, then '{issuer}' (and any further intermediates), then "
            "the key: cat {host}.crt intermediate.crt {host}.key > /etc/haproxy/certs/{host}.pem",
            kReloadHaproxy}},
          {ServerSoftware::java,
           {"keytool -list -v -keystore <keystore>   ('Certificate chain length: 1' on the key "
            "entry)"},
           {"keytool -importcert -trustcacerts -alias intermediate -file intermediate.crt "
            "-keystore <keystore>, then re-import the signed certificate under the key's alias "
            "(keytool -importcert -alias <key alias> -file {host}.crt -keystore <keystore>) so its "
            "chain includes '{issuer}'; or a PKCS#12 with the chain: openssl pkcs12 -export -in "
            "{host}.crt -certfile intermediate.crt -inkey {host}.key -out {host}.p12",
            kRestartTomcat}}},
             "serve the intermediate '{issuer}' after the leaf")},
        {"cert.no_server_auth_eku",
         "S2",
         "The certificate lacks the Server Authentication EKU",
         {"Chrome: ERR_CERT_INVALID", "Windows: CERT_E_WRONG_USAGE (0x800B0110)",
          "OpenSSL: verify error 26 (unsupported certificate purpose)"},
         {kSClient + " | openssl x509 -noout -ext extendedKeyUsage   ('TLS Web Client "
                     "Authentication' only)"},
         {"reissue the certificate with Extended Key Usage Server Authentication "
          "(1.3.6.1.5.5.7.3.1) and install it for port {port}"},
         no_server_auth_eku,
         certificate_steps(
             {"certutil -v -store my {sha1}   (Enhanced Key Usage lists Client Authentication "
              "only)",
              "certificate > Details > Enhanced Key Usage"},
             {"reissue the certificate from a Web Server template (Enhanced Key Usage: Server "
              "Authentication, 1.3.6.1.5.5.7.3.1) and bind the new thumbprint to port {port}"},
             "install the reissued certificate (EKU serverAuth)")},
        {"path.tls13_stripped",
         "",
         "Something on the path removed TLS 1.3",
         {"clients behind the same path negotiate TLS 1.2 although the server supports 1.3"},
         {"the proxies, firewalls and TLS inspection devices between this client and the server"},
         {"remove or reconfigure the device that rewrites ClientHellos"},
         tls13_stripped},
        // ---- chain rules (issue 12, part 4) ----
        {"chain.leaf_not_first",
         "S2",
         "A CA certificate is sent before the server's own",
         {"Chrome: ERR_CERT_COMMON_NAME_INVALID or ERR_SSL_PROTOCOL_ERROR (the key does not "
          "match)",
          "Windows: CERT_E_CN_NO_MATCH (0x800B010F) / CERT_E_WRONG_USAGE",
          "OpenSSL: verify error 26 (unsupported certificate purpose) / 62 (hostname mismatch)"},
         {"openssl s_client -connect {address} -servername {host} -showcerts   (the first "
          "certificate printed must be the one for {host})",
          "the server's certificate file: the first PEM block must be the server certificate"},
         {"serve {leaf_to_serve} first, then its issuers: {serve_order} (the root may be left "
          "out)",
          "rebuild the chain file in that order: the server certificate, then each intermediate "
          "(cat server.crt intermediate.crt > fullchain.pem)",
          "nginx: ssl_certificate fullchain.pem; Apache: SSLCertificateFile server.crt with "
          "SSLCertificateChainFile intermediate.crt; IIS/HTTP.sys: bind the server certificate's "
          "thumbprint, Windows builds the order itself"},
         leaf_not_first,
         certificate_steps(
             {"netsh http show sslcert ipport=0.0.0.0:{port}   (the Certificate Hash must be the "
              "server certificate's thumbprint, not a CA's)"},
             {"bind the server certificate's thumbprint (certhash=) to port {port}; HTTP.sys "
              "then sends it first and builds the rest of the chain itself"},
             "serve {leaf_to_serve} first, then {serve_order}")},
        {"cert.no_san",
         "S2",
         "The certificate names the host only in its CN (no SAN)",
         {"Chrome/Edge: ERR_CERT_COMMON_NAME_INVALID", "Firefox: SSL_ERROR_BAD_CERT_DOMAIN",
          "Windows (Schannel) and OpenSSL: accepted through the legacy CN fallback"},
         {"certutil -v -store my {sha1}   (no 'Subject Alternative Name' extension)",
          "openssl x509 -in server.crt -noout -ext subjectAltName   (prints nothing)"},
         {"reissue the certificate with {host} (and every other name) in the Subject Alternative "
          "Name (a CSR with subjectAltName=DNS:{host}; every public CA does this), then bind the "
          "new thumbprint"},
         no_san,
         certificate_steps({"certutil -v -store my {sha1}   (no 'Subject Alternative Name' "
                            "extension)"},
                           {"reissue the certificate with {host} in its Subject Alternative "
                            "Name, import it with its key and bind the new thumbprint to port "
                            "{port}"},
                           "install a certificate with {host} in its subjectAltName")},
        {"chain.expired_intermediate",
         "S2",
         "An intermediate or cross-signed certificate in the chain has expired",
         {"clients that follow the served chain: Chrome/Windows CERT_E_EXPIRED (0x800B0101), "
          "OpenSSL verify error 10 (certificate has expired)",
          "clients that build their own path to a valid root: no error"},
         {"openssl s_client -connect {address} -servername {host} -showcerts   (the notAfter of "
          "every certificate after the first)",
          "certutil -verify <exported .cer>   (which chain element is expired)"},
         {"download the CA's current intermediate and serve the leaf with it only; drop expired "
          "cross-signed roots from the chain file",
          "on Windows: remove the expired intermediate from the computer's Intermediate "
          "Certification Authorities store (certlm.msc) so HTTP.sys stops sending it"},
         expired_intermediate,
         certificate_steps({"certutil -verify <exported .cer>   (which chain element is expired)",
                            "certlm.msc > Intermediate Certification Authorities: an expired "
                            "copy of the issuer"},
                           {"remove the expired intermediate from the computer's Intermediate "
                            "Certification Authorities store so HTTP.sys stops sending it, and "
                            "import the CA's current one"},
                           "serve the leaf with the CA's current intermediate only (no expired "
                           "cross-signed root)")},
        {"cert.weak_signature",
         "",
         "A certificate in the chain is signed with SHA-1",
         {"Chrome: ERR_CERT_WEAK_SIGNATURE_ALGORITHM", "Windows: SHA-1 chains are refused for TLS"},
         {"openssl s_client -connect {address} -servername {host} -showcerts | openssl x509 "
          "-noout -text   (Signature Algorithm of each certificate)"},
         {"reissue the certificate with SHA-256, and serve the CA's SHA-256 intermediate instead "
          "of a SHA-1 one"},
         weak_signature_chain,
         certificate_steps({"certutil -v -store my {sha1}   (Signature Algorithm sha1RSA on the "
                            "leaf or on an intermediate in the path)"},
                           {"reissue the certificate with SHA-256 and import the CA's SHA-256 "
                            "intermediate into Intermediate Certification Authorities, then "
                            "bind the new thumbprint"},
                           "install the SHA-256 certificate with the CA's SHA-256 intermediate")},
        {"binding.sni_wrong_certificate",
         "S4",
         "The SNI binding for the name serves another site's certificate",
         {"browsers (they send SNI): ERR_CERT_COMMON_NAME_INVALID",
          "clients without SNI: no error"},
         {"netsh http show sslcert hostnameport={host}:{port}   (Certificate Hash: the thumbprint "
          "{sha1} served for {host})",
          "IIS Manager > the site for {host} > Bindings > https: which certificate is selected?",
          "nginx/Apache: the ssl_certificate of the server block whose server_name is {host}"},
         {"point the {host}:{port} SNI binding at a certificate for {host}, e.g. the one the "
          "default binding serves (SHA-1 {no_sni_sha1}): netsh http delete sslcert "
          "hostnameport={host}:{port}, then netsh http add sslcert hostnameport={host}:{port} "
          "certhash={no_sni_sha1} certstorename=MY appid=" +
          std::string(kIisAppId)},
         sni_wrong_certificate,
         certificate_steps(
             {"netsh http show sslcert hostnameport={host}:{port}   (Certificate Hash: the "
              "thumbprint {sha1} served for {host})"},
             {"netsh http delete sslcert hostnameport={host}:{port}, then netsh http add sslcert "
              "hostnameport={host}:{port} certhash={no_sni_sha1} certstorename=MY appid=" +
              std::string(kIisAppId)},
             "in the configuration for {host} (server_name / virtual host / crt-list entry / "
             "SSLHostConfig hostName), serve the certificate for {host}")},
        {"binding.default_certificate_differs",
         "S4",
         "Clients without SNI get a certificate for another name",
         {"clients without SNI (scripts and monitors connecting by IP, very old clients): "
          "certificate name mismatch",
          "browsers: no error"},
         {"netsh http show sslcert ipport=0.0.0.0:{port}   (the default binding's Certificate "
          "Hash)",
          "nginx: which server block is default_server for port {port}"},
         {"if clients without SNI matter: bind the certificate for {host} (SHA-1 {sha1}) as the "
          "default, netsh http update sslcert ipport=0.0.0.0:{port} certhash={sha1} appid=" +
          std::string(kIisAppId)},
         default_certificate_differs,
         certificate_steps(
             {"netsh http show sslcert ipport=0.0.0.0:{port}   (the default binding's Certificate "
              "Hash)"},
             {"netsh http update sslcert ipport=0.0.0.0:{port} certhash={sha1} appid=" +
              std::string(kIisAppId)},
             "make the site for {host} the default for port {port} (nginx: listen {port} ssl "
             "default_server; Apache: its virtual host first; HAProxy: its crt first on the "
             "bind line; Tomcat: defaultSSLHostConfigName)")},
        // The upgrade before TLS (issue 14). A step "[smtp,imap] ..." is shown only for those
        // protocols (wire::to_string names); the others for every protocol.
        {"starttls.not_offered",
         "",
         "The server does not offer STARTTLS",
         {"Thunderbird/Outlook: 'server does not support STARTTLS' (or the account falls back to "
          "no encryption)",
          "openssl s_client -starttls: 'didn't find starttls in server response'",
          "psql sslmode=require: 'server does not support SSL, but SSL was required'"},
         kStarttlsConfirm,
         {"[smtp] Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files = "
          "/etc/ssl/private/{host}.pem (key, then certificate and chain) in main.cf; "
          "postfix reload",
          "[smtp] Exchange: Get-ExchangeCertificate | fl Thumbprint,Services,Subject   then "
          "Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP (and "
          "Set-ReceiveConnector -AuthMechanism Tls)",
          "[smtp] IIS SMTP: the virtual server's Access tab: install a certificate for {host}",
          "[imap,pop3,sieve] Dovecot: ssl = yes, ssl_cert = </etc/ssl/certs/{host}.pem, ssl_key "
          "= </etc/ssl/private/{host}.key in conf.d/10-ssl.conf; doveadm reload",
          "[ldap] OpenLDAP: olcTLSCertificateFile, olcTLSCertificateKeyFile, "
          "olcTLSCACertificateFile on cn=config (ldapmodify -Y EXTERNAL -H ldapi:///), then "
          "restart slapd",
          "[ldap] Active Directory: put a certificate for {host} with Server Authentication in "
          "the NTDS Service (or computer) personal store; LDAP picks it up without a restart",
          "[postgres] PostgreSQL: ssl = on, ssl_cert_file, ssl_key_file in postgresql.conf, then "
          "SELECT pg_reload_conf()",
          "[mysql] MySQL/MariaDB: ssl_cert, ssl_key (and ssl_ca) under [mysqld], restart (MySQL "
          "8: ALTER INSTANCE RELOAD TLS)",
          "[ftp] vsftpd: ssl_enable=YES, rsa_cert_file, rsa_private_key_file; ProFTPD: "
          "TLSEngine on",
          "[xmpp,xmpp-server] Prosody: a certificate for the domain in certs/ (prosodyctl cert "
          "import); ejabberd: certfiles and starttls: true on the listener"},
         starttls_not_offered},
        {"starttls.refused",
         "",
         "The server refuses STARTTLS",
         {"mail clients: 'STARTTLS failed' / '454 TLS not available due to temporary reason'",
          "openssl s_client -starttls: the reply to STARTTLS, then no TLS"},
         kStarttlsConfirm,
         {"the server's log names why it cannot start TLS: usually a certificate or key file it "
          "cannot read (permissions, path, a key that does not match the certificate)",
          "[smtp] Postfix: grep -i 'tls' /var/log/mail.log ('cannot load certificate'); check "
          "smtpd_tls_chain_files or smtpd_tls_cert_file/smtpd_tls_key_file, then postfix reload",
          "[smtp] Exchange: Get-ExchangeCertificate (is a valid certificate enabled for SMTP?), "
          "Event Viewer: MSExchangeFrontEndTransport 12014",
          "[imap,pop3,sieve] Dovecot: doveadm log errors; doveconf -n | grep ssl",
          "[ldap] OpenLDAP: slapd -d 1 shows 'TLS init def ctx failed'; the certificate files "
          "must be readable by the openldap user",
          "[mysql] MySQL/MariaDB: the error says why (e.g. 1130: host not allowed to connect)"},
         starttls_refused},
        {"starttls.auth_required",
         "",
         "The server wants authentication before STARTTLS",
         {"clients that require TLS cannot log in; others send credentials in clear text"},
         kStarttlsConfirm,
         {"allow STARTTLS before authentication (it is meant to protect the login)",
          "[smtp] Postfix: smtpd_tls_auth_only = yes keeps AUTH after STARTTLS, not STARTTLS "
          "after AUTH; check smtpd_recipient_restrictions and any policy that answers 530",
          "[ldap] OpenLDAP: olcSecurity / olcRequires must not require authentication before "
          "StartTLS"},
         starttls_auth_required},
        {"starttls.wrong_service",
         "S3",
         "Another service answers on the port",
         {"clients: a protocol error right after connecting, or a long wait"},
         {"ss -ltnp 'sport = :{port}'   (which program owns port {port}?)",
          "openssl s_client -connect {address} -starttls <protocol>   (what does it greet with?)"},
         {"point clients (and tlsprobe) at the service's own port, or move the other program "
          "off port {port}",
          "[smtp] an implicit-TLS port (465, smtps://) greets with TLS, not with 220: probe it "
          "with smtps://",
          "[imap] port 993 is implicit TLS: imaps://",
          "[pop3] port 995 is implicit TLS: pop3s://",
          "[ldap] port 636 is implicit TLS: ldaps://"},
         starttls_wrong_service},
        {"starttls.silent",
         "",
         "The server does not finish the STARTTLS dialogue",
         {"clients: a timeout while connecting"},
         kStarttlsConfirm,
         {"check the service is not overloaded (connection limits, tarpitting of unknown "
          "clients: Postfix postscreen, greylisting) and that the port is the plaintext one",
          "[smtp] Postfix postscreen: postscreen_greet_wait delays the greeting for unknown "
          "clients; add the probing address to postscreen_access_list"},
         starttls_silent},
        {"server.must_staple_not_stapled",
         "S2",
         "A must-staple certificate is served without a valid OCSP staple",
         {"Firefox: MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
          "Chrome and Safari: no error (they do not enforce must-staple)"},
         {kSClient + " -status   ('OCSP response: no response sent' = nothing stapled)"},
         {"turn OCSP stapling on and let the server reach the CA's OCSP responder (nginx: "
          "ssl_stapling on; ssl_stapling_verify on; and a resolver; Apache: SSLUseStapling on "
          "with an SSLStaplingCache; IIS staples by default when it can reach the responder), "
          "or reissue the certificate without the must-staple extension"},
         must_staple_missing},
        {"cert.revoked",
         "S2",
         "The certificate is revoked",
         {"Firefox: SEC_ERROR_REVOKED_CERTIFICATE", "Chrome: NET::ERR_CERT_REVOKED",
          "Windows: CRYPT_E_REVOKED (0x80092010)", "OpenSSL: verify error 23 (certificate revoked)"},
         {kSClient + " -showcerts -status   (save the leaf as {host}.pem and its issuer as "
                     "issuer.pem), then: openssl ocsp -issuer issuer.pem -cert {host}.pem -url "
                     "<the leaf's OCSP URL> -resp_text"},
         {"browsers that check revocation refuse this certificate; reissue it (a new key if it "
          "was revoked for key compromise) and install the new certificate"},
         revoked,
         certificate_steps(
             {"certlm.msc > Personal: the certificate with thumbprint {sha1}; certutil -verify "
              "-urlfetch <exported .cer>   ('revoked' in the revocation check)"},
             {"import the reissued certificate (.pfx) into the computer's Personal store, then "
              "point the binding at it: netsh http update sslcert ipport=0.0.0.0:{port} "
              "certhash=<new thumbprint> appid=" +
                  std::string(kIisAppId) +
                  " (IIS Manager: Site Bindings > https > SSL certificate)"},
             "install the reissued certificate")},
        {"trust.store_disagreement",
         "S2",
         "Some platforms do not trust the certificate's root",
         {"Java: PKIX path building failed (unable to find valid certification path)",
          "Windows: CERT_E_UNTRUSTEDROOT 0x800B0109; Chrome: ERR_CERT_AUTHORITY_INVALID",
          "OpenSSL clients: verify error 19/20 (unable to get local issuer certificate)"},
         {"openssl s_client -connect {address} -servername {host} -showcerts   (which root "
          "does the served chain lead to?)",
          "openssl verify -CAfile /etc/testssl/Java.pem -untrusted chain.pem leaf.pem   (per "
          "store, from the testssl.sh package)"},
         {"serve a chain that leads to a root every client platform trusts (ask the CA for the "
          "chain to its most widely trusted root, e.g. a cross-signed intermediate)",
          "or add the root to the refusing platform's store where you control the clients "
          "(Java: keytool -importcert -cacerts)"},
         store_disagreement},
    };
    return table;
}

// openssl s_client -starttls's name for a protocol.
std::string_view openssl_starttls_name(wire::StartTls p) {
    switch (p) {
        case wire::StartTls::pop3: return "pop3";
        case wire::StartTls::xmpp_server: return "xmpp-server";
        case wire::StartTls::none: return "<protocol>";
        default: return wire::to_string(p);
    }
}

std::string fill(std::string_view tpl, const Facts& f) {
    const auto* leaf = f.leaf();
    const auto chain = chain_rules_args(f);
    try {
        return fmt::format(
            fmt::runtime(tpl), fmt::arg("host", f.name()), fmt::arg("port", f.r.target.port),
            fmt::arg("address", f.r.address.empty() ? f.r.target.display() : f.r.address),
            fmt::arg("sha1", leaf ? leaf->sha1_hex : std::string("<thumbprint>")),
            fmt::arg("issuer", leaf ? leaf->issuer : std::string("<issuer>")),
            fmt::arg("leaf_to_serve", chain.leaf_to_serve),
            fmt::arg("serve_order", chain.serve_order), fmt::arg("no_sni_sha1", chain.no_sni_sha1),
            fmt::arg("starttls", openssl_starttls_name(f.r.target.starttls)),
            fmt::arg("protocol", wire::display_name(f.r.target.starttls)));
    } catch (const fmt::format_error&) {
        return std::string(tpl);  // a template bug must not hide the diagnosis
    }
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) out.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::vector<std::string> filled(const std::vector<std::string>& templates, const Facts& f) {
    std::vector<std::string> out;
    for (const auto& t : templates) {
        // "[smtp,imap] step": only for those upgrade protocols.
        if (t.starts_with('[') && t.find("] ") != std::string::npos) {
            const auto close = t.find("] ");
            const std::string names = "," + t.substr(1, close - 1) + ",";
            const auto mine = fmt::format(",{},", wire::to_string(f.r.target.starttls));
            if (names.find(mine) == std::string::npos) continue;
            out.push_back(fill(std::string_view(t).substr(close + 2), f));
            continue;
        }
        out.push_back(fill(t, f));
    }
    return out;
}

// Whether a mail, directory or database server speaks the target's upgrade protocol.
bool service_applies(probe::ServerSoftware s, wire::StartTls p) {
    using wire::StartTls;
    switch (s) {
        case ServerSoftware::postfix:
        case ServerSoftware::exim:
        case ServerSoftware::sendmail: return p == StartTls::smtp;
        case ServerSoftware::exchange:
            return p == StartTls::smtp || p == StartTls::imap || p == StartTls::pop3;
        case ServerSoftware::dovecot:
            return p == StartTls::imap || p == StartTls::pop3 || p == StartTls::sieve;
        case ServerSoftware::openldap:
        case ServerSoftware::active_directory: return p == StartTls::ldap;
        case ServerSoftware::postgresql:
            return p == StartTls::postgres || p == StartTls::postgres_direct;
        case ServerSoftware::mysql: return p == StartTls::mysql;
        default: return true;
    }
}

// Every platform's steps for one rule, filled in: the detected platform's first (the generic
// steps when the rule has none for it), then the other platforms in catalogue order, then the
// generic steps.
std::vector<probe::PlatformAdvice> advice_for(const Rule& rule, probe::ServerSoftware detected,
                                              const Facts& f) {
    auto steps = rule.platforms;
    // A mail, directory or database server's steps only where it could answer: its own
    // STARTTLS protocols (or when it is the detected platform).
    std::erase_if(steps, [&](const PlatformSteps& s) {
        return probe::is_service_software(s.platform) && s.platform != detected &&
               !service_applies(s.platform, f.r.target.starttls);
    });
    std::stable_sort(
        steps.begin(), steps.end(),
        [](const PlatformSteps& a, const PlatformSteps& b) { return a.platform < b.platform; });
    const auto own = std::find_if(steps.begin(), steps.end(), [&](const PlatformSteps& s) {
        return s.platform == detected && detected != probe::ServerSoftware::unknown;
    });
    if (own != steps.end()) std::rotate(steps.begin(), own, own + 1);
    const bool generic = !rule.confirm.empty() || !rule.fix.empty();
    probe::PlatformAdvice any{"generic", "any server", filled(rule.confirm, f),
                              filled(rule.fix, f)};
    std::vector<probe::PlatformAdvice> out;
    if (own == steps.end() && generic) out.push_back(any);
    for (const auto& s : steps)
        out.push_back({std::string(probe::to_string(s.platform)),
                       std::string(probe::display_name(s.platform)), filled(s.confirm, f),
                       filled(s.fix, f)});
    if (own != steps.end() && generic) out.push_back(std::move(any));
    return out;
}

}  // namespace

std::span<const DiagnosisKind> diagnosis_kinds() {
    static const std::vector<DiagnosisKind> kinds = [] {
        std::vector<DiagnosisKind> out;
        for (const auto& r : rules()) out.push_back({r.id, r.scenarios, r.title});
        return out;
    }();
    return kinds;
}

std::vector<Diagnosis> diagnose(const TargetResult& result) {
    const Facts facts(result);
    std::vector<Diagnosis> out;
    for (const auto& rule : rules()) {
        auto match = rule.match(facts);
        if (!match) continue;
        Diagnosis d;
        d.id = std::string(rule.id);
        d.scenarios = split_words(rule.scenarios);
        d.confidence = match->confidence;
        d.summary = std::move(match->summary);
        d.evidence = std::move(match->evidence);
        for (auto t : rule.client_sees) d.client_sees.push_back(fill(t, facts));
        d.advice = advice_for(rule, result.platform.software, facts);
        if (!d.advice.empty()) {
            d.advice_for = d.advice.front().platform;
            d.confirm = d.advice.front().confirm;
            d.fix = d.advice.front().fix;
        }
        out.push_back(std::move(d));
    }
    std::stable_sort(out.begin(), out.end(), [](const Diagnosis& a, const Diagnosis& b) {
        return a.confidence > b.confidence;
    });
    return out;
}

}  // namespace tlsprobe::judge
