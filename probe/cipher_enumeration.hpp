// Cipher-suite and group enumeration with server preference, over raw hellos.
//
// The algorithm is separate from the sockets: it only needs "send a hello with these suites
// (and groups) for this version, tell me what the server chose" (HelloFn). The real HelloFn
// wraps raw_handshake; tests plug in a pure fake server.
//
// The walk: offer every candidate, remove what the server picks, repeat until it refuses.
// When the server enforces its own order each pick is its favourite of what is left, so the
// walk lists the accepted suites in the server's order; when it follows the client, in ours.
// One hello with the accepted suites reversed tells the two apart. Per enumerated version:
//
//   phase 1  suites: the walk over every candidate in one hello (one connection per accepted
//            suite + 1). If the server refuses that first hello and the list is longer than
//            intolerant_suites_per_hello, the walk is redone in interleaved blocks of that
//            size (some servers choke on long lists; the blocks then need phase 3).
//            SSL 2.0 needs one connection: the SERVER-HELLO lists every shared cipher kind.
//   phase 2  per version with >= 2 suites: the accepted suites reversed (1 connection); the
//            walk's first pick again = server preference, the reversed list's first = client
//            preference. Per version with ECDHE (or TLS 1.3): the same walk over the groups
//            (one connection per accepted group + 1). TLS 1.3 hellos of both walks carry no
//            key share, so the server answers with a HelloRetryRequest naming its choice and
//            does no key exchange or signature for us (a server that refuses such a hello
//            gets the walk again with key shares).
//   phase 3  per version with >= 2 groups: the accepted groups reversed (1 connection) tells
//            server from client group order. Block walks only (explicit max_suites_per_hello
//            or the intolerance fallback): the blocks, each in server order, are merged by
//            offering their heads (one connection per suite while two blocks are left).
//
// Connections per version, one block: accepted suites + accepted groups + 4 at most (a
// refusal ends each walk, one reversed hello each), SSL 2.0: 1. The test
// "enumeration (fake): connections = accepted suites + accepted groups + 4 per version" holds
// the algorithm to that.
//
// Walks run concurrently, at most `concurrency` at a time, and each walk holds at most one
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
    // TLS 1.3: send the preset's key shares (limited to `groups`). false = an empty key_share
    // list, so the server must answer with a HelloRetryRequest naming the group it prefers.
    bool key_shares = true;
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
    // 0: every candidate in one hello (the fewest connections; the walk gives the server's
    // order). N: blocks of at most N suites from the start (the old behaviour; needs merging).
    std::size_t max_suites_per_hello = 0;
    // When the one-hello walk is refused at once and the list is longer than this, the walk is
    // redone in blocks of this size: intolerant servers choke on long suite lists.
    std::size_t intolerant_suites_per_hello = 128;
    std::size_t max_groups_per_hello = 0;  // 0: every candidate group in one hello
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
    // Groups the server accepts: in its order when group_server_preference is true, else in
    // the order offered (tlsprobe's).
    std::vector<std::uint16_t> groups;
    std::vector<std::string> group_names;
    std::optional<bool> group_server_preference;  // nullopt: < 2 groups, or unclear answers
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
