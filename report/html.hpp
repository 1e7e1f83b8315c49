// The HTML report: one self-contained file (inline CSS, no scripts, no external assets; a
// Content-Security-Policy meta tag makes the browser refuse anything else), readable on a
// phone. Verdict at the top, then per target: policy results (for `check`), the protocol
// matrix as a coloured grid, the chain as a picture from leaf to root with the problems
// marked, findings, and the diagnosis with its fixes. Every text is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

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

// The page every report above uses (style, Content-Security-Policy, verdict header), around
// another report's body: `tlsprobe diff --html` (report/diff_formats.cpp). `summary_html` and
// `body_html` are HTML already escaped by the caller; `title` and `verdict_word` are escaped
// here. `verdict_class`: "pass", "fail", "warn" or "na".
std::string render_html_page(std::string_view title, std::string_view verdict_word,
                             std::string_view verdict_class, std::string_view summary_html,
                             std::string_view body_html);

}  // namespace tlsprobe::report
