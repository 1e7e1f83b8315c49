// Asynchronous DNS with c-ares: one thread runs one c-ares channel for any number of lookups in
// flight, so a scan of many names never holds a thread per stuck query (getaddrinfo cannot be
// interrupted; c-ares queries end at their own timeout and are cancelled at shutdown).
//
// Internal to engine/: HostResolver uses it; nothing else should.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/host_resolver.hpp"

namespace tlsprobe::engine {

class AresLookup {
public:
    struct Options {
        AddressFamily family = AddressFamily::any;
        // "ADDRESS" or "ADDRESS:PORT" ("[v6]:PORT"); empty = the system's (/etc/resolv.conf).
        std::vector<std::string> servers;
        std::chrono::milliseconds query_timeout{2000};  // per try, per server
        int tries = 2;
    };
    // Called once per start(), on the lookup thread: the addresses (port 0) or the failure,
    // and the smallest TTL of the answer.
    using Done = std::function<void(Resolution, std::chrono::seconds ttl)>;

    // Throws std::runtime_error when c-ares cannot start (e.g. a server address it rejects).
    explicit AresLookup(Options options);
    // Cancels what is in flight (their Done is not called) and joins the thread.
    ~AresLookup();
    AresLookup(const AresLookup&) = delete;
    AresLookup& operator=(const AresLookup&) = delete;

    void start(std::string host, Done done);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tlsprobe::engine
