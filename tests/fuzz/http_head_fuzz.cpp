// libFuzzer target for the plain-HTTP check's response parsing (engine::read_http_head, the
// same Beast parser and field code as the live check): any bytes give a status, never a crash
// or an exception, and every string it keeps is valid UTF-8 that JSON can print.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/http_head.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto check = tlsprobe::engine::read_http_head(bytes, 80, "fuzz.example");
    nlohmann::json j = {{"status_line", check.status_line},
                        {"server", check.server_header},
                        {"location", check.location},
                        {"detail", check.detail}};
    (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    return 0;
}
