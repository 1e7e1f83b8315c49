// `tlsprobe diff OLD NEW`: what changes for clients when NEW replaces OLD (a cut-over to a new
// server or load balancer behind the same name). Pure: two snapshots in, the changes out.
//
// Both sides are read from the `tlsprobe probe --json` document (schema/probe.schema.json):
// a saved file, or a live probe the command line renders to that document first, so a file
// and a live endpoint compare the same way. The rules here decide which change is a
// regression (the exit code and the reports read `EndpointDiff::regression`):
//   - a version NEW no longer accepts: TLS 1.2 and 1.3 (clients that used them fail); losing
//     SSL 2.0/3.0, TLS 1.0/1.1 is listed but is what hardening does, so it is not one;
//   - the chain: trusted before and not after; a name the old certificate covered that the
//     new one does not (SAN lost), the host name matching before and not after;
//   - a finding of medium or higher severity that OLD did not have (or raised to medium+);
//   - a worse target verdict (ok < warn < fail < no_tls < unreachable).
//   - the no-SNI attempt: it completed a handshake on OLD and does not on NEW (clients that
//     send no server_name fail);
//   - the plain-HTTP check: OLD answered, NEW does not;
//   - the clients check (run on both sides): a simulated client that connected to OLD and
//     fails on NEW, with NEW's reason.
// Suites gained and lost, key-exchange groups, the other-name (wrong SNI) attempt, the HTTPS
// response and its HSTS header, certificate replacements (issuer, key, expiry), findings
// removed and versions gained are listed and do not count.
//
// With a policy (`diff --policy`), the policy is the gate instead: its rules are evaluated on
// both sides (compare_policy), a rule that does not fail on OLD and fails on NEW is a
// regression, one failing on both is "already failing" and does not gate; the changes above
// are still listed, none marked as a regression.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "judge/policy_rules.hpp"
#include "probe/finding.hpp"

namespace tlsprobe::judge {

// What a cut-over comparison looks at, from one probe document.
struct DiffSnapshot {
    std::string label;    // "example.com:443 (192.0.2.7)", or the file it was read from
    std::string verdict;  // target_verdict: "ok", "warn", "fail", "no_tls", "unreachable"
    struct Version {
        std::string name;  // "TLS 1.2"
        std::optional<bool> supported;
        std::optional<std::vector<std::string>> ciphers;  // IANA names; nullopt: not enumerated
        std::vector<std::string> groups;  // key-exchange groups accepted; empty: none recorded
    };
    std::vector<Version> versions;  // oldest first
    struct Certificate {
        std::string subject, issuer, sha256, not_after, key;
        std::vector<std::string> names;  // SAN DNS names and IP addresses
    };
    std::optional<Certificate> leaf;        // nullopt: no chain was analysed
    std::optional<bool> trusted;            // nullopt: no chain
    std::string hostname;                   // chain.hostname: "match", "mismatch", ...
    std::vector<std::string> served;        // the served certificates' subjects, in order
    std::vector<std::string> chain_problems;  // chain.problems ids
    std::map<std::string, probe::Severity> findings;  // id -> its highest severity
    // The SNI variants the probe made: attempt id ("no_sni", "other_sni") -> its status word
    // ("negotiated", "alert", "reset", ...). An attempt not made is absent.
    std::map<std::string, std::string> sni;
    struct Http {  // the plain-HTTP check (document "http")
        std::string status;              // "answered", "refused", ...
        std::optional<long long> http_status;  // 301, 200, ...
    };
    std::optional<Http> http;  // nullopt: not run
    struct Https {             // the `http` check: GET / over TLS (checks.http)
        std::optional<long long> status;  // nullopt: no complete response
        bool hsts = false;
        std::optional<long long> hsts_max_age;
    };
    std::optional<Https> https;  // nullopt: the check did not run
    struct Client {              // one simulated client (checks.clients)
        std::string name;
        bool connected = false;
        std::string failure, detail;  // why it did not connect
    };
    std::optional<std::vector<Client>> clients;  // nullopt: the clients check did not run
};

// Reads a `tlsprobe probe --json` document. Throws std::invalid_argument naming what is
// missing or of the wrong type ("not a tlsprobe probe document: no \"versions\" object").
DiffSnapshot snapshot_from_json(const nlohmann::json& probe_document, std::string label = {});

struct DiffChange {
    std::string area;    // "verdict", "versions", "ciphers", "groups", "certificate", "chain",
                         // "sni", "http", "clients", "findings"
    std::string item;    // "TLS 1.1", "TLS_RSA_WITH_AES_128_CBC_SHA (TLS 1.2)", "issuer", ...
    std::string change;  // "lost", "gained", "changed", "added", "removed"
    std::string before, after;  // empty when there was nothing on that side
    bool regression = false;
    std::string note;  // why it matters to clients (always set for a regression)
};

// One policy rule on both sides.
struct DiffRule {
    std::string id, title;
    RuleStatus before = RuleStatus::not_applicable, after = RuleStatus::not_applicable;
    std::string before_actual, after_actual;  // what the rule saw on each side
    // "regression": fails on NEW, not on OLD (gates); "already_failing": fails on both (does
    // not gate); "fixed": fails on OLD only; "unchanged": the same status on both sides (not
    // failing); "not_evaluated": passes on one side, not applicable on the other.
    std::string outcome;
    bool regression = false;
};

struct DiffPolicy {
    std::string name;    // "intermediate", or the file's name
    std::string source;  // "builtin:intermediate" or the file given
    std::vector<DiffRule> rules;  // in rule_kinds() order
};

// The rules of one policy evaluated on OLD and on NEW (judge::evaluate on each side), paired
// by id.
DiffPolicy compare_policy(std::string name, std::string source,
                          const std::vector<RuleResult>& old_rules,
                          const std::vector<RuleResult>& new_rules);

struct EndpointDiff {
    DiffSnapshot old_side, new_side;
    // verdict, versions, ciphers, groups, certificate, chain, sni, http, clients, findings
    std::vector<DiffChange> changes;
    std::optional<DiffPolicy> policy;  // `diff --policy`: the gate
    // With a policy: a rule regressed. Without: a change is one.
    bool regression = false;
    bool same() const { return changes.empty(); }
};

EndpointDiff diff_endpoints(DiffSnapshot old_side, DiffSnapshot new_side,
                            std::optional<DiffPolicy> policy = std::nullopt);

}  // namespace tlsprobe::judge
