// libFuzzer target for an OCSP response as a responder answers it (or a server staples it):
// x509::judge_ocsp_response parses it (parse_ocsp_response) and checks its signature
// (OCSP_basic_verify) against an issuer; any bytes give facts, never a crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "x509/revocation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tlsprobe::core::Bytes der(data, data + size);
    const auto judged = tlsprobe::x509::judge_ocsp_response(der, {}, {});
    nlohmann::json j = {{"status", judged.facts.response_status},
                        {"cert_status", judged.facts.cert_status},
                        {"responder", judged.facts.responder},
                        {"error", judged.facts.error},
                        {"signature", judged.signature.detail}};
    (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    return 0;
}
