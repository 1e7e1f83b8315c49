// Policy rules over a finished probe result (pure: values in, values out).
//
// Each enabled rule gives pass, fail or not_applicable with what it expected, what it saw
// and the evidence. A rule whose evidence the probe did not collect (cipher enumeration not
// run, no "no_sni" probe, no HTTP check) is not_applicable with the reason, never pass.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "judge/policy.hpp"
#include "probe/result.hpp"

namespace tlsprobe::judge {

enum class RuleStatus { pass, fail, not_applicable };
std::string_view to_string(RuleStatus s);

struct RuleResult {
    std::string id;     // stable: "chain.complete", "cert.validity", ... (README lists them)
    std::string title;  // "The chain is complete"
    RuleStatus status = RuleStatus::not_applicable;
    std::string expected;               // "TLS 1.2 or newer"
    std::string actual;                 // "TLS 1.0 accepted"
    std::vector<std::string> evidence;  // facts from this run; for n/a, the reason
    // What a protocol rule concluded about each version it covers (empty for other rules):
    // fail for a forbidden version accepted, pass for one refused as required, n/a untested.
    std::vector<std::pair<core::Version, RuleStatus>> versions{};
};

// One row per rule: everything that identifies it, in evaluation order. A new rule is one row
// here (and its TOML key in policy.cpp's key table). "tls.handshake" is always evaluated and
// cannot be disabled.
struct RuleKind {
    std::string_view id;
    std::string_view title;
    bool (*enabled)(const Policy&);  // the policy turns it on
    void (*disable)(Policy&);        // `disable = [id]`; nullptr: cannot be
    RuleResult (*evaluate)(const Policy&, const probe::TargetResult&);  // the rule itself (pure)
};
const std::vector<RuleKind>& rule_kinds();
// The row for `id`; nullptr for an unknown id.
const RuleKind* find_rule_kind(std::string_view id);

// The enabled rules of `policy` over `result`, in rule_kinds() order. For an unreachable
// target every rule is not_applicable ("the target could not be reached").
std::vector<RuleResult> evaluate(const Policy& policy, const probe::TargetResult& result);

enum class CheckVerdict { pass, fail, unreachable };
std::string_view to_string(CheckVerdict v);

// Counts over a target's rules: {pass, fail, not_applicable}.
struct RuleCounts {
    std::size_t pass = 0, fail = 0, not_applicable = 0;
};

// What the policy concluded about one protocol version over all its rules: fail when a rule
// failed on it, else pass when a rule passed it, else not_applicable (no rule covers it, or
// it could not be tested). `rules` names the rules that gave that status.
struct VersionConclusion {
    core::Version version = core::Version::tls1_2;
    RuleStatus status = RuleStatus::not_applicable;
    std::vector<std::string> rules;
};

// The gate's exit codes. 2 (bad policy) never comes from a report: it is decided before probing.
enum class CheckExit : int { pass = 0, fail = 1, bad_policy = 2, unreachable = 3 };

// One target's probe and its rules, with what finish() decided about them.
struct TargetCheck {
    probe::TargetResult result;
    std::vector<RuleResult> rules;
    CheckVerdict verdict = CheckVerdict::fail;  // verdict(*this, strict), stored by finish()
    RuleCounts counts{};                        // count_rules(rules), stored by finish()
    // One per core::all_versions, conclude_versions(rules), stored by finish(): what the
    // reports colour a protocol row by.
    std::vector<VersionConclusion> versions{};
};

// Everything `tlsprobe check` found, what the reports render.
struct CheckReport {
    Policy policy;
    std::string policy_source;  // "builtin:intermediate" or the file given
    bool strict = false;        // not_applicable counts as a failure
    std::vector<TargetCheck> targets;
    CheckVerdict verdict = CheckVerdict::fail;  // overall_verdict(*this), stored by finish()
    CheckExit exit = CheckExit::fail;           // check_exit_code(*this), stored by finish()
};

// Decides and stores every target's verdict and counts, then the overall verdict and exit
// code, once the targets are in. Reports and the CLI read the stored fields.
void finish(CheckReport& report);

// The decisions finish() stores; nothing else calls them on a report being rendered.
// unreachable when the target was never reached; fail when a rule failed (or, with
// strict, was not applicable); else pass.
CheckVerdict verdict(const TargetCheck& check, bool strict = false);
// fail when any target fails a rule (a definite violation wins); else unreachable when any
// target could not be reached; pass only when every rule passes on every target (and there
// is at least one target).
CheckExit check_exit_code(const CheckReport& report);
// The same as a verdict word for reports: pass, fail or unreachable.
CheckVerdict overall_verdict(const CheckReport& report);
RuleCounts count_rules(const std::vector<RuleResult>& rules);
std::vector<VersionConclusion> conclude_versions(const std::vector<RuleResult>& rules);

}  // namespace tlsprobe::judge
