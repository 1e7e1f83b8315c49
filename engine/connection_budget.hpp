// A cap on the connections open at once across every target of a scan (`--max-connections`),
// on top of the per-target cap (`--connections`). Shared by all the scan's threads: each
// Engines operation that opens a connection holds one slot of the budget while it runs.
//
// Waiting for a slot is not a failure and has no timeout of its own: the operation's own
// timeout starts once it holds a slot. Time spent waiting counts toward the scan's
// per-target `--deadline`, whose cancellation also takes a waiter out of the queue.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "engine/engines.hpp"

namespace tlsprobe::engine {

class ConnectionBudget : public std::enable_shared_from_this<ConnectionBudget> {
public:
    // A held slot; freed (and handed to the next waiter, first come first served) when the
    // permit is destroyed.
    class Permit {
    public:
        Permit() = default;
        explicit Permit(std::shared_ptr<ConnectionBudget> budget) : budget_(std::move(budget)) {}
        Permit(Permit&&) noexcept = default;
        Permit& operator=(Permit&& other) noexcept;
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit();
        bool held() const { return budget_ != nullptr; }

    private:
        std::shared_ptr<ConnectionBudget> budget_;
    };

    // `limit` >= 1 slots. Make it with std::make_shared (permits keep it alive).
    explicit ConnectionBudget(std::size_t limit);

    // A slot, at once when one is free, else when a holder frees one. Runs on the calling
    // coroutine's executor, from any thread. Cancellation (the scan's per-target deadline)
    // leaves the queue and rethrows as boost::system::system_error(operation_aborted).
    boost::asio::awaitable<Permit> acquire();

    std::size_t limit() const { return limit_; }
    std::size_t in_use() const;
    std::size_t peak() const;     // most slots held at once so far
    std::size_t waiting() const;  // coroutines queued for a slot now

private:
    struct Waiter;
    void release();

    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::size_t in_use_ = 0;
    std::size_t peak_ = 0;
    std::deque<std::shared_ptr<Waiter>> waiters_;
};

// `inner`, with every operation that opens a connection (handshake, raw hellos, version
// probes, the plain-HTTP check, TLS sessions, HTTP fetches) holding a slot of `budget` while it runs.
// Name resolution is not capped. A new Engines operation that opens a connection must take
// a slot here too.
std::shared_ptr<Engines> with_connection_budget(std::shared_ptr<Engines> inner,
                                                std::shared_ptr<ConnectionBudget> budget);

// The default --max-connections: the open-file limit less a reserve for the process's own
// files (at least 1); `open_file_limit` 0 = unlimited, which gives `fallback`.
std::size_t default_max_connections(std::size_t open_file_limit, std::size_t fallback = 65536);

}  // namespace tlsprobe::engine
