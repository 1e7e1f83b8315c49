// Name resolution for many targets at once: lookups are asynchronous (c-ares, one thread for
// every query in flight, so a stuck DNS server holds no thread and delays nobody else), and
// each host is looked up once and cached for the answer's TTL, so the lines "example.com:443"
// and "example.com:8443" cost one query. Shared by every thread of a scan, and used by a single
// probe too. Tests can swap the lookup for a blocking fake run on a pool of threads.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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

// Which address records are asked for (--resolve): A, AAAA or both.
enum class AddressFamily { any, ipv4, ipv6 };
// Which family goes first when a name has both (--prefer); the probe connects to the first.
// `system`: the order RFC 6724 gives, as getaddrinfo would.
enum class AddressPreference { system, ipv4, ipv6 };

struct ResolverOptions {
    AddressFamily family = AddressFamily::any;
    AddressPreference prefer = AddressPreference::system;
    // DNS servers, "ADDRESS" or "ADDRESS:PORT" ("[v6]:PORT"); empty = /etc/resolv.conf.
    std::vector<std::string> servers;
    std::chrono::milliseconds query_timeout{2000};  // per try; two tries per server
    std::chrono::seconds max_ttl{3600};             // an answer is cached for min(TTL, this)
    std::chrono::seconds negative_ttl{30};          // a failed or timed-out lookup, this long
    // The cache's clock; tests pass their own.
    std::function<std::chrono::steady_clock::time_point()> clock;
};

class AresLookup;

class HostResolver {
public:
    // A blocking lookup of `host` (endpoints with port 0), run on the resolver's thread pool.
    // Tests pass a fake; its answers are cached for good.
    using Lookup = std::function<Resolution(const std::string& host)>;
    static Resolution system_lookup(const std::string& host);  // getaddrinfo

    // Asynchronous lookups with c-ares. Throws std::runtime_error when c-ares refuses the
    // options (e.g. a malformed server address).
    explicit HostResolver(ResolverOptions options = {});
    HostResolver(std::size_t threads, Lookup lookup, ResolverOptions options = {});
    // Cancels c-ares queries in flight; waits for blocking lookups still running.
    ~HostResolver();
    HostResolver(const HostResolver&) = delete;
    HostResolver& operator=(const HostResolver&) = delete;

    // The endpoints of `host` with `port`, from the cache or a lookup started now. Completes on
    // the caller's executor (which must be single-threaded) within `timeout`; a lookup that
    // outlives it still fills the cache for later targets.
    boost::asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                               std::chrono::milliseconds timeout);

    std::size_t lookups() const { return lookups_.load(); }  // lookups started

private:
    struct Entry;
    std::shared_ptr<Entry> entry_for(const std::string& host);
    void finish(const std::shared_ptr<Entry>& entry, Resolution r,
                std::optional<std::chrono::seconds> ttl);
    std::chrono::steady_clock::time_point now() const;

    ResolverOptions options_;
    Lookup lookup_;  // set: blocking lookups on pool_; empty: c-ares
    std::atomic<std::size_t> lookups_{0};
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Entry>> cache_;
    // Last: stopped and joined before the rest goes.
    std::optional<boost::asio::thread_pool> pool_;
    std::unique_ptr<AresLookup> ares_;
};

}  // namespace tlsprobe::engine
