// The result of probing one target: every attempt with its evidence, and what follows
// from them. Renderers read this and nothing else.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probe/finding.hpp"
#include "probe/target.hpp"
#include "tls/chain_analysis.hpp"
#include "tls/observation.hpp"

namespace tlsprobe::probe {

// Which engine made an attempt.
enum class Engine { openssl, raw };
std::string_view to_string(Engine e);

// One connection attempt the plan asks for.
struct ProbeSpec {
    std::string id;                          // stable: "tls1_2", "offer_all", later "no_sni", ...
    std::optional<tls::Version> version;     // pinned version; nullopt = offer everything
    std::optional<std::string> sni;
    Engine engine = Engine::openssl;
};

struct ProbeRecord {
    ProbeSpec spec;
    tls::Observation observation;
};

// What the report says about one protocol version.
struct VersionResult {
    tls::Version version = tls::Version::tls1_2;
    std::optional<bool> supported;     // nullopt = could not tell (unreachable, local library)
    tls::Status status = tls::Status::local_unsupported;
    tls::Phase phase = tls::Phase::connect;
    std::string source;                // "openssl", "raw", "both", "none"
    std::optional<std::uint8_t> alert;
    std::string cipher;                // the suite chosen when negotiated
    std::string detail;
};

struct TargetResult {
    Target target;
    std::vector<std::string> resolved;   // every address the name resolved to
    std::string address;                 // the one probed
    std::chrono::system_clock::time_point started;
    std::chrono::microseconds duration{0};

    std::vector<ProbeRecord> probes;     // in plan order
    std::array<VersionResult, 6> versions{};  // indexed by tls::Version

    std::optional<tls::ChainReport> chain;  // the chain of the best handshake, analysed
    std::string chain_source;               // id of the probe whose chain was analysed
    std::vector<std::string> chain_differs; // probe ids that were served another chain

    std::vector<Finding> findings;       // most severe first

    const VersionResult& version(tls::Version v) const { return versions[static_cast<std::size_t>(v)]; }
    const ProbeRecord* probe(std::string_view id) const;
    // True when at least one handshake completed.
    bool any_negotiated() const;
    // True when the target was never reached: every attempt ended in DNS/refused/unreachable/connect timeout.
    bool unreachable() const;
    // The most severe finding's severity, nullopt when there is none.
    std::optional<Severity> worst_severity() const;
};

}  // namespace tlsprobe::probe
