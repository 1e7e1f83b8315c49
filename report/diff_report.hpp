// `tlsprobe diff` reports: the changes judge::diff_endpoints() found, as text or JSON.
// Renderers only: which change is a regression is decided in judge/diff.cpp.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace tlsprobe::report
