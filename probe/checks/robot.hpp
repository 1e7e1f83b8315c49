// ROBOT (Return Of Bleichenbacher's Oracle Threat; Böck, Somorovsky, Young 2017;
// CVE-2017-13099 and its vendor siblings): does the server answer an RSA key transport
// (RFC 5246 §7.4.7.1) differently depending on whether the PKCS#1 v1.5 padding of the
// encrypted pre-master secret is correct? A server that does is a Bleichenbacher oracle: an
// attacker who recorded a session can decrypt it, or sign with the server's key.
//
// The wire test is the published one (robot-detect, testssl.sh and sslyze send the same five
// test vectors): one raw connection per vector, a ClientHello offering the RSA key-transport
// suites the enumeration found accepted (highest TLS version <= 1.2), and after the server's
// first flight a ClientKeyExchange whose EncryptedPreMasterSecret is the vector encrypted
// with the served certificate's RSA key (raw RSA on a block built here), then a
// ChangeCipherSpec and a Finished of garbage (no key is known to encrypt a real one). The
// vectors (k = modulus length in bytes, 48-byte pre-master secret):
//
//   valid                00 02 | k-51 non-zero bytes | 00 | client version | 46 bytes
//   wrong_first_bytes    41 17 | ...                 | 00 | client version | 46 bytes
//   wrong_00_position    00 02 | k-51 non-zero bytes | 11 | 46 bytes | 00 11
//   no_00_separator      00 02 | k-51 non-zero bytes | 11 11 11 | 46 bytes
//   wrong_version        00 02 | k-51 non-zero bytes | 00 | 02 02 | 46 bytes
//
// Each answer is reduced to what a client can see (an alert and its description, another
// record, FIN, RST, silence). Identical answers to all five: then the vectors without the
// ChangeCipherSpec and Finished (some servers only differ when they have to wait), each
// answer awaited for a wait derived from the first round (short_wait(): 4x the slowest
// answered connection, at least 0.1 s, at most the probe timeout; 0.4 s when none answered):
// valid and wrong_first_bytes first, the other three only when those two differ (a fixed
// server is silent to all, and each silence costs the wait).
// Different answers: the five are sent again once, and an answer that changes makes the
// result unknown (noise, not an oracle).
// Classification (the ROBOT paper's, as robot-detect and sslyze do it): when the three
// malformed paddings (wrong_first_bytes, wrong_00_position, no_00_separator) get the same
// answer, only a fully conforming message is told apart: a weak oracle (medium); otherwise a
// strong oracle (high). At most 15 connections, one at a time; 7 for a fixed server.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"
#include "engine/raw_client.hpp"
#include "probe/check.hpp"
#include "probe/checks/vulnerabilities.hpp"

namespace tlsprobe::probe::checks {

enum class RobotVector {
    valid,
    wrong_first_bytes,
    wrong_00_position,
    no_00_separator,
    wrong_version,
};
inline constexpr std::array<RobotVector, 5> kRobotVectors{
    RobotVector::valid, RobotVector::wrong_first_bytes, RobotVector::wrong_00_position,
    RobotVector::no_00_separator, RobotVector::wrong_version};
std::string_view to_string(RobotVector v);

enum class RobotOracle {
    none,    // the same answer to every vector, in both modes
    weak,    // only a conforming message is told apart
    strong,  // malformed paddings are told apart from each other
    unknown, // not tested, or the answers changed when repeated
};
std::string_view to_string(RobotOracle o);

// The answers to the five vectors in one mode, in kRobotVectors order ("alert
// bad_record_mac (20)", "reset", "closed", "timeout", ...).
using RobotAnswers = std::array<std::string, 5>;

class RobotResult final : public CheckResult {
public:
    Vulnerability item;  // id "robot", CVEs, status, evidence, note
    RobotOracle oracle = RobotOracle::unknown;
    std::optional<core::Version> version;  // the version the hellos offered
    std::string suite;                     // the suite the server chose (first connection)
    int modulus_bits = 0;                  // the certificate's RSA key
    // Answers with the ChangeCipherSpec and Finished, and without them (empty: not sent).
    std::optional<RobotAnswers> full;
    std::optional<RobotAnswers> short_flight;
    bool repeated = false;  // a difference was seen and the vectors were sent again
    // How long each answer of the round without ChangeCipherSpec/Finished was awaited.
    std::optional<std::chrono::milliseconds> short_wait;
    int connections = 0;

    std::string_view kind() const override { return "robot"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class RobotCheck final : public CheckKind {
public:
    std::string_view id() const override { return "robot"; }
    std::string_view title() const override { return "ROBOT (Bleichenbacher oracle, CVE-2017-13099)"; }
    bool intrusive() const override { return true; }
    std::span<const FindingKind> finding_kinds() const override;
    // An RSA key-transport suite accepted in SSL 3.0-TLS 1.2 and an RSA leaf certificate.
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure parts, for tests.
    // The plaintext block for `vector`, `modulus_bytes` long (>= 64), for a hello of `client`.
    static core::Bytes padded_block(RobotVector vector, std::size_t modulus_bytes,
                                    core::Version client);
    // Raw RSA (no padding) of `block` with the public key of the certificate `der`; nullopt
    // when it holds no RSA key or the block does not fit the modulus.
    static std::optional<core::Bytes> encrypt(core::ByteView der, core::ByteView block);
    // The RSA modulus length in bytes of the certificate `der`'s key; 0 when not RSA.
    static std::size_t modulus_bytes(core::ByteView der);
    // The records sent after the server's flight: ClientKeyExchange with `encrypted`, then
    // (with `finish`) ChangeCipherSpec and a garbage encrypted Finished.
    static core::Bytes after_flight(core::ByteView encrypted, core::Version v, bool finish);
    // One answer as the comparison sees it.
    static std::string answer(const engine::RawResult& attempt);
    // The classification of one mode's answers (none / weak / strong).
    static RobotOracle classify(const RobotAnswers& answers);
    // The wait for each answer of the round without ChangeCipherSpec/Finished, from the
    // slowest connection of the first round that got an answer (connect, hello, flight and
    // the answer to the key exchange; nullopt when every one ended in silence): 4x that, at
    // least kShortWaitFloor, at most `timeout`; kShortWaitDefault (capped) without a figure.
    static constexpr std::chrono::milliseconds kShortWaitFloor{100};
    static constexpr std::chrono::milliseconds kShortWaitDefault{400};
    static std::chrono::milliseconds short_wait(std::optional<std::chrono::microseconds> slowest,
                                                std::chrono::milliseconds timeout);
};

}  // namespace tlsprobe::probe::checks
