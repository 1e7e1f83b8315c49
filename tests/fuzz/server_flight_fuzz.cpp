// libFuzzer target for the server-flight decoder: whatever a server sends, decoding must not
// crash, read out of bounds or throw, and the result must keep the decoder's contract.
#include <cstddef>
#include <cstdint>

#include "wire/server_flight.hpp"
#include "wire/service.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::wire;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView in(data, size);
    const auto f = decode_server_flight(in);
    using Kind = ServerFlight::Kind;
    require(f.consumed <= size);
    require(f.kind != Kind::malformed || !f.error.empty());
    require((f.kind == Kind::not_tls) == f.service.has_value());
    require(f.kind != Kind::alert || f.alert.has_value());
    require(f.kind != Kind::hello_retry_request || (f.hello && f.hello->hello_retry_request));
    if (f.kind == Kind::server_hello || f.kind == Kind::hello_retry_request ||
        f.kind == Kind::alert || f.kind == Kind::ssl2_server_hello) {
        // The decision point is where the decoder says it is: the bytes up to it decide the
        // same way, and one byte fewer is still waiting.
        require(decode_server_flight(in.first(f.consumed)).kind == f.kind);
        require(decode_server_flight(in.first(f.consumed - 1)).kind == Kind::truncated);
    }
    (void)recognise_service(in);
    return 0;
}
