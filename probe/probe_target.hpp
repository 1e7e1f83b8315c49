// Probing one target: resolve, run the plan's handshakes concurrently, analyse, conclude.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "engine/engines.hpp"
#include "probe/result.hpp"
#include "wire/client_simulation.hpp"
#include "x509/chain_analysis.hpp"
#include "x509/platform_stores.hpp"

namespace tlsprobe::probe {

struct ProbeOptions {
    std::chrono::milliseconds timeout{5000};        // per connection phase (connect, handshake)
    std::size_t connections_per_target = 8;         // concurrent connections to one target
    bool trace = false;                             // keep each attempt's exchange for --trace
    std::shared_ptr<const x509::TrustStore> trust;  // null = the system store
    // The client certificate OpenSSL-engine handshakes present when a server asks for one
    // (--client-cert/--client-key, engine::load_client_identity); null = none, so a server
    // that requires one shows it.
    std::shared_ptr<const engine::ClientIdentity> client_identity;
    int expires_soon_days = 30;
    // The clock chain analysis uses (dates, days left); nullopt = now. Tests fix it.
    std::optional<std::chrono::system_clock::time_point> now;
    // Plain-HTTP check (HEAD / on this port of the same address); nullopt = skip it. The CLI
    // sets 80 unless --no-http; the library default makes no connection the caller did not ask for.
    std::optional<std::uint16_t> http_port;
    // Fetching over plain HTTP from the URLs the served certificates name (the AIA caIssuers
    // intermediate, OCSP, CRLs: the aia and revocation checks); false = those checks say
    // "not fetched". The CLI sets it for probe and check unless --no-fetch, for scans only with
    // --fetch; the library default fetches nothing the caller did not ask for.
    bool fetch = false;
    bool variants = true;  // the diagnosis variants: no_sni, other_sni, narrow_ciphers
    bool raw = true;       // raw-hello version probes for all six versions
    // Check kinds to run after the attempts (ids from check_kinds(): "alpn", ...); each runs
    // only where it applies. Empty: none.
    std::vector<std::string> checks;
    // testssl.sh's list of known common DH primes, read when a DHE group was seen; a missing
    // or unreadable file means "common-prime check not done", never an error.
    std::filesystem::path common_primes_file{kDefaultCommonPrimesFile};
    bool enumerate_ciphers =
        false;  // cipher-suite, group and preference enumeration (many connections)
    // Adaptive (scans): first the essential attempts (versions, offer_all, no_sni, raw SSL
    // 2.0/3.0); the follow-up attempts (other_sni, narrow_ciphers, raw TLS 1.0-1.3) only when
    // the first stage shows a problem (a diagnosis), so a healthy target costs one wave.
    bool adaptive = false;
    // The network; null = engine::network_engines(). Scans share one with a HostResolver;
    // tests pass a fake that records what it was asked.
    std::shared_ptr<engine::Engines> engines;
    // Adaptive plans: whether the first stage calls for the follow-up attempts. It may judge
    // the result in place (conclude() has run); null = when nothing worked for the name.
    std::function<bool(TargetResult&)> follow_up;
    // The platform trust stores conclude() also verifies the analysed chain against
    // (x509::shared_platform_stores: --trust-store-dir, /etc/testssl); null = only `trust`.
    std::shared_ptr<const x509::PlatformStores> platform_stores;
    // Client simulation (check "clients"): the profiles to replay (--clients, the testssl.sh
    // data file); null or empty = none, and `client_data_note` says why (no data file...).
    std::shared_ptr<const std::vector<wire::ClientProfile>> client_profiles;
    std::string client_data_note;
};

// The upgrade every connection to `target` makes before its ClientHello (none for TLS at once).
engine::Upgrade upgrade_of(const Target& target);

// Probes one target on the calling coroutine's executor (which must be single-threaded).
// Never throws for anything the network or the server does; those are in the result.
boost::asio::awaitable<TargetResult> probe_target(Target target, ProbeOptions options);

// The same on a private io_context, for callers that are not coroutines.
TargetResult probe_target_blocking(const Target& target, const ProbeOptions& options);

// The pure tail of a probe: per-version verdicts, chain choice and analysis, and the facts
// every judgement reads (result.facts). Findings, diagnosis and the verdict are judge/'s
// (judge::assess). Split out so tests can feed recorded attempts without sockets.
void conclude(TargetResult& result, const ProbeOptions& options);

// The facts part of conclude(): reached, works, works only for a variant, modern version.
// Reads result.probes and result.versions. Pure.
Facts decide_facts(const TargetResult& result);

}  // namespace tlsprobe::probe
