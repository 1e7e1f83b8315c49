// The HTML report: one self-contained file (inline CSS, no scripts, no external assets; a
// Content-Security-Policy meta tag makes the browser refuse anything else), readable on a
// phone. Verdict at the top, then per target: policy results (for `check`), the protocol
// matrix as a coloured grid, the chain as a picture from leaf to root with the problems
// marked, findings, and the diagnosis with its fixes. Every text is HTML-escaped.
#pragma once

#include <string>

#include "judge/policy_rules.hpp"
#include "probe/result.hpp"
#include "report/scan_report.hpp"

namespace tlsprobe::report {

// A plain probe (`tlsprobe probe --html`): the verdict follows the findings.
std::string render_html(const probe::TargetResult& result);
// A policy check (`tlsprobe check --html`): the verdict is the gate's.
std::string render_html(const judge::CheckReport& report);
// A scan (`tlsprobe scan --html`): counts per verdict, version, diagnosis and finding, and the
// worst targets (the summary keeps those, so memory stays flat however long the list).
std::string render_html(const ScanSummary& summary);

}  // namespace tlsprobe::report
