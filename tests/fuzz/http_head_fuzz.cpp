// libFuzzer target for the plain-HTTP check's response parsing (engine::read_http_head, the
// same Beast parser and field code as the live check) and the http check's reading of a
// response head over TLS (engine::read_http_response_head, then HSTS, Set-Cookie and the
// https:// redirect test): any bytes give a status, never a crash or an exception, and every
// string kept is valid UTF-8 that JSON can print.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/http_head.hpp"
#include "probe/checks/http_headers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto check = tlsprobe::engine::read_http_head(bytes, 80, "fuzz.example");
    nlohmann::json j = {{"status_line", check.status_line},
                        {"server", check.server_header},
                        {"location", check.location},
                        {"detail", check.detail},
                        {"redirects_to_https", check.redirects_to_https}};
    const auto head = tlsprobe::engine::read_http_response_head(bytes);
    for (const auto& [name, value] : head.headers) {
        const auto cookie = tlsprobe::probe::checks::parse_set_cookie(value);
        const auto hsts = tlsprobe::probe::checks::parse_hsts(value);
        j["headers"].push_back({name, cookie.name, cookie.same_site, cookie.secure, hsts.value,
                                tlsprobe::engine::is_https_redirect(value, name)});
    }
    (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    return 0;
}
