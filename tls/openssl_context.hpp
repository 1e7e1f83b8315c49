// Client SSL_CTX objects, built once per distinct configuration and shared.
//
// An SSL_CTX is safe to share between threads once configured; building one parses the
// cipher strings and loads the config, which a 10,000-host scan should not do 50,000 times.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <openssl/ssl.h>

#include "tls/version.hpp"

namespace tlsprobe::tls {

struct SslCtxDeleter {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::shared_ptr<SSL_CTX>;

struct ClientContextKey {
    std::optional<Version> pin;
    std::string cipher_list;
    std::string ciphersuites;
    auto operator<=>(const ClientContextKey&) const = default;
};

// Returns the shared context for `key`, or the OpenSSL error text in `error` and nullptr
// when the local library refuses the configuration (e.g. SSLv3 in a no-ssl3 build).
SslCtxPtr client_context(const ClientContextKey& key, std::string& error);

// The last OpenSSL error on this thread as text ("ssl/record/ssl3_record.c: wrong version
// number"), and clears the thread's error queue. "" when there is none.
std::string take_openssl_error();

}  // namespace tlsprobe::tls
