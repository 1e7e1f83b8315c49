// libFuzzer target for policy files: any text is a policy or a PolicyError with a message,
// never a crash or another exception; a policy that parses prints as TOML that parses back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "judge/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto p = tlsprobe::judge::parse_policy(text, "<fuzz>");
        // Printing and reading back must not crash either (whether every fuzzed name
        // survives the round trip is the unit tests' business).
        (void)tlsprobe::judge::parse_policy(tlsprobe::judge::to_toml(p), "<round trip>");
    } catch (const tlsprobe::judge::PolicyError& e) {
        if (std::string_view(e.what()).empty()) __builtin_trap();
    }
    return 0;
}
