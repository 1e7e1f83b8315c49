#include "engine/host_resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace tlsprobe::engine {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HostResolver::Entry {
    std::mutex mutex;
    bool done = false;
    Resolution result;
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

HostResolver::HostResolver(std::size_t threads, Lookup lookup)
    : lookup_(std::move(lookup)), pool_(threads) {}

HostResolver::~HostResolver() { pool_.join(); }

std::shared_ptr<HostResolver::Entry> HostResolver::entry_for(const std::string& host) {
    std::lock_guard lock(mutex_);
    auto& slot = cache_[host];
    if (slot) return slot;  // cached, or being looked up: join it
    slot = std::make_shared<Entry>();
    ++lookups_;
    asio::post(pool_, [this, entry = slot, host] {
        Resolution r = lookup_(host);
        std::vector<std::function<void()>> wake;
        {
            std::lock_guard entry_lock(entry->mutex);
            entry->result = std::move(r);
            entry->done = true;
            wake.swap(entry->waiters);
        }
        for (auto& w : wake) w();
    });
    return slot;
}

asio::awaitable<Resolution> HostResolver::resolve(std::string host, std::uint16_t port,
                                                  std::chrono::milliseconds timeout) {
    const auto entry = entry_for(host);
    auto with_port = [&](Resolution r) {
        for (auto& e : r.endpoints) e.port(port);
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
