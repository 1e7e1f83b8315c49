// Scripted servers for the raw-hello engine (RawScript, lab/raw_server.hpp): canned first
// flights, a server that negotiates from a cipher-suite policy with server or client
// preference, and one that resets hellos of 256-511 bytes. They parse the ClientHello with
// tls/wire/client_hello_parser.hpp and answer with real records, but never finish a handshake:
// after the first flight they close (FIN).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/version.hpp"
#include "lab/raw_server.hpp"

namespace tlsprobe::lab {

// Sends `flight` after the ClientHello, then FIN (the fixtures in tests/data/flights/).
RawScript canned_flight(core::Bytes flight);

// A server that accepts exactly `suites` and answers with a valid first flight for the suite
// it picks: ServerHello (+ Certificate + ServerKeyExchange + ServerHelloDone for TLS <= 1.2;
// ServerHello with key_share, or a HelloRetryRequest when the client sent no usable share,
// for TLS 1.3). What it refuses gets a fatal alert: protocol_version (70) below min_version,
// handshake_failure (40) when nothing is shared.
struct CipherPolicy {
    std::vector<std::uint16_t> suites;  // the server's order
    bool server_preference = true;      // pick by the server's order, else by the client's
    core::Version min_version = core::Version::ssl3;
    core::Version max_version = core::Version::tls1_2;
    std::vector<std::uint16_t> groups{29 /* x25519 */, 23 /* secp256r1 */};  // server's order
    int dh_bits = 2048;       // DHE prime size announced in ServerKeyExchange
    core::Bytes certificate;  // DER leaf sent in Certificate (TLS <= 1.2); empty: an empty list
    // The hello-feature behaviours (TLS <= 1.2), each only when the client offered it:
    bool deflate = false;                 // choose DEFLATE compression (1, RFC 3749): CRIME
    bool secure_renegotiation = true;     // echo renegotiation_info (RFC 5746 §3.6)
    bool extended_master_secret = false;  // echo extended_master_secret (RFC 7627 §5.2)
    bool encrypt_then_mac = false;        // echo encrypt_then_mac with a CBC suite (RFC 7366 §2)
    // Refuse a hello carrying TLS_FALLBACK_SCSV whose highest version is below max_version
    // with inappropriate_fallback (86, RFC 7507 §3); false: ignore the SCSV.
    bool fallback_scsv = false;
    bool heartbeat = false;  // echo the heartbeat extension (RFC 6520 §2), peer_allowed_to_send
};
RawScript cipher_policy_server(CipherPolicy policy);

// The first flight cipher_policy_server answers `client_hello` with (pure; for tests).
core::Bytes cipher_policy_reply(const CipherPolicy& policy, core::ByteView client_hello);

// Heartbleed (CVE-2014-0160): the policy server (heartbeat extension echoed) answering a
// heartbeat request with as many payload bytes as the request claims, as OpenSSL 1.0.1-1.0.1f
// did without its bounds check: past the real payload, a fixed pattern stands in for the
// process memory. Then FIN.
RawScript heartbleed_server(CipherPolicy policy);
// The bytes that stand in for leaked memory in heartbleed_server's answers.
inline constexpr std::string_view kLeakPattern = "LAB-MEMORY:secret-key-bytes;";

// CCS injection (CVE-2014-0224): the policy server that takes a ChangeCipherSpec before the
// key exchange silently (no alert) and waits for more, as OpenSSL before 1.0.1h did.
RawScript ccs_accepting_server(CipherPolicy policy);

// Resets (RST, no reply) every TLS ClientHello whose handshake message is 256-511 bytes long,
// as F5 BIG-IP and some other stacks did; answers the others like `inner`.
RawScript size_intolerant(RawScript inner);

}  // namespace tlsprobe::lab
