// Name resolution for many targets at once: lookups run in parallel on a pool of threads
// (Asio's own resolver runs one getaddrinfo at a time per io_context, which would serialise a
// scan of names behind a slow DNS server), and each host is looked up once and cached, so the
// lines "example.com:443" and "example.com:8443" cost one query. Shared by every thread of a scan.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/outcome.hpp"

namespace tlsprobe::engine {

struct Resolution {
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // empty on failure
    core::Status status = core::Status::negotiated;         // dns_failed / timeout on failure
    std::string detail;
};

class HostResolver {
public:
    // A blocking lookup of `host` (endpoints with port 0); the default calls getaddrinfo.
    // Tests pass a fake.
    using Lookup = std::function<Resolution(const std::string& host)>;
    static Resolution system_lookup(const std::string& host);

    explicit HostResolver(std::size_t threads = 16, Lookup lookup = system_lookup);
    // Waits for lookups still running (getaddrinfo cannot be interrupted).
    ~HostResolver();
    HostResolver(const HostResolver&) = delete;
    HostResolver& operator=(const HostResolver&) = delete;

    // The endpoints of `host` with `port`, from the cache or a lookup started now. Completes on
    // the caller's executor (which must be single-threaded) within `timeout`; a lookup that
    // outlives it still fills the cache for later targets.
    boost::asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                               std::chrono::milliseconds timeout);

    std::size_t lookups() const { return lookups_.load(); }  // blocking lookups started

private:
    struct Entry;
    std::shared_ptr<Entry> entry_for(const std::string& host);

    Lookup lookup_;
    std::atomic<std::size_t> lookups_{0};
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Entry>> cache_;
    boost::asio::thread_pool pool_;  // last: stopped and joined before the rest goes
};

}  // namespace tlsprobe::engine
