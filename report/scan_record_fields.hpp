// Reading back a JSONL target record (scan_record_json) for --resume without building a
// JSON tree: simdjson's On-Demand parser indexes the line's structure (checking the UTF-8,
// the strings and the nesting) and the reader takes only the fields the resume set and the
// summary need; the rest (probes, chain, diagnosis advice: ~5 KB even for a refused target)
// is skipped, not converted. A million records read back in seconds instead of minutes.
// A syntax error inside a skipped value (a bad number in "probes") may go unnoticed: such a
// line is not a torn write (those are caught by their missing newline) and its fields are
// read as they are.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsprobe::report {

// The fields of one JSONL line that ScanSummary::add_earlier and --resume read.
struct ScanRecordFields {
    std::optional<std::string> record;  // "record": "target" | "summary" (when a string)
    std::optional<std::string> key;     // "key" (when a string)
    std::size_t input_line = 0;
    std::string target_verdict;  // "target_verdict"
    bool has_scan = false;       // "scan" is an object...
    std::optional<std::string> outcome, verdict, detail;  // ...with these strings
    // "versions": {"tls1_2": {"supported": true|false|null}, ...}: `seen` when the version's
    // "supported" is there (a boolean or null), `supported` its value.
    std::array<bool, 6> version_seen{};
    std::array<std::optional<bool>, 6> supported{};
    struct Item {
        std::optional<std::string> id;
        std::string severity;  // findings
        std::string text;      // findings: "detail"; diagnosis: "summary"
    };
    std::vector<Item> findings, diagnosis;
    // A value of the wrong type where add_earlier needs one (a finding that is not an object,
    // "supported" that is a number, "scan" that is not an object...): the record is malformed.
    bool malformed = false;
};

// Parses one line. False when it is not valid JSON or not a JSON object. `fields` is reset
// first (its buffers are reused: pass the same object for every line).
bool read_scan_record_fields(std::string_view line, ScanRecordFields& fields);

}  // namespace tlsprobe::report
