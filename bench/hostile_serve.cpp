// Serves one lab::HostileServer mode on 127.0.0.1 for hand-run measurements with the real CLI
// (bench/starved_deadline.sh): prints the port, then serves for SECONDS (default 600).
//
//   bench_hostile_serve endless_warning_alerts [SECONDS]      -> "41234"
//   tlsprobe probe 127.0.0.1:41234 --timeout 3s ...
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <string_view>
#include <thread>

#include "lab/hostile_server.hpp"

using namespace tlsprobe;

int main(int argc, char** argv) {
    const std::string_view wanted = argc >= 2 ? argv[1] : "";
    const long seconds = argc >= 3 ? std::strtol(argv[2], nullptr, 10) : 600;
    for (auto mode : lab::all_hostile_modes()) {
        if (lab::to_string(mode) != wanted) continue;
        lab::HostileServer server(mode);
        fmt::print("{}\n", server.port());
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        return 0;
    }
    fmt::print(stderr, "usage: bench_hostile_serve MODE [SECONDS]; modes:");
    for (auto mode : lab::all_hostile_modes()) fmt::print(stderr, " {}", lab::to_string(mode));
    fmt::print(stderr, "\n");
    return 2;
}
