// The client-simulation check: replays real clients' ClientHellos (the testssl.sh package's
// client-simulation.txt, wire/client_simulation.hpp) with the target's name in server_name and
// a fresh random, through the raw engine (one connection per client, at most
// `connections_per_target` at a time), and judges each answer as that client would:
//
//   version     the ServerHello's version lies outside the client's range, or the server
//               refused the hello and shares no version with it (the version probes say which
//               versions the server speaks)            -> no_shared_version
//   suite       the server refused the hello although a version is shared -> no_shared_suite
//   DH          the ServerKeyExchange's prime is below minDhBits (or above maxDhBits)
//   RSA/ECDSA   the server's key (the certificate of this answer; TLS 1.3: the probe's
//               analysed chain) is below minRsaBits / minEcdsaBits
//   SHA-1       requiresSha2 and a served certificate below the anchor is signed with SHA-1/MD5
//   SNI         the client sends no server_name and the certificate it gets does not cover
//               the name (the default site's certificate)
//   trust       the analysed chain is not trusted by the client's platform store
//               (TargetResult::trust, platform_store_of())
//
// TLS 1.3 answers are encrypted after the ServerHello: what the ServerHello shows plus the
// probe's analysed chain (or, for a client without SNI, the no-SNI attempt's certificate).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "engine/raw_client.hpp"
#include "probe/check.hpp"
#include "wire/client_simulation.hpp"

namespace tlsprobe::probe {
struct StoreVerdict;
}

namespace tlsprobe::probe::checks {

enum class ClientFailure {
    none,               // connected
    no_shared_version,  // no protocol version both speak
    no_shared_suite,    // a version is shared, no cipher suite
    dh_too_small,       // DHE prime below the client's minimum
    dh_too_large,       // DHE prime above the client's maximum (Java 7: 1024)
    rsa_too_small,      // server RSA key below the client's minimum
    ecdsa_too_small,    // server ECDSA key below the client's minimum
    sha1_rejected,      // a SHA-1 (or MD5) signed certificate, the client requires SHA-2
    default_certificate,  // no SNI: the default site's certificate, which does not cover the name
    untrusted,          // the chain is not trusted in the client's platform store
    failed,             // the connection failed otherwise (reset, timeout, protocol error)
};
std::string_view to_string(ClientFailure f);

struct ClientOutcome {
    std::string name;   // "Chrome 101 (Win 10)"
    bool current = false;
    std::string store;  // the platform trust store it is judged with ("Microsoft")
    bool connected = false;
    std::optional<core::Version> version;
    std::string suite;         // IANA name
    std::string key_exchange;  // "ECDHE x25519", "DHE 2048", "RSA"
    std::optional<int> key_exchange_bits;
    std::string server_key;    // "RSA 2048", "EC 256"
    ClientFailure failure = ClientFailure::none;
    std::string detail;  // why it fails, one sentence
};

// Connected clients that negotiated the same thing: "TLS 1.3 TLS_AES_128_GCM_SHA256 ECDHE
// x25519" and the clients' names.
struct ClientGroup {
    std::string negotiated;
    std::vector<std::string> names;  // in data-file order
};

class ClientsResult final : public CheckResult {
public:
    std::string note;       // why nothing was simulated (no data file), else empty
    std::vector<ClientOutcome> clients;  // in data-file order

    std::vector<const ClientOutcome*> failing(bool current_only) const;
    // The connected current clients grouped by protocol, suite and key exchange: the biggest
    // group first, ties in the order their first client appears.
    std::vector<ClientGroup> connected_groups() const;
    // Every client in report order: the failing current ones, the failing older ones, then
    // the connected ones (current first), each part in data-file order.
    std::vector<const ClientOutcome*> report_order() const;

    std::string_view kind() const override { return "clients"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    // Failing current clients one line each with the reason, then "all N current clients
    // connect" or the connected ones by connected_groups(), then the older clients by reason.
    std::vector<std::string> text() const override;
    // The client grid: one row per client in report_order(): client, result, protocol, suite,
    // key exchange, server key, reason.
    std::optional<CheckTable> table() const override;
};

// The platform trust store a client is judged with, from its name: Firefox, Thunderbird and
// Tor -> Mozilla; Safari, Apple clients and anything on OS X/macOS/iOS -> Apple; Chrome,
// Edge, IE, Opera and Bing on Windows -> Microsoft; Java -> Java; everything else (Android,
// OpenSSL, go, curl, crawlers) -> Linux.
std::string platform_store_of(std::string_view client_name);

class ClientsCheck final : public CheckKind {
public:
    std::string_view id() const override { return "clients"; }
    std::string_view title() const override { return "Client simulation"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: one client's answer judged as that client would. `default_chain`: for a
    // client without SNI that was served another chain than the analysed one (the default
    // site's), that chain verified against the client's store (run() makes it; null = the
    // analysed chain's verdict in `result.trust` applies).
    static ClientOutcome judge(const wire::ClientProfile& profile, const engine::RawResult& answer,
                               const TargetResult& result,
                               const StoreVerdict* default_chain = nullptr);
};

}  // namespace tlsprobe::probe::checks
