// A full TLS session with the local OpenSSL, for the checks that need more than a handshake:
// resuming a session from an earlier connection (session ID, ticket, TLS 1.3 PSK), asking for
// a stapled OCSP response, one HTTP request over the negotiated connection, client-initiated
// renegotiation. Same engine as openssl_handshake() (openssl_client.cpp), same bounds: every
// read is limited by the spec's timeout and by bytes, nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/observation.hpp"
#include "engine/openssl_client.hpp"

namespace tlsprobe::engine {

// A session OpenSSL can resume, from an earlier connection's result: `native` holds its
// SSL_SESSION (null in the tests' fake engines, which only pass the object back).
struct TlsSession {
    std::shared_ptr<void> native;
};

struct SessionSpec {
    HandshakeSpec handshake;
    // Offer this session for resumption (a session ID, a ticket or a TLS 1.3 PSK, whatever it
    // holds); null = a full handshake.
    std::shared_ptr<const TlsSession> resume;
    // Send the session_ticket extension (RFC 5077, TLS <= 1.2). The plain handshakes send none
    // (the client context sets SSL_OP_NO_TICKET), so without it TLS 1.2 resumes by session ID.
    bool offer_tickets = false;
    // TLS 1.3 sends tickets after the handshake: read until the first one (or the timeout).
    bool wait_for_ticket = false;
    // Sent after the handshake when not empty ("GET / HTTP/1.1\r\n..."); the response is read
    // up to the end of its head, at most kMaxHttpHeadBytes.
    std::string http_request;
    // Client-initiated renegotiations to attempt after the handshake (TLS <= 1.2 only); stops
    // at the first one the server does not complete.
    int renegotiations = 0;
    // Send status_request (RFC 6066 §8): ask the server to staple an OCSP response.
    bool status_request = false;
    // TLS 1.3 0-RTT (RFC 8446 §2.3): with `resume` holding a session whose ticket allows early
    // data, these bytes are sent as early data with the ClientHello (SSL_write_early_data).
    // Empty = no early data. Nothing is sent when the session allows none.
    std::string early_data;
    // Ask for Certificate Transparency SCTs (RFC 6962 §3.3: the signed_certificate_timestamp
    // extension and status_request) and report those from every source (SSL_enable_ct,
    // permissive: a missing or unverifiable SCT never fails the handshake).
    bool certificate_transparency = false;
    // Send the empty next_protocol_negotiation extension (NPN, TLS <= 1.2) and record the
    // protocols the server advertises in its answer.
    bool npn = false;
};

// Whether the server took the early data of SessionSpec::early_data.
enum class EarlyDataStatus {
    not_sent,  // none offered (no early_data, or the session allows none)
    rejected,  // sent; the server ignored it (SSL_EARLY_DATA_REJECTED)
    accepted,  // sent and accepted (SSL_EARLY_DATA_ACCEPTED)
};

// Where an SCT came from (RFC 6962 §3.3).
enum class SctSource { tls_extension, ocsp_response, certificate };

// One SCT as OpenSSL decoded it.
struct Sct {
    SctSource source = SctSource::certificate;
    int version = 0;           // 0 = v1
    core::Bytes log_id;        // 32 bytes for v1: SHA-256 of the log's public key
    std::uint64_t timestamp = 0;  // milliseconds since the epoch
};

inline constexpr std::size_t kMaxHttpHeadBytes = 32 * 1024;

struct SessionResult {
    core::Observation observation;  // the handshake, as openssl_handshake() reports it
    // For a later SessionSpec::resume; null when the connection left nothing resumable.
    std::shared_ptr<const TlsSession> session;
    bool resumed = false;  // the server accepted SessionSpec::resume (SSL_session_reused)
    std::size_t session_id_length = 0;  // in the ServerHello (TLS <= 1.2; 1.3 only echoes ours)
    int tickets_received = 0;           // NewSessionTicket messages
    std::optional<std::uint32_t> ticket_lifetime_hint;  // seconds, from the first ticket
    bool secure_renegotiation = false;  // the server sent renegotiation_info (RFC 5746)
    // Renegotiations the server completed, and how the next attempt ended when it did not.
    int renegotiations_accepted = 0;
    std::string renegotiation_detail;
    std::optional<std::uint8_t> warning_alert;  // the last warning alert the server sent
    // The HTTP response head (bytes as received, at most kMaxHttpHeadBytes), and how reading
    // it ended when no complete head came back.
    std::string http_head;
    std::string http_detail;
    // With SessionSpec::status_request: the stapled OCSPResponse (DER) the server sent in its
    // CertificateStatus message; empty when it stapled nothing.
    core::Bytes ocsp_response;
    // The session's ticket (RFC 5077, TLS <= 1.2 NewSessionTicket) as the client would send it
    // back; empty when the server issued none.
    core::Bytes ticket;
    // The max_early_data_size of the session the connection left (its TLS 1.3 ticket's
    // early_data extension, RFC 8446 §4.6.1); 0 = no early data allowed.
    std::uint32_t max_early_data = 0;
    // With SessionSpec::early_data: what became of it, and how many bytes were sent as such.
    EarlyDataStatus early_data = EarlyDataStatus::not_sent;
    std::size_t early_data_sent = 0;
    // With SessionSpec::certificate_transparency: the SCTs received, from every source.
    std::vector<Sct> scts;
    // With SessionSpec::npn: whether the server answered with next_protocol_negotiation, and
    // the protocols it advertised there, in its order.
    bool npn_advertised = false;
    std::vector<std::string> npn_protocols;
};

// Connects, performs the handshake and then what `spec` asks. Runs on the caller's executor.
boost::asio::awaitable<SessionResult> openssl_session(boost::asio::ip::tcp::endpoint peer,
                                                      SessionSpec spec);

}  // namespace tlsprobe::engine
