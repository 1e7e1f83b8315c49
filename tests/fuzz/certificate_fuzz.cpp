// libFuzzer target for certificate parsing: whatever DER a server sends, parse_certificate
// must not crash or throw, and every string it returns must be printable as JSON.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "x509/certificate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string error;
    const auto info =
        tlsprobe::x509::parse_certificate(tlsprobe::core::ByteView(data, size), &error);
    if (!info) return 0;
    // Renderers dump these fields; invalid UTF-8 would make nlohmann throw (type_error 316).
    nlohmann::json j = {{"subject", info->subject},
                        {"issuer", info->issuer},
                        {"san_dns", info->san_dns},
                        {"san_ip", info->san_ip},
                        {"cn", info->common_name.value_or("")}};
    (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
