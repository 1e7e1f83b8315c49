// `tlsprobe diff` reports: the changes judge::diff_endpoints() found, as text, JSON,
// Markdown or HTML (the last two in diff_formats.cpp).
// Renderers only: which change is a regression is decided in judge/diff.cpp.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "judge/diff.hpp"

namespace tlsprobe::report {

struct DiffTextOptions {
    bool color = false;
    std::size_t width = 80;
};

std::string render_diff_text(const judge::EndpointDiff& d, const DiffTextOptions& options = {});
// {"schema_version", "kind": "diff", "old", "new", "same", "regression", "changes": [...]};
// fields in the README JSON section and schema/diff.schema.json.
nlohmann::json diff_to_json(const judge::EndpointDiff& d);
std::string render_diff_json(const judge::EndpointDiff& d);
// Markdown (a pipeline step summary, a change ticket) and a self-contained HTML page in the
// style of the other HTML reports.
std::string render_diff_markdown(const judge::EndpointDiff& d);
std::string render_diff_html(const judge::EndpointDiff& d);

// Shared by the renderers: the areas in report order (id, title); a rule status word
// ("pass", "fail", "n/a"); a policy rule's outcome in words; a change in one line
// ("TLS 1.1 lost (accepted -> refused)", "issuer: CN=A -> CN=B").
const std::vector<std::pair<std::string_view, std::string_view>>& diff_areas();
std::string rule_status_word(judge::RuleStatus s);
std::string diff_rule_outcome_text(std::string_view outcome);
std::string diff_change_line(const judge::DiffChange& c);

}  // namespace tlsprobe::report
