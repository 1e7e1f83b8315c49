// The finite-field DH groups a server uses, judged as values: size, primality, safe prime,
// generator and public keys in the prime-order subgroup, RFC groups OpenSSL knows, and the
// known common primes of testssl.sh's list (/etc/testssl/common-primes.txt, read at run time).
// Pure apart from load_common_primes(), which reads the list.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace tlsprobe::probe {

// A server's finite-field DH parameters as sent in one ServerKeyExchange (ServerDHParams,
// big-endian; RFC 5246 §7.4.3). Empty when not seen.
struct DhParams {
    core::Bytes p, g, ys;
    bool empty() const { return p.empty(); }
    bool operator==(const DhParams&) const = default;
};

// Where tlsprobe looks for the common-prime list by default: Debian's testssl.sh package.
inline constexpr std::string_view kDefaultCommonPrimesFile = "/etc/testssl/common-primes.txt";

// Primality (p and (p-1)/2) is tested up to this size; larger groups are not tested.
// BN_check_prime (128 Miller-Rabin rounds above 2048 bits) on a safe prime and its q, measured
// on a loaded 2-core machine: 2048 bits 0.35 s, 3072 bits 2.3 s, 4096 bits 5.5 s, 8192 bits
// 41 s. A composite fails in under a millisecond. The published RFC groups are never tested.
inline constexpr int kMaxPrimalityBits = 4096;
// Groups larger than this are not analysed at all beyond their size.
inline constexpr int kMaxAnalysedDhBits = 16384;
// At most this many distinct groups per target are analysed (a server that makes a new
// group per connection is told apart by its count, not by testing each).
inline constexpr std::size_t kMaxDhGroups = 8;
// At most this many public keys (Ys) per group are checked.
inline constexpr std::size_t kMaxDhPublicKeys = 64;

struct CommonPrime {
    std::string name;       // from the `# "..."` comment before it; "unnamed" without one
    std::string prime_hex;  // upper case, no leading zeros
};

struct CommonPrimes {
    bool loaded = false;  // false: the check is not done (`error` says why)
    std::string error;
    std::string source;  // the file read
    std::vector<CommonPrime> primes;
};

// The list format of testssl.sh's common-primes.txt: `# "name"` comment lines, each followed by
// a line of hex digits (the prime); blank and other lines ignored. Defensive: lines longer than
// 8192 characters and entries past 10000 are skipped.
CommonPrimes parse_common_primes(std::string_view text);
// Reads and parses `file` (at most 4 MiB). A missing or unreadable file is a value
// (loaded = false, error set), never an exception.
CommonPrimes load_common_primes(const std::filesystem::path& file);
// load_common_primes() read once per process and file: later calls return the same list while
// the file keeps its size and modification time (a scan analyses DH groups on every target).
std::shared_ptr<const CommonPrimes> shared_common_primes(const std::filesystem::path& file);

// What tlsprobe found about one DH group (p, g) a server used.
struct DhGroupFacts {
    int bits = 0;               // bit length of p
    std::string prime_hex;      // upper case, no leading zeros; empty above kMaxAnalysedDhBits
    std::string generator_hex;  // upper case, no leading zeros
    // RFC group OpenSSL knows with this p ("ffdhe2048", "modp_2048", "dh_1024_160",
    // "rfc2409_1024"); empty when none.
    std::string standard_name;
    std::optional<bool> prime;       // nullopt: not tested (too large)
    std::optional<bool> safe_prime;  // (p-1)/2 prime as well; nullopt: not tested
    // g generates the prime-order subgroup (safe prime: g^q = 1, q = (p-1)/2; a standard group:
    // its published q); with q unknown only 1 < g < p-1. nullopt: not checked.
    std::optional<bool> generator_ok;
    // Every Ys seen: 1 < Ys < p-1 and, q known, Ys^q = 1. nullopt: none seen or not checked.
    std::optional<bool> public_keys_ok;
    std::size_t public_keys_checked = 0;
    // A known common prime: the list entry's name; nullopt when not in the list or the check
    // was not done (common_prime_checked says which).
    std::optional<std::string> common_prime;
    bool common_prime_checked = false;
    std::vector<std::string> problems;  // each failed validity test, one sentence each
    std::vector<std::string> notes;     // what was not tested and why
    // The suites it was seen with: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.2)".
    std::vector<std::string> seen_with;

    bool invalid() const { return !problems.empty(); }
};

// Analyses one group: `public_keys` are the Ys values the server sent with it (at most
// kMaxDhPublicKeys are checked), `common` the common-prime list (nullptr: check not done).
DhGroupFacts analyze_dh_group(const core::Bytes& p, const core::Bytes& g,
                              std::span<const core::Bytes> public_keys, const CommonPrimes* common);

// Upper-case hex of a big-endian unsigned integer without leading zeros ("0" for zero).
std::string big_hex(core::ByteView big_endian);

}  // namespace tlsprobe::probe
