// Findings from a finished result: pure rules, no I/O.
#pragma once

#include <vector>

#include "judge/finding.hpp"
#include "probe/result.hpp"

namespace tlsprobe::judge {

// Every finding the result supports, most severe first (stable within a severity).
std::vector<probe::Finding> derive_findings(const probe::TargetResult& result);

}  // namespace tlsprobe::judge
