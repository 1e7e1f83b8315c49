// libFuzzer target for a JSONL line read back by `scan --resume` (the file may have been
// edited or damaged): any bytes give true or false, never a crash, and what the summary
// takes from a record it accepts leaves its counters consistent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/scan_record_fields.hpp"
#include "report/scan_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    tlsprobe::report::ScanRecordFields fields;
    if (!tlsprobe::report::read_scan_record_fields(line, fields)) return 0;
    tlsprobe::report::ScanSummary summary;
    const bool taken = summary.add_earlier(fields);
    if (summary.targets() != (taken ? 1u : 0u)) __builtin_trap();
    if (taken && (fields.malformed || !fields.key)) __builtin_trap();
    return 0;
}
