// Client SSL_CTX objects, built once per distinct configuration and shared.
//
// An SSL_CTX is safe to share between threads once configured; building one parses the
// cipher strings and loads the config, which a 10,000-host scan should not do 50,000 times.
#pragma once

#include <memory>
#include <openssl/ssl.h>
#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"

namespace tlsprobe::engine {

struct SslCtxDeleter {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::shared_ptr<SSL_CTX>;

struct ClientContextKey {
    std::optional<core::Version> pin;
    std::string cipher_list;
    std::string ciphersuites;
    // Send next_protocol_negotiation (the select callback records the server's list in the
    // connection's NpnOffer, see npn_offer_index()).
    bool npn = false;
    auto operator<=>(const ClientContextKey&) const = default;
};

// The loaded --client-cert/--client-key (openssl_client.hpp): an SSL_CTX that holds the
// certificate, its chain and the key, only read after loading (SSL_use_certificate etc.).
struct ClientIdentity {
    SslCtxPtr holder;
    std::string cert_file, key_file;
    std::string subject;  // RFC 2253
};

// Returns the shared context for `key`, or the OpenSSL error text in `error` and nullptr
// when the local library refuses the configuration (e.g. SSLv3 in a no-ssl3 build).
SslCtxPtr client_context(const ClientContextKey& key, std::string& error);

// With ClientContextKey::npn: the SSL ex_data index where the caller puts an NpnOffer* before
// the handshake; the context's select callback fills it with what the server advertised.
struct NpnOffer {
    bool advertised = false;
    std::vector<std::string> protocols;
};
int npn_offer_index();

}  // namespace tlsprobe::engine
