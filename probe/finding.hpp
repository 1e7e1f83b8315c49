// Findings: stable ids with a severity, the JSON contract and what policies refer to.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tlsprobe::probe {

enum class Severity { info, low, medium, high, critical };
std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
    std::string id;        // "chain.missing_intermediate"
    Severity severity = Severity::info;
    std::string title;     // short, from the registry
    std::string detail;    // the facts of this target
};

// One row of the registry: every id tlsprobe can report, documented in the README.
struct FindingKind {
    std::string_view id;
    Severity severity;
    std::string_view title;
};

std::span<const FindingKind> finding_kinds();
// The registry row for `id`; nullptr for an unknown id.
const FindingKind* find_finding_kind(std::string_view id);
// A Finding for a registered id with `detail` (an unknown id is a programming error and
// becomes a high-severity "internal" finding rather than being dropped).
Finding make_finding(std::string_view id, std::string detail);

}  // namespace tlsprobe::probe
