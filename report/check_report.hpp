// `tlsprobe check` on the terminal and as JSON: the gate's verdict, then each target's rules.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "judge/policy_rules.hpp"

namespace tlsprobe::report {

// Plain text (no colours): one line per rule, evidence indented under failures; lines wrap
// at spaces to fit `width` columns.
std::string render_check_text(const judge::CheckReport& report, bool verbose = false,
                              std::size_t width = 80);

// {"policy": {...}, "verdict": "pass|fail|unreachable", "exit_code": 0,
//  "targets": [{"target": "...", "verdict": "...", "rules": [{"id", "title", "status",
//  "expected", "actual", "evidence": []}], "result": <the probe JSON, schema_version 1>}]}
nlohmann::json check_to_json(const judge::CheckReport& report);
std::string render_check_json(const judge::CheckReport& report);

}  // namespace tlsprobe::report
