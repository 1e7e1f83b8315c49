// Markdown for a pipeline step summary ($GITHUB_STEP_SUMMARY, a GitLab MR note) or a change
// ticket: the verdict first, one summary table, then each target's rules with the evidence
// of every failure.
#pragma once

#include <string>

#include "judge/policy_rules.hpp"

namespace tlsprobe::report {

std::string render_markdown(const judge::CheckReport& report);

// Text safe inside a Markdown table cell: '|' escaped, line breaks as spaces, and Markdown
// and HTML markup characters escaped so server-provided text cannot inject links or tags.
std::string markdown_cell(std::string_view text);

}  // namespace tlsprobe::report
