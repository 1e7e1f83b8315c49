// Findings as stored in a result: a stable id with a severity. The catalogue of ids and
// the rules that raise them are in judge/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tlsprobe::probe {

enum class Severity { info, low, medium, high, critical };
std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
    std::string id;  // "chain.missing_intermediate"
    Severity severity = Severity::info;
    std::string title;   // short, from the registry
    std::string detail;  // the facts of this target
};

// One row of the finding catalogue (judge::finding_kinds()): every id tlsprobe can report,
// documented in the README.
struct FindingKind {
    std::string_view id;
    Severity severity;
    std::string_view title;
};

}  // namespace tlsprobe::probe
