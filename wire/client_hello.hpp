// ClientHello encoders: SSL 3.0, TLS 1.0-1.2 and TLS 1.3 hellos from one spec, and the SSL 2.0
// CLIENT-HELLO (see ssl2.hpp). Every function returns complete record bytes, ready to send.
//
// Two server quirks shape every hello (docs: DIAGNOSIS.md):
//  * Windows Server 2019 drops TLS 1.2 hellos that carry neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV
//    nor the renegotiation_info extension, so the spec cannot express "neither" (RFC 5746 §3.3).
//  * Some stacks (F5 BIG-IP among them) fail on hellos whose handshake message is 256-511 bytes
//    long, so hellos are padded to at least 512 bytes with the padding extension (RFC 7685 §4).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/version.hpp"
#include "wire/key_share.hpp"

namespace tlsprobe::wire {

// How the hello tells the server it supports secure renegotiation (RFC 5746): always one of them.
enum class RenegotiationSignal { scsv, extension };
std::string_view to_string(RenegotiationSignal r);

struct ClientHelloSpec {
    // TLSPlaintext.legacy_record_version. 0x0301 is the compatible choice for every hello up to
    // TLS 1.3 (RFC 8446 §5.1); SSL 3.0 hellos use 0x0300.
    core::Version record_version = core::Version::tls1_0;
    // Highest version offered. ClientHello.legacy_version = min(max_version, TLS 1.2)
    // (RFC 8446 §4.1.2); TLS 1.3 is offered with supported_versions. ssl3 writes an SSL 3.0
    // hello without extensions (RFC 6101 §5.6.1.2): renegotiation then always uses the SCSV and
    // there is no padding.
    core::Version max_version = core::Version::tls1_2;
    std::array<std::uint8_t, 32> random{};  // fill with random32(); fixed in golden tests
    core::Bytes session_id;  // legacy_session_id, 0..32 bytes (32 random bytes for TLS 1.3
                             // middlebox compat)
    std::vector<std::uint16_t>
        cipher_suites;                       // in preference order; SCSVs are added by the encoder
    std::optional<std::string> server_name;  // SNI host_name (RFC 6066 §3); nullopt: no extension
    std::vector<std::string> alpn;           // RFC 7301 §3.1; empty: no extension
    std::vector<std::uint16_t> supported_groups;      // RFC 8446 §4.2.7 / RFC 8422 §5.1.1
    std::vector<std::uint16_t> signature_algorithms;  // RFC 8446 §4.2.3 / RFC 5246 §7.4.1.4.1
    std::vector<std::uint8_t> ec_point_formats;       // RFC 8422 §5.1.2; {0} = uncompressed
    std::vector<KeyShareEntry>
        key_shares;  // RFC 8446 §4.2.8; sent (maybe empty) when offering TLS 1.3
    std::vector<std::uint8_t> psk_key_exchange_modes;  // RFC 8446 §4.2.9
    std::vector<core::Version>
        supported_versions;              // RFC 8446 §4.2.1, highest first; empty: omitted
    bool extended_master_secret = true;  // RFC 7627 §5.1, empty extension
    bool session_ticket = false;         // RFC 5077 §3.2, empty extension
    core::Bytes session_ticket_data;     // with session_ticket: a ticket to resume (Ticketbleed)
    RenegotiationSignal renegotiation = RenegotiationSignal::scsv;
    bool fallback_scsv = false;  // TLS_FALLBACK_SCSV (RFC 7507 §4): for downgrade-retry probes
    std::size_t pad_to = 512;    // minimum handshake-message length (RFC 7685); 0: never pad
    // legacy_compression_methods, in order; {1, 0} offers DEFLATE (RFC 3749) for the CRIME check.
    std::vector<std::uint8_t> compression_methods{0};
    bool encrypt_then_mac = false;  // RFC 7366 §2, empty extension (before extended_master_secret)
    bool heartbeat = false;  // RFC 6520 §2, mode peer_allowed_to_send (after extended_master_secret)
};

// The hello as record bytes (several records when the message exceeds 2^14 bytes, RFC 8446
// §5.1). Extensions, in this order and only when the spec asks for them: renegotiation_info,
// server_name, ec_point_formats, supported_groups, session_ticket, ALPN, encrypt_then_mac,
// extended_master_secret, heartbeat,
// signature_algorithms, supported_versions, psk_key_exchange_modes, key_share, padding (last,
// as OpenSSL and BoringSSL place it: there is no pre_shared_key that would have to follow).
core::Bytes encode_client_hello(const ClientHelloSpec& spec);

// The Handshake message alone (type 1, 3-byte length, body), without record framing.
core::Bytes encode_client_hello_message(const ClientHelloSpec& spec);

// Wraps a handshake message in handshake records of at most 2^14 bytes each.
core::Bytes frame_handshake_records(core::ByteView message, core::Version record_version);

}  // namespace tlsprobe::wire
