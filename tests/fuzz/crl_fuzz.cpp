// libFuzzer target for a fetched CRL (x509::judge_crl, RFC 5280 §5): DER or PEM bytes from a
// CRL distribution point, judged against a fixed certificate and issuer (the seed's). Any
// bytes give facts, never a crash; every string is valid UTF-8 that JSON can print.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "x509/revocation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto facts = tlsprobe::x509::judge_crl({data, size}, {}, {});
    nlohmann::json j = {{"issuer", facts.issuer}, {"error", facts.error}};
    if (facts.reason) j["reason"] = tlsprobe::x509::crl_reason_name(*facts.reason);
    (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    return 0;
}
