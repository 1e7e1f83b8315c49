#include "judge/policy_rules.hpp"

#include <algorithm>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/alert.hpp"
#include "probe/checks/clients.hpp"
#include "probe/checks/http_headers.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/renegotiation.hpp"
#include "probe/checks/revocation.hpp"
#include "wire/cipher_suites.hpp"

namespace tlsprobe::judge {

using core::Version;
using probe::TargetResult;
using probe::VersionResult;
namespace {

using core::Version;

RuleResult make(std::string_view id) {
    RuleResult r;
    r.id = std::string(id);
    if (const auto* k = find_rule_kind(id)) r.title = std::string(k->title);
    return r;
}

RuleResult not_applicable(RuleResult r, std::string reason) {
    r.status = RuleStatus::not_applicable;
    if (r.actual.empty()) r.actual = "not evaluated";
    r.evidence.push_back(std::move(reason));
    return r;
}

// "TLS 1.0: accepted (TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)", "SSL 3.0: not tested (...)".
std::string version_line(const VersionResult& v) {
    const auto name = core::display_name(v.version);
    if (v.supported == true)
        return fmt::format("{}: accepted{}", name,
                           v.cipher.empty() ? "" : fmt::format(" ({})", v.cipher));
    std::string how(core::to_string(v.status));
    if (v.alert) how = fmt::format("alert {} ({})", core::alert_name(*v.alert), *v.alert);
    if (v.supported == false) return fmt::format("{}: refused, {}", name, how);
    if (v.status == core::Status::local_unsupported)
        return fmt::format("{}: not tested (this machine's TLS library cannot offer it)", name);
    return fmt::format("{}: unknown ({})", name, how);
}

// Versions in `which` must all be refused: fail on any accepted, n/a when any is unknown.
RuleResult versions_refused(RuleResult r, const TargetResult& t,
                            const std::vector<Version>& which) {
    std::vector<std::string> accepted, unknown;
    for (auto v : which) {
        const auto& vr = t.version(v);
        r.evidence.push_back(version_line(vr));
        if (vr.supported == true) accepted.push_back(std::string(core::display_name(v)));
        else if (!vr.supported) unknown.push_back(std::string(core::display_name(v)));
        r.versions.emplace_back(v, vr.supported == true    ? RuleStatus::fail
                                   : vr.supported == false ? RuleStatus::pass
                                                           : RuleStatus::not_applicable);
    }
    if (!accepted.empty()) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("{} accepted", fmt::join(accepted, ", "));
    } else if (!unknown.empty()) {
        r.status = RuleStatus::not_applicable;
        r.actual = fmt::format("{} not tested", fmt::join(unknown, ", "));
    } else {
        r.status = RuleStatus::pass;
        r.actual = "all refused";
    }
    return r;
}

std::vector<Version> versions_where(auto pred) {
    std::vector<Version> out;
    for (auto v : core::all_versions)
        if (pred(v)) out.push_back(v);
    return out;
}

const wire::CipherSuite* lookup_suite(std::string_view name) {
    if (const auto* cs = wire::find_cipher_suite_by_iana_name(name)) return cs;
    return wire::find_cipher_suite_by_openssl_name(name);
}

bool in_class(const wire::CipherSuite& cs, std::string_view cls) {
    if (cls == "insecure") return cs.strength == wire::Strength::insecure;
    if (cls == "weak") return cs.strength == wire::Strength::weak;
    if (cls == "NULL") return cs.enc == wire::Encryption::null;
    if (cls == "EXPORT") return cs.export_grade;
    if (cls == "RC4") return cs.enc == wire::Encryption::rc4;
    if (cls == "DES") return cs.enc == wire::Encryption::des_cbc;
    if (cls == "3DES") return cs.enc == wire::Encryption::triple_des_cbc;
    if (cls == "anon") return cs.auth == wire::Authentication::anon;
    return false;
}

// The suites this run saw accepted, per version, and whether that is every accepted suite.
struct SeenSuite {
    Version version;
    std::string name;
    const wire::CipherSuite* suite;  // nullptr when the registry does not know it
    std::optional<wire::Strength>
        strength;  // nullopt when neither the registry nor the enumeration knows it
    bool forward_secrecy;
};
struct CipherEvidence {
    std::vector<SeenSuite> suites;
    std::vector<std::string> missing;  // why the list may be incomplete, one line per version
};

CipherEvidence cipher_evidence(const TargetResult& t) {
    CipherEvidence e;
    for (const auto& vr : t.versions) {
        if (vr.supported == false) continue;
        const auto name = core::display_name(vr.version);
        if (!vr.supported) {
            if (vr.status == core::Status::local_unsupported)
                e.missing.push_back(fmt::format(
                    "{}: not tested (this machine's TLS library cannot offer it)", name));
            else
                e.missing.push_back(
                    fmt::format("{}: support unknown ({})", name, core::to_string(vr.status)));
            continue;
        }
        if (vr.ciphers_enumerated) {
            for (const auto& c : vr.ciphers) {
                const auto* cs = wire::find_cipher_suite(c.code);
                e.suites.push_back({vr.version, c.name, cs, c.strength,
                                    cs ? cs->forward_secrecy : c.forward_secrecy});
            }
            continue;
        }
        e.missing.push_back(fmt::format(
            "{}: cipher enumeration was not run (only the negotiated suite is known)", name));
        if (!vr.cipher.empty()) {
            const auto* cs = lookup_suite(vr.cipher);
            e.suites.push_back({vr.version, vr.cipher, cs,
                                cs ? std::optional(cs->strength) : std::nullopt,
                                cs ? cs->forward_secrecy : vr.version == Version::tls1_3});
        }
    }
    return e;
}

// Common tail of the two cipher rules: fail on offenders, n/a when the list is incomplete.
RuleResult conclude_ciphers(RuleResult r, const CipherEvidence& e,
                            const std::vector<std::string>& offenders, std::string_view what) {
    if (!offenders.empty()) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("{} accepted {}", offenders.size(), what);
        r.evidence.insert(r.evidence.end(), offenders.begin(), offenders.end());
    } else if (!e.missing.empty()) {
        r.status = RuleStatus::not_applicable;
        r.actual = fmt::format("no {} among the {} suites seen; cipher enumeration was not run",
                               what, e.suites.size());
        r.evidence.insert(r.evidence.end(), e.missing.begin(), e.missing.end());
    } else {
        r.status = RuleStatus::pass;
        r.actual = fmt::format("none of the {} accepted suites", e.suites.size());
    }
    return r;
}

RuleResult rule_forbidden_ciphers(const Policy& p, const TargetResult& t) {
    auto r = make("cipher.forbidden");
    r.expected = fmt::format("no suite in: {}", fmt::join(p.forbidden_ciphers, ", "));
    const auto e = cipher_evidence(t);
    std::vector<std::string> offenders;
    for (const auto& s : e.suites) {
        std::vector<std::string> classes;
        for (const auto& cls : p.forbidden_ciphers) {
            const bool hit = s.suite ? in_class(*s.suite, cls)
                                     : (s.strength && cls == wire::to_string(*s.strength));
            if (hit) classes.push_back(cls);
        }
        if (!classes.empty())
            offenders.push_back(fmt::format("{}: {} ({})", core::display_name(s.version), s.name,
                                            fmt::join(classes, ", ")));
    }
    return conclude_ciphers(std::move(r), e, offenders, "forbidden suite(s)");
}

RuleResult rule_forward_secrecy(const TargetResult& t) {
    auto r = make("cipher.forward_secrecy");
    r.expected = "every accepted suite uses an ephemeral key exchange ((EC)DHE, TLS 1.3)";
    const auto e = cipher_evidence(t);
    std::vector<std::string> offenders;
    for (const auto& s : e.suites)
        if (!s.forward_secrecy)
            offenders.push_back(
                fmt::format("{}: {} (no forward secrecy)", core::display_name(s.version), s.name));
    return conclude_ciphers(std::move(r), e, offenders, "suite(s) without forward secrecy");
}

// The chain rules need a chain; without one the handshake rule has already failed.
const x509::ChainReport* chain_or_reason(const TargetResult& t, RuleResult& r) {
    if (t.chain && !t.chain->certificates.empty()) return &*t.chain;
    r = not_applicable(std::move(r), "no certificate was received (no handshake completed)");
    return nullptr;
}

using x509::ChainProblemKind;

void add_problems(RuleResult& r, const x509::ChainReport& c,
                  std::initializer_list<ChainProblemKind> kinds) {
    for (const auto& p : c.problems)
        if (std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end())
            r.evidence.push_back(fmt::format("{}: {}", x509::to_string(p.kind), p.detail));
}

RuleResult rule_chain_complete(const TargetResult& t) {
    auto r = make("chain.complete");
    r.expected = "every intermediate up to a root is served";
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const bool incomplete =
        c->has(ChainProblemKind::missing_intermediate) || c->has(ChainProblemKind::empty);
    r.status = incomplete ? RuleStatus::fail : RuleStatus::pass;
    r.actual = incomplete
                   ? "intermediate missing"
                   : fmt::format("{} certificate(s) served, path complete", c->certificates.size());
    add_problems(r, *c, {ChainProblemKind::missing_intermediate, ChainProblemKind::empty});
    return r;
}

// X509_verify_cert builds and anchors the path before it checks purpose and dates
// (OpenSSL verify_chain: build_chain, then check_extensions, then internal_verify), so these
// errors mean the path was trusted; other rules (cert.server_auth_eku, cert.validity) own them.
bool error_after_trust(int verify_error) {
    return verify_error == 9 /* not yet valid */ || verify_error == 10 /* expired */ ||
           verify_error == 26 /* invalid purpose */;
}

RuleResult rule_chain_trusted(const Policy& p, const TargetResult& t) {
    auto r = make("chain.trusted");
    r.expected = p.ca_file.empty() ? "ends in a root of the trust store"
                                   : fmt::format("ends in a root from {}", p.ca_file);
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    if (c->has(ChainProblemKind::missing_intermediate) && p.chain_complete)
        return not_applicable(std::move(r),
                              "the chain is incomplete (see chain.complete): trust cannot be "
                              "judged without the missing intermediate");
    const bool no_anchor = c->has(ChainProblemKind::untrusted_root) ||
                           c->has(ChainProblemKind::self_signed) ||
                           c->has(ChainProblemKind::missing_intermediate);
    const bool trusted = !no_anchor && (c->trusted || error_after_trust(c->verify_error));
    r.status = trusted ? RuleStatus::pass : RuleStatus::fail;
    r.actual = trusted ? "trusted"
                       : fmt::format("not trusted: {}", c->verify_error_text.empty()
                                                            ? "no trusted anchor"
                                                            : c->verify_error_text);
    if (!c->path.empty()) {
        std::vector<std::string_view> subjects;
        for (const auto& e : c->path) subjects.push_back(e.subject);
        r.evidence.push_back(fmt::format("path: {}", fmt::join(subjects, " -> ")));
    }
    if (!trusted && c->verify_error)
        r.evidence.push_back(
            fmt::format("OpenSSL verify error {}: {}", c->verify_error, c->verify_error_text));
    add_problems(r, *c,
                 {ChainProblemKind::untrusted_root, ChainProblemKind::self_signed,
                  ChainProblemKind::missing_intermediate, ChainProblemKind::verify_failed});
    return r;
}

RuleResult rule_chain_ordered(const TargetResult& t) {
    auto r = make("chain.ordered");
    r.expected = "leaf first, each certificate signed by the next";
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const bool reversed = c->has(ChainProblemKind::leaf_not_first);
    const bool bad = reversed || c->has(ChainProblemKind::misordered);
    r.status = bad ? RuleStatus::fail : RuleStatus::pass;
    r.actual = reversed ? "a CA certificate first, the leaf later"
               : bad    ? "misordered"
                        : "in order";
    add_problems(r, *c, {ChainProblemKind::leaf_not_first, ChainProblemKind::misordered});
    return r;
}

RuleResult rule_server_auth(const TargetResult& t) {
    auto r = make("cert.server_auth_eku");
    r.expected = "leaf EKU contains serverAuth (or has no EKU extension)";
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const auto& leaf = *c->leaf_certificate();
    const bool ok = x509::has_server_auth_eku(leaf);
    r.status = ok ? RuleStatus::pass : RuleStatus::fail;
    r.actual = leaf.eku ? fmt::format("EKU {}", fmt::join(*leaf.eku, ", ")) : "no EKU extension";
    add_problems(r, *c, {ChainProblemKind::no_server_auth_eku});
    return r;
}

RuleResult rule_hostname(const TargetResult& t) {
    auto r = make("cert.hostname");
    r.expected = fmt::format("the leaf covers {} in its SAN", t.target.host);
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const auto& leaf = *c->leaf_certificate();
    r.evidence.push_back(
        fmt::format("SAN DNS: {}; SAN IP: {}",
                    leaf.san_dns.empty() ? "-" : fmt::format("{}", fmt::join(leaf.san_dns, ", ")),
                    leaf.san_ip.empty() ? "-" : fmt::format("{}", fmt::join(leaf.san_ip, ", "))));
    switch (c->hostname) {
        case x509::HostnameMatch::match:
            r.status = RuleStatus::pass;
            r.actual = "covered";
            break;
        case x509::HostnameMatch::match_cn_fallback:
            r.status = RuleStatus::fail;
            r.actual = "only the subject CN matches; browsers require a SAN entry (Chrome 58+)";
            break;
        case x509::HostnameMatch::mismatch:
            r.status = RuleStatus::fail;
            r.actual = "not covered";
            break;
        case x509::HostnameMatch::not_checked:
            return not_applicable(std::move(r), "the host name was not checked");
    }
    return r;
}

RuleResult rule_names(const Policy& p, const TargetResult& t) {
    auto r = make("cert.names");
    r.expected = fmt::format("the leaf covers {}", fmt::join(p.names, ", "));
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    std::vector<std::string> missing;
    for (const auto& name : p.names) {
        const auto m = x509::match_hostname(*c->leaf_certificate(), name);
        r.evidence.push_back(fmt::format("{}: {}", name, x509::to_string(m)));
        if (m != x509::HostnameMatch::match) missing.push_back(name);
    }
    r.status = missing.empty() ? RuleStatus::pass : RuleStatus::fail;
    r.actual =
        missing.empty() ? "all covered" : fmt::format("not covered: {}", fmt::join(missing, ", "));
    return r;
}

RuleResult rule_validity(const Policy& p, const TargetResult& t) {
    auto r = make("cert.validity");
    r.expected = fmt::format("valid now and for at least {} more days", *p.min_days_left);
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const auto& leaf = *c->leaf_certificate();
    const auto days_left =
        std::chrono::floor<std::chrono::days>(leaf.not_after - t.started).count();
    // An expired intermediate on the only path is as fatal as an expired leaf; one the verified
    // path avoids (the DST Root CA X3 shape) is not a validity failure.
    const bool intermediate = c->has(ChainProblemKind::expired_intermediate) && !c->trusted;
    const bool dated = c->has(ChainProblemKind::expired) ||
                       c->has(ChainProblemKind::not_yet_valid) || intermediate;
    auto date = [](std::chrono::sys_seconds tp) {
        return fmt::format("{:%Y-%m-%d}", fmt::gmtime(std::chrono::system_clock::to_time_t(tp)));
    };
    r.evidence.push_back(
        fmt::format("leaf valid {} .. {}", date(leaf.not_before), date(leaf.not_after)));
    add_problems(r, *c,
                 {ChainProblemKind::expired, ChainProblemKind::not_yet_valid,
                  ChainProblemKind::expired_intermediate});
    if (dated) {
        r.status = RuleStatus::fail;
        r.actual = c->has(ChainProblemKind::expired) ? "expired"
                   : c->has(ChainProblemKind::not_yet_valid)
                       ? "not yet valid"
                       : "an intermediate on the path expired";
    } else if (days_left < *p.min_days_left) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("{} days left", days_left);
    } else {
        r.status = RuleStatus::pass;
        r.actual = fmt::format("{} days left", days_left);
    }
    return r;
}

RuleResult rule_key_bits(const Policy& p, const TargetResult& t) {
    auto r = make("cert.min_key_bits");
    std::vector<std::string> want;
    if (p.min_rsa_bits) want.push_back(fmt::format("RSA/DSA >= {} bits", *p.min_rsa_bits));
    if (p.min_ec_bits) want.push_back(fmt::format("EC >= {} bits", *p.min_ec_bits));
    r.expected = fmt::format("leaf key {}", fmt::join(want, ", "));
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    const auto& leaf = *c->leaf_certificate();
    r.actual = leaf.curve.empty()
                   ? fmt::format("{} {}", leaf.key_type, leaf.key_bits)
                   : fmt::format("{} {} ({})", leaf.key_type, leaf.key_bits, leaf.curve);
    std::optional<int> minimum;
    if (leaf.key_type == "RSA" || leaf.key_type == "RSA-PSS" || leaf.key_type == "DSA")
        minimum = p.min_rsa_bits;
    else if (leaf.key_type == "EC") minimum = p.min_ec_bits;
    else if (leaf.key_type == "Ed25519" || leaf.key_type == "Ed448")
        minimum = 0;  // fixed-size, 128/224-bit security
    if (!minimum)
        return not_applicable(std::move(r),
                              fmt::format("no minimum set for {} keys", leaf.key_type));
    r.status = leaf.key_bits >= *minimum ? RuleStatus::pass : RuleStatus::fail;
    return r;
}

RuleResult rule_no_sha1(const TargetResult& t) {
    auto r = make("cert.no_sha1");
    r.expected = "no SHA-1 or MD5 signature on the leaf or an intermediate";
    const auto* c = chain_or_reason(t, r);
    if (!c) return r;
    std::vector<std::string> weak;
    for (const auto& cert : c->certificates) {
        if (cert.self_signed) continue;  // an anchor's own signature is never checked
        if (cert.signature_digest == "SHA1" || cert.signature_digest == "MD5")
            weak.push_back(fmt::format("{}: {}", cert.subject, cert.signature_algorithm));
    }
    r.status = weak.empty() ? RuleStatus::pass : RuleStatus::fail;
    r.actual =
        weak.empty() ? "none" : fmt::format("{} certificate(s) signed with SHA-1/MD5", weak.size());
    r.evidence = weak;
    return r;
}

RuleResult rule_no_sni(const Policy& p, const TargetResult& t) {
    auto r = make("sni.no_sni");
    const bool want_same = p.no_sni == NoSniBehaviour::same_certificate;
    r.expected = want_same ? "a client without SNI gets the same certificate"
                           : "a client without SNI is refused";
    const auto* probe = t.probe(probe::AttemptKind::no_sni);
    if (!probe) return not_applicable(std::move(r), "the no-SNI probe was not run");
    const auto& o = probe->observation;
    const bool negotiated = o.status == core::Status::negotiated;
    r.evidence.push_back(fmt::format("no-SNI handshake: {}{}", core::to_string(o.status),
                                     o.detail.empty() ? "" : ": " + o.detail));
    if (!want_same) {
        r.status = negotiated ? RuleStatus::fail : RuleStatus::pass;
        r.actual = negotiated ? "the handshake completed"
                              : fmt::format("refused ({})", core::to_string(o.status));
        return r;
    }
    if (!negotiated) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("no handshake ({})", core::to_string(o.status));
        return r;
    }
    const auto* leaf = t.chain ? t.chain->leaf_certificate() : nullptr;
    if (!leaf || o.chain.empty())
        return not_applicable(std::move(r), "no certificate to compare with");
    const bool same = o.chain.front() == leaf->der;
    r.status = same ? RuleStatus::pass : RuleStatus::fail;
    r.actual = same ? "same certificate" : "another certificate";
    if (!same) {
        if (const auto other = x509::parse_certificate(o.chain.front()))
            r.evidence.push_back(
                fmt::format("no-SNI client got '{}' (SHA-1 {})", other->subject, other->sha1_hex));
        r.evidence.push_back(
            fmt::format("named client got '{}' (SHA-1 {})", leaf->subject, leaf->sha1_hex));
    }
    return r;
}

RuleResult rule_http(const TargetResult& t) {
    auto r = make("http.reachable");
    r.expected = "plain HTTP answers";
    if (!t.http) return not_applicable(std::move(r), "the plain-HTTP check was not run");
    const auto& h = *t.http;
    const bool ok = h.status == engine::HttpStatus::answered && h.http_status > 0;
    r.status = ok ? RuleStatus::pass : RuleStatus::fail;
    r.actual = ok ? fmt::format("port {}: {}", h.port, h.status_line)
                  : fmt::format("port {}: {}", h.port, engine::to_string(h.status));
    if (!h.detail.empty()) r.evidence.push_back(h.detail);
    return r;
}

// http.hsts: the HTTP-over-TLS check (probe/checks/http_headers.hpp) saw HSTS, long enough.
RuleResult rule_hsts(const Policy& p, const TargetResult& t) {
    auto r = make("http.hsts");
    const auto days = static_cast<std::uint64_t>(*p.hsts_min_days);
    r.expected = fmt::format("Strict-Transport-Security with max-age >= {} days", days);
    const probe::checks::HttpHeadersResult* http = nullptr;
    for (const auto& c : t.checks)
        if (const auto* h = dynamic_cast<const probe::checks::HttpHeadersResult*>(c.get())) http = h;
    if (!http) return not_applicable(std::move(r), "the http check (HTTP over TLS) was not run");
    if (!http->head.complete)
        return not_applicable(std::move(r), http->text().front());
    r.evidence.push_back(fmt::format("{}: {}", http->request, http->head.status_line));
    if (!http->hsts) {
        r.status = RuleStatus::fail;
        r.actual = "no Strict-Transport-Security header";
    } else if (!http->hsts->max_age) {
        r.status = RuleStatus::fail;
        r.actual = "Strict-Transport-Security without a valid max-age: " + http->hsts->value;
    } else {
        const auto age = *http->hsts->max_age;
        r.status = age >= days * 86400 ? RuleStatus::pass : RuleStatus::fail;
        r.actual = fmt::format("max-age={} ({} days)", age, age / 86400);
        r.evidence.push_back("Strict-Transport-Security: " + http->hsts->value);
    }
    return r;
}

// revocation.good: the revocation check (probe/checks/revocation.hpp) has a verified answer
// saying the leaf is not revoked; revoked, unknown, invalid and unreachable answers fail.
RuleResult rule_revocation(const TargetResult& t) {
    auto r = make("revocation.good");
    r.expected = "a verified OCSP answer or CRL says the certificate is not revoked";
    const probe::checks::RevocationResult* rev = nullptr;
    for (const auto& c : t.checks)
        if (const auto* x = dynamic_cast<const probe::checks::RevocationResult*>(c.get())) rev = x;
    if (!rev) return not_applicable(std::move(r), "the revocation check was not run");
    using probe::checks::RevocationStatus;
    if (rev->status == RevocationStatus::no_url || rev->status == RevocationStatus::not_fetched ||
        rev->status == RevocationStatus::no_issuer)
        return not_applicable(std::move(r), rev->text().front());
    r.status = rev->status == RevocationStatus::good ? RuleStatus::pass : RuleStatus::fail;
    r.actual = std::string(probe::checks::to_string(rev->status));
    for (const auto& line : rev->text()) r.evidence.push_back(line);
    return r;
}

RuleResult rule_handshake(const TargetResult& t) {
    auto r = make("tls.handshake");
    r.expected = "at least one TLS handshake completes";
    const bool ok = t.facts.works;
    r.status = ok ? RuleStatus::pass : RuleStatus::fail;
    r.actual = ok ? "negotiated" : "no handshake completed";
    for (const auto& vr : t.versions) r.evidence.push_back(version_line(vr));
    return r;
}

RuleResult rule_min_version(const Policy& p, const TargetResult& t) {
    auto r = make("protocol.min_version");
    r.expected = fmt::format("{} or newer only", core::display_name(*p.min_version));
    return versions_refused(std::move(r), t,
                            versions_where([&](Version v) { return v < *p.min_version; }));
}

RuleResult rule_max_version(const Policy& p, const TargetResult& t) {
    auto r = make("protocol.max_version");
    r.expected = fmt::format("{} or older only", core::display_name(*p.max_version));
    return versions_refused(std::move(r), t,
                            versions_where([&](Version v) { return v > *p.max_version; }));
}

RuleResult rule_modern_version(const TargetResult& t) {
    auto r = make("protocol.modern_version");
    r.expected = "TLS 1.2 or TLS 1.3 accepted";
    if (!t.facts.works)  // tls.handshake fails already; one failure, one rule
        return not_applicable(std::move(r), "no handshake completed");
    for (auto v : {Version::tls1_2, Version::tls1_3})
        r.evidence.push_back(version_line(t.version(v)));
    if (t.facts.modern_version) {
        r.status = RuleStatus::pass;
        r.actual = "accepted";
        for (auto v : {Version::tls1_2, Version::tls1_3})
            if (t.version(v).supported == true) r.versions.emplace_back(v, RuleStatus::pass);
        return r;
    }
    const bool unknown = !t.version(Version::tls1_2).supported.has_value() &&
                         !t.version(Version::tls1_3).supported.has_value();
    if (unknown) return not_applicable(std::move(r), "TLS 1.2 and 1.3 could not be tested");
    for (auto v : {Version::tls1_2, Version::tls1_3})
        if (t.version(v).supported == false) r.versions.emplace_back(v, RuleStatus::fail);
    r.status = RuleStatus::fail;
    r.actual = "neither accepted";
    return r;
}

RuleResult rule_forbidden_versions(const Policy& p, const TargetResult& t) {
    auto r = make("protocol.forbidden_versions");
    std::vector<std::string_view> names;
    for (auto v : p.forbidden_versions) names.push_back(core::display_name(v));
    r.expected = fmt::format("refused: {}", fmt::join(names, ", "));
    return versions_refused(std::move(r), t, p.forbidden_versions);
}

RuleResult rule_diagnosis(const TargetResult& t) {
    auto r = make("diagnosis.empty");
    r.expected = "no server-side fault diagnosed";
    if (!t.diagnosed) return not_applicable(std::move(r), "the diagnosis was not run");
    r.status = t.diagnosis.empty() ? RuleStatus::pass : RuleStatus::fail;
    r.actual = t.diagnosis.empty() ? "none"
                                   : fmt::format("{} cause(s), first: {}", t.diagnosis.size(),
                                                 t.diagnosis.front().id);
    for (const auto& d : t.diagnosis) r.evidence.push_back(fmt::format("{}: {}", d.id, d.summary));
    return r;
}

RuleResult rule_severity(const Policy& p, const TargetResult& t) {
    auto r = make("findings.severity");
    const auto level = *p.fail_on_severity;
    r.expected = fmt::format("no finding of severity {} or worse", probe::to_string(level));
    if (!t.diagnosed) return not_applicable(std::move(r), "the findings were not derived");
    for (const auto& f : t.findings)
        if (f.severity >= level)
            r.evidence.push_back(
                fmt::format("{} ({}): {}", f.id, probe::to_string(f.severity), f.detail));
    r.status = r.evidence.empty() ? RuleStatus::pass : RuleStatus::fail;
    r.actual = r.evidence.empty() ? "none" : fmt::format("{} finding(s)", r.evidence.size());
    return r;
}

// clients.current_ok: no simulated current client fails. Not applicable when the client
// simulation did not run or had no data.
RuleResult rule_clients_current_ok(const TargetResult& t) {
    auto r = make("clients.current_ok");
    r.expected = "every current client connects";
    for (const auto& c : t.checks) {
        const auto* clients = dynamic_cast<const probe::checks::ClientsResult*>(c.get());
        if (!clients) continue;
        if (clients->clients.empty())
            return not_applicable(std::move(r), clients->note.empty() ? "no client simulated"
                                                                      : clients->note);
        for (const auto* f : clients->failing(true))
            r.evidence.push_back(fmt::format("{}: {}", f->name, f->detail));
        std::size_t current = 0;
        for (const auto& o : clients->clients) current += o.current ? 1 : 0;
        r.status = r.evidence.empty() ? RuleStatus::pass : RuleStatus::fail;
        r.actual = fmt::format("{} of {} current clients fail", r.evidence.size(), current);
        return r;
    }
    return not_applicable(std::move(r), "the client simulation did not run");
}

// trust.stores: each listed store trusts the analysed chain (TargetResult::trust). A store
// that is not installed cannot be judged: not applicable, naming it.
RuleResult rule_trust_stores(const Policy& p, const TargetResult& t) {
    auto r = make("trust.stores");
    r.expected = fmt::format("trusted by {}", fmt::join(p.trust_stores, ", "));
    if (t.trust.empty()) return not_applicable(std::move(r), "no chain was analysed");
    std::vector<std::string> missing, refused;
    for (const auto& name : p.trust_stores) {
        const auto it = std::find_if(t.trust.begin(), t.trust.end(),
                                     [&](const probe::StoreVerdict& v) { return v.store == name; });
        if (it == t.trust.end())
            missing.push_back(name);
        else if (!it->trusted)
            refused.push_back(fmt::format("{}: {}", name,
                                          it->problem.empty() ? it->error : it->problem));
    }
    if (!missing.empty())
        return not_applicable(std::move(r),
                              fmt::format("store not installed: {}", fmt::join(missing, ", ")));
    r.evidence = refused;
    r.status = refused.empty() ? RuleStatus::pass : RuleStatus::fail;
    r.actual = refused.empty() ? "trusted by each" : fmt::format("not trusted by {}", refused.size());
    return r;
}

// vuln.none: no vuln.* finding. Not applicable when no vulnerability check ran; a check
// that could not tell (status unknown) keeps a pass from being claimed.
RuleResult rule_no_vulnerabilities(const TargetResult& t) {
    auto r = make("vuln.none");
    r.expected = "no known vulnerability";
    if (!t.diagnosed) return not_applicable(std::move(r), "the findings were not derived");
    std::vector<std::string> unknown;
    bool ran = false;
    for (const auto& c : t.checks) {
        // The checks that raise vuln.* findings (probe/checks/).
        if (c->kind() != "vulnerabilities" && c->kind() != "hello_features" &&
            c->kind() != "heartbleed" && c->kind() != "ccs_injection" &&
            c->kind() != "robot" && c->kind() != "ticketbleed")
            continue;
        ran = true;
        const auto j = c->to_json();
        const auto note_unknown = [&](const nlohmann::json& item) {
            if (item.value("status", "") == "unknown")
                unknown.push_back(item.value("name", item.value("id", "")));
        };
        if (j.contains("items"))
            for (const auto& item : j["items"]) note_unknown(item);
        else
            note_unknown(j);
    }
    if (!ran) return not_applicable(std::move(r), "no vulnerability check ran");
    for (const auto& f : t.findings)
        if (f.id.rfind("vuln.", 0) == 0) r.evidence.push_back(fmt::format("{}: {}", f.id, f.detail));
    if (!r.evidence.empty()) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("{} vulnerabilit{}", r.evidence.size(),
                               r.evidence.size() == 1 ? "y" : "ies");
        return r;
    }
    if (!unknown.empty())
        return not_applicable(std::move(r), fmt::format("could not tell: {}", fmt::join(unknown, ", ")));
    r.status = RuleStatus::pass;
    r.actual = "none";
    return r;
}

// ocsp.stapled: the ocsp check (probe/checks/ocsp.hpp) got a stapled OCSP response that is
// successful, about the served certificate, says "good" and has not expired.
RuleResult rule_ocsp_stapled(const TargetResult& t) {
    auto r = make("ocsp.stapled");
    r.expected = "a stapled OCSP response: successful, good, not expired";
    const probe::checks::OcspResult* ocsp = nullptr;
    for (const auto& c : t.checks)
        if (const auto* o = dynamic_cast<const probe::checks::OcspResult*>(c.get())) ocsp = o;
    if (!ocsp) return not_applicable(std::move(r), "the ocsp check was not run");
    if (!ocsp->handshake)
        return not_applicable(std::move(r), "the status_request handshake failed: " + ocsp->detail);
    r.status = RuleStatus::fail;
    const auto& o = ocsp->response;
    if (!ocsp->stapled) {
        r.actual = "no OCSP response stapled";
    } else if (!o.parsed) {
        r.actual = "the stapled response does not parse: " + o.error;
    } else if (o.response_status != "successful") {
        r.actual = "responseStatus " + o.response_status;
    } else if (o.cert_status != "good") {
        r.actual = o.cert_status.empty() ? std::string("no certificate status")
                                         : "certificate status " + o.cert_status;
    } else if (ocsp->expired()) {
        r.actual = "good, but past its nextUpdate";
    } else {
        r.status = RuleStatus::pass;
        r.actual = "good";
    }
    for (const auto& line : ocsp->text()) r.evidence.push_back(line);
    return r;
}

// renegotiation.secure: the renegotiation check (probe/checks/renegotiation.hpp) saw RFC 5746
// secure renegotiation and no client-initiated renegotiation completed.
RuleResult rule_renegotiation_secure(const TargetResult& t) {
    auto r = make("renegotiation.secure");
    r.expected = "secure renegotiation (RFC 5746), client-initiated renegotiation refused";
    const probe::checks::RenegotiationResult* reneg = nullptr;
    for (const auto& c : t.checks)
        if (const auto* x = dynamic_cast<const probe::checks::RenegotiationResult*>(c.get()))
            reneg = x;
    if (!reneg)
        return not_applicable(std::move(r),
                              "the renegotiation check was not run (it needs TLS 1.2 or older)");
    if (!reneg->handshake)
        return not_applicable(std::move(r), "the handshake failed: " + reneg->handshake_detail);
    for (const auto& line : reneg->text()) r.evidence.push_back(line);
    if (!reneg->secure_renegotiation) {
        r.status = RuleStatus::fail;
        r.actual = "no secure renegotiation (RFC 5746)";
    } else if (reneg->accepted > 0) {
        r.status = RuleStatus::fail;
        r.actual = fmt::format("{} of {} client-initiated renegotiations completed",
                               reneg->accepted, reneg->attempted);
    } else {
        r.status = RuleStatus::pass;
        r.actual = "secure; client-initiated renegotiation refused";
    }
    return r;
}

}  // namespace

std::string_view to_string(RuleStatus s) {
    switch (s) {
        case RuleStatus::pass: return "pass";
        case RuleStatus::fail: return "fail";
        case RuleStatus::not_applicable: return "not_applicable";
    }
    return "not_applicable";
}

std::string_view to_string(CheckVerdict v) {
    switch (v) {
        case CheckVerdict::pass: return "pass";
        case CheckVerdict::fail: return "fail";
        case CheckVerdict::unreachable: return "unreachable";
    }
    return "fail";
}

const std::vector<RuleKind>& rule_kinds() {
    // Captureless lambdas: each row is plain data plus three function pointers.
    static const std::vector<RuleKind> kinds{
        {"tls.handshake", "A TLS handshake completes", [](const Policy&) { return true; }, nullptr,
         [](const Policy&, const TargetResult& t) { return rule_handshake(t); }},
        {"protocol.min_version", "No protocol version older than the minimum",
         [](const Policy& p) { return p.min_version.has_value(); },
         [](Policy& p) { p.min_version.reset(); }, rule_min_version},
        {"protocol.max_version", "No protocol version newer than the maximum",
         [](const Policy& p) { return p.max_version.has_value(); },
         [](Policy& p) { p.max_version.reset(); }, rule_max_version},
        {"protocol.modern_version", "TLS 1.2 or TLS 1.3 is accepted",
         [](const Policy& p) { return p.modern_version; },
         [](Policy& p) { p.modern_version = false; },
         [](const Policy&, const TargetResult& t) { return rule_modern_version(t); }},
        {"protocol.forbidden_versions", "Forbidden protocol versions are refused",
         [](const Policy& p) { return !p.forbidden_versions.empty(); },
         [](Policy& p) { p.forbidden_versions.clear(); }, rule_forbidden_versions},
        {"cipher.forbidden", "No forbidden cipher suite is accepted",
         [](const Policy& p) { return !p.forbidden_ciphers.empty(); },
         [](Policy& p) { p.forbidden_ciphers.clear(); }, rule_forbidden_ciphers},
        {"cipher.forward_secrecy", "Every cipher suite has forward secrecy",
         [](const Policy& p) { return p.forward_secrecy; },
         [](Policy& p) { p.forward_secrecy = false; },
         [](const Policy&, const TargetResult& t) { return rule_forward_secrecy(t); }},
        {"chain.complete", "The chain is complete",
         [](const Policy& p) { return p.chain_complete; },
         [](Policy& p) { p.chain_complete = false; },
         [](const Policy&, const TargetResult& t) { return rule_chain_complete(t); }},
        {"chain.trusted", "The chain is trusted", [](const Policy& p) { return p.chain_trusted; },
         [](Policy& p) { p.chain_trusted = false; }, rule_chain_trusted},
        {"chain.ordered", "The chain is in order", [](const Policy& p) { return p.chain_ordered; },
         [](Policy& p) { p.chain_ordered = false; },
         [](const Policy&, const TargetResult& t) { return rule_chain_ordered(t); }},
        {"cert.server_auth_eku", "The leaf may be used by a server (EKU)",
         [](const Policy& p) { return p.server_auth_eku; },
         [](Policy& p) { p.server_auth_eku = false; },
         [](const Policy&, const TargetResult& t) { return rule_server_auth(t); }},
        {"cert.hostname", "The leaf covers the host name",
         [](const Policy& p) { return p.hostname; }, [](Policy& p) { p.hostname = false; },
         [](const Policy&, const TargetResult& t) { return rule_hostname(t); }},
        {"cert.names", "The leaf covers the required names",
         [](const Policy& p) { return !p.names.empty(); }, [](Policy& p) { p.names.clear(); },
         rule_names},
        {"cert.validity", "The leaf is valid long enough",
         [](const Policy& p) { return p.min_days_left.has_value(); },
         [](Policy& p) { p.min_days_left.reset(); }, rule_validity},
        {"cert.min_key_bits", "The leaf key is large enough",
         [](const Policy& p) { return p.min_rsa_bits.has_value() || p.min_ec_bits.has_value(); },
         [](Policy& p) {
             p.min_rsa_bits.reset();
             p.min_ec_bits.reset();
         },
         rule_key_bits},
        {"cert.no_sha1", "No SHA-1 signatures", [](const Policy& p) { return p.no_sha1; },
         [](Policy& p) { p.no_sha1 = false; },
         [](const Policy&, const TargetResult& t) { return rule_no_sha1(t); }},
        {"sni.no_sni", "Clients without SNI get the intended answer",
         [](const Policy& p) { return p.no_sni != NoSniBehaviour::any; },
         [](Policy& p) { p.no_sni = NoSniBehaviour::any; }, rule_no_sni},
        {"http.reachable", "The site answers over plain HTTP",
         [](const Policy& p) { return p.http_reachable; },
         [](Policy& p) { p.http_reachable = false; },
         [](const Policy&, const TargetResult& t) { return rule_http(t); }},
        {"revocation.good", "The certificate is not revoked (OCSP or CRL, verified)",
         [](const Policy& p) { return p.revocation_good; },
         [](Policy& p) { p.revocation_good = false; },
         [](const Policy&, const TargetResult& t) { return rule_revocation(t); }},
        {"http.hsts", "HTTPS answers with HSTS, long enough",
         [](const Policy& p) { return p.hsts_min_days.has_value(); },
         [](Policy& p) { p.hsts_min_days.reset(); }, rule_hsts},
        {"diagnosis.empty", "No server-side fault diagnosed",
         [](const Policy& p) { return p.diagnosis_empty; },
         [](Policy& p) { p.diagnosis_empty = false; },
         [](const Policy&, const TargetResult& t) { return rule_diagnosis(t); }},
        {"findings.severity", "No finding at or above the severity limit",
         [](const Policy& p) { return p.fail_on_severity.has_value(); },
         [](Policy& p) { p.fail_on_severity.reset(); }, rule_severity},
        {"vuln.none", "No known vulnerability",
         [](const Policy& p) { return p.no_vulnerabilities; },
         [](Policy& p) { p.no_vulnerabilities = false; },
         [](const Policy&, const TargetResult& t) { return rule_no_vulnerabilities(t); }},
        {"ocsp.stapled", "An OCSP response saying good is stapled",
         [](const Policy& p) { return p.ocsp_stapled; }, [](Policy& p) { p.ocsp_stapled = false; },
         [](const Policy&, const TargetResult& t) { return rule_ocsp_stapled(t); }},
        {"renegotiation.secure", "Secure renegotiation, client-initiated refused",
         [](const Policy& p) { return p.renegotiation_secure; },
         [](Policy& p) { p.renegotiation_secure = false; },
         [](const Policy&, const TargetResult& t) { return rule_renegotiation_secure(t); }},
        {"clients.current_ok", "Every current client connects",
         [](const Policy& p) { return p.clients_current_ok; },
         [](Policy& p) { p.clients_current_ok = false; },
         [](const Policy&, const TargetResult& t) { return rule_clients_current_ok(t); }},
        {"trust.stores", "The chain is trusted by the required platform stores",
         [](const Policy& p) { return !p.trust_stores.empty(); },
         [](Policy& p) { p.trust_stores.clear(); }, rule_trust_stores},
    };
    return kinds;
}

const RuleKind* find_rule_kind(std::string_view id) {
    const auto& kinds = rule_kinds();
    const auto k =
        std::find_if(kinds.begin(), kinds.end(), [&](const RuleKind& rk) { return rk.id == id; });
    return k == kinds.end() ? nullptr : &*k;
}

std::vector<RuleResult> evaluate(const Policy& p, const TargetResult& t) {
    std::vector<RuleResult> out;
    for (const auto& kind : rule_kinds())
        if (kind.enabled(p)) out.push_back(kind.evaluate(p, t));

    if (!t.facts.reached) {
        // Nothing was observed: no rule may claim a verdict, and the gate exits 3.
        for (auto& r : out) {
            r.status = RuleStatus::not_applicable;
            r.actual = "target not reached";
            r.evidence = {
                "the target could not be reached (DNS failure, refused or connect timeout on every "
                "attempt)"};
        }
    }
    return out;
}

CheckVerdict verdict(const TargetCheck& check, bool strict) {
    if (check.result.verdict == probe::TargetVerdict::unreachable) return CheckVerdict::unreachable;
    for (const auto& r : check.rules)
        if (r.status == RuleStatus::fail || (strict && r.status == RuleStatus::not_applicable))
            return CheckVerdict::fail;
    return CheckVerdict::pass;
}

CheckExit check_exit_code(const CheckReport& report) {
    bool any_unreachable = report.targets.empty();
    for (const auto& t : report.targets) {
        const auto v = verdict(t, report.strict);
        if (v == CheckVerdict::fail) return CheckExit::fail;
        if (v == CheckVerdict::unreachable) any_unreachable = true;
    }
    return any_unreachable ? CheckExit::unreachable : CheckExit::pass;
}

CheckVerdict overall_verdict(const CheckReport& report) {
    switch (check_exit_code(report)) {
        case CheckExit::pass: return CheckVerdict::pass;
        case CheckExit::unreachable: return CheckVerdict::unreachable;
        default: return CheckVerdict::fail;
    }
}

void finish(CheckReport& report) {
    for (auto& t : report.targets) {
        t.verdict = verdict(t, report.strict);
        t.counts = count_rules(t.rules);
        t.versions = conclude_versions(t.rules);
    }
    report.exit = check_exit_code(report);
    report.verdict = overall_verdict(report);
}

RuleCounts count_rules(const std::vector<RuleResult>& rules) {
    RuleCounts c;
    for (const auto& r : rules) {
        if (r.status == RuleStatus::pass) ++c.pass;
        else if (r.status == RuleStatus::fail) ++c.fail;
        else ++c.not_applicable;
    }
    return c;
}

std::vector<VersionConclusion> conclude_versions(const std::vector<RuleResult>& rules) {
    std::vector<VersionConclusion> out;
    for (auto v : core::all_versions) {
        VersionConclusion c{v, RuleStatus::not_applicable, {}};
        for (auto want : {RuleStatus::fail, RuleStatus::pass}) {
            for (const auto& r : rules)
                for (const auto& [version, status] : r.versions)
                    if (version == v && status == want) c.rules.push_back(r.id);
            if (!c.rules.empty()) {
                c.status = want;
                break;
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace tlsprobe::judge
