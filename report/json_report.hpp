// The JSON contract (schema_version 1). Field names are documented in the README;
// changing one is a schema_version bump.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "probe/result.hpp"

namespace tlsprobe::report {

inline constexpr int kSchemaVersion = 1;

struct JsonOptions {
    bool include_trace = false;  // each probe's exchange (--trace)
};

nlohmann::json to_json(const probe::TargetResult& result, const JsonOptions& options = {});
nlohmann::json to_json(const core::Observation& o, bool include_trace);
nlohmann::json to_json(const x509::ChainReport& chain, std::chrono::system_clock::time_point now);
// Pretty-printed document with a trailing newline.
std::string render_json(const probe::TargetResult& result, const JsonOptions& options = {});

}  // namespace tlsprobe::report
