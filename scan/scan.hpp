// The scan engine: many targets, bounded, streaming.
//
//   source() ──(mutex)──> worker ─┐  one io_context per thread, `concurrency` workers in all,
//   source() ──(mutex)──> worker ─┤  each: take a target, wait for the rate limiter, run the
//      ...                        │  per-target work against a deadline timer, hand the record
//                                 └─> sink() (serialised) as soon as it is done
//
// Nothing holds the input or the results: the source yields one target at a time and each
// record goes to the sink when it completes. The per-target work is a parameter, so tests
// run the engine with a fake and the CLI with probe_target.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "probe/result.hpp"

namespace tlsprobe::scan {

// One target to scan, with where it came from.
struct ScanItem {
    std::size_t line = 0;  // input line number
    std::string key;       // normalised key (scan_key)
    probe::Target target;
};

// How the engine ended one target.
enum class ScanOutcome {
    completed,  // the probe finished; `result` is the probe's
    deadline,   // the per-target deadline passed first; the probe was cancelled
    error,      // the per-target work threw (a tlsprobe bug); `detail` says what
};
std::string_view to_string(ScanOutcome o);

// One word per target for summaries, CSV and exit codes, worst last.
enum class ScanVerdict {
    ok,           // TLS works, no finding above low severity
    warn,         // TLS works, a medium finding at worst
    fail,         // TLS works, but a high or critical finding
    no_tls,       // reached, no handshake succeeded
    unreachable,  // DNS, refused, no route or connect timeout on every attempt
    timeout,      // the per-target deadline passed
    error,        // internal error while probing
};
std::string_view to_string(ScanVerdict v);

struct ScanRecord {
    ScanItem item;
    ScanOutcome outcome = ScanOutcome::completed;
    std::string detail;          // for deadline and error
    probe::TargetResult result;  // for deadline and error: the target and start time only
    // Decided once by scan_verdict() when the engine makes the record; reports read this.
    ScanVerdict verdict = ScanVerdict::error;
};

// The verdict of a record from its outcome and the result's verdict: the one place it is
// decided. run_scan stores it in ScanRecord::verdict when it makes the record.
ScanVerdict scan_verdict(const ScanRecord& record);

// True for the verdicts that make `tlsprobe scan` exit 1 (fail, no_tls, timeout, error,
// and unreachable when some other target was reached).
bool is_failure(ScanVerdict v);

// Per-target work: runs on the calling thread's io_context (single-threaded).
using TargetWork = std::function<boost::asio::awaitable<probe::TargetResult>(probe::Target)>;
// Yields the next target, nullopt when there are no more. Called under the engine's lock.
using ScanSource = std::function<std::optional<ScanItem>()>;
// Receives each record as it completes. Called under the engine's lock, one at a time.
using ScanSink = std::function<void(ScanRecord&&)>;

struct ScanEngineOptions {
    std::size_t threads = 0;                    // io_contexts, one thread each; 0 = one per core
    std::size_t concurrency = 256;              // targets in flight over all threads
    std::chrono::milliseconds deadline{20000};  // per target, from its start to its record
    double rate = 0;  // new targets per second over all threads; 0 = unlimited
    // Set (from a signal handler, another thread, or the sink) to stop taking new targets;
    // those in flight finish or hit their deadline, those waiting for the rate limiter are
    // dropped within 100 ms. May be null.
    const std::atomic<bool>* stop = nullptr;
};

struct ScanTotals {
    std::size_t started = 0;
    std::size_t completed = 0;  // records handed to the sink
    std::size_t dropped = 0;    // taken from the source but never started: stopped while
                                // waiting for the rate limiter (not in `started`)
    bool stopped = false;       // `stop` was set before the source ran dry
};

// Runs the scan to the end of the source (or until `stop`) and returns when every started
// target has its record. If the sink throws, the scan stops taking targets and the first
// exception is rethrown once the workers are done.
ScanTotals run_scan(const ScanSource& source, const TargetWork& work, const ScanSink& sink,
                    const ScanEngineOptions& options);

// A shared token bucket of depth one (GCRA): targets start at most `rate` per second,
// evenly spaced, over all threads. Pure apart from its lock: the caller passes the time.
class RateLimiter {
public:
    explicit RateLimiter(double per_second);
    // Reserves the next start; returns when the caller may start (>= now).
    std::chrono::steady_clock::time_point reserve(std::chrono::steady_clock::time_point now);

private:
    std::mutex mutex_;
    std::chrono::steady_clock::duration interval_;
    std::chrono::steady_clock::time_point next_{};
};

}  // namespace tlsprobe::scan
