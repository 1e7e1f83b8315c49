// The OpenSSL-based handshake engine: one TLS handshake on one TCP connection.
//
// OpenSSL runs over memory BIOs and this engine moves the bytes with Asio, so it sees
// exactly what the wire did: the first bytes the server sent, whether the connection
// ended with an alert, a FIN or an RST, and when. Nothing throws out of it: every
// outcome is an Observation.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/observation.hpp"
#include "engine/upgrade.hpp"

namespace tlsprobe::engine {

// A client certificate (with its chain) and private key to present when a server asks for one
// (--client-cert/--client-key). Loaded once, then shared read-only by every handshake.
struct ClientIdentity;

// Loads a PEM certificate file (the certificate, then any chain certificates) and a PEM private
// key file and checks that they belong together. Throws std::invalid_argument naming the file
// and OpenSSL's reason.
std::shared_ptr<const ClientIdentity> load_client_identity(const std::string& cert_file,
                                                           const std::string& key_file);
// The certificate's subject, RFC 2253, for the report ("CN=client,O=Example").
std::string client_identity_subject(const ClientIdentity& identity);

struct HandshakeSpec {
    std::optional<core::Version> pin;  // min = max = pin; nullopt = every version the library has
    std::optional<std::string> sni;    // server_name to send; nullopt = none
    std::vector<std::string> alpn{"h2", "http/1.1"};
    std::string cipher_list;   // TLS <= 1.2, OpenSSL syntax; empty = every suite the library has
    std::string ciphersuites;  // TLS 1.3, OpenSSL syntax; empty = all five RFC 8446 suites
    std::chrono::milliseconds timeout{5000};  // for the TCP connect, then again for the handshake
    bool trace = false;                       // fill Observation::trace
    // Presented when the server sends a CertificateRequest; null = answer with no certificate.
    std::shared_ptr<const ClientIdentity> client_identity;
    // The plaintext upgrade made after the TCP connect, before the ClientHello (STARTTLS).
    Upgrade upgrade{};
};

// Connects to `peer`, performs the handshake and closes with close_notify.
// Runs on the calling coroutine's executor.
boost::asio::awaitable<core::Observation> openssl_handshake(boost::asio::ip::tcp::endpoint peer,
                                                            HandshakeSpec spec);

// Whether this machine's OpenSSL can offer `v` at all (Debian's has no SSLv2/SSLv3).
bool openssl_supports(core::Version v);

}  // namespace tlsprobe::engine
