// Probing one target: resolve, run the plan's handshakes concurrently, analyse, conclude.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "probe/result.hpp"
#include "x509/chain_analysis.hpp"

namespace tlsprobe::probe {

struct ProbeOptions {
    std::chrono::milliseconds timeout{5000};       // per connection phase (connect, handshake)
    std::size_t connections_per_target = 8;        // concurrent connections to one target
    bool trace = false;                            // keep each attempt's exchange for --trace
    std::shared_ptr<const x509::TrustStore> trust;  // null = the system store
    int expires_soon_days = 30;
    // The clock chain analysis uses (dates, days left); nullopt = now. Tests fix it.
    std::optional<std::chrono::system_clock::time_point> now;
    // Plain-HTTP check (HEAD / on this port of the same address); nullopt = skip it. The CLI
    // sets 80 unless --no-http; the library default makes no connection the caller did not ask for.
    std::optional<std::uint16_t> http_port;
    bool variants = true;            // the diagnosis variants: no_sni, other_sni, narrow_ciphers
    bool raw = true;                 // raw-hello version probes for all six versions
    bool enumerate_ciphers = false;  // cipher-suite, group and preference enumeration (many connections)
    // Adaptive (scans): first the essential attempts (versions, offer_all, no_sni, raw SSL
    // 2.0/3.0); the follow-up attempts (other_sni, narrow_ciphers, raw TLS 1.0-1.3) only when
    // the first stage shows a problem (a diagnosis), so a healthy target costs one wave.
    bool adaptive = false;
    // Shared name resolution (parallel lookups, a cache per host) for scans; null = one Asio
    // lookup per target.
    std::shared_ptr<class HostResolver> resolver;
};

// Probes one target on the calling coroutine's executor (which must be single-threaded).
// Never throws for anything the network or the server does; those are in the result.
boost::asio::awaitable<TargetResult> probe_target(Target target, const ProbeOptions& options);

// The same on a private io_context, for callers that are not coroutines.
TargetResult probe_target_blocking(const Target& target, const ProbeOptions& options);

// The pure tail of a probe: per-version verdicts, chain choice and analysis, findings.
// Split out so tests can feed recorded attempts without sockets.
void conclude(TargetResult& result, const ProbeOptions& options);

}  // namespace tlsprobe::probe
