// The judgement of one concluded target: findings, diagnosis, the target verdict and the
// paragraph every report opens with, each decided here once and stored in the result. Pure.
#pragma once

#include <string>

#include "probe/result.hpp"

namespace tlsprobe::judge {

// Fills result.findings, .diagnosis, .verdict and .summary from a result probe::conclude()
// has concluded. Renderers, exit codes, the scan summary and the gate read those fields.
void assess(probe::TargetResult& result);

// The target verdict from the facts and the findings (assess() stores it).
probe::TargetVerdict decide_verdict(const probe::TargetResult& result);

// The paragraph (assess() stores it as result.summary): what works, what fails and the most
// likely cause, in plain words. Reads result.diagnosis. Claims only what the result shows:
// "trusted" only for a trusted chain without a high finding.
std::string verdict_paragraph(const probe::TargetResult& result);

}  // namespace tlsprobe::judge
