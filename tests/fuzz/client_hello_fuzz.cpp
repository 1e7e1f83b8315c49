// libFuzzer target for the ClientHello parser (wire::parse_client_hello, what the lab servers
// read) and its trace line: whatever a client sends, parsing ends in ok, truncated or
// malformed with a reason, never a crash, an out-of-bounds read or an exception, and the
// trace line is valid UTF-8 whatever the SNI bytes are.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "wire/client_hello_parser.hpp"

using namespace tlsprobe;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const core::ByteView in(data, size);
    const auto parse = wire::parse_client_hello(in);
    using Kind = wire::ClientHelloParse::Kind;
    require((parse.kind == Kind::ok) == parse.hello.has_value());
    require(parse.kind != Kind::malformed || !parse.error.empty());
    (void)nlohmann::json(parse.error).dump();
    if (!parse.hello) return 0;
    const auto& h = *parse.hello;
    (void)h.highest_version();
    (void)h.offers_suite(0x1301);
    const auto line = wire::describe_client_hello(h, size);
    require(!line.empty());
    (void)nlohmann::json(line).dump();  // throws on invalid UTF-8 (an SNI of any bytes)
    return 0;
}
