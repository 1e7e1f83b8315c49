// libFuzzer target for the client-simulation data file (testssl.sh's client-simulation.txt):
// any text parses to profiles and warnings, never a crash or an exception; every profile's
// hello parses and replays with a name, every warning says what is wrong.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wire/client_simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = tlsprobe::wire::parse_client_data(text);
    for (const auto& w : parsed.warnings)
        if (w.message.empty() || w.line == 0) __builtin_trap();
    for (const auto& p : parsed.profiles) {
        if (p.name.empty() || p.lowest > p.highest) __builtin_trap();
        const auto replayed =
            tlsprobe::wire::replay_client_hello(p.hello, std::string("fuzz.test"), {});
        if (!replayed) __builtin_trap();  // the parser only keeps hellos that parse
        if (tlsprobe::wire::parse_client_hello(*replayed).kind !=
            tlsprobe::wire::ClientHelloParse::Kind::ok)
            __builtin_trap();
    }
    return 0;
}
