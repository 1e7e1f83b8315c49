#include "x509/chain_analysis.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <ctime>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace tlsprobe::x509 {

// The registered ids. They are the JSON contract and the finding ids policies and users refer
// to: never rename one (ChainProblemKind documents each).
constexpr std::array<ChainProblemKindInfo, 25> kProblemKinds{{
    {ChainProblemKind::empty, "chain.empty"},
    {ChainProblemKind::unparsable, "chain.unparsable"},
    {ChainProblemKind::missing_intermediate, "chain.missing_intermediate"},
    {ChainProblemKind::misordered, "chain.misordered"},
    {ChainProblemKind::extra_certificates, "chain.extra_certificates"},
    {ChainProblemKind::root_sent, "chain.root_sent"},
    {ChainProblemKind::untrusted_root, "chain.untrusted_root"},
    {ChainProblemKind::self_signed, "chain.self_signed"},
    {ChainProblemKind::ca_without_basic_constraints, "chain.ca_without_basic_constraints"},
    {ChainProblemKind::expired, "cert.expired"},
    {ChainProblemKind::not_yet_valid, "cert.not_yet_valid"},
    {ChainProblemKind::expires_soon, "cert.expires_soon"},
    {ChainProblemKind::hostname_mismatch, "cert.hostname_mismatch"},
    {ChainProblemKind::no_server_auth_eku, "cert.no_server_auth_eku"},
    {ChainProblemKind::key_usage_incompatible, "cert.key_usage_incompatible"},
    {ChainProblemKind::weak_key, "cert.weak_key"},
    {ChainProblemKind::weak_signature, "cert.weak_signature"},
    {ChainProblemKind::verify_failed, "chain.verify_failed"},
    {ChainProblemKind::leaf_not_first, "chain.leaf_not_first"},
    {ChainProblemKind::no_san, "cert.no_san"},
    {ChainProblemKind::expired_intermediate, "chain.expired_intermediate"},
    {ChainProblemKind::intermediate_expires_soon, "chain.intermediate_expires_soon"},
    {ChainProblemKind::duplicate_certificate, "chain.duplicate_certificate"},
    {ChainProblemKind::path_length_exceeded, "chain.path_length_exceeded"},
    {ChainProblemKind::name_constraints_violated, "chain.name_constraints_violated"},
}};

// Every kind is registered, once, at the position of its value (so to_string is an index).
constexpr bool registered_in_order() {
    for (std::size_t i = 0; i < kProblemKinds.size(); ++i)
        if (static_cast<std::size_t>(kProblemKinds[i].kind) != i) return false;
    return static_cast<std::size_t>(ChainProblemKind::name_constraints_violated) + 1 ==
           kProblemKinds.size();
}
static_assert(registered_in_order(),
              "kProblemKinds must list every ChainProblemKind in declaration order");

namespace {

struct Parsed {
    X509Ptr x;
    CertificateInfo info;
};

struct CtxDeleter {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct BorrowedStackDeleter {  // the stack holds pointers owned by `Parsed`, not references
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

// `issuer` issued `subject`: names, key identifiers and keyUsage agree (OpenSSL's own test
// while building paths; the signature itself is checked by X509_verify_cert).
bool issued(X509* issuer, X509* subject) {
    return issuer != subject && X509_check_issued(issuer, subject) == X509_V_OK;
}

// The certificate that should be the leaf: the one that issued none of the others, preferring
// a non-CA and then served order. Clients do not search for it (they take the first served
// certificate); it names what a reversed chain should have sent first.
std::size_t intended_leaf(const std::vector<Parsed>& certs) {
    std::optional<std::size_t> any_candidate;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        const bool issues_another = std::any_of(
            certs.begin(), certs.end(),
            [&](const Parsed& other) { return issued(certs[i].x.get(), other.x.get()); });
        if (issues_another) continue;
        if (!certs[i].info.is_ca) return i;
        if (!any_candidate) any_candidate = i;
    }
    return any_candidate.value_or(0);
}

struct Verification {
    bool ok = false;
    int error = X509_V_ERR_UNSPECIFIED;  // stays so only if OpenSSL could not even start
    int depth = 0;
    std::vector<X509Ptr> path;  // leaf first, as far as OpenSSL got
};

// X509_verify_cert as a TLS client runs it: purpose sslserver, the served certificates as the
// untrusted pool, and the clock pinned to `now` so the verdict is reproducible. Dates are
// part of the verdict (an expired leaf is not trusted); they are also checked separately
// below, since OpenSSL stops at its first error and checks dates last.
Verification verify(const std::vector<Parsed>& certs, std::size_t leaf, const TrustStore& store,
                    std::chrono::system_clock::time_point now, bool legacy_client = false) {
    Verification v;
    std::unique_ptr<X509_STORE_CTX, CtxDeleter> ctx(X509_STORE_CTX_new());
    std::unique_ptr<STACK_OF(X509), BorrowedStackDeleter> untrusted(sk_X509_new_null());
    if (!ctx || !untrusted) return v;
    for (std::size_t i = 0; i < certs.size(); ++i)
        if (i != leaf) sk_X509_push(untrusted.get(), certs[i].x.get());
    if (!X509_STORE_CTX_init(ctx.get(), store.native(), certs[leaf].x.get(), untrusted.get()))
        return v;
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
    if (legacy_client) {
        // A client that follows the served chain (OpenSSL 1.0.2, old Android and Java): no
        // trusted-first path building, no retry along an alternative chain.
        X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_TRUSTED_FIRST);
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_ALT_CHAINS);
    }
    v.ok = X509_verify_cert(ctx.get()) == 1;
    v.error = X509_STORE_CTX_get_error(ctx.get());
    v.depth = X509_STORE_CTX_get_error_depth(ctx.get());
    // get1: the stack is ours, each certificate with a reference the X509Ptr takes over.
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get1_chain(ctx.get())) {
        for (int i = 0; i < sk_X509_num(chain); ++i) v.path.emplace_back(sk_X509_value(chain, i));
        sk_X509_free(chain);
    }
    ERR_clear_error();
    return v;
}

core::Bytes der_of(X509* x) {
    const int n = i2d_X509(x, nullptr);
    if (n <= 0) return {};
    core::Bytes out(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    i2d_X509(x, &p);
    return out;
}

// The verify errors that mean "no path to a trust anchor" (not a bad signature or date).
bool is_no_anchor_error(int error) {
    return error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
           error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
           error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
           error == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

// The verify errors of RFC 5280 §4.2.1.10 name constraints.
bool is_name_constraints_error(int error) {
    return error == X509_V_ERR_PERMITTED_VIOLATION || error == X509_V_ERR_EXCLUDED_VIOLATION ||
           error == X509_V_ERR_SUBTREE_MINMAX ||
           error == X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE ||
           error == X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX ||
           error == X509_V_ERR_UNSUPPORTED_NAME_SYNTAX;
}

// The problem kinds that explain a verify error (any one present will do); empty when no
// kind does, and the failure needs chain.verify_failed of its own.
std::vector<ChainProblemKind> kinds_explaining(int error) {
    using K = ChainProblemKind;
    if (is_no_anchor_error(error))
        return {K::self_signed, K::missing_intermediate, K::untrusted_root};
    switch (error) {
        case X509_V_ERR_CERT_HAS_EXPIRED: return {K::expired, K::expired_intermediate};
        case X509_V_ERR_CERT_NOT_YET_VALID: return {K::not_yet_valid};
        // Above the leaf, a CA:FALSE issuer fails the purpose check (error 26 at depth 1).
        case X509_V_ERR_INVALID_PURPOSE:
            return {K::no_server_auth_eku, K::key_usage_incompatible,
                    K::ca_without_basic_constraints};
        case X509_V_ERR_PATH_LENGTH_EXCEEDED: return {K::path_length_exceeded};
        case X509_V_ERR_INVALID_CA: return {K::ca_without_basic_constraints};
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL: return {K::weak_key};
        case X509_V_ERR_CA_MD_TOO_WEAK: return {K::weak_signature};
        default:
            if (is_name_constraints_error(error)) return {K::name_constraints_violated};
            return {};
    }
}

std::string date_text(std::chrono::sys_seconds t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd(day);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::optional<std::string> ip_literal(std::string_view host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string text(host);
    unsigned char buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1)
        return text;
    return std::nullopt;
}

// SAN first, with OpenSSL's wildcard rules (RFC 6125 §6.4.3, no partial-label wildcards);
// the subject CN only when the certificate has no DNS SAN at all, the legacy fallback
// browsers dropped (Chrome 58) but many other clients still apply.
HostnameMatch check_hostname(X509* leaf, const CertificateInfo& info, std::string_view host) {
    if (host.empty()) return HostnameMatch::not_checked;
    if (const auto ip = ip_literal(host))
        return X509_check_ip_asc(leaf, ip->c_str(), 0) == 1 ? HostnameMatch::match
                                                            : HostnameMatch::mismatch;
    if (host.back() == '.')
        host.remove_suffix(1);  // "example.com." is the same name, fully qualified
    const unsigned san_only =
        X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    if (X509_check_host(leaf, host.data(), host.size(), san_only, nullptr) == 1)
        return HostnameMatch::match;
    if (info.san_dns.empty() && X509_check_host(leaf, host.data(), host.size(),
                                                X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1)
        return HostnameMatch::match_cn_fallback;
    return HostnameMatch::mismatch;
}

// The served certificates, parsed once for every store a chain is judged against.
struct ServedChain {
    std::vector<Parsed> certs;             // those that parsed, in served order
    std::vector<ChainProblem> unparsable;  // one per entry that did not
};

ServedChain parse_served(const ChainInput& input) {
    ServedChain out;
    for (std::size_t i = 0; i < input.served.size(); ++i) {
        std::string error;
        X509Ptr x;
        auto info = parse_certificate(input.served[i], &error, &x);
        if (!info || !x) {
            out.unparsable.push_back(
                {ChainProblemKind::unparsable, std::nullopt,
                 "Certificate #" + std::to_string(i + 1) + " as served (" +
                     std::to_string(input.served[i].size()) + " bytes) cannot be parsed: " + error +
                     "."});
            continue;
        }
        out.certs.push_back({std::move(x), std::move(*info)});
    }
    return out;
}

class Analysis {
public:
    Analysis(const ChainInput& input, const ServedChain& served, const TrustStore& store)
        : input_(input), store_(store), certs_(served.certs) {
        report_.problems = served.unparsable;
        for (const auto& c : certs_) report_.certificates.push_back(c.info);
    }
    ChainReport run();

private:
    void add(ChainProblemKind kind, std::optional<std::size_t> cert, std::string detail) {
        report_.problems.push_back({kind, cert, std::move(detail)});
    }
    std::string who(std::size_t i) const {
        const std::string n = "#" + std::to_string(i + 1) + " ";
        const bool ca = report_.certificates[i].is_ca;
        const std::string role = i == report_.leaf ? (ca ? "first certificate " + n : "leaf ")
                                 : ca              ? "intermediate " + n
                                                   : "certificate " + n;
        return role + "'" + report_.certificates[i].subject + "'";
    }
    std::string named(std::size_t i) const {
        return "#" + std::to_string(i + 1) + " '" + report_.certificates[i].subject + "'";
    }
    // The served certificate at position `depth` of the path; nullopt for the store's anchor.
    std::optional<std::size_t> served_at(std::size_t depth) const {
        return depth < report_.path.size() ? report_.path[depth].certificate : std::nullopt;
    }
    void place_path(const Verification& v);
    void chain_problems(const Verification& v);
    void constraint_problems(const Verification& v);
    std::string not_the_issuer(X509* subject);
    void order_problems(const Verification& v);
    void certificate_problems(std::size_t i);
    void leaf_only_problems();
    void unexplained_failure(const Verification& v);
    void choose_leaf();
    void served_ca_dates(const Verification& v);
    std::vector<std::size_t> issuer_order(std::size_t from) const;
    std::string order_text(const std::vector<std::size_t>& order) const;
    bool duplicate(std::size_t i) const {
        for (std::size_t j = 0; j < i; ++j)
            if (certs_[j].info.der == certs_[i].info.der) return true;
        return false;
    }
    // Served certificates already reported by a more specific problem than "extra".
    std::vector<bool> accounted_;

    const ChainInput& input_;
    const TrustStore& store_;
    ChainReport report_;
    const std::vector<Parsed>& certs_;               // parallel to report_.certificates
    std::vector<std::optional<std::size_t>> depth_;  // position on the path, per served certificate
};

ChainReport Analysis::run() {
    if (input_.served.empty()) {
        add(ChainProblemKind::empty, std::nullopt, "The server sent no certificate.");
        return report_;
    }
    if (certs_.empty()) return report_;

    choose_leaf();
    const Verification v = verify(certs_, report_.leaf, store_, input_.now);
    report_.trusted = v.ok;
    if (!v.ok) {
        report_.verify_error = v.error;
        report_.verify_error_text = X509_verify_cert_error_string(v.error);
        report_.verify_error_depth = v.depth;
    }
    place_path(v);

    chain_problems(v);
    constraint_problems(v);
    order_problems(v);
    leaf_only_problems();
    certificate_problems(report_.leaf);
    for (std::size_t i = 0; i < certs_.size(); ++i)
        if (i != report_.leaf && depth_[i] && !certs_[i].info.self_signed && !duplicate(i))
            certificate_problems(i);
    unexplained_failure(v);
    return report_;
}

// A verify failure is never "trusted" by omission: when no problem found above explains
// OpenSSL's error (chain too long, a bad signature, a path length exceeded, ...), the
// failure itself is the problem.
void Analysis::unexplained_failure(const Verification& v) {
    if (v.ok) return;
    for (const auto kind : kinds_explaining(v.error))
        if (report_.has(kind)) return;
    const auto depth = static_cast<std::size_t>(std::max(v.depth, 0));
    add(ChainProblemKind::verify_failed, served_at(depth),
        "OpenSSL does not verify the chain: error " + std::to_string(v.error) + " (" +
            X509_verify_cert_error_string(v.error) + ") at depth " + std::to_string(depth) +
            " of the path.");
}

// The path as OpenSSL built it, each element matched to a served certificate by its DER
// (names can repeat: two served certificates may share a subject, only one on the path), and
// where each served certificate sits on it. A duplicate only counts once.
void Analysis::place_path(const Verification& v) {
    depth_.assign(certs_.size(), std::nullopt);
    for (std::size_t d = 0; d < v.path.size(); ++d) {
        X509* x = v.path[d].get();
        PathElement e;
        e.subject = distinguished_name(X509_get_subject_name(x));
        if (d == 0) {
            e.certificate = report_.leaf;  // the certificate verification started from
        } else {
            const core::Bytes der = der_of(x);
            for (std::size_t i = 0; i < certs_.size(); ++i)
                if (!depth_[i] && i != report_.leaf && certs_[i].info.der == der) {
                    e.certificate = i;
                    break;
                }
        }
        if (e.certificate) depth_[*e.certificate] = d;
        report_.path.push_back(std::move(e));
    }
    if (report_.path.empty())
        report_.path.push_back({report_.leaf, certs_[report_.leaf].info.subject});
    depth_[report_.leaf] = 0;
    if (v.ok) return;
    // Verification stopped early (certificate chain too long stops building at the depth
    // limit): served certificates that continue the path from where it stopped are on it,
    // not extra, so `path` goes on with them (OpenSSL's part stays a prefix).
    X509* top = v.path.empty() ? certs_[report_.leaf].x.get() : v.path.back().get();
    std::size_t next = std::max<std::size_t>(v.path.size(), 1);
    for (bool found = true; found && X509_check_issued(top, top) != X509_V_OK;) {
        found = false;
        for (std::size_t i = 0; i < certs_.size(); ++i)
            if (!depth_[i] && issued(certs_[i].x.get(), top)) {
                depth_[i] = next++;
                report_.path.push_back({i, certs_[i].info.subject});
                top = certs_[i].x.get();
                found = true;
                break;
            }
    }
    ERR_clear_error();
}

// The first certificate is the server's for every client. When it is a CA and another served
// certificate issued none of the others, that one should have come first.
void Analysis::choose_leaf() {
    report_.leaf = 0;
    accounted_.assign(certs_.size(), false);
    const std::size_t candidate = intended_leaf(certs_);
    const bool first_issues = std::any_of(certs_.begin(), certs_.end(), [&](const Parsed& other) {
        return issued(certs_[0].x.get(), other.x.get());
    });
    if (candidate != 0 && (certs_[0].info.is_ca || first_issues)) {
        report_.intended_leaf = candidate;
        report_.correct_order = issuer_order(candidate);
        for (const auto i : report_.correct_order) accounted_[i] = true;
    }
    ERR_clear_error();
}

// `from`, then each served certificate that issued the previous one, as long as there is one.
std::vector<std::size_t> Analysis::issuer_order(std::size_t from) const {
    std::vector<std::size_t> order{from};
    for (bool found = true; found && order.size() < certs_.size();) {
        found = false;
        X509* top = certs_[order.back()].x.get();
        if (X509_check_issued(top, top) == X509_V_OK) break;  // self-issued: the end
        for (std::size_t i = 0; i < certs_.size(); ++i)
            if (std::find(order.begin(), order.end(), i) == order.end() && !duplicate(i) &&
                issued(certs_[i].x.get(), top)) {
                order.push_back(i);
                found = true;
                break;
            }
    }
    ERR_clear_error();
    return order;
}

std::string Analysis::order_text(const std::vector<std::size_t>& order) const {
    std::vector<std::string> parts;
    for (const auto i : order) parts.push_back(named(i));
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", then ") + p;
    return out;
}

// Served CA certificates off the verified path whose dates are wrong: the 2021 "DST Root CA
// X3" shape (an expired cross-signed root served after a valid intermediate). Clients that
// build the path to their trust store first never use it; clients that follow the served chain
// do, and fail.
void Analysis::served_ca_dates(const Verification& v) {
    const auto now = std::chrono::floor<std::chrono::seconds>(input_.now);
    for (std::size_t i = 0; i < certs_.size(); ++i) {
        const CertificateInfo& c = certs_[i].info;
        if (i == report_.leaf || depth_[i] || accounted_[i] || !c.is_ca || c.self_signed ||
            duplicate(i) || (now >= c.not_before && now <= c.not_after))
            continue;
        accounted_[i] = true;
        std::string detail =
            "The server sends " + who(i) + ", issued by '" + c.issuer + "', " +
            (now > c.not_after ? "which expired on " + date_text(c.not_after)
                               : "which is valid only from " + date_text(c.not_before)) +
            ". ";
        if (v.ok) {
            const Verification legacy =
                verify(certs_, report_.leaf, store_, input_.now, /*legacy_client=*/true);
            detail +=
                "Clients that build the path to their trust store first (browsers, OpenSSL 1.1+) "
                "do not use it and succeed; clients that follow the served chain (OpenSSL 1.0.2, "
                "old Android and Java) reach it and fail";
            detail += legacy.ok
                          ? "."
                          : " (a verification without trusted-first ends with: " +
                                std::string(X509_verify_cert_error_string(legacy.error)) + ").";
        } else {
            detail += "No path avoids it.";
        }
        detail += " Stop serving it (serve the leaf and the current intermediate only).";
        add(ChainProblemKind::expired_intermediate, i, std::move(detail));
    }
}

void Analysis::chain_problems(const Verification& v) {
    const CertificateInfo& leaf = certs_[report_.leaf].info;
    if (v.ok || !is_no_anchor_error(v.error)) return;
    if (leaf.self_signed) {
        add(ChainProblemKind::self_signed, report_.leaf,
            "The leaf '" + leaf.subject + "' is self-signed and not in the trust store (" +
                store_.description() + ").");
    } else if (v.path.size() <= 1) {
        add(ChainProblemKind::missing_intermediate, report_.leaf,
            "The leaf's issuer '" + leaf.issuer +
                "' is neither sent by the server nor in the trust store (" + store_.description() +
                "): the server must send the intermediate certificate." +
                not_the_issuer(certs_[report_.leaf].x.get()));
    } else {
        // The path goes beyond the leaf but ends in a served root the store does not trust
        // (error 19) or in an intermediate whose issuer nobody has (error 20 above depth 0).
        X509* top = v.path.back().get();
        const std::string top_subject = distinguished_name(X509_get_subject_name(top));
        const std::string ends_in = X509_self_signed(top, 0) == 1
                                        ? "the root '" + top_subject + "'"
                                        : "'" + top_subject + "', issued by '" +
                                              distinguished_name(X509_get_issuer_name(top)) + "'";
        add(ChainProblemKind::untrusted_root, served_at(v.path.size() - 1),
            "The chain ends in " + ends_in + ", which is not in the trust store (" +
                store_.description() +
                "); for a private CA, trust its root where intended, or use a publicly trusted "
                "certificate." +
                (X509_self_signed(top, 0) == 1 ? std::string() : not_the_issuer(top)));
    }
    ERR_clear_error();
}

// A served certificate with the issuer's name that did not issue `subject` (its key
// identifier or key differs: a re-keyed or renewed CA): named, and no longer "extra".
std::string Analysis::not_the_issuer(X509* subject) {
    for (std::size_t i = 0; i < certs_.size(); ++i) {
        X509* x = certs_[i].x.get();
        if (x == subject || depth_[i] ||
            X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(subject)) != 0)
            continue;
        const int why = X509_check_issued(x, subject);
        ERR_clear_error();
        if (why == X509_V_OK) continue;
        accounted_[i] = true;
        const bool akid = why == X509_V_ERR_AKID_SKID_MISMATCH ||
                          why == X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH;
        return " The server does send " + named(i) + " with that name, but it is not the issuer" +
               (akid ? ": its subjectKeyIdentifier differs from the authorityKeyIdentifier of '" +
                           distinguished_name(X509_get_subject_name(subject)) +
                           "' (the CA was re-keyed or renewed); serve the intermediate with the "
                           "matching key identifier."
                     : std::string(" (") + X509_verify_cert_error_string(why) +
                           "); serve the certificate that issued it.");
    }
    return {};
}

// Constraints a CA puts on the certificates below it (RFC 5280 §4.2.1.9, §4.2.1.10).
// OpenSSL builds the whole path before it checks them, so `v.path` holds every element.
void Analysis::constraint_problems(const Verification& v) {
    if (v.ok || v.depth < 0 || static_cast<std::size_t>(v.depth) >= v.path.size()) return;
    const auto d = static_cast<std::size_t>(v.depth);
    X509* at = v.path[d].get();
    const std::string name = distinguished_name(X509_get_subject_name(at));
    if (v.error == X509_V_ERR_PATH_LENGTH_EXCEEDED) {
        const long limit = X509_get_pathlen(at);
        std::vector<std::string> below;
        for (std::size_t i = 1; i < d; ++i)
            below.push_back("'" + distinguished_name(X509_get_subject_name(v.path[i].get())) + "'");
        add(ChainProblemKind::path_length_exceeded, served_at(d),
            "The CA '" + name + "' allows " + std::to_string(std::max(limit, 0L)) +
                " intermediate CA certificate(s) below it (pathLenConstraint), but the path "
                "puts " +
                std::to_string(below.size()) + " there (" + join(below) +
                "): every client refuses it. Get the leaf issued by a CA the constraint allows.");
    } else if (is_name_constraints_error(v.error)) {
        std::string constrained_by;
        for (std::size_t i = d + 1; i < v.path.size(); ++i)
            if (X509_get_ext_by_NID(v.path[i].get(), NID_name_constraints, -1) >= 0) {
                constrained_by = distinguished_name(X509_get_subject_name(v.path[i].get()));
                break;
            }
        std::string names;
        if (const auto i = served_at(d)) {
            std::vector<std::string> all = certs_[*i].info.san_dns;
            all.insert(all.end(), certs_[*i].info.san_ip.begin(), certs_[*i].info.san_ip.end());
            if (!all.empty()) names = " (" + join(all) + ")";
        }
        add(ChainProblemKind::name_constraints_violated, served_at(d),
            "The names of '" + name + "'" + names + " are outside what " +
                (constrained_by.empty() ? std::string("a CA above it")
                                        : "'" + constrained_by + "'") +
                " may certify (nameConstraints; OpenSSL: " +
                X509_verify_cert_error_string(v.error) +
                "): clients refuse it. Get the certificate from a CA allowed to issue for these "
                "names.");
    }
    ERR_clear_error();
}

void Analysis::order_problems(const Verification& v) {
    // Served order must be the path order (RFC 8446 §4.4.2 requires it for TLS 1.2; 1.3
    // clients tolerate disorder, but old Windows and Java clients do not).
    if (const auto intended = report_.intended_leaf) {
        const CertificateInfo& first = certs_[report_.leaf].info;
        const CertificateInfo& right = certs_[*intended].info;
        add(ChainProblemKind::leaf_not_first, *intended,
            "The server sends the CA certificate " + named(report_.leaf) +
                " first, so every client takes it as the server's certificate and checks the "
                "name, the key usage and the path on it (" +
                (first.san_dns.empty() ? "it names no host" : "it names " + join(first.san_dns)) +
                "). The server's own certificate is " + named(*intended) + ", SHA-1 " +
                right.sha1_hex +
                ": send it first, then its issuers: " + order_text(report_.correct_order) + ".");
    } else {
        bool in_order = true;
        std::optional<std::size_t> last;
        for (std::size_t i = 0; i < certs_.size(); ++i) {
            if (!depth_[i]) continue;
            if (last && *depth_[i] <= *last) in_order = false;
            last = depth_[i];
        }
        if (!in_order) {
            std::vector<std::pair<std::size_t, std::size_t>> by_depth;
            for (std::size_t i = 0; i < certs_.size(); ++i)
                if (depth_[i]) by_depth.emplace_back(*depth_[i], i);
            std::sort(by_depth.begin(), by_depth.end());
            for (const auto& [d, i] : by_depth) report_.correct_order.push_back(i);
            add(ChainProblemKind::misordered, std::nullopt,
                "The server sends the leaf first but its issuers out of order; send " +
                    order_text(report_.correct_order) + ".");
        }
    }

    for (std::size_t i = 0; i < certs_.size(); ++i)
        if (duplicate(i)) {
            accounted_[i] = true;
            add(ChainProblemKind::duplicate_certificate, i,
                "The server sends " + named(i) +
                    " more than once; send each certificate of the chain once.");
        }
    served_ca_dates(v);

    std::vector<std::string> extra;
    std::optional<std::size_t> first_extra;
    for (std::size_t i = 0; i < certs_.size(); ++i)
        if (!depth_[i] && !accounted_[i]) {
            extra.push_back(std::string("#")
                                .append(std::to_string(i + 1))
                                .append(" '")
                                .append(certs_[i].info.subject)
                                .append("'"));
            if (!first_extra) first_extra = i;
        }
    if (!extra.empty())
        add(ChainProblemKind::extra_certificates, extra.size() == 1 ? first_extra : std::nullopt,
            "The server sends certificates that are not on the path to the anchor: " + join(extra) +
                ".");

    for (std::size_t i = 0; i < certs_.size(); ++i)
        if (i != report_.leaf && certs_[i].info.self_signed && certs_[i].info.is_ca) {
            report_.root_sent = true;
            add(ChainProblemKind::root_sent, i,
                "The server sends the root '" + certs_[i].info.subject +
                    "'; clients use their own copy, so it only adds bytes to every handshake.");
            break;
        }

    for (std::size_t d = 1; d < v.path.size(); ++d) {
        X509* x = v.path[d].get();
        if (X509_get_extension_flags(x) & EXFLAG_CA) continue;
        add(ChainProblemKind::ca_without_basic_constraints, served_at(d),
            "The issuing certificate '" + distinguished_name(X509_get_subject_name(x)) +
                "' has no basicConstraints CA:TRUE, so clients refuse it as an issuer; reissue it "
                "as a CA.");
    }
}

void Analysis::leaf_only_problems() {
    const Parsed& leaf = certs_[report_.leaf];
    const CertificateInfo& info = leaf.info;
    report_.hostname = check_hostname(leaf.x.get(), info, input_.hostname);
    if (!info.is_ca && info.san_dns.empty() && info.san_ip.empty())
        add(ChainProblemKind::no_san, report_.leaf,
            "The leaf '" + info.subject + "' has no subjectAltName extension" +
                (info.common_name ? "; its name " + *info.common_name + " is only in the subject CN"
                                  : std::string()) +
                ", which browsers ignore since 2017 (Chrome 58, Firefox 48): reissue it with the "
                "host names in the Subject Alternative Name.");
    if (report_.hostname == HostnameMatch::mismatch) {
        std::vector<std::string> names = info.san_dns;
        names.insert(names.end(), info.san_ip.begin(), info.san_ip.end());
        if (names.empty() && info.common_name) names.push_back("CN " + *info.common_name);
        add(ChainProblemKind::hostname_mismatch, report_.leaf,
            "The certificate is for " +
                (names.empty() ? std::string("no name at all") : join(names)) + ", not for " +
                input_.hostname + ".");
    }
    if (!has_server_auth_eku(info))
        add(ChainProblemKind::no_server_auth_eku, report_.leaf,
            "The leaf's extended key usage is " + join(*info.eku) +
                " without serverAuth: reissue it for Server Authentication.");

    const bool sign = has_key_usage(info, X509v3_KU_DIGITAL_SIGNATURE);
    const bool encipher = has_key_usage(info, X509v3_KU_KEY_ENCIPHERMENT);
    const std::string ku = info.key_usage_names.empty() ? "empty" : join(info.key_usage_names);
    switch (input_.key_exchange) {
        case KeyExchange::rsa:
            if (!encipher)
                add(ChainProblemKind::key_usage_incompatible, report_.leaf,
                    "The leaf's keyUsage (" + ku +
                        ") lacks keyEncipherment, which RSA key exchange needs.");
            break;
        case KeyExchange::ecdhe_or_dhe:
        case KeyExchange::tls13:
            if (!sign)
                add(ChainProblemKind::key_usage_incompatible, report_.leaf,
                    "The leaf's keyUsage (" + ku + ") lacks digitalSignature, which " +
                        std::string(input_.key_exchange == KeyExchange::tls13
                                        ? "TLS 1.3"
                                        : "ECDHE/DHE key exchange") +
                        " needs.");
            break;
        case KeyExchange::unknown:
            // Unknown exchange: only a key no TLS exchange can use is certainly wrong.
            if (!sign && !encipher)
                add(ChainProblemKind::key_usage_incompatible, report_.leaf,
                    "The leaf's keyUsage (" + ku +
                        ") allows neither digitalSignature nor keyEncipherment.");
            break;
    }
}

void Analysis::certificate_problems(std::size_t i) {
    const CertificateInfo& c = certs_[i].info;
    const auto now = std::chrono::floor<std::chrono::seconds>(input_.now);
    if (now < c.not_before) {
        add(ChainProblemKind::not_yet_valid, i,
            "The " + who(i) + " is valid only from " + date_text(c.not_before) + ".");
    } else if (now > c.not_after) {
        if (i == report_.leaf)
            add(ChainProblemKind::expired, i,
                "The " + who(i) + " expired on " + date_text(c.not_after) + ".");
        else
            add(ChainProblemKind::expired_intermediate, i,
                "The " + who(i) + " on the path expired on " + date_text(c.not_after) +
                    "; every path through it fails: serve the CA's current intermediate "
                    "instead.");
    } else if (c.not_after - now < std::chrono::days(input_.expires_soon_days)) {
        if (i == report_.leaf)
            add(ChainProblemKind::expires_soon, i,
                "The " + who(i) + " expires on " + date_text(c.not_after) + ".");
        else
            add(ChainProblemKind::intermediate_expires_soon, i,
                "The " + who(i) + " expires on " + date_text(c.not_after) +
                    "; the leaf then stops verifying: get the CA's renewed intermediate and serve "
                    "it instead.");
    }

    const bool rsa_or_dsa = c.key_type == "RSA" || c.key_type == "RSA-PSS" || c.key_type == "DSA";
    if ((rsa_or_dsa && c.key_bits < 2048) || (c.key_type == "EC" && c.key_bits < 224))
        add(ChainProblemKind::weak_key, i,
            "The " + who(i) + " has a " + std::to_string(c.key_bits) + "-bit " + c.key_type +
                " key; use RSA 2048 or ECDSA P-256 or stronger.");
    if (c.signature_digest == "SHA1" || c.signature_digest == "MD5")
        add(ChainProblemKind::weak_signature, i,
            "The " + who(i) + " is signed with " + c.signature_algorithm +
                ", which clients reject; reissue it with SHA-256.");
}

}  // namespace

std::span<const ChainProblemKindInfo> chain_problem_kinds() { return kProblemKinds; }

std::string_view to_string(ChainProblemKind k) {
    const auto i = static_cast<std::size_t>(k);
    return i < kProblemKinds.size() ? kProblemKinds[i].id : "chain.unknown";
}

std::string_view to_string(KeyExchange k) {
    switch (k) {
        case KeyExchange::unknown: return "unknown";
        case KeyExchange::rsa: return "rsa";
        case KeyExchange::ecdhe_or_dhe: return "ecdhe_or_dhe";
        case KeyExchange::tls13: return "tls13";
    }
    return "unknown";
}

std::string_view to_string(HostnameMatch h) {
    switch (h) {
        case HostnameMatch::match: return "match";
        case HostnameMatch::match_cn_fallback: return "match_cn_fallback";
        case HostnameMatch::mismatch: return "mismatch";
        case HostnameMatch::not_checked: return "not_checked";
    }
    return "not_checked";
}

bool ChainReport::has(ChainProblemKind kind) const {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const ChainProblem& p) { return p.kind == kind; });
}

ChainReport analyze_chain(const ChainInput& input, const TrustStore& store) {
    const ServedChain served = parse_served(input);
    return Analysis(input, served, store).run();
}

std::vector<ChainReport> analyze_chain(const ChainInput& input,
                                       std::span<const TrustStore* const> stores) {
    const ServedChain served = parse_served(input);
    std::vector<ChainReport> out;
    out.reserve(stores.size());
    for (const TrustStore* store : stores) out.push_back(Analysis(input, served, *store).run());
    return out;
}

HostnameMatch match_hostname(const CertificateInfo& cert, std::string_view host) {
    const auto x = x509_from_der(cert.der);
    if (!x) return HostnameMatch::not_checked;
    return check_hostname(x.get(), cert, host);
}

}  // namespace tlsprobe::x509
