// A real TLS server on loopback (Asio + OpenSSL) that plays the server side of a scenario:
// a chosen chain served byte for byte in the file's order, pinned versions and suites, and
// the SNI behaviours of the servers in DIAGNOSIS.md (IIS SNI-only bindings, nginx
// ssl_reject_handshake, cloud front ends without a certificate for the name).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "lab/loopback.hpp"

namespace tlsprobe::lab {

// What the server does when the ClientHello has no SNI, or a name outside `known_names`.
// With `known_names` empty, any name counts as known and only a missing SNI is unknown.
enum class SniPolicy {
    ignore,                  // serve the default certificate to everyone
    require_sni_reset,       // IIS with only hostname:port (SNI) bindings: HTTP.sys finds no
                             // binding and drops the connection with a TCP RST, no alert
    unknown_name_alert_112,  // nginx `ssl_reject_handshake on`: fatal unrecognized_name
    unknown_name_alert_80,   // Go / cloud front ends with no certificate for the name:
                             // internal_error
};
std::string_view to_string(SniPolicy p);

// Whether the server asks for a client certificate (nginx ssl_verify_client, Apache
// SSLVerifyClient, IIS SSL Settings > Client certificates).
enum class ClientCertMode {
    none,      // no CertificateRequest
    optional,  // CertificateRequest; a client without a certificate goes on (nginx `optional`)
    required,  // CertificateRequest; a client without one is refused (nginx `on`, IIS Require):
               // alert certificate_required (116) in TLS 1.3, handshake_failure (40) in 1.2
};

// A plaintext dialogue the server holds before its TLS handshake (a STARTTLS server; scripts
// for each protocol in lab/starttls_server.hpp).
struct PreambleAnswer {
    enum class Then {
        more,       // not a whole command yet: read more
        go_on,      // write `reply`, then read the next command
        start_tls,  // write `reply`, then the TLS handshake on the same socket
        close,      // write `reply`, then FIN
        hold,       // write `reply`, then stay silent until the client leaves
    };
    Then then = Then::more;
    core::Bytes reply;
    std::size_t consumed = 0;  // bytes of the pending input the command took
};
struct Preamble {
    core::Bytes greeting;  // written at accept (may be empty)
    bool hold_at_accept = false;  // say nothing at all (a slow greeting)
    // The answer to what the client sent so far of its current command. Runs on the server's
    // thread: must not throw or block.
    std::function<PreambleAnswer(core::ByteView pending)> answer;
};

struct TlsServerConfig {
    using SniPolicy =
        lab::SniPolicy;          // so TlsServerConfig::SniPolicy::... reads as in the design notes
    std::string chain_pem_file;  // leaf first, then whatever the file holds, served in that order
    std::string key_pem_file;
    std::optional<int> min_version,
        max_version;           // TLS1_VERSION .. TLS1_3_VERSION; unset = library range
    std::string cipher_list;   // TLS <= 1.2 (SSL_CTX_set_cipher_list); empty = default
    std::string ciphersuites;  // TLS 1.3 (SSL_CTX_set_ciphersuites); empty = default
    std::string groups;        // SSL_CTX_set1_groups_list; empty = default
    // DHE parameters instead of OpenSSL's automatic ones (SSL_CTX_set_dh_auto): a PEM file of
    // "DH PARAMETERS", or explicit p and g (big-endian, used when dh_p is not empty). Neither is
    // checked, so the lab can serve groups no sane server would: 1024 bits, a composite p, a
    // generator outside the prime-order subgroup.
    std::string dh_params_pem_file;
    std::vector<std::uint8_t> dh_p, dh_g;
    bool server_cipher_preference = false;
    ClientCertMode client_cert = ClientCertMode::none;
    // With client_cert optional/required: the CAs (PEM) a client certificate must chain to,
    // whose names the CertificateRequest lists. Required then.
    std::string client_ca_file;
    SniPolicy sni_policy = SniPolicy::ignore;
    std::vector<std::string> known_names;  // compared case-insensitively
    // name -> (chain file, key file), served instead of the default when the SNI matches.
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> sni_certs;
    // Answer one HTTP/1.1 request with "200 OK", then close_notify and close, like a real site.
    // When false the server waits (bounded) for the client to close after the handshake.
    bool http_after_handshake = true;
    // Extra header lines of that "200 OK" ("Strict-Transport-Security: max-age=63072000").
    std::vector<std::string> http_headers;
    // Session caching and tickets (OpenSSL's defaults: both on). False: a full handshake for
    // every client (no session ID, no ticket, no TLS 1.3 ticket).
    bool session_resumption = true;
    // TLS 1.2 session-ticket lifetime hint in seconds (SSL_CTX_set_timeout); 0 = OpenSSL's.
    long session_timeout = 0;
    // Accept client-initiated renegotiation (SSL_OP_ALLOW_CLIENT_RENEGOTIATION; OpenSSL 3
    // refuses it by default with a no_renegotiation warning).
    bool allow_client_renegotiation = false;
    // A DER OCSPResponse stapled for every client that sends status_request (RFC 6066 §8);
    // empty = no stapling.
    std::vector<std::uint8_t> ocsp_staple;
    // Protocols advertised by NPN (next_protocol_negotiation, TLS <= 1.2) to a client that
    // sends the extension; empty = no NPN (a server that negotiated ALPN never sends it).
    std::vector<std::string> npn_protocols;
    // A SignedCertificateTimestampList (lab/sct_list.hpp) sent in the signed_certificate_timestamp
    // extension (RFC 6962 §3.3.1; ServerHello in TLS 1.2, the leaf's Certificate entry in 1.3)
    // to a client that asks for it; empty = none.
    std::vector<std::uint8_t> sct_list;
    // TLS 1.3 tickets that allow this many bytes of early data (SSL_CTX_set_max_early_data);
    // 0 = none. This server never reads early data (it completes the handshake without
    // SSL_read_early_data), so it rejects what a client sends: Debian's `openssl s_server
    // -early_data` is the lab server that accepts it.
    std::uint32_t max_early_data = 0;
    Loopback address = Loopback::ipv4;
    // A plaintext dialogue before the handshake (STARTTLS); none when `answer` is empty.
    Preamble preamble;
    // An ALPN protocol every ClientHello must offer ("postgresql", as PostgreSQL 17's direct
    // TLS requires): selected when offered, else the handshake fails with alert
    // no_application_protocol (120). Empty: ALPN is ignored.
    std::string require_alpn;
};

// What one connection's ClientHello carried and how it ended, for assertions.
struct TlsConnectionRecord {
    std::optional<std::string> sni;  // nullopt: no server_name extension
    bool handshake_completed = false;
    bool reset_by_policy = false;  // the SNI policy answered with a TCP RST
    std::string negotiated;        // "TLSv1.2", "" when no handshake
};

class TlsServer {
public:
    // Loads the certificates and starts listening; throws std::runtime_error naming the file
    // or the OpenSSL reason when the configuration is refused.
    explicit TlsServer(TlsServerConfig config);
    // Closes the listener and every connection; returns within a few seconds at worst.
    ~TlsServer();
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;

    unsigned short port() const;
    std::size_t connections() const;  // TCP connections accepted so far
    // One record per accepted connection, in accept order (a snapshot; the io thread adds more).
    std::vector<TlsConnectionRecord> records() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A config serving testcerts/<name>.chain.pem with <name>.key (e.g. "good", "leaf-only"),
// limited to [min_version, max_version] when given (TLS1_VERSION .. TLS1_3_VERSION).
TlsServerConfig config_for_case(std::string_view name,
                                std::optional<int> min_version = std::nullopt,
                                std::optional<int> max_version = std::nullopt);

}  // namespace tlsprobe::lab
