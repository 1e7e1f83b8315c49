#include "judge/diagnosis_rules.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <optional>

#include "core/alert.hpp"
#include "wire/service.hpp"

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

bool ok(const core::Observation& o) { return o.status == Status::negotiated; }
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
    if (h.status == Status::negotiated)
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

struct Rule {
    std::string_view id;
    std::string_view scenarios;
    std::string_view title;
    std::vector<std::string> client_sees, confirm, fix;  // fmt templates, see fill()
    std::optional<Match> (*match)(const Facts&);
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
    if (!f.first([](const auto& o) { return alert_is(o, 40); })) return std::nullopt;
    // OpenSSL-style servers answer 70 to the versions they disabled and 40 to the rest.
    if (!f.all([](const auto& o) {
            return alert_is(o, 40) || alert_is(o, 70) || o.status == Status::reset ||
                   o.status == Status::closed;
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
            return o.status == Status::timeout && o.phase != core::Phase::connect;
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
    return m;
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

// ---- the catalogue ------------------------------------------------------------------------
// Templates take {host} (the name asked for), {port}, {address} (IP:port probed), {sha1}
// (the served leaf's thumbprint, or a placeholder), {issuer} (the leaf's issuer).

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
         {"netstat -ano | findstr :{port}   (is anything listening on {port}?)",
          "netsh http show iplisten   (if the list is not empty, HTTP.sys listens only on the IPs "
          "in it)",
          "IIS Manager: is the site started, and does it have an https binding on port {port}?"},
         {"start the site (or the service that should own port {port})",
          "if the IP is missing from the HTTP.sys listen list: netsh http add iplisten "
          "ipaddress=<ip>, or netsh http delete iplisten ipaddress=<other ip> to listen on all, "
          "then net stop http /y and start the web services again"},
         port_closed},
        {"port.filtered",
         "",
         "Connections time out before TCP connects",
         {"Chrome: ERR_CONNECTION_TIMED_OUT"},
         {"Windows Defender Firewall / network firewall / cloud security group rules for TCP "
          "{port}",
          "is the host up? (ping or its console)"},
         {"allow inbound TCP {port} to the server in every firewall on the path"},
         port_filtered},
        {"port.not_tls",
         "S3",
         "Another service owns the TLS port",
         {"Chrome: ERR_SSL_PROTOCOL_ERROR",
          "OpenSSL: 'wrong version number' / 'packet length too long'",
          "Windows: SEC_E_ILLEGAL_MESSAGE (0x80090326)"},
         {"netstat -anob | findstr :{port}   (which process owns port {port}?)",
          "IIS Manager > site > Bindings: is there an http (not https) binding on port {port}?",
          "netsh http show urlacl   (an http://+:{port}/ reservation on the TLS port)"},
         {"move the other service or the http binding off port {port}, then add the https binding "
          "on {port} with the site's certificate"},
         port_not_tls},
        {"server.no_usable_certificate",
         "S1 S2 S4",
         "The server has no usable certificate for this IP:port",
         {"Chrome: ERR_CONNECTION_RESET or ERR_SSL_PROTOCOL_ERROR ('This site can't provide a "
          "secure connection')",
          "Edge/IE: 'Can't connect securely to this page'",
          "OpenSSL: 'unexpected eof while reading' / errno 104 (connection reset)"},
         {"System event log, source Schannel: event 36870 ('A fatal error occurred when attempting "
          "to access the TLS server credential private key', 0x8009030D or 0x80090016) or 36869",
          "netsh http show sslcert ipport=0.0.0.0:{port}   (Certificate Hash must not be empty, "
          "Application ID must not be all zeros)",
          "certutil -verifystore my <thumbprint>   ('Encryption test passed' means the private key "
          "is there and readable)"},
         {"if the certificate has lost its private key: certutil -repairstore my <thumbprint>, or "
          "re-import the .pfx with its key",
          "if the key is unreadable: give the account HTTP.sys/IIS runs as read access to the key "
          "file under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys",
          "if the binding is broken: netsh http delete sslcert ipport=0.0.0.0:{port}, then netsh "
          "http add sslcert ipport=0.0.0.0:{port} certhash=<thumbprint> appid=" +
              std::string(kIisAppId) + " (or remove and re-add the https binding in IIS Manager)"},
         no_usable_certificate},
        {"protocol.legacy_only",
         "S5",
         "Only TLS 1.1 or older is enabled",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
          "Edge: 'This site uses outdated or unsafe TLS security settings'",
          "OpenSSL: 'unsupported protocol'"},
         {"reg query "
          "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\" /s "
          "  (TLS 1.2\\Server: Enabled=0 or DisabledByDefault=1)",
          "System event log, Schannel 36874 / 36888"},
         {"reg add "
          "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS "
          "1.2\\Server\" /v Enabled /t REG_DWORD /d 1 /f",
          "reg add "
          "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS "
          "1.2\\Server\" /v DisabledByDefault /t REG_DWORD /d 0 /f",
          "reboot for Schannel to read the change (on Windows Server 2022+ enable TLS 1.3 the same "
          "way)"},
         legacy_only},
        {"binding.sni_required",
         "S4",
         "Only clients that send SNI get a certificate",
         {"clients without SNI (old Android/Java/IE on XP, scripts and monitors connecting by IP): "
          "ERR_CONNECTION_RESET / 'connection reset by peer'",
          "browsers that send the name: no error"},
         {"netsh http show sslcert   (only 'Hostname:port : {host}:{port}' entries, no 'IP:port : "
          "0.0.0.0:{port}' entry)",
          "IIS Manager > site > Bindings > https: 'Require Server Name Indication' is checked"},
         {"add a fallback binding: netsh http add sslcert ipport=0.0.0.0:{port} certhash={sha1} "
          "appid=" +
              std::string(kIisAppId),
          "or clear 'Require Server Name Indication' on one https binding for port {port}"},
         sni_required},
        {"binding.name_rejected",
         "S4",
         "The front end has no certificate for the name",
         {"Chrome: ERR_SSL_UNRECOGNIZED_NAME_ALERT or ERR_SSL_PROTOCOL_ERROR",
          "OpenSSL: 'tlsv1 unrecognized name' / 'internal error' alert"},
         {"the front end's (load balancer, CDN, reverse proxy) configuration for {host}"},
         {"configure a certificate for {host} on the front end (server_name / listener certificate "
          "/ SNI certificate list)"},
         name_rejected},
        {"protocol.no_shared_version",
         "S5",
         "No protocol version in common",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "OpenSSL: 'tlsv1 alert protocol version'"},
         {"reg query "
          "\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\" /s",
          "System event log, Schannel 36874 ('An TLS connection request was received from a remote "
          "client application, but none of the cipher suites/protocols supported by the client "
          "application are supported by the server')"},
         {"enable TLS 1.2 (and 1.3 where available) for the server role: Enabled=1, "
          "DisabledByDefault=0 under SCHANNEL\\Protocols\\TLS 1.2\\Server, then reboot"},
         no_shared_version},
        {"protocol.no_shared_cipher",
         "S5",
         "No cipher suite in common",
         {"Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "OpenSSL: 'sslv3 alert handshake failure'"},
         {"System event log, Schannel 36874 / 36888",
          "PowerShell: Get-TlsCipherSuite | Format-Table Name   (or the SSL Cipher Suite Order "
          "group policy)"},
         {"enable a suite modern clients offer, e.g. Enable-TlsCipherSuite -Name "
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), then "
          "reboot",
          "check that the certificate's key type (RSA/ECDSA) matches the enabled suites"},
         no_shared_cipher},
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
         {"System event log, Schannel 36870 / 36888 at the time of the probe",
          "certutil -verifystore my {sha1}   (the key provider: a legacy CSP key cannot sign "
          "RSA-PSS, which TLS 1.3 requires)"},
         {"re-import the certificate with its key into a CNG key storage provider (certutil "
          "-importpfx -csp \"Microsoft Software Key Storage Provider\" site.pfx), then rebind it",
          "or disable the affected version until the key is replaced"},
         handshake_broken},
        {"server.handshake_timeout",
         "S5",
         "The server never answers the ClientHello",
         {"Chrome: ERR_TIMED_OUT after a long wait", "OpenSSL: the handshake hangs"},
         {"netstat -anob | findstr :{port}   (which process owns port {port}?)",
          "a packet capture on the server: does the ClientHello arrive?"},
         {"if another service owns the port, move it; if a middlebox drops hellos, update or "
          "bypass it"},
         handshake_timeout},
        {"cert.wrong_certificate",
         "S4",
         "The certificate is for another name",
         {"Chrome: ERR_CERT_COMMON_NAME_INVALID", "Windows: CERT_E_CN_NO_MATCH (0x800B010F)",
          "OpenSSL: verify error 62 (hostname mismatch)"},
         {"netsh http show sslcert hostnameport={host}:{port} and netsh http show sslcert "
          "ipport=0.0.0.0:{port}: compare Certificate Hash with the served thumbprint {sha1}",
          "IIS Manager > site > Bindings > https: which certificate is selected?"},
         {"bind the certificate issued for {host}: netsh http delete sslcert "
          "ipport=0.0.0.0:{port}, then netsh http add sslcert ipport=0.0.0.0:{port} "
          "certhash=<thumbprint of the {host} certificate> appid=" +
              std::string(kIisAppId) +
              " (for an SNI binding use hostnameport={host}:{port} certstorename=MY)",
          "or issue a certificate whose Subject Alternative Names include {host}"},
         wrong_certificate},
        {"cert.expired",
         "",
         "The certificate has expired or is not valid yet",
         {"Chrome: ERR_CERT_DATE_INVALID", "Windows: CERT_E_EXPIRED (0x800B0101)",
          "OpenSSL: verify error 10 (expired) / 9 (not yet valid)"},
         {"certutil -store my {sha1}   (NotAfter / NotBefore)",
          "the server's clock, if the dates look right"},
         {"renew the certificate, import it with its private key, and bind the new thumbprint: "
          "netsh http delete sslcert ipport=0.0.0.0:{port}, then netsh http add sslcert "
          "ipport=0.0.0.0:{port} certhash=<new thumbprint> appid=" +
          std::string(kIisAppId)},
         expired},
        {"chain.untrusted_root",
         "S2",
         "The chain ends in an untrusted root",
         {"Chrome: ERR_CERT_AUTHORITY_INVALID", "Windows: CERT_E_UNTRUSTEDROOT (0x800B0109)",
          "OpenSSL: verify error 19 (self-signed certificate in chain) / 18"},
         {"certutil -verify <exported .cer>   (on a client machine: 'A certificate chain "
          "processed, but terminated in a root certificate which is not trusted')"},
         {"use a certificate from a publicly trusted CA, or, for a private CA, deploy its root to "
          "every client's Trusted Root Certification Authorities (group policy)"},
         untrusted_root},
        {"chain.incomplete",
         "S2",
         "The intermediate certificate is not sent",
         {"Chrome: ERR_CERT_AUTHORITY_INVALID (on clients that have not cached the intermediate)",
          "Windows: CERT_E_CHAINING (0x800B010A)",
          "OpenSSL: verify error 20 (unable to get local issuer certificate) / 21"},
         {"certutil -verify on the server, or the certificate's Certification Path tab: the "
          "intermediate '{issuer}' is missing",
          "certlm.msc > Intermediate Certification Authorities: is '{issuer}' there?"},
         {"import the intermediate CA certificate '{issuer}' into the computer's Intermediate "
          "Certification Authorities store (certutil -addstore CA intermediate.cer); HTTP.sys then "
          "sends it",
          "for a non-Windows server: append the intermediate to the certificate file (leaf first, "
          "then the intermediate)"},
         incomplete},
        {"cert.no_server_auth_eku",
         "S2",
         "The certificate lacks the Server Authentication EKU",
         {"Chrome: ERR_CERT_INVALID", "Windows: CERT_E_WRONG_USAGE (0x800B0110)",
          "OpenSSL: verify error 26 (unsupported certificate purpose)"},
         {"certutil -v -store my {sha1}   (Enhanced Key Usage lists Client Authentication only)",
          "certificate > Details > Enhanced Key Usage"},
         {"reissue the certificate from a Web Server template (Enhanced Key Usage: Server "
          "Authentication, 1.3.6.1.5.5.7.3.1) and bind the new thumbprint to port {port}"},
         no_server_auth_eku},
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
         leaf_not_first},
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
         no_san},
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
         expired_intermediate},
        {"cert.weak_signature",
         "",
         "A certificate in the chain is signed with SHA-1",
         {"Chrome: ERR_CERT_WEAK_SIGNATURE_ALGORITHM", "Windows: SHA-1 chains are refused for TLS"},
         {"openssl s_client -connect {address} -servername {host} -showcerts | openssl x509 "
          "-noout -text   (Signature Algorithm of each certificate)"},
         {"reissue the certificate with SHA-256, and serve the CA's SHA-256 intermediate instead "
          "of a SHA-1 one"},
         weak_signature_chain},
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
         sni_wrong_certificate},
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
         default_certificate_differs},
    };
    return table;
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
            fmt::arg("serve_order", chain.serve_order), fmt::arg("no_sni_sha1", chain.no_sni_sha1));
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
        for (auto t : rule.confirm) d.confirm.push_back(fill(t, facts));
        for (auto t : rule.fix) d.fix.push_back(fill(t, facts));
        out.push_back(std::move(d));
    }
    std::stable_sort(out.begin(), out.end(), [](const Diagnosis& a, const Diagnosis& b) {
        return a.confidence > b.confidence;
    });
    return out;
}

}  // namespace tlsprobe::judge
