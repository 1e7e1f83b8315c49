// The finding catalogue: every id tlsprobe can report, its severity and title (the JSON
// contract and what policies refer to). The value types are in probe/finding.hpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "probe/finding.hpp"

namespace tlsprobe::judge {

using probe::Finding;
using probe::Severity;

using probe::FindingKind;

// Every finding id: the base table (finding.cpp) followed by the kinds each registered
// check declares (probe/checks.hpp).
std::span<const FindingKind> finding_kinds();
// The registry row for `id`; nullptr for an unknown id.
const FindingKind* find_finding_kind(std::string_view id);
// A Finding for a registered id with `detail` (an unknown id is a programming error and
// becomes a high-severity "internal" finding rather than being dropped).
probe::Finding make_finding(std::string_view id, std::string detail);

}  // namespace tlsprobe::judge
