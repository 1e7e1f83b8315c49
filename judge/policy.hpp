// A pre-go-live policy: what a site must satisfy before it goes live, as plain values, read
// from TOML (toml++) or taken from a built-in profile modelled on Mozilla's server-side TLS
// guidelines. The rules themselves are evaluated in policy_rules.hpp (pure).
//
// Every rule is on or off: a bool, an optional, or a non-empty list. A typo in a key must not
// silently switch a gate off, so unknown keys and wrong types are errors with file:line.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/version.hpp"
#include "probe/finding.hpp"

namespace tlsprobe::judge {

// What a client that sends no SNI must get.
enum class NoSniBehaviour {
    any,               // rule off
    same_certificate,  // the certificate the named client gets (IIS fallback binding present)
    refused,           // no handshake (nginx ssl_reject_handshake; deliberate SNI-only hosting)
};
std::string_view to_string(NoSniBehaviour b);
std::optional<NoSniBehaviour> parse_no_sni_behaviour(std::string_view text);

struct Policy {
    std::string name;         // "intermediate", or what the file's `name` says (default: file name)
    std::string description;  // one line for reports

    // [protocols]
    std::optional<core::Version> min_version;       // protocol.min_version: nothing older accepted
    std::optional<core::Version> max_version;       // protocol.max_version: nothing newer accepted
    std::vector<core::Version> forbidden_versions;  // protocol.forbidden_versions
    bool modern_version = false;  // protocol.modern_version: TLS 1.2 or 1.3 is accepted
    // [ciphers]
    // cipher.forbidden: classes ("insecure", "weak": wire::Strength) or named families
    // ("NULL", "EXPORT", "RC4", "DES", "3DES", "anon"); see cipher_class_names().
    std::vector<std::string> forbidden_ciphers;
    bool forward_secrecy =
        false;  // cipher.forward_secrecy: every accepted suite is (EC)DHE / TLS 1.3
    // [chain]
    bool chain_complete = false;  // chain.complete: no missing intermediate
    bool chain_trusted = false;   // chain.trusted: ends in a trusted anchor
    bool chain_ordered = false;   // chain.ordered: leaf first, each signed by the next
    std::string ca_file;  // trust anchors for chain.trusted (a private CA); empty = system store
    // [certificate]
    bool server_auth_eku = false;      // cert.server_auth_eku
    bool hostname = false;             // cert.hostname: the leaf covers the probed host name
    std::vector<std::string> names;    // cert.names: the leaf covers each of these
    std::optional<int> min_days_left;  // cert.validity: valid now and for at least N more days
    std::optional<int> min_rsa_bits;   // cert.min_key_bits (RSA, RSA-PSS, DSA leaf keys)
    std::optional<int> min_ec_bits;    // cert.min_key_bits (EC leaf keys: the curve's size)
    bool no_sha1 = false;  // cert.no_sha1: no SHA-1 (or MD5) signature on the served chain
    // revocation.good: a verified OCSP answer or CRL says the leaf is not revoked (the
    // revocation check, which fetches unless --no-fetch).
    bool revocation_good = false;
    // [sni]
    NoSniBehaviour no_sni = NoSniBehaviour::any;  // sni.no_sni
    // [http]
    bool http_reachable = false;  // http.reachable: plain HTTP answers (the article's first step)
    // http.hsts: the response to GET / over TLS carries HSTS with max-age of at least this
    // many days (the `http` check); nullopt: off.
    std::optional<int> hsts_min_days;
    // [diagnosis]
    bool diagnosis_empty = false;  // diagnosis.empty: no server-side cause was diagnosed
    // [findings]
    // findings.severity: no finding at or above this severity (the probe's own judgement,
    // README "Severities"). The built-in profiles set high, so `check` fails whatever makes
    // `probe` exit 1. nullopt: off.
    std::optional<probe::Severity> fail_on_severity;
    // [vulnerabilities]
    bool no_vulnerabilities = false;  // vuln.none: no vuln.* finding (the vulnerabilities checks)
    // [ocsp]
    bool ocsp_stapled = false;  // ocsp.stapled: a stapled, successful OCSP response saying "good"
    // [renegotiation]
    // renegotiation.secure: RFC 5746 secure renegotiation, client-initiated renegotiation refused
    bool renegotiation_secure = false;
    // [clients]
    bool clients_current_ok = false;  // clients.current_ok: every simulated current client connects
    // [trust]
    // trust.stores: these platform stores (Mozilla, Microsoft, Apple, Java, Linux, system) all
    // trust the analysed chain; empty: off.
    std::vector<std::string> trust_stores;

    bool operator==(const Policy&) const = default;
};

// A bad policy: what() is "FILE:LINE: [section] key: problem" (exit code 2).
class PolicyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The names forbidden_ciphers accepts, in documentation order.
const std::vector<std::string_view>& cipher_class_names();

// The built-in profiles: "modern", "intermediate", "old" (without the "builtin:" prefix).
const std::vector<std::string_view>& builtin_policy_names();
// A built-in profile by name, with or without "builtin:"; throws PolicyError for an unknown one.
Policy builtin_policy(std::string_view name);

// Parses a policy document. `source` names it in messages (a path, or "<string>"); a
// relative `ca_file` is resolved against `base_dir` (empty = as written). Throws PolicyError.
Policy parse_policy(std::string_view toml_text, const std::string& source,
                    const std::string& base_dir = "");

// "builtin:NAME" or a TOML file path. Throws PolicyError (unreadable file included).
Policy load_policy(const std::string& spec);

// The policy as TOML, every key present (switched-off rules as comments), so that
// parse_policy(to_toml(p)) == p. The starting point `tlsprobe policy show` prints.
std::string to_toml(const Policy& policy);

}  // namespace tlsprobe::judge
