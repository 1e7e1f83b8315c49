// A hostile TLS server on loopback: one thread (lab/server_thread.hpp), one named mode per
// server, each mode a small script of what a broken, slow or malicious peer sends. The suite
// in tests/hostile_test.cpp probes every mode with both engines and checks that each attempt
// ends in time, with a truthful status, and without unbounded memory.
//
// Every loop here is bounded in bytes (kMaxHostileBytes per connection) and in time (the
// lab's kConnectionLifetime watchdog); endless modes stop when the client goes away.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "core/bytes.hpp"
#include "lab/loopback.hpp"

namespace tlsprobe::lab {

// The most an endless mode writes on one connection before it holds (far past any client limit).
inline constexpr std::size_t kMaxHostileBytes = 64 * 1024 * 1024;

enum class HostileMode {
    // A real server (HostileOptions::upstream_port, e.g. a lab::TlsServer) behind a relay that
    // cuts its replies into tiny TCP segments.
    relay_drip,  // 1-byte segments, HostileOptions::gap (default 2 ms) apart: slow, not broken
    relay_fragment_4,  // 4-byte segments, no gap
    relay_fragment_7,  // 7-byte segments, no gap
    // A canned first flight (HostileOptions::flight) after the ClientHello.
    canned_fragmented,  // in HostileOptions::segment-byte segments, then FIN
    canned_cut_fin,     // its first HostileOptions::cut_at bytes, then FIN
    canned_cut_rst,     // its first HostileOptions::cut_at bytes, then RST
    // Endless streams after the ClientHello (until the client leaves or kMaxHostileBytes).
    endless_random,               // random bytes (fixed seed)
    endless_hello_requests,       // handshake records full of HelloRequest messages: valid, never a
                                  // ServerHello
    endless_warning_alerts,       // warning alerts unrecognized_name (112), one per record
    endless_heartbeat,            // heartbeat records (content type 24)
    endless_empty_records,        // zero-length handshake records
    endless_change_cipher_spec,   // ChangeCipherSpec records
    endless_handshake_fragments,  // a valid ServerHello, then a Certificate message claiming
                                  // ~1 MiB, in handshake records of 1 byte each
    // One malformed answer, then FIN.
    oversize_handshake_length,  // ServerHello header claiming 2^24-1 bytes, then records of filler
    oversize_record,            // a record of 2^14+2048+1 bytes
    sh_truncated_length,        // ServerHello whose message length stops inside the session id
    sh_overlong_length,         // ServerHello whose message length claims 100 bytes more than sent
    sh_unknown_version,         // ServerHello legacy_version 0x0305, no supported_versions
    sh_tls13_legacy_ssl3,    // TLS 1.3 ServerHello (supported_versions 0x0304) with legacy_version
                             // 0x0300
    sh_session_id_33,        // session_id length 33
    sh_duplicate_extension,  // renegotiation_info twice
    sh_extension_past_end,   // extensions length past the end of the message
    sh_then_hold,            // a valid TLS 1.2 ServerHello alone, then silence
    sh_unoffered_extension,  // TLS 1.2 ServerHello with heartbeat (15), which no client offered
    sh_unoffered_suite,      // TLS 1.2 ServerHello choosing GREASE suite 0x0a0a (RFC 8701)
    sh_unoffered_compression,  // TLS 1.2 ServerHello choosing compression method 1 (DEFLATE)
    hrr_loop,                  // every ClientHello (the retried one too) gets a HelloRetryRequest
    hrr_unoffered_group,       // HelloRetryRequest for group 0x7a7a, never offered
    alert_unknown_255,         // fatal alert, description 255
    alert_fatal_as_warning,    // alert handshake_failure (40) with level warning (1)
    ssl2_absurd_lengths,  // SSL 2.0 SERVER-HELLO whose certificate/cipher/id lengths are 0xffff
    content_type_0,       // a record of content type 0
    content_type_99,      // a record of content type 99
    // Connection-level behaviour.
    never_read,          // accepts, never reads the ClientHello, holds
    immediate_rst,       // accepts, then RST at once
    trickle_per_second,  // a canned ServerHello (or HostileOptions::flight), one byte per second
};

std::string_view to_string(HostileMode m);
std::span<const HostileMode> all_hostile_modes();

struct HostileOptions {
    unsigned short upstream_port = 0;  // relay modes: the real server on 127.0.0.1
    std::chrono::milliseconds gap{2};  // relay_drip: pause between segments
    core::Bytes flight;                // canned modes (and trickle_per_second when set)
    std::size_t segment = 1;           // canned_fragmented: bytes per segment (>= 1)
    std::size_t cut_at = 0;            // canned_cut_*: bytes sent before the cut
};

class HostileServer {
public:
    // Listens on `where`:0; throws boost::system::system_error if it cannot bind.
    explicit HostileServer(HostileMode mode, HostileOptions options = {},
                           Loopback where = Loopback::ipv4);
    // Closes the listener and every connection; returns within seconds at worst.
    ~HostileServer();
    HostileServer(const HostileServer&) = delete;
    HostileServer& operator=(const HostileServer&) = delete;

    unsigned short port() const;
    std::size_t connections() const;  // TCP connections accepted so far

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The ServerHello record some modes send, valid on its own (TLS 1.2, suite 0xc02f): for tests.
core::Bytes hostile_server_hello();

}  // namespace tlsprobe::lab
