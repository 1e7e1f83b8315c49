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
};

// Connects, performs the handshake and then what `spec` asks. Runs on the caller's executor.
boost::asio::awaitable<SessionResult> openssl_session(boost::asio::ip::tcp::endpoint peer,
                                                      SessionSpec spec);

}  // namespace tlsprobe::engine
