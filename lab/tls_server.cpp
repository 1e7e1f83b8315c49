#include "lab/tls_server.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <mutex>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdexcept>

#include "core/openssl_error.hpp"
#include "lab/paths.hpp"
#include "lab/server_thread.hpp"

namespace tlsprobe::lab {
namespace {

namespace asio = boost::asio;
using detail::tcp;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

// Phase limits: a probe that stalls mid-handshake or never sends its request costs the lab
// one idle socket for this long, not forever.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kRequestTimeout = std::chrono::seconds(5);
constexpr auto kCloseNotifyTimeout = std::chrono::seconds(1);
constexpr std::size_t kMaxRequestBytes = 16 * 1024;
constexpr int kMaxReads = 1024;  // bounds read loops independently of the byte limits

constexpr std::string_view kHttpOk =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
    "tlsprobe lab: hello.\n";

struct SslCtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxOwner = std::unique_ptr<SSL_CTX, SslCtxFree>;

[[noreturn]] void refuse(const std::string& what) {
    const std::string reason = core::take_openssl_error();
    throw std::runtime_error("lab TLS server: " + what + (reason.empty() ? "" : ": " + reason));
}

// A server context holding `chain` and `key`. Security level 0 comes first: OpenSSL 3 checks
// certificates against the level while loading them, and the lab must be able to serve the
// rsa1024 and sha1 certificates (and TLS 1.0) whose refusal is the *client's* business.
SslCtxOwner load_context(const std::string& chain, const std::string& key) {
    SslCtxOwner ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) refuse("SSL_CTX_new");
    SSL_CTX_set_security_level(ctx.get(), 0);
    // DHE suites need parameters; "auto" picks an RFC 7919 group sized to the certificate
    // key, as nginx and Apache do. Without it OpenSSL silently skips every DHE suite.
    SSL_CTX_set_dh_auto(ctx.get(), 1);
    // SSL_CTX_use_certificate_chain_file keeps the file's order: the leaf, then each further
    // certificate appended with SSL_CTX_add0_chain_cert, sent as is (ssl_add_cert_chain only
    // builds a chain when none was configured). NO_AUTO_CHAIN stops that building, so a
    // leaf-only file really serves only the leaf.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_NO_AUTO_CHAIN);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), chain.c_str()) != 1)
        refuse("cannot load chain " + chain);
    // The key must be the first certificate's: TLS puts the sender's own certificate first
    // (RFC 8446 §4.4.2, RFC 5246 §7.4.2), so a file starting with a CA cannot be served as is.
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
        refuse("cannot use key " + key + " with the first certificate of " + chain);
    if (SSL_CTX_check_private_key(ctx.get()) != 1)
        refuse(key + " does not match the leaf of " + chain);
    return ctx;
}

// DH parameters from p and g as they are: EVP_PKEY_fromdata imports without validating.
EVP_PKEY* dh_from(const std::vector<std::uint8_t>& p_bytes,
                  const std::vector<std::uint8_t>& g_bytes) {
    BIGNUM* p = BN_bin2bn(p_bytes.data(), static_cast<int>(p_bytes.size()), nullptr);
    BIGNUM* g = BN_bin2bn(g_bytes.data(), static_cast<int>(g_bytes.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
    EVP_PKEY* key = nullptr;
    const bool ok =
        p && g && bld && pctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) == 1 &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(pctx) == 1 &&
        EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEY_PARAMETERS, params) == 1;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    BN_free(p);
    BN_free(g);
    if (!ok) {
        EVP_PKEY_free(key);
        refuse("cannot import the DH parameters");
    }
    return key;
}

EVP_PKEY* dh_from_pem(const std::string& file) {
    BIO* bio = BIO_new_file(file.c_str(), "r");
    if (!bio) refuse("cannot open DH parameters " + file);
    EVP_PKEY* key = PEM_read_bio_Parameters(bio, nullptr);
    BIO_free(bio);
    if (!key) refuse("no DH parameters in " + file);
    return key;
}

// OpenSSL asks for the response to staple when a client sent status_request; it frees what
// it is given, so each connection gets a copy.
int staple_ocsp(SSL* ssl, void* arg) {
    const auto& der = static_cast<const TlsServerConfig*>(arg)->ocsp_staple;
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(der.data(), der.size()));
    if (!copy) return SSL_TLSEXT_ERR_NOACK;
    SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(der.size()));
    return SSL_TLSEXT_ERR_OK;
}

// NPN: the advertised list, length-prefixed (OpenSSL copies it before the next call).
int advertise_npn(SSL*, const unsigned char** out, unsigned int* outlen, void* arg) {
    thread_local std::string wire;
    wire.clear();
    for (const auto& p : static_cast<const TlsServerConfig*>(arg)->npn_protocols) {
        wire.push_back(static_cast<char>(p.size()));
        wire += p;
    }
    *out = reinterpret_cast<const unsigned char*>(wire.data());
    *outlen = static_cast<unsigned int>(wire.size());
    return SSL_TLSEXT_ERR_OK;
}

// The signed_certificate_timestamp extension as serverinfo (SSL_SERVERINFOV2: context, type,
// length, data) for the certificate just loaded: OpenSSL has no server side of its own for
// extension 18 and sends it only to a client that asked.
void add_sct_extension(SSL_CTX* ctx, const std::vector<std::uint8_t>& list) {
    const unsigned context = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_2_SERVER_HELLO |
                             SSL_EXT_TLS1_3_CERTIFICATE | SSL_EXT_IGNORE_ON_RESUMPTION;
    std::vector<unsigned char> info;
    for (int shift = 24; shift >= 0; shift -= 8)
        info.push_back(static_cast<unsigned char>(context >> shift));
    info.push_back(0);
    info.push_back(18);
    info.push_back(static_cast<unsigned char>(list.size() >> 8));
    info.push_back(static_cast<unsigned char>(list.size()));
    info.insert(info.end(), list.begin(), list.end());
    if (SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, info.data(), info.size()) != 1)
        refuse("SCT list as serverinfo");
}

// TlsServerConfig::require_alpn: that protocol or a no_application_protocol alert.
int select_required_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                         const unsigned char* in, unsigned int inlen, void* arg) {
    const auto& want = static_cast<const TlsServerConfig*>(arg)->require_alpn;
    for (unsigned int i = 0; i < inlen;) {
        const unsigned int n = in[i];
        if (i + 1 + n > inlen) break;
        if (n == want.size() && std::equal(want.begin(), want.end(), in + i + 1)) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(n);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// `c` must outlive `ctx` (the OCSP staple, NPN and ALPN callbacks read it).
void configure(SSL_CTX* ctx, const TlsServerConfig& c) {
    if (!c.require_alpn.empty())
        SSL_CTX_set_alpn_select_cb(ctx, select_required_alpn, const_cast<TlsServerConfig*>(&c));
    if (c.min_version && SSL_CTX_set_min_proto_version(ctx, *c.min_version) != 1)
        refuse("min_version");
    if (c.max_version && SSL_CTX_set_max_proto_version(ctx, *c.max_version) != 1)
        refuse("max_version");
    // "@SECLEVEL=0" keeps the level set above; a list without it leaves the level alone.
    const std::string ciphers = c.cipher_list.empty() ? "DEFAULT:@SECLEVEL=0" : c.cipher_list;
    if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) refuse("cipher_list '" + ciphers + "'");
    if (!c.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, c.ciphersuites.c_str()) != 1)
        refuse("ciphersuites '" + c.ciphersuites + "'");
    if (!c.groups.empty() && SSL_CTX_set1_groups_list(ctx, c.groups.c_str()) != 1)
        refuse("groups '" + c.groups + "'");
    if (c.server_cipher_preference) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!c.session_resumption) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
    if (c.session_timeout > 0) SSL_CTX_set_timeout(ctx, c.session_timeout);
    if (c.allow_client_renegotiation) SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    if (!c.npn_protocols.empty())
        SSL_CTX_set_next_protos_advertised_cb(ctx, advertise_npn, const_cast<TlsServerConfig*>(&c));
    if (!c.sct_list.empty()) add_sct_extension(ctx, c.sct_list);
    if (c.max_early_data > 0) SSL_CTX_set_max_early_data(ctx, c.max_early_data);
    if (!c.ocsp_staple.empty()) {
        SSL_CTX_set_tlsext_status_cb(ctx, staple_ocsp);
        SSL_CTX_set_tlsext_status_arg(ctx, const_cast<TlsServerConfig*>(&c));
    }
    if (c.client_cert != ClientCertMode::none) {
        if (c.client_ca_file.empty()) refuse("client_cert without client_ca_file");
        if (SSL_CTX_load_verify_locations(ctx, c.client_ca_file.c_str(), nullptr) != 1)
            refuse("client CA file " + c.client_ca_file);
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.client_ca_file.c_str());
        if (!names) refuse("client CA names from " + c.client_ca_file);
        SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
        SSL_CTX_set_verify(
            ctx,
            SSL_VERIFY_PEER |
                (c.client_cert == ClientCertMode::required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            nullptr);
    }
    if (!c.dh_p.empty() || !c.dh_params_pem_file.empty()) {
        EVP_PKEY* dh = c.dh_p.empty() ? dh_from_pem(c.dh_params_pem_file) : dh_from(c.dh_p, c.dh_g);
        SSL_CTX_set_dh_auto(ctx, 0);
        if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {  // takes ownership on success only
            EVP_PKEY_free(dh);
            refuse("DH parameters");
        }
    }
}

// The server_name extension's host name (RFC 6066 §3): uint16 list length, then entries of
// NameType (0 = host_name), uint16 length, name. "" when present but unreadable.
std::optional<std::string> client_hello_sni(SSL* ssl) {
    const unsigned char* p = nullptr;
    std::size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1) return std::nullopt;
    if (len < 2) return std::string{};
    const std::size_t end = std::min(len, 2 + static_cast<std::size_t>((p[0] << 8) | p[1]));
    for (std::size_t off = 2; off + 3 <= end;) {
        const std::size_t n = (p[off + 1] << 8) | p[off + 2];
        if (off + 3 + n > end) break;
        if (p[off] == 0) return std::string(reinterpret_cast<const char*>(p + off + 3), n);
        off += 3 + n;
    }
    return std::string{};
}

bool same_name(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

// ex_data slot for the per-connection state. Not SSL_set_app_data: Asio's engine keeps its
// verify callback there and deletes whatever it finds in ~engine.
int connection_slot() {
    static const int slot = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return slot;
}

template <typename T>
asio::awaitable<std::optional<T>> before(Clock::duration limit, asio::awaitable<T> op) {
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto r = co_await (std::move(op) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() != 0) co_return std::nullopt;
    co_return std::get<0>(std::move(r));
}

// SO_LINGER {on, 0} then close: the kernel answers with RST instead of FIN. This is how
// HTTP.sys ends a connection it has no usable certificate or binding for.
void reset(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::socket::linger(true, 0), ignored);
    socket.close(ignored);
}

void close_gracefully(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
}

// The plaintext dialogue before TLS: true when the handshake goes next. Bounded: at most
// kMaxReads reads, each within kHandshakeTimeout.
asio::awaitable<bool> run_preamble(tcp::socket& socket, const Preamble& p) {
    std::array<std::uint8_t, 4096> buf{};
    if (p.hold_at_accept) {
        for (int i = 0; i < kMaxReads; ++i) {
            auto r = co_await before(kRequestTimeout,
                                     socket.async_read_some(asio::buffer(buf),
                                                            asio::as_tuple(asio::use_awaitable)));
            if (!r || std::get<0>(*r)) break;
        }
        close_gracefully(socket);
        co_return false;
    }
    if (!p.greeting.empty())
        co_await asio::async_write(socket, asio::buffer(p.greeting),
                                   asio::as_tuple(asio::use_awaitable));
    // The client's bytes are peeked, and only those the dialogue consumes are read: a client
    // may send its ClientHello right behind the last plaintext message (MySQL's SSLRequest has
    // no answer), and those bytes belong to the TLS handshake, not to the preamble.
    core::Bytes pending;
    for (int i = 0; i < kMaxReads; ++i) {
        auto r = co_await before(
            kHandshakeTimeout,
            socket.async_receive(asio::buffer(buf), tcp::socket::message_peek,
                                 asio::as_tuple(asio::use_awaitable)));
        if (!r || std::get<0>(*r) || std::get<1>(*r) == 0) break;
        const std::size_t peeked = std::get<1>(*r);
        core::Bytes seen = pending;
        seen.insert(seen.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(peeked));
        auto a = p.answer(seen);
        // Consume what the dialogue took (all of the peek while it wants more).
        const std::size_t take =
            a.then == PreambleAnswer::Then::more
                ? peeked
                : std::min(peeked, a.consumed > pending.size() ? a.consumed - pending.size() : 0);
        std::size_t got = 0;
        if (take > 0) {
            auto [ec, n] = co_await asio::async_read(socket, asio::buffer(buf.data(), take),
                                                     asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            got = n;
        }
        pending.insert(pending.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
        if (a.then == PreambleAnswer::Then::more) continue;
        pending.erase(pending.begin(),
                      pending.begin() + static_cast<std::ptrdiff_t>(std::min(a.consumed, pending.size())));
        if (!a.reply.empty())
            co_await asio::async_write(socket, asio::buffer(a.reply),
                                       asio::as_tuple(asio::use_awaitable));
        if (a.then == PreambleAnswer::Then::start_tls) co_return true;
        if (a.then == PreambleAnswer::Then::close) break;
        if (a.then == PreambleAnswer::Then::hold) {
            for (int j = 0; j < kMaxReads; ++j) {
                auto more = co_await before(kRequestTimeout,
                                            socket.async_read_some(asio::buffer(buf),
                                                                   asio::as_tuple(asio::use_awaitable)));
                if (!more || std::get<0>(*more)) break;
            }
            break;
        }
    }
    close_gracefully(socket);
    co_return false;
}

}  // namespace

std::string_view to_string(SniPolicy p) {
    switch (p) {
        case SniPolicy::ignore: return "ignore";
        case SniPolicy::require_sni_reset: return "require_sni_reset";
        case SniPolicy::unknown_name_alert_112: return "unknown_name_alert_112";
        case SniPolicy::unknown_name_alert_80: return "unknown_name_alert_80";
    }
    return "ignore";
}

struct TlsServer::Impl {
    struct Connection {
        std::size_t record;
        bool reset = false;
    };

    TlsServerConfig config;
    asio::ssl::context ctx;
    std::vector<std::pair<std::string, SslCtxOwner>> sni_ctxs;
    mutable std::mutex mutex;
    std::vector<TlsConnectionRecord> records;  // guarded by mutex
    detail::ServerThread thread;               // last: stopped before everything above goes

    explicit Impl(TlsServerConfig c)
        : config(std::move(c)),
          ctx(main_context(config, this)),
          sni_ctxs(load_sni_contexts(config)),
          thread(config.address, [this](tcp::socket& s) { return serve(s); }) {}

    static SSL_CTX* main_context(const TlsServerConfig& c, Impl* self);
    static std::vector<std::pair<std::string, SslCtxOwner>> load_sni_contexts(
        const TlsServerConfig& c);
    static int on_client_hello(SSL* ssl, int* alert, void* arg);
    int decide(SSL* ssl, Connection& conn, int* alert);
    asio::awaitable<void> serve(tcp::socket& socket);
    asio::awaitable<void> answer_http(asio::ssl::stream<tcp::socket&>& stream);

    template <typename F>
    void update(std::size_t i, F f) {
        std::lock_guard lock(mutex);
        f(records[i]);
    }
};

// Fully configured before the thread starts: the SSL_CTX is then only read, from one thread.
SSL_CTX* TlsServer::Impl::main_context(const TlsServerConfig& c, Impl* self) {
    auto ctx = load_context(c.chain_pem_file, c.key_pem_file);
    configure(ctx.get(), c);
    SSL_CTX_set_client_hello_cb(ctx.get(), &Impl::on_client_hello, self);
    return ctx.release();  // asio::ssl::context takes ownership
}

std::vector<std::pair<std::string, SslCtxOwner>> TlsServer::Impl::load_sni_contexts(
    const TlsServerConfig& c) {
    std::vector<std::pair<std::string, SslCtxOwner>> out;
    // The same versions and suites as the default context: after SSL_set_SSL_CTX the
    // handshake takes its cipher list from the new context, not from the SSL.
    for (const auto& [name, files] : c.sni_certs) {
        auto ctx = load_context(files.first, files.second);
        configure(ctx.get(), c);
        out.emplace_back(name, std::move(ctx));
    }
    return out;
}

// Runs first thing after OpenSSL parsed the ClientHello (before any reply is produced), so
// every SNI behaviour can be decided here, including "send nothing at all".
int TlsServer::Impl::on_client_hello(SSL* ssl, int* alert, void* arg) {
    auto* conn = static_cast<Connection*>(SSL_get_ex_data(ssl, connection_slot()));
    if (!conn) return SSL_CLIENT_HELLO_ERROR;
    return static_cast<Impl*>(arg)->decide(ssl, *conn, alert);
}

int TlsServer::Impl::decide(SSL* ssl, Connection& conn, int* alert) {
    const auto sni = client_hello_sni(ssl);
    update(conn.record, [&](TlsConnectionRecord& r) { r.sni = sni; });
    if (!config.require_alpn.empty()) {
        // No ALPN at all: refused like a wrong one (OpenSSL would not call the select callback).
        const unsigned char* ext = nullptr;
        std::size_t ext_len = 0;
        if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation,
                                      &ext, &ext_len) != 1) {
            *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
            return SSL_CLIENT_HELLO_ERROR;
        }
    }
    const bool known = sni && (config.known_names.empty() ||
                               std::ranges::any_of(config.known_names, [&](const auto& n) {
                                   return same_name(n, *sni);
                               }));
    switch (config.sni_policy) {
        case SniPolicy::ignore: break;
        case SniPolicy::require_sni_reset:
            if (known) break;
            // RETRY suspends the handshake with nothing written: Asio's engine reports
            // ssl::error::unexpected_result and no alert reaches the wire. (ERROR would queue
            // a fatal alert that Asio flushes before completing the handshake.)
            conn.reset = true;
            return SSL_CLIENT_HELLO_RETRY;
        case SniPolicy::unknown_name_alert_112:
            if (known) break;
            *alert = SSL_AD_UNRECOGNIZED_NAME;
            return SSL_CLIENT_HELLO_ERROR;
        case SniPolicy::unknown_name_alert_80:
            if (known) break;
            *alert = SSL_AD_INTERNAL_ERROR;
            return SSL_CLIENT_HELLO_ERROR;
    }
    if (sni) {
        for (const auto& [name, other] : sni_ctxs) {
            // Swapping the SSL_CTX takes its certificate and key, as a servername callback would.
            if (same_name(name, *sni)) {
                SSL_set_SSL_CTX(ssl, other.get());
                break;
            }
        }
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

asio::awaitable<void> TlsServer::Impl::serve(tcp::socket& socket) {
    std::size_t index = 0;
    {
        std::lock_guard lock(mutex);
        index = records.size();
        records.emplace_back();
    }
    if (config.preamble.answer || config.preamble.hold_at_accept) {
        const bool tls = co_await run_preamble(socket, config.preamble);
        if (!tls) co_return;
    }
    Connection conn{index};  // outlives the stream, which points at it
    asio::ssl::stream<tcp::socket&> stream(socket, ctx);
    SSL_set_ex_data(stream.native_handle(), connection_slot(), &conn);

    auto done = co_await before(kHandshakeTimeout,
                                stream.async_handshake(asio::ssl::stream_base::server,
                                                       asio::as_tuple(asio::use_awaitable)));
    if (conn.reset) {
        update(index, [](TlsConnectionRecord& r) { r.reset_by_policy = true; });
        reset(socket);
        co_return;
    }
    if (!done || std::get<0>(*done)) {
        close_gracefully(socket);  // the alert, if any, was already written by the handshake
        co_return;
    }
    const std::string version = SSL_get_version(stream.native_handle());
    update(index, [&](TlsConnectionRecord& r) {
        r.handshake_completed = true;
        r.negotiated = version;
    });
    if (config.http_after_handshake) co_await answer_http(stream);

    // Without HTTP, wait for the client to hang up; either way end with close_notify.
    std::array<char, 4096> sink{};
    for (int i = 0; !config.http_after_handshake && i < kMaxReads; ++i) {
        auto r = co_await before(
            kRequestTimeout,
            stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable)));
        if (!r || std::get<0>(*r)) break;
    }
    co_await before(kCloseNotifyTimeout,
                    stream.async_shutdown(asio::as_tuple(asio::use_awaitable)));
    close_gracefully(socket);
}

// Reads one request head (up to the blank line) and answers 200 OK; anything else is ignored.
asio::awaitable<void> TlsServer::Impl::answer_http(asio::ssl::stream<tcp::socket&>& stream) {
    std::string request;
    std::array<char, 2048> chunk{};
    const auto deadline = Clock::now() + kRequestTimeout;
    for (int i = 0; i < kMaxReads && request.find("\r\n\r\n") == std::string::npos; ++i) {
        if (request.size() > kMaxRequestBytes || Clock::now() >= deadline) co_return;
        auto r = co_await before(
            deadline - Clock::now(),
            stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable)));
        if (!r || std::get<0>(*r)) co_return;
        request.append(chunk.data(), std::get<1>(*r));
    }
    std::string reply(kHttpOk);
    if (!config.http_headers.empty()) {
        std::string extra;
        for (const auto& h : config.http_headers) extra += h + "\r\n";
        reply.insert(reply.find("\r\n") + 2, extra);  // after the status line
    }
    co_await before(kRequestTimeout, asio::async_write(stream, asio::buffer(reply),
                                                       asio::as_tuple(asio::use_awaitable)));
}

TlsServer::TlsServer(TlsServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

TlsServer::~TlsServer() = default;

unsigned short TlsServer::port() const { return impl_->thread.port(); }
std::size_t TlsServer::connections() const { return impl_->thread.connections(); }

std::vector<TlsConnectionRecord> TlsServer::records() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->records;
}

TlsServerConfig config_for_case(std::string_view name, std::optional<int> min_version,
                                std::optional<int> max_version) {
    TlsServerConfig c;
    c.chain_pem_file = testcert(std::string(name) + ".chain.pem").string();
    c.key_pem_file = testcert(std::string(name) + ".key").string();
    c.min_version = min_version;
    c.max_version = max_version;
    return c;
}

}  // namespace tlsprobe::lab
