#include "engine/openssl_context.hpp"

#include <fmt/format.h>
#include <map>
#include <mutex>
#include <openssl/err.h>
#include <stdexcept>

#include "core/openssl_error.hpp"
#include "core/text.hpp"
#include "engine/connection.hpp"

namespace tlsprobe::engine {

using core::display_name;
using core::take_openssl_error;
using core::Version;
namespace {

// Every suite the library has, including the ones its default security level hides:
// the probe asks what the *server* accepts, so the local policy must not filter.
constexpr const char* kAllCiphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
constexpr const char* kAllTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

int protocol_constant(Version v) {
    switch (v) {
        case Version::ssl2: return 0;  // OpenSSL 3 has no SSL 2.0 at all
        case Version::ssl3:
#ifdef OPENSSL_NO_SSL3
            return 0;  // Debian's build: it accepts SSL3_VERSION as a bound, then sends nothing
#else
            return SSL3_VERSION;
#endif
        case Version::tls1_0: return TLS1_VERSION;
        case Version::tls1_1: return TLS1_1_VERSION;
        case Version::tls1_2: return TLS1_2_VERSION;
        case Version::tls1_3: return TLS1_3_VERSION;
    }
    return 0;
}

// NPN (draft-agl-tls-nextprotoneg-04): OpenSSL hands over the server's advertised list
// (length-prefixed strings); it is recorded in the connection's NpnOffer and the client picks
// the first protocol, as it must pick one to finish the handshake.
[[maybe_unused]] int npn_select(SSL* ssl, unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
    if (auto* offer = static_cast<NpnOffer*>(SSL_get_ex_data(ssl, npn_offer_index()))) {
        offer->advertised = true;
        offer->protocols.clear();
        for (unsigned i = 0; i < inlen;) {
            const unsigned n = in[i];
            if (n == 0 || i + 1 + n > inlen) break;  // malformed: keep what was well formed
            offer->protocols.emplace_back(reinterpret_cast<const char*>(in + i + 1), n);
            i += 1 + n;
        }
    }
    static const unsigned char kFallback[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    if (inlen > 0 && in[0] > 0 && in[0] < inlen) {
        *out = const_cast<unsigned char*>(in + 1);
        *outlen = in[0];
    } else {
        *out = const_cast<unsigned char*>(kFallback + 1);
        *outlen = kFallback[0];
    }
    return SSL_TLSEXT_ERR_OK;
}

SslCtxPtr build(const ClientContextKey& key, std::string& error) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), SslCtxDeleter{});
    if (!ctx) {
        error = take_openssl_error();
        return nullptr;
    }
    // Security level 0: OpenSSL 3 refuses TLS 1.0/1.1, SHA-1 signatures and small keys at
    // its default level 1, which would make a legacy server look as if *it* refused.
    SSL_CTX_set_security_level(ctx.get(), 0);
    // SSL_OP_LEGACY_SERVER_CONNECT: OpenSSL 3.0 no longer connects to servers without
    // RFC 5746 secure renegotiation by default; old IIS and appliances are exactly those.
    // SSL_OP_TLSEXT_PADDING: RFC 7685 padding so no hello is 256-511 bytes long (F5 BIG-IP
    // and some other stacks hang or reset on those).
    SSL_CTX_set_options(ctx.get(),
                        SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_TLSEXT_PADDING | SSL_OP_NO_TICKET);
    // The chain is recorded and validated by chain analysis afterwards, never here.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    // OpenSSL refuses certificate messages over 100 KiB by default; real chains reach that
    // (a leaf with thousands of names). Accept up to the engines' byte limit, so a large
    // chain is analysed rather than reported as a failure.
    SSL_CTX_set_max_cert_list(ctx.get(), static_cast<long>(kMaxHandshakeBytes));
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    // A scan keeps thousands of handshakes waiting on the network at once: free each
    // connection's 16+ KB record buffers while it waits instead of holding them.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);

    if (key.pin) {
        const int proto = protocol_constant(*key.pin);
        if (proto == 0 || !SSL_CTX_set_min_proto_version(ctx.get(), proto) ||
            !SSL_CTX_set_max_proto_version(ctx.get(), proto)) {
            error = "this machine's OpenSSL cannot offer " + std::string(display_name(*key.pin));
            take_openssl_error();
            return nullptr;
        }
    } else {
        SSL_CTX_set_min_proto_version(ctx.get(), 0);  // lowest the library has
        SSL_CTX_set_max_proto_version(ctx.get(), 0);  // highest the library has
    }
    const std::string ciphers = key.cipher_list.empty() ? kAllCiphers : key.cipher_list;
    if (!SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str())) {
        error = "OpenSSL accepts no cipher from '" + ciphers + "'";
        take_openssl_error();
        return nullptr;
    }
    const std::string suites13 = key.ciphersuites.empty() ? kAllTls13Suites : key.ciphersuites;
    if (!SSL_CTX_set_ciphersuites(ctx.get(), suites13.c_str())) {
        error = "OpenSSL accepts no TLS 1.3 suite from '" + suites13 + "'";
        take_openssl_error();
        return nullptr;
    }
#ifndef OPENSSL_NO_NEXTPROTONEG
    if (key.npn) SSL_CTX_set_next_proto_select_cb(ctx.get(), npn_select, nullptr);
#endif
    return ctx;
}

}  // namespace

SslCtxPtr client_context(const ClientContextKey& key, std::string& error) {
    static std::mutex mutex;
    static std::map<ClientContextKey, SslCtxPtr> cache;
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    auto ctx = build(key, error);
    if (ctx) cache.emplace(key, ctx);
    return ctx;
}

int npn_offer_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

std::shared_ptr<const ClientIdentity> load_client_identity(const std::string& cert_file,
                                                           const std::string& key_file) {
    ERR_clear_error();
    SslCtxPtr holder(SSL_CTX_new(TLS_client_method()), SslCtxDeleter{});
    if (!holder) throw std::runtime_error("SSL_CTX_new failed: " + take_openssl_error());
    SSL_CTX_set_security_level(holder.get(), 0);  // the probe presents what it was given
    auto refuse = [](std::string_view what, const std::string& file) {
        const auto reason = take_openssl_error();
        throw std::invalid_argument(
            fmt::format("{} '{}': {}", what, file, reason.empty() ? "unreadable" : reason));
    };
    if (SSL_CTX_use_certificate_chain_file(holder.get(), cert_file.c_str()) != 1)
        refuse("--client-cert: cannot load the PEM certificate", cert_file);
    if (SSL_CTX_use_PrivateKey_file(holder.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        refuse("--client-key: cannot load the PEM private key", key_file);
    if (SSL_CTX_check_private_key(holder.get()) != 1)
        throw std::invalid_argument(
            fmt::format("--client-key '{}' is not the private key of the certificate in '{}': {}",
                        key_file, cert_file, take_openssl_error()));
    auto identity = std::make_shared<ClientIdentity>();
    identity->holder = std::move(holder);
    identity->cert_file = cert_file;
    identity->key_file = key_file;
    if (X509* cert = SSL_CTX_get0_certificate(identity->holder.get())) {
        if (BIO* bio = BIO_new(BIO_s_mem())) {
            X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                               XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
            char* data = nullptr;
            const long n = BIO_get_mem_data(bio, &data);
            if (n > 0) identity->subject = core::to_safe_utf8({data, static_cast<std::size_t>(n)});
            BIO_free(bio);
        }
    }
    ERR_clear_error();
    return identity;
}

std::string client_identity_subject(const ClientIdentity& identity) { return identity.subject; }

}  // namespace tlsprobe::engine
