// libFuzzer target for what an AIA caIssuers URL answers (x509::read_fetched_certificates:
// DER, PKCS#7 or PEM) and the URLs a certificate names (x509::certificate_urls): any bytes
// give certificates or an error text, never a crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "x509/revocation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string error;
    const auto certificates = tlsprobe::x509::read_fetched_certificates({data, size}, &error);
    nlohmann::json j = {{"error", error}};
    for (const auto& der : certificates) {
        const auto urls = tlsprobe::x509::certificate_urls(der);
        j["urls"].push_back({urls.ca_issuers, urls.ocsp, urls.crl});
        (void)tlsprobe::x509::issued_by(der, der, nullptr);
    }
    (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    return 0;
}
