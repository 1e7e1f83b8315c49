// A small blocking client for checking the lab servers independently of the probe engine:
// POSIX sockets in non-blocking mode driven by poll(), so every wait has a deadline, and
// plain OpenSSL for the TLS side. Tests use it to assert what a server really put on the wire.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "lab/loopback.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;

// How the server ended the connection, as the client saw it.
enum class PeerEnd {
    none,     // the client ended first (a completed TLS exchange)
    refused,  // connect answered with RST (nothing listening)
    fin,      // orderly close: recv() returned 0
    reset,    // ECONNRESET
    timeout,  // still open and silent when the deadline came
};
std::string_view to_string(PeerEnd e);

struct RawReply {
    bool connected = false;
    core::Bytes received;  // everything the server sent before it ended, capped at 64 KiB
    PeerEnd end = PeerEnd::none;
};

// Connects to `where`:`port`, sends `send` (may be empty), then reads until FIN, RST or
// `wait` has passed since the connect.
RawReply raw_exchange(unsigned short port, core::ByteView send,
                      std::chrono::milliseconds wait = std::chrono::seconds(2),
                      Loopback where = Loopback::ipv4);

struct TlsClientOptions {
    std::string sni;                              // empty: no server_name extension
    std::optional<int> min_version, max_version;  // TLS1_VERSION ..; unset = all the library has
    std::string cipher_list;                      // empty: everything, at security level 0
    bool send_http_request = false;               // "GET / HTTP/1.1" after the handshake
    std::chrono::milliseconds timeout{2000};      // for the whole exchange
    Loopback where = Loopback::ipv4;
};

struct TlsReply {
    bool connected = false;
    bool handshake_completed = false;
    std::string version;                  // "TLSv1.2"
    std::string cipher;                   // IANA name
    std::vector<core::Bytes> peer_chain;  // DER, in the order the server sent them (leaf first)
    std::optional<std::uint8_t> alert;    // fatal alert received from the server
    PeerEnd end = PeerEnd::none;          // how a failed handshake ended
    std::string error;                    // OpenSSL reason or errno text when it failed
    std::string http_response;            // with send_http_request
};

TlsReply tls_exchange(unsigned short port, const TlsClientOptions& options = {});

// A real ClientHello record as OpenSSL writes it, with server_name `sni` unless empty.
core::Bytes sample_client_hello(const std::string& sni = "tlsprobe.test");

// The certificates in a PEM file as DER, in file order; throws std::runtime_error if unreadable.
std::vector<core::Bytes> pem_file_der(const std::string& path);

}  // namespace tlsprobe::lab
