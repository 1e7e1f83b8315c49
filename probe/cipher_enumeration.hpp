// Cipher-suite and group enumeration with server preference, over raw hellos.
//
// The algorithm is separate from the sockets: it only needs "send a hello with these suites
// (and groups) for this version, tell me what the server chose" (HelloFn). The real HelloFn
// wraps raw_handshake; tests plug in a pure fake server.
//
//   phase 1, per version, all versions at once: the candidate suites are split into blocks of
//            at most max_suites_per_hello (interleaved, so accepted suites spread evenly);
//            each block is a chain "offer the block, remove what the server picks, repeat"
//            until the server refuses: one connection per accepted suite + one per block.
//            SSL 2.0 needs one connection: the SERVER-HELLO lists every shared cipher kind.
//   phase 2  per version with >= 2 suites: offer them forward and reversed (2 connections);
//            same pick = server preference, each list's first = client preference.
//            Per version with ECDHE (or TLS 1.3): the groups, by the same chain over groups.
//   phase 3  server preference: merge the phase-1 chains (each already in server order)
//            by offering their heads: one connection per suite while two chains are left.
//
// Chains run concurrently, at most `concurrency` at a time, and each chain holds at most one
// connection, so no more than `concurrency` connections are open to the target at once.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "engine/engines.hpp"
#include "probe/key_exchange.hpp"
#include "wire/cipher_suites.hpp"

namespace tlsprobe::probe {

// One hello the enumeration wants sent.
struct HelloRequest {
    core::Version version = core::Version::tls1_2;
    std::vector<std::uint32_t> cipher_suites;  // in this order (SSL 2.0: 3-byte kinds); never empty
    std::vector<std::uint16_t> groups;         // supported_groups; empty = the preset's list
};

// What the server did with it.
struct ServerChoice {
    enum class Outcome {
        chose,    // a ServerHello / HRR / SERVER-HELLO for the requested version
        refused,  // alert, RST, FIN, or a lower version: nothing in the offer is acceptable
        failed,   // timeout, connect failure, not TLS, a broken answer: evidence is missing
    };
    Outcome outcome = Outcome::failed;
    std::uint32_t cipher_suite = 0;           // chose: the suite (SSL 2.0: first shared kind)
    std::vector<std::uint32_t> ssl2_ciphers;  // SSL 2.0: every kind the SERVER-HELLO lists
    std::optional<std::uint16_t> group;       // ECDHE / TLS 1.3 group, when the flight shows it
    std::optional<int> dh_bits;               // DHE prime size from ServerKeyExchange
    DhParams dh;                              // DHE: the ServerDHParams themselves
    std::string detail;                       // refused / failed: what happened
};
std::string_view to_string(ServerChoice::Outcome o);

using HelloFn = std::function<boost::asio::awaitable<ServerChoice>(HelloRequest)>;

struct EnumerationOptions {
    std::vector<core::Version> versions{core::all_versions.begin(), core::all_versions.end()};
    std::size_t concurrency = 8;             // connections open at once (>= 1)
    std::size_t max_suites_per_hello = 128;  // intolerant servers choke on long suite lists
    std::size_t max_groups_per_hello = 8;
    bool groups = true;                  // enumerate supported groups (ECDHE, TLS 1.3)
    bool preference = true;              // determine server preference and its order
    std::size_t max_connections = 4000;  // hard budget; further hellos fail with an error
};

struct AcceptedSuite {
    std::uint32_t code = 0;
    std::string name;  // IANA name (SSL 2.0: SSL_CK_...)
    wire::Strength strength = wire::Strength::insecure;
    bool forward_secrecy = false;
    std::string group;           // group chosen with it when first seen ("x25519", "ffdhe2048")
    std::optional<int> dh_bits;  // DHE prime size when first seen
    DhParams dh;                 // DHE: the ServerDHParams when first seen
};

struct VersionCiphers {
    core::Version version = core::Version::tls1_2;
    bool enumerated = false;  // the version was asked for
    // Server preference order when server_preference is true, else the client's (tlsprobe's
    // preset) order, strongest first.
    std::vector<AcceptedSuite> suites;
    std::optional<bool> server_preference;  // nullopt: fewer than 2 suites, or inconsistent answers
    std::vector<std::uint16_t> groups;      // groups the server accepts, in the order found
    std::vector<std::string> group_names;
    std::size_t connections = 0;      // connections used for this version
    std::vector<std::string> errors;  // failed connections: the list may be incomplete
    bool complete() const { return errors.empty(); }
};

struct CipherEnumeration {
    std::array<VersionCiphers, 6> versions{};  // indexed by Version; enumerated tells which ran
    std::size_t connections = 0;
    std::vector<std::string> errors;  // every version's errors, prefixed with the version
    const VersionCiphers& version(core::Version v) const {
        return versions[static_cast<std::size_t>(v)];
    }
};

// The algorithm. Runs on the caller's executor, which must be single-threaded.
boost::asio::awaitable<CipherEnumeration> enumerate_ciphers(HelloFn hello,
                                                            EnumerationOptions options);

// The suites tried for `v`, in tlsprobe's preference order (strongest first).
std::vector<std::uint32_t> enumeration_candidates(core::Version v);
// The groups tried for `v`: every group of the presets; TLS <= 1.2 without the FFDHE ones
// (RFC 7919 groups only matter for DHE suites, which report their prime instead) and with
// every curve below 128-bit security (wire::weak_ec_groups()).
std::vector<std::uint16_t> enumeration_groups(core::Version v);

// ---- The real server ---------------------------------------------------------------------

// The ClientHello for a request (pure): the version preset with the requested suites and
// groups (TLS 1.3: key shares limited to the requested groups; none left = the server must
// answer with a HelloRetryRequest).
engine::RawHello enumeration_hello(const HelloRequest& request,
                                   const std::optional<std::string>& sni);
// Maps one raw exchange to what the enumeration needs (pure).
ServerChoice to_server_choice(const engine::RawResult& result, const HelloRequest& request);
// A HelloFn that sends each request as a raw hello to `peer` through `engines`, which must
// outlive the function.
HelloFn raw_hello_fn(engine::Engines& engines, boost::asio::ip::tcp::endpoint peer,
                     engine::RawProbeOptions options);

// enumerate_ciphers(raw_hello_fn(peer, probe), options).
boost::asio::awaitable<CipherEnumeration> enumerate_ciphers(engine::Engines& engines,
                                                            boost::asio::ip::tcp::endpoint peer,
                                                            engine::RawProbeOptions probe,
                                                            EnumerationOptions options);

}  // namespace tlsprobe::probe
