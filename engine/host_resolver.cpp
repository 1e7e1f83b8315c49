#include "engine/host_resolver.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "engine/ares_lookup.hpp"

namespace tlsprobe::engine {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HostResolver::Entry {
    std::mutex mutex;
    bool done = false;
    Resolution result;
    std::chrono::steady_clock::time_point expires = std::chrono::steady_clock::time_point::max();
    std::vector<std::function<void()>> waiters;  // wake-ups for coroutines waiting on it
};

Resolution HostResolver::system_lookup(const std::string& host) {
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    const auto results = resolver.resolve(host, "0", ec);
    Resolution r;
    if (ec || results.empty()) {
        r.status = core::Status::dns_failed;
        r.detail =
            fmt::format("'{}' does not resolve: {}", host, ec ? ec.message() : "no addresses");
        return r;
    }
    for (const auto& e : results) r.endpoints.push_back(e.endpoint());
    return r;
}

HostResolver::HostResolver(ResolverOptions options) : options_(std::move(options)) {
    AresLookup::Options o;
    o.family = options_.family;
    o.servers = options_.servers;
    o.query_timeout = options_.query_timeout;
    ares_ = std::make_unique<AresLookup>(std::move(o));
}

HostResolver::HostResolver(std::size_t threads, Lookup lookup, ResolverOptions options)
    : options_(std::move(options)), lookup_(std::move(lookup)) {
    pool_.emplace(threads);
}

HostResolver::~HostResolver() {
    ares_.reset();  // cancels what is in flight
    if (pool_) pool_->join();
}

std::chrono::steady_clock::time_point HostResolver::now() const {
    return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void HostResolver::finish(const std::shared_ptr<Entry>& entry, Resolution r,
                          std::optional<std::chrono::seconds> ttl) {
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard entry_lock(entry->mutex);
        if (ttl) {
            // An answer for min(TTL, max_ttl); a failure (NXDOMAIN, no server answered) for the
            // negative TTL, so a name on many lines does not send a query per line.
            const auto keep = r.endpoints.empty() ? options_.negative_ttl
                                                  : std::min(*ttl, options_.max_ttl);
            entry->expires = now() + keep;
        }
        entry->result = std::move(r);
        entry->done = true;
        wake.swap(entry->waiters);
    }
    for (auto& w : wake) w();
}

std::shared_ptr<HostResolver::Entry> HostResolver::entry_for(const std::string& host) {
    std::lock_guard lock(mutex_);
    auto& slot = cache_[host];
    if (slot) {
        std::lock_guard entry_lock(slot->mutex);
        // Cached and fresh, or being looked up: join it. A TTL of 0 serves the callers that
        // joined the lookup in flight, and no one after.
        if (!slot->done || now() < slot->expires) return slot;
    }
    slot = std::make_shared<Entry>();
    ++lookups_;
    if (ares_) {
        ares_->start(host, [this, entry = slot](Resolution r, std::chrono::seconds ttl) {
            finish(entry, std::move(r), ttl);
        });
    } else {
        asio::post(*pool_, [this, entry = slot, host] {
            finish(entry, lookup_(host), std::nullopt);
        });
    }
    return slot;
}

asio::awaitable<Resolution> HostResolver::resolve(std::string host, std::uint16_t port,
                                                  std::chrono::milliseconds timeout) {
    // An address needs no lookup.
    boost::system::error_code literal_error;
    const auto literal = asio::ip::make_address(host, literal_error);
    if (!literal_error) {
        Resolution r;
        r.endpoints.emplace_back(literal, port);
        co_return r;
    }
    const auto entry = entry_for(host);
    auto with_port = [&](Resolution r) {
        for (auto& e : r.endpoints) e.port(port);
        if (options_.prefer != AddressPreference::system) {
            const bool v4_first = options_.prefer == AddressPreference::ipv4;
            std::stable_partition(r.endpoints.begin(), r.endpoints.end(),
                                  [&](const tcp::endpoint& e) {
                                      return e.address().is_v4() == v4_first;
                                  });
        }
        return r;
    };
    auto executor = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
    {
        std::lock_guard lock(entry->mutex);
        if (entry->done) co_return with_port(entry->result);
        // The lookup thread wakes this coroutine by cancelling its timer, on its own executor:
        // the post runs only once the coroutine is suspended in async_wait below.
        entry->waiters.push_back([executor, weak = std::weak_ptr<asio::steady_timer>(timer)] {
            asio::post(executor, [weak] {
                if (auto t = weak.lock()) t->cancel();
            });
        });
    }
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
    std::lock_guard lock(entry->mutex);
    if (entry->done) co_return with_port(entry->result);
    Resolution r;
    r.status = core::Status::timeout;
    r.detail = fmt::format("DNS lookup of '{}' did not finish within {} ms", host, timeout.count());
    co_return r;
}

}  // namespace tlsprobe::engine
