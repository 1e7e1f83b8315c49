// libFuzzer target for the stapled OCSP response parser (x509::parse_ocsp_response) and the
// must-staple marker (x509::requires_stapling): whatever a server staples, parsing gives facts
// or a reason, never a crash or an exception, and every text is valid UTF-8.
//
// Input: byte 0 says where the leaf comes from (none, or the bytes after the response, so
// the serial-number match is fuzzed too); bytes 1..2 the response's length.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <openssl/err.h>

#include "x509/ocsp.hpp"

using namespace tlsprobe;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}
void printable(const std::string& s) { (void)nlohmann::json(s).dump(); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const bool with_leaf = data[0] & 1;
    std::size_t response_len = static_cast<std::size_t>(data[1]) << 8 | data[2];
    response_len = with_leaf ? std::min(response_len, size - 3) : size - 3;
    const core::Bytes response(data + 3, data + 3 + response_len);
    const core::Bytes leaf(data + 3 + response_len, data + size);

    const auto facts = x509::parse_ocsp_response(response, leaf);
    require(facts.parsed || !facts.error.empty());
    require(!facts.matches_certificate || !leaf.empty());
    printable(facts.error);
    printable(facts.response_status);
    printable(facts.cert_status);
    printable(facts.responder);
    (void)x509::requires_stapling(leaf);
    (void)x509::requires_stapling(response);
    ERR_clear_error();
    return 0;
}
