// Findings from a finished result: pure rules, no I/O.
#pragma once

#include <vector>

#include "judge/finding.hpp"
#include "probe/result.hpp"

namespace tlsprobe::judge {

// Every finding the result supports, most severe first (stable within a severity).
std::vector<probe::Finding> derive_findings(const probe::TargetResult& result);

// One finding per chain problem (the finding id is the problem's id), in the chain's order;
// the live probe and `tlsprobe cert` judge a chain with this one function.
std::vector<probe::Finding> chain_findings(const x509::ChainReport& chain);

}  // namespace tlsprobe::judge
