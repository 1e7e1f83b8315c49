// The one paragraph that opens every report (text, HTML, JSON "verdict"): what works, what
// fails and the most likely cause, in plain words. Pure.
#pragma once

#include <string>

#include "probe/result.hpp"

namespace tlsprobe::judge {

// Reads result.diagnosis (call after diagnose(); conclude() does both). Claims only what the
// result shows: "trusted" only for a trusted chain without a high finding.
std::string verdict_paragraph(const TargetResult& result);

}  // namespace tlsprobe::judge
