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
// Suites gained and lost, certificate replacements (issuer, key, expiry), findings removed
// and versions gained are listed and do not count.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

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
};

// Reads a `tlsprobe probe --json` document. Throws std::invalid_argument naming what is
// missing or of the wrong type ("not a tlsprobe probe document: no \"versions\" object").
DiffSnapshot snapshot_from_json(const nlohmann::json& probe_document, std::string label = {});

struct DiffChange {
    std::string area;    // "verdict", "versions", "ciphers", "certificate", "chain", "findings"
    std::string item;    // "TLS 1.1", "TLS_RSA_WITH_AES_128_CBC_SHA (TLS 1.2)", "issuer", ...
    std::string change;  // "lost", "gained", "changed", "added", "removed"
    std::string before, after;  // empty when there was nothing on that side
    bool regression = false;
    std::string note;  // why it matters to clients (always set for a regression)
};

struct EndpointDiff {
    DiffSnapshot old_side, new_side;
    std::vector<DiffChange> changes;  // verdict, versions, ciphers, certificate, chain, findings
    bool regression = false;          // any change is one
    bool same() const { return changes.empty(); }
};

EndpointDiff diff_endpoints(DiffSnapshot old_side, DiffSnapshot new_side);

}  // namespace tlsprobe::judge
