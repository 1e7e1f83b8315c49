// Markdown for a pipeline step summary ($GITHUB_STEP_SUMMARY, a GitLab MR note) or a change
// ticket: the verdict first, one summary table, then each target's rules with the evidence
// of every failure.
#pragma once

#include <string>

#include "judge/policy_rules.hpp"

namespace tlsprobe::report {

std::string render_markdown(const judge::CheckReport& report);

// Text that reads the same as plain text and as rendered Markdown, and that server-provided
// text cannot turn into links, tags or emphasis: line breaks become spaces; each word with a
// character Markdown or HTML would interpret (_ * ` < > & [ ] \ | ~, or a URL) goes into a
// code span (`TLS_RSA_WITH_AES_128_CBC_SHA`, `>=`), where nothing needs escaping; no HTML
// entities, no backslash escapes. `markdown_cell` is the same for a table cell, where GFM
// needs a '|' escaped even inside a code span.
std::string markdown_text(std::string_view text);
std::string markdown_cell(std::string_view text);
// `text` as one code span (a command, an identifier), its fence longer than any run of
// backticks inside it.
std::string markdown_code(std::string_view text);

}  // namespace tlsprobe::report
