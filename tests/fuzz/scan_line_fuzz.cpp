// libFuzzer target for the scan input format: any line parses to a target, an error or
// nothing, never a crash or an exception, and a parsed target has a usable key.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "scan/scan_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto parsed = tlsprobe::scan::parse_scan_line(line);
    if (!parsed) return 0;
    if (const auto* t = std::get_if<tlsprobe::scan::ScanTarget>(&*parsed)) {
        if (tlsprobe::scan::scan_key(t->target).empty()) __builtin_trap();
    } else if (std::get<tlsprobe::scan::InputError>(*parsed).reason.empty()) {
        __builtin_trap();  // an error always says what is wrong
    }
    return 0;
}
