#include "scan/scan.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <fmt/format.h>
#include <memory>
#include <thread>
#include <vector>

namespace tlsprobe::scan {

using probe::Severity;
using probe::Target;
using probe::TargetResult;
namespace asio = boost::asio;

std::string_view to_string(ScanOutcome o) {
    switch (o) {
        case ScanOutcome::completed: return "completed";
        case ScanOutcome::deadline: return "deadline";
        case ScanOutcome::error: return "error";
    }
    return "error";
}

std::string_view to_string(ScanVerdict v) {
    switch (v) {
        case ScanVerdict::ok: return "ok";
        case ScanVerdict::warn: return "warn";
        case ScanVerdict::fail: return "fail";
        case ScanVerdict::no_tls: return "no_tls";
        case ScanVerdict::unreachable: return "unreachable";
        case ScanVerdict::timeout: return "timeout";
        case ScanVerdict::error: return "error";
    }
    return "error";
}

ScanVerdict scan_verdict(const ScanRecord& record) {
    if (record.outcome == ScanOutcome::deadline) return ScanVerdict::timeout;
    if (record.outcome == ScanOutcome::error) return ScanVerdict::error;
    switch (record.result.verdict) {
        case probe::TargetVerdict::ok: return ScanVerdict::ok;
        case probe::TargetVerdict::warn: return ScanVerdict::warn;
        case probe::TargetVerdict::fail: return ScanVerdict::fail;
        case probe::TargetVerdict::no_tls: return ScanVerdict::no_tls;
        case probe::TargetVerdict::unreachable: return ScanVerdict::unreachable;
    }
    return ScanVerdict::error;
}

bool is_failure(ScanVerdict v) { return v != ScanVerdict::ok && v != ScanVerdict::warn; }

RateLimiter::RateLimiter(double per_second)
    : interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(per_second > 0 ? 1.0 / per_second : 0.0))) {}

std::chrono::steady_clock::time_point RateLimiter::reserve(
    std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    const auto at = std::max(now, next_);
    next_ = at + interval_;
    return at;
}

namespace {

// How often a worker waiting for the rate limiter looks at `stop`.
constexpr std::chrono::milliseconds kStopCheck{100};

// What the workers of every thread share. `mutex` guards the source, the sink and `totals`.
struct Shared {
    const ScanSource& source;
    const ScanSink& sink;
    const TargetWork& work;
    const ScanEngineOptions& options;
    std::unique_ptr<RateLimiter> limiter;
    std::mutex mutex;
    ScanTotals totals;
    bool source_done = false;
    bool halt = false;  // the sink or the source failed
    std::exception_ptr error;

    bool stop_requested() const { return halt || (options.stop && options.stop->load()); }

    void fail(std::exception_ptr e) {  // mutex held
        if (!error) error = std::move(e);
        halt = true;
    }

    // The next target, or nullopt when the scan is over for this worker. Locks.
    std::optional<ScanItem> take() {
        std::lock_guard lock(mutex);
        if (source_done) return std::nullopt;
        if (stop_requested()) {
            totals.stopped = true;
            return std::nullopt;
        }
        try {
            auto item = source();
            if (!item) {
                source_done = true;
                // A source that honours `stop` itself (an endless input) ends early.
                if (stop_requested()) totals.stopped = true;
                return std::nullopt;
            }
            ++totals.started;
            return item;
        } catch (...) {
            fail(std::current_exception());
            return std::nullopt;
        }
    }

    // A target taken from the source that will not run: the scan stopped while it waited
    // for the rate limiter.
    void drop() {
        std::lock_guard lock(mutex);
        --totals.started;
        ++totals.dropped;
        totals.stopped = true;
    }

    void deliver(ScanRecord&& record) {
        std::lock_guard lock(mutex);
        try {
            sink(std::move(record));
            ++totals.completed;
        } catch (...) {
            fail(std::current_exception());
        }
    }
};

// The per-target work with its exceptions turned into a value: Asio's `||` waits for the
// first operand to *succeed*, so a probe that threw would otherwise sit until the deadline.
// The result sits on the heap: every coroutine frame an Attempt passes through (this one's
// promise, the `||` operator's, run_one's) holds a copy of the type, and a TargetResult is
// 2.4 kB; with 2048 targets in flight the copies were ~25 MB.
struct Attempt {
    std::unique_ptr<TargetResult> result;
    std::string error;
};

asio::awaitable<Attempt> attempt(const TargetWork& work, Target target) {
    Attempt a;
    try {
        TargetResult result = co_await work(std::move(target));
        a.result = std::make_unique<TargetResult>(std::move(result));
    } catch (const std::exception& e) {
        a.error = e.what();
    } catch (...) {
        a.error = "unknown exception";
    }
    co_return a;
}

// Runs one target (record.item) against its deadline and fills in the rest of `record`,
// which the caller owns: a ScanRecord returned by value would sit in this frame, in its
// promise and in the caller's frame, three 2.7 kB copies per target in flight. The `||`
// cancels the loser: when the timer wins, the probe's pending socket operations are
// cancelled and its frame unwinds.
asio::awaitable<void> run_one(Shared& shared, ScanRecord& record) {
    using namespace asio::experimental::awaitable_operators;
    auto executor = co_await asio::this_coro::executor;
    const auto started = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    asio::steady_timer deadline(executor, shared.options.deadline);
    auto winner = co_await (attempt(shared.work, record.item.target) ||
                            deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (winner.index() == 1) {
        record.outcome = ScanOutcome::deadline;
        record.detail =
            fmt::format("no result within the {} ms per-target deadline; the probe was cancelled",
                        shared.options.deadline.count());
    } else if (auto& a = std::get<0>(winner); a.result) {
        record.result = std::move(*a.result);
    } else {
        record.outcome = ScanOutcome::error;
        record.detail = fmt::format("internal error while probing: {}", a.error);
    }
    if (record.outcome != ScanOutcome::completed) {
        record.result = TargetResult{};
        record.result.target = record.item.target;
        record.result.started = started;
        record.result.duration = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - t0);
    }
    record.verdict = scan_verdict(record);
}

asio::awaitable<void> worker(Shared& shared) {
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        auto item = shared.take();
        if (!item) break;
        if (shared.limiter) {
            const auto at = shared.limiter->reserve(std::chrono::steady_clock::now());
            // Wait for the slot in slices of kStopCheck, so SIGINT/SIGTERM (`stop`) ends a long
            // wait (--rate 6/m) within one slice. Bounded: each slice moves towards `at`.
            asio::steady_timer wait(executor);
            while (!shared.stop_requested() && std::chrono::steady_clock::now() < at) {
                wait.expires_at(std::min(at, std::chrono::steady_clock::now() + kStopCheck));
                co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            if (shared.stop_requested()) {
                shared.drop();
                break;
            }
        }
        ScanRecord record;
        record.item = std::move(*item);
        co_await run_one(shared, record);
        shared.deliver(std::move(record));
    }
}

}  // namespace

ScanTotals run_scan(const ScanSource& source, const TargetWork& work, const ScanSink& sink,
                    const ScanEngineOptions& options) {
    Shared shared{source, sink, work, options, nullptr, {}, {}, false, false, nullptr};
    if (options.rate > 0) shared.limiter = std::make_unique<RateLimiter>(options.rate);
    const std::size_t concurrency = std::max<std::size_t>(1, options.concurrency);
    std::size_t threads =
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, concurrency);

    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (std::size_t t = 0; t < threads; ++t) {
        contexts.push_back(std::make_unique<asio::io_context>(1));
        const std::size_t workers = concurrency / threads + (t < concurrency % threads ? 1 : 0);
        for (std::size_t w = 0; w < workers; ++w)
            asio::co_spawn(*contexts.back(), worker(shared), [&shared](std::exception_ptr e) {
                if (!e) return;
                std::lock_guard lock(shared.mutex);
                shared.fail(e);
            });
    }
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back([&io = *contexts[t]] { io.run(); });
    contexts[0]->run();
    for (auto& th : pool) th.join();
    if (shared.error) std::rethrow_exception(shared.error);
    return shared.totals;
}

}  // namespace tlsprobe::scan
