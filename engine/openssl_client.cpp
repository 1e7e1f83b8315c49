#include "engine/openssl_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <fmt/format.h>
#include <functional>
#include <memory>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/alert.hpp"
#include "core/openssl_error.hpp"
#include "core/text.hpp"
#include "engine/connection.hpp"
#include "engine/net_buffer.hpp"
#include "engine/openssl_context.hpp"
#include "engine/tls_session.hpp"

namespace tlsprobe::engine {

using core::alert_meaning;
using core::alert_name;
using core::Bytes;
using core::display_name;
using core::hex_dump;
using core::Observation;
using core::Phase;
using core::printable_excerpt;
using core::Status;
using core::take_openssl_error;
using core::TraceEvent;
using core::Version;
using core::version_from_wire;
namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

namespace {

struct SslDeleter {
    void operator()(SSL* s) const { SSL_free(s); }
};

// State shared with OpenSSL's message callback for one attempt.
struct Attempt : AttemptLog {
    bool hello_sent = false;        // OpenSSL emitted a ClientHello (not just an alert of its own)
    bool certificate_sent = false;  // we answered a CertificateRequest (empty or not)
    bool handshake_done = false;    // SSL_do_handshake returned 1
    int post_handshake_messages = 0;  // handshake messages from the server after that (tickets)
    // For openssl_session(): what the server sent that a plain handshake does not look at.
    int tickets = 0;                               // NewSessionTicket messages received
    std::optional<std::uint32_t> ticket_lifetime;  // the first ticket's lifetime (hint), seconds
    std::size_t session_id_length = 0;             // the last ServerHello's session_id
    std::optional<std::uint8_t> warning_alert;     // the last warning alert received
};

std::string_view handshake_type_name(unsigned type) {
    switch (type) {
        case 1: return "ClientHello";
        case 2: return "ServerHello";
        case 4: return "NewSessionTicket";
        case 8: return "EncryptedExtensions";
        case 11: return "Certificate";
        case 12: return "ServerKeyExchange";
        case 13: return "CertificateRequest";
        case 14: return "ServerHelloDone";
        case 15: return "CertificateVerify";
        case 16: return "ClientKeyExchange";
        case 20: return "Finished";
        default: return "handshake message";
    }
}

// Number of cipher suites in a ClientHello body (RFC 5246 §7.4.1.2 layout), 0 if unreadable.
std::size_t offered_suite_count(const unsigned char* p, std::size_t len) {
    std::size_t off = 4 + 2 + 32;  // handshake header, client_version, random
    if (len < off + 1) return 0;
    off += 1 + p[off];  // session id
    if (len < off + 2) return 0;
    return ((p[off] << 8) | p[off + 1]) / 2;
}

// OpenSSL calls this for every protocol message it sends or receives (SSL_set_msg_callback).
// It is how the engine learns which alert the server sent, and what to show in --trace.
void on_message(int write_p, int version, int content_type, const void* buf, std::size_t len,
                SSL* ssl, void* arg) {
    auto& a = *static_cast<Attempt*>(arg);
    const auto* p = static_cast<const unsigned char*>(buf);
    const auto dir = write_p ? TraceEvent::Direction::sent : TraceEvent::Direction::received;
    if (content_type == SSL3_RT_ALERT && len >= 2) {
        if (!write_p && p[0] == 2) a.obs.alert = p[1];  // fatal alert from the server
        if (!write_p && p[0] == 1) a.warning_alert = p[1];
        a.event(dir, fmt::format("Alert {} {} ({})", p[0] == 2 ? "fatal" : "warning",
                                 alert_name(p[1]), p[1]));
    } else if (content_type == SSL3_RT_HANDSHAKE && len >= 4) {
        if (!write_p && p[0] == 13) a.obs.client_certificate_requested = true;
        if (write_p && p[0] == 1) a.hello_sent = true;
        if (write_p && p[0] == 11 && a.obs.client_certificate_requested) {
            a.certificate_sent = true;
            // certificate_list length (RFC 5246 §7.4.6); TLS 1.3 puts the request context
            // first (RFC 8446 §4.4.2). Not empty = we presented --client-cert.
            std::size_t off = 4;
            if (version == TLS1_3_VERSION && len > off) off += 1 + p[off];
            a.obs.client_certificate_presented =
                len >= off + 3 && (p[off] | p[off + 1] | p[off + 2]) != 0;
        }
        if (!write_p && a.handshake_done) ++a.post_handshake_messages;
        // NewSessionTicket: ticket_lifetime_hint (RFC 5077 §3.3) or ticket_lifetime (RFC 8446
        // §4.6.1), both the first 4 bytes of the body.
        if (!write_p && p[0] == 4) {
            ++a.tickets;
            if (!a.ticket_lifetime && len >= 8)
                a.ticket_lifetime = (std::uint32_t{p[4]} << 24) | (std::uint32_t{p[5]} << 16) |
                                    (std::uint32_t{p[6]} << 8) | std::uint32_t{p[7]};
        }
        if (!write_p && p[0] == 2 && len >= 4 + 2 + 32 + 1) a.session_id_length = p[4 + 2 + 32];
        if (!a.trace) return;
        std::string s{handshake_type_name(p[0])};
        if (write_p && p[0] == 1)
            s += fmt::format(", {} cipher suites offered", offered_suite_count(p, len));
        if (!write_p && p[0] == 2 && len >= 4 + 2 + 32 + 1) {
            std::size_t off = 4 + 2 + 32;  // header, legacy_version, random (RFC 8446 §4.1.3)
            off += 1 + p[off];             // legacy_session_id_echo
            if (len >= off + 2) {
                const SSL_CIPHER* c = SSL_CIPHER_find(ssl, p + off);
                const char* name = c ? SSL_CIPHER_standard_name(c) : nullptr;
                s += name ? fmt::format(", cipher {}", name)
                          : fmt::format(", cipher 0x{:02x}{:02x}", p[off], p[off + 1]);
            }
        }
        s += fmt::format(" ({} bytes)", len);
        a.event(dir, std::move(s));
    } else if (content_type == SSL3_RT_CHANGE_CIPHER_SPEC) {
        a.event(dir, "ChangeCipherSpec");
    }
}

// The server's bytes start like a TLS record (RFC 5246 §6.2.1: type 20..23, major 3).
bool looks_like_tls_record(const Bytes& b) {
    if (b.empty()) return true;  // nothing to judge
    if (b[0] < 20 || b[0] > 23) return false;
    return b.size() < 2 || b[1] == 3;
}

// An SSL 2.0 SERVER-HELLO: 2-byte header with the high bit set, message type 4.
bool looks_like_ssl2_server_hello(const Bytes& b) {
    return b.size() >= 3 && (b[0] & 0x80) && b[2] == 4;
}

// The CA names of the server's CertificateRequest (certificate_authorities), escaped: they come
// from the network.
void record_client_ca_names(Attempt& a, const SSL* ssl) {
    if (!a.obs.client_certificate_requested || !a.obs.client_ca_names.empty()) return;
    // On a client this is the list the server sent (TLS 1.3: its certificate_authorities
    // extension; this build's headers have no SSL_get0_peer_CA_names).
    const STACK_OF(X509_NAME)* names = SSL_get_client_CA_list(ssl);
    if (!names) return;
    constexpr std::size_t kMaxNameChars = 512;
    const int count = sk_X509_NAME_num(names);
    for (int i = 0; i < count && a.obs.client_ca_names.size() < core::kMaxClientCaNames; ++i) {
        BIO* bio = BIO_new(BIO_s_mem());
        if (!bio) return;
        X509_NAME_print_ex(bio, sk_X509_NAME_value(names, i), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        if (n > 0)
            a.obs.client_ca_names.push_back(
                core::to_safe_utf8({data, std::min(static_cast<std::size_t>(n), kMaxNameChars)}));
        BIO_free(bio);
    }
}

// "we sent none" / "we presented the --client-cert certificate"
std::string_view what_we_sent(const Attempt& a) {
    return a.obs.client_certificate_presented ? "we presented the --client-cert certificate"
                                              : "we sent none";
}

// After the server's CertificateRequest and our Certificate, the connection ended (an alert,
// FIN or RST): that is the server refusing the client certificate (or its absence), not a
// cipher or version problem. Marks the observation and says so in the detail.
void note_client_certificate_refusal(Attempt& a) {
    auto& o = a.obs;
    if (!o.client_certificate_requested || !a.certificate_sent) return;
    if (o.status != Status::rejected_alert && o.status != Status::closed &&
        o.status != Status::reset)
        return;
    o.client_certificate_refused = true;
    const std::string how = o.status == Status::rejected_alert && o.alert
                                ? fmt::format("alert {} ({})", alert_name(*o.alert), *o.alert)
                            : o.status == Status::closed ? std::string("a FIN")
                                                         : std::string("a TCP RST");
    o.detail = fmt::format(
        "the server asked for a client certificate ({}) and refused the connection with {}",
        what_we_sent(a), how);
}

// The handshake failed inside OpenSSL: decide what the server did.
// `local_limit`: OpenSSL stopped because a message went past one of its own limits
// (SSL_R_EXCESSIVE_MESSAGE_SIZE: a certificate list over max_cert_list): our limit, not a
// fault of the server, and no evidence that the version is refused.
void classify_handshake_failure(Attempt& a, const std::string& openssl_error, bool local_limit) {
    a.obs.phase = a.bytes_received ? Phase::handshake : Phase::hello;
    if (local_limit) {
        a.fail(
            Status::local_limit,
            fmt::format(
                "the server's message is larger than this client accepts ({}, {} bytes received); "
                "a local limit, not a server fault",
                openssl_error, a.bytes_received));
    } else if (a.obs.alert) {
        a.fail(Status::rejected_alert,
               fmt::format("the server sent alert {} ({}): {}", alert_name(*a.obs.alert),
                           *a.obs.alert, alert_meaning(*a.obs.alert)));
    } else if (looks_like_ssl2_server_hello(a.obs.first_bytes)) {
        a.fail(Status::protocol_error, "the server answered with an SSL 2.0 SERVER-HELLO");
    } else if (!looks_like_tls_record(a.obs.first_bytes)) {
        a.fail(Status::not_tls, "the server answered with non-TLS bytes: \"" +
                                    printable_excerpt(a.obs.first_bytes, 60) + "\"");
    } else {
        a.fail(Status::protocol_error,
               "the handshake failed: " +
                   (openssl_error.empty() ? "unknown OpenSSL error" : openssl_error));
    }
}

void record_negotiated(Attempt& a, SSL* ssl) {
    auto& o = a.obs;
    o.status = Status::negotiated;
    o.phase = Phase::done;
    o.elapsed = a.now() - o.connect_time;
    o.version = version_from_wire(static_cast<std::uint16_t>(SSL_version(ssl)));
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
        o.cipher_id = static_cast<std::uint16_t>(SSL_CIPHER_get_protocol_id(c));
        o.cipher =
            SSL_CIPHER_standard_name(c) ? SSL_CIPHER_standard_name(c) : SSL_CIPHER_get_name(c);
    }
    EVP_PKEY* tmp = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &tmp) && tmp) {
        if (EVP_PKEY_get_base_id(tmp) == EVP_PKEY_DH) {
            o.group = fmt::format("DH {}", EVP_PKEY_get_bits(tmp));
        } else if (const int nid = SSL_get_negotiated_group(ssl); nid != NID_undef) {
            const char* name = SSL_group_to_name(ssl, nid);
            o.group = name ? name : OBJ_nid2sn(nid);
        } else {
            o.group = EVP_PKEY_get0_type_name(tmp) ? EVP_PKEY_get0_type_name(tmp) : "";
        }
        EVP_PKEY_free(tmp);
    }
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn)
        o.alpn = core::to_safe_utf8(
            {reinterpret_cast<const char*>(alpn), alpn_len});  // the server's bytes
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509* cert = sk_X509_value(chain, i);
            const int n = i2d_X509(cert, nullptr);
            if (n <= 0) continue;
            Bytes der(static_cast<std::size_t>(n));
            unsigned char* out = der.data();
            i2d_X509(cert, &out);
            o.chain.push_back(std::move(der));
        }
    }
    o.detail = fmt::format("{} with {}", o.version ? display_name(*o.version) : "unknown version",
                           o.cipher);
}

std::string alpn_wire(const std::vector<std::string>& protos) {
    std::string out;
    for (const auto& p : protos) {
        if (p.empty() || p.size() > 255) continue;
        out.push_back(static_cast<char>(p.size()));
        out += p;
    }
    return out;
}

std::string describe_offer(const HandshakeSpec& spec) {
    return fmt::format(
        "{}, SNI {}",
        spec.pin ? fmt::format("{} only", display_name(*spec.pin)) : std::string("all versions"),
        spec.sni ? *spec.sni : std::string("none"));
}

// After a TLS 1.3 handshake with a CertificateRequest: reads until the server refuses (true;
// the observation says how) or goes on (false). The status stays negotiated: the handshake
// did complete; client_certificate_refused and the detail record the refusal.
asio::awaitable<bool> await_client_certificate_verdict(Attempt& a, SSL* ssl,
                                                       beast::tcp_stream& stream, BIO* rbio,
                                                       NetBuffer& buf, Clock::time_point deadline,
                                                       std::chrono::milliseconds timeout) {
    auto& o = a.obs;
    const std::string negotiated = o.detail;
    auto refuse = [&](std::string how) {
        o.client_certificate_refused = true;
        o.detail = fmt::format(
            "{}, then the server refused the connection with {}: it asked for a client "
            "certificate and {}",
            negotiated, how, what_we_sent(a));
        a.event(TraceEvent::Direction::local, "the server refused the client certificate");
    };
    // Bounded by the deadline (the stream's expiry is the same) and the byte limit.
    for (;;) {
        unsigned char byte = 0;
        const int r = SSL_peek(ssl, &byte, 1);
        const int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
        if (err == SSL_ERROR_NONE) co_return false;  // application data: the server went on
        if (err == SSL_ERROR_ZERO_RETURN) {
            refuse("close_notify");
            co_return true;
        }
        if (err != SSL_ERROR_WANT_READ) {
            take_openssl_error();
            if (o.alert) {
                refuse(fmt::format("alert {} ({})", alert_name(*o.alert), *o.alert));
                co_return true;
            }
            o.detail = negotiated +
                       "; after the handshake the server sent something OpenSSL "
                       "could not read";
            co_return false;
        }
        if (a.post_handshake_messages > 0) co_return false;  // a ticket: our Finished passed
        if (Clock::now() >= deadline || a.bytes_received >= kMaxHandshakeBytes) {
            a.event(
                TraceEvent::Direction::local,
                fmt::format("no answer to the client certificate within {} ms", timeout.count()));
            co_return false;
        }
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buf.data(), std::min(buf.size(), kMaxHandshakeBytes - a.bytes_received)),
            asio::as_tuple(asio::use_awaitable));
        if (ec == beast::error::timeout) {
            a.event(
                TraceEvent::Direction::local,
                fmt::format("no answer to the client certificate within {} ms", timeout.count()));
            co_return false;
        }
        if (ec == asio::error::eof) {
            a.event(TraceEvent::Direction::received, "FIN");
            refuse("a FIN");
            co_return true;
        }
        if (ec) {
            a.event(TraceEvent::Direction::received, "RST");
            refuse(ec == asio::error::connection_reset ? "a TCP RST" : ec.message());
            co_return true;
        }
        a.received(n);
        BIO_write(rbio, buf.data(), static_cast<int>(n));
    }
}

// Drives `op` (an SSL call that may need the network: SSL_write, SSL_read, SSL_do_handshake)
// until it stops wanting to read, or `done()` says the caller has what it waited for, moving
// the bytes both ways. Returns the last SSL_get_error() code (SSL_ERROR_NONE when `op`
// returned > 0, SSL_ERROR_WANT_READ when `done()` or the deadline stopped it) and says in
// `why` how a failure of the network ended it (SSL_ERROR_SYSCALL then). Bounded by the deadline
// (the stream's expiry is the same) and by bytes.
asio::awaitable<int> pump(Attempt& a, SSL* ssl, beast::tcp_stream& stream, BIO* rbio, BIO* wbio,
                          NetBuffer& buf, Clock::time_point deadline,
                          const std::function<int()>& op, const std::function<bool()>& done,
                          std::string& why) {
    constexpr std::size_t kLimit = kMaxHandshakeBytes + kMaxHttpHeadBytes;
    for (;;) {
        const int r = op();
        const int err = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
        if (err == SSL_ERROR_SSL) {
            why = take_openssl_error();
            if (why.empty()) why = "OpenSSL error";
        }
        while (BIO_ctrl_pending(wbio) > 0) {
            const int n = BIO_read(wbio, buf.data(), static_cast<int>(buf.size()));
            if (n <= 0) break;
            auto [ec, written] = co_await asio::async_write(
                stream, asio::buffer(buf.data(), static_cast<std::size_t>(n)),
                asio::as_tuple(asio::use_awaitable));
            (void)written;
            if (ec) {
                why = ec.message();
                co_return SSL_ERROR_SYSCALL;
            }
        }
        if (err != SSL_ERROR_WANT_READ) co_return err;
        if (done && done()) co_return SSL_ERROR_WANT_READ;
        if (Clock::now() >= deadline) {
            why = "no answer before the timeout";
            co_return SSL_ERROR_WANT_READ;
        }
        if (a.bytes_received >= kLimit) {
            why = fmt::format("more than {} bytes received", kLimit);
            co_return SSL_ERROR_SYSCALL;
        }
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buf.data(), std::min(buf.size(), kLimit - a.bytes_received)),
            asio::as_tuple(asio::use_awaitable));
        if (ec) {
            why = ec == beast::error::timeout ? std::string("no answer before the timeout")
                  : ec == asio::error::eof    ? std::string("the server closed the connection")
                  : ec == asio::error::connection_reset ? std::string("a TCP RST")
                                                        : ec.message();
            co_return SSL_ERROR_SYSCALL;
        }
        a.received(n);
        BIO_write(rbio, buf.data(), static_cast<int>(n));
    }
}

// What openssl_session() does after the handshake, in order: wait for a TLS 1.3 ticket,
// renegotiate, send the HTTP request and read the response head.
asio::awaitable<void> after_handshake(Attempt& a, SSL* ssl, beast::tcp_stream& stream, BIO* rbio,
                                      BIO* wbio, NetBuffer& buf, const SessionSpec& spec,
                                      SessionResult& out) {
    const auto timeout = spec.handshake.timeout;
    auto fresh_deadline = [&] {
        stream.expires_after(timeout);
        return Clock::now() + timeout;
    };
    std::string why;
    const std::function<bool()> no_stop;  // empty: pump until the call stops wanting to read
    if (spec.wait_for_ticket && a.obs.version == Version::tls1_3 && a.tickets == 0) {
        unsigned char byte = 0;
        const std::function<int()> peek = [&] { return SSL_peek(ssl, &byte, 1); };
        const std::function<bool()> ticket_seen = [&] { return a.tickets > 0; };
        const auto deadline = fresh_deadline();
        co_await pump(a, ssl, stream, rbio, wbio, buf, deadline, peek, ticket_seen, why);
        a.event(TraceEvent::Direction::local, a.tickets > 0 ? std::string("session ticket received")
                                                            : "no session ticket: " + why);
    }
    const bool can_renegotiate = a.obs.version && *a.obs.version != Version::tls1_3;
    for (int i = 0; i < spec.renegotiations && can_renegotiate; ++i) {
        if (SSL_renegotiate(ssl) != 1) {
            out.renegotiation_detail =
                "this machine's OpenSSL refused to renegotiate: " + take_openssl_error();
            break;
        }
        a.warning_alert.reset();
        a.obs.alert.reset();
        why.clear();
        const std::function<int()> handshake = [&] { return SSL_do_handshake(ssl); };
        const auto deadline = fresh_deadline();
        const int err =
            co_await pump(a, ssl, stream, rbio, wbio, buf, deadline, handshake, no_stop, why);
        if (err == SSL_ERROR_NONE && SSL_renegotiate_pending(ssl) == 0) {
            ++out.renegotiations_accepted;
            a.event(TraceEvent::Direction::local, fmt::format("renegotiation {} completed", i + 1));
            continue;
        }
        const auto alert = a.obs.alert ? a.obs.alert : a.warning_alert;
        out.renegotiation_detail =
            alert ? fmt::format("alert {} ({})", alert_name(*alert), *alert) : why;
        a.event(TraceEvent::Direction::local,
                fmt::format("renegotiation {} refused: {}", i + 1, out.renegotiation_detail));
        break;
    }
    if (!spec.http_request.empty() && out.renegotiation_detail.empty()) {
        // One SSL_write: without SSL_MODE_ENABLE_PARTIAL_WRITE it writes all or nothing.
        const auto deadline = fresh_deadline();
        const std::function<int()> write = [&] {
            return SSL_write(ssl, spec.http_request.data(),
                             static_cast<int>(spec.http_request.size()));
        };
        const int err =
            co_await pump(a, ssl, stream, rbio, wbio, buf, deadline, write, no_stop, why);
        if (err != SSL_ERROR_NONE) {
            out.http_detail = "the request could not be sent: " + why;
            co_return;
        }
        std::array<char, 4096> chunk{};
        auto head_done = [&] { return out.http_head.find("\r\n\r\n") != std::string::npos; };
        why.clear();
        const std::function<int()> read = [&] {
            const int n = SSL_read(ssl, chunk.data(), static_cast<int>(chunk.size()));
            if (n > 0)
                out.http_head.append(
                    chunk.data(), std::min<std::size_t>(static_cast<std::size_t>(n),
                                                        kMaxHttpHeadBytes - out.http_head.size()));
            return n;
        };
        // Bounded by the deadline and kMaxHttpHeadBytes: each pass appends at least one byte.
        while (!head_done() && out.http_head.size() < kMaxHttpHeadBytes) {
            const int e =
                co_await pump(a, ssl, stream, rbio, wbio, buf, deadline, read, no_stop, why);
            if (e == SSL_ERROR_NONE) continue;
            if (e == SSL_ERROR_ZERO_RETURN) why = "the server closed the connection (close_notify)";
            break;
        }
        if (!head_done())
            out.http_detail =
                out.http_head.size() >= kMaxHttpHeadBytes
                    ? fmt::format("no end of the response head within {} bytes", kMaxHttpHeadBytes)
                    : "no complete HTTP response head: " + why;
    }
}

// The SCTs OpenSSL collected from the TLS extension, the stapled OCSP response and the
// leaf (SSL_get0_peer_scts parses all three, ignoring what it cannot decode).
std::vector<Sct> peer_scts(SSL* ssl) {
    std::vector<Sct> out;
    const STACK_OF(SCT)* scts = SSL_get0_peer_scts(ssl);
    ERR_clear_error();  // a malformed list is just no SCT, not this connection's failure
    for (int i = 0; scts && i < sk_SCT_num(scts); ++i) {
        const SCT* sct = sk_SCT_value(scts, i);
        Sct one;
        switch (SCT_get_source(sct)) {
            case SCT_SOURCE_TLS_EXTENSION: one.source = SctSource::tls_extension; break;
            case SCT_SOURCE_OCSP_STAPLED_RESPONSE: one.source = SctSource::ocsp_response; break;
            default: one.source = SctSource::certificate; break;
        }
        one.version = SCT_get_version(sct) == SCT_VERSION_V1 ? 0 : -1;
        unsigned char* id = nullptr;
        const std::size_t id_len = SCT_get0_log_id(sct, &id);
        if (id && id_len > 0) one.log_id.assign(id, id + id_len);
        one.timestamp = SCT_get_timestamp(sct);
        out.push_back(std::move(one));
    }
    return out;
}

// The result of openssl_session() from the attempt as it ended.
SessionResult finish(Attempt& a, SessionResult& out) {
    out.tickets_received = a.tickets;
    out.ticket_lifetime_hint = a.ticket_lifetime;
    out.session_id_length = a.session_id_length;
    out.warning_alert = a.warning_alert;
    out.observation = std::move(a.obs);
    return std::move(out);
}

}  // namespace

bool openssl_supports(Version v) {
    std::string error;
    return client_context({v, {}, {}}, error) != nullptr;
}

asio::awaitable<Observation> openssl_handshake(asio::ip::tcp::endpoint peer, HandshakeSpec spec) {
    SessionSpec session;
    session.handshake = std::move(spec);
    // A named awaitable: GCC 12 destroyed the temporary one twice here (a crash on return).
    auto op = openssl_session(peer, std::move(session));
    SessionResult r = co_await std::move(op);
    Observation o = std::move(r.observation);
    co_return o;
}

asio::awaitable<SessionResult> openssl_session(asio::ip::tcp::endpoint peer, SessionSpec session) {
    SessionResult out;
    const HandshakeSpec& spec = session.handshake;
    Attempt a;
    a.trace = spec.trace;
    a.obs.address = endpoint_text(peer);
    ERR_clear_error();

    std::string ctx_error;
    ClientContextKey key{spec.pin, spec.cipher_list, spec.ciphersuites};
    key.npn = session.npn;
    SslCtxPtr ctx = client_context(key, ctx_error);
    if (!ctx) {
        a.obs.status = Status::local_unsupported;
        a.obs.phase = Phase::connect;
        a.obs.detail = ctx_error;
        co_return finish(a, out);
    }

    beast::tcp_stream stream(co_await asio::this_coro::executor);
    const bool connected =
        co_await connect_and_upgrade(stream, peer, spec.timeout, spec.upgrade, a);
    if (!connected) co_return finish(a, out);
    boost::system::error_code ignored;

    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
    BIO* rbio = BIO_new(BIO_s_mem());  // network -> OpenSSL
    BIO* wbio = BIO_new(BIO_s_mem());  // OpenSSL -> network
    if (!ssl || !rbio || !wbio) {
        BIO_free(rbio);
        BIO_free(wbio);
        a.fail(Status::internal_error,
               "OpenSSL could not allocate a connection: " + take_openssl_error());
        co_return finish(a, out);
    }
    SSL_set_bio(ssl.get(), rbio, wbio);  // ssl owns both from here
    SSL_set_connect_state(ssl.get());
    if (spec.sni) SSL_set_tlsext_host_name(ssl.get(), spec.sni->c_str());
    if (const auto alpn = alpn_wire(spec.alpn); !alpn.empty())
        SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn.data()),
                            static_cast<unsigned>(alpn.size()));
    if (spec.client_identity) {
        SSL_CTX* holder = spec.client_identity->holder.get();
        STACK_OF(X509)* chain = nullptr;
        SSL_CTX_get0_chain_certs(holder, &chain);
        if (SSL_use_certificate(ssl.get(), SSL_CTX_get0_certificate(holder)) != 1 ||
            SSL_use_PrivateKey(ssl.get(), SSL_CTX_get0_privatekey(holder)) != 1 ||
            (chain && SSL_set1_chain(ssl.get(), chain) != 1)) {
            a.fail(Status::internal_error,
                   "OpenSSL refused the client certificate: " + take_openssl_error());
            co_return finish(a, out);
        }
    }
    if (session.resume && session.resume->native)
        SSL_set_session(ssl.get(), static_cast<SSL_SESSION*>(session.resume->native.get()));
    if (session.offer_tickets) SSL_clear_options(ssl.get(), SSL_OP_NO_TICKET);
    if (session.status_request) SSL_set_tlsext_status_type(ssl.get(), TLSEXT_STATUSTYPE_ocsp);
    NpnOffer npn_offer;
    if (session.npn) SSL_set_ex_data(ssl.get(), npn_offer_index(), &npn_offer);
    if (session.certificate_transparency &&
        SSL_enable_ct(ssl.get(), SSL_CT_VALIDATION_PERMISSIVE) != 1) {
        a.fail(Status::internal_error,
               "OpenSSL refused to ask for SCTs: " + take_openssl_error());
        co_return finish(a, out);
    }
    SSL_set_msg_callback(ssl.get(), on_message);
    SSL_set_msg_callback_arg(ssl.get(), &a);
    a.event(TraceEvent::Direction::local, "offer: " + describe_offer(spec));
    // 0-RTT: the ClientHello and the early data go into the write BIO together; the
    // handshake loop below flushes both in its first round.
    bool early_data_sent = false;
    if (!session.early_data.empty() && session.resume && session.resume->native) {
        const auto max = SSL_SESSION_get_max_early_data(
            static_cast<SSL_SESSION*>(session.resume->native.get()));
        if (max > 0) {
            std::size_t written = 0;
            const auto want = std::min<std::size_t>(session.early_data.size(), max);
            if (SSL_write_early_data(ssl.get(), session.early_data.data(), want, &written) == 1) {
                early_data_sent = true;
                out.early_data_sent = written;
                a.event(TraceEvent::Direction::local,
                        fmt::format("early data: {} bytes with the ClientHello", written));
            } else {
                a.event(TraceEvent::Direction::local,
                        "early data not sent: " + take_openssl_error());
            }
        }
    }

    stream.expires_after(spec.timeout);
    const auto owned_buf = allocate_net_buffer();  // once connected, not in the frame
    NetBuffer& buf = *owned_buf;
    // Bounded by time (the stream's expiry, and the deadline checked between reads so a peer
    // that keeps bytes coming cannot keep OpenSSL busy past it) and by bytes, never by the
    // number of reads.
    const auto deadline = Clock::now() + spec.timeout;
    for (int round = 0;; ++round) {
        const int r = SSL_do_handshake(ssl.get());
        const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl.get(), r);
        const bool limit_hit = err == SSL_ERROR_SSL &&
                               ERR_GET_REASON(ERR_peek_error()) == SSL_R_EXCESSIVE_MESSAGE_SIZE;
        const std::string openssl_error =
            err == SSL_ERROR_SSL ? take_openssl_error() : std::string{};

        // Flush whatever OpenSSL produced (ClientHello, Finished, or its own alert).
        while (BIO_ctrl_pending(wbio) > 0) {
            const int n = BIO_read(wbio, buf.data(), static_cast<int>(buf.size()));
            if (n <= 0) break;
            auto [ec, written_bytes] = co_await asio::async_write(
                stream, asio::buffer(buf.data(), static_cast<std::size_t>(n)),
                asio::as_tuple(asio::use_awaitable));
            if (ec) {
                record_io_failure(a, ec, spec.timeout);
                co_return finish(a, out);
            }
            (void)written_bytes;
            if (round == 0) a.hello_sent_at = Clock::now();
        }
        if (err == SSL_ERROR_NONE) {
            record_negotiated(a, ssl.get());
            record_client_ca_names(a, ssl.get());
            a.handshake_done = true;
            break;
        }
        if (err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL) {
            // A Debian build with no-ssl3 accepts SSL3_VERSION as a bound, then fails here
            // with "no protocols available" (after writing an alert): no ClientHello = local.
            if (!a.hello_sent) {
                a.obs.phase = Phase::hello;
                a.fail(Status::local_unsupported,
                       "this machine's OpenSSL refused to build the ClientHello: " + openssl_error);
            } else {
                classify_handshake_failure(a, openssl_error, limit_hit);
                record_client_ca_names(a, ssl.get());
                note_client_certificate_refusal(a);
            }
            co_return finish(a, out);
        }
        if (err != SSL_ERROR_WANT_READ) {
            a.obs.phase = a.bytes_received ? Phase::handshake : Phase::hello;
            a.fail(Status::internal_error, fmt::format("unexpected OpenSSL state {}", err));
            co_return finish(a, out);
        }
        if (Clock::now() >= deadline) {
            record_io_failure(a, beast::error::timeout, spec.timeout);
            co_return finish(a, out);
        }
        if (a.bytes_received >= kMaxHandshakeBytes) {
            a.obs.phase = Phase::handshake;
            a.fail(Status::local_limit,
                   fmt::format(
                       "the server sent {} bytes without completing the handshake, past tlsprobe's "
                       "limit of {} bytes",
                       a.bytes_received, kMaxHandshakeBytes));
            co_return finish(a, out);
        }
        auto [ec, n] = co_await stream.async_read_some(
            asio::buffer(buf.data(), std::min(buf.size(), kMaxHandshakeBytes - a.bytes_received)),
            asio::as_tuple(asio::use_awaitable));
        if (ec) {
            record_io_failure(a, ec, spec.timeout);
            record_client_ca_names(a, ssl.get());
            note_client_certificate_refusal(a);
            co_return finish(a, out);
        }
        if (a.obs.first_bytes.size() < kFirstBytesKept) {
            const auto keep = std::min(n, kFirstBytesKept - a.obs.first_bytes.size());
            a.obs.first_bytes.insert(a.obs.first_bytes.end(), buf.begin(),
                                     buf.begin() + static_cast<std::ptrdiff_t>(keep));
        }
        if (a.bytes_received == 0)
            a.event(TraceEvent::Direction::received,
                    fmt::format("first bytes: {}", hex_dump(a.obs.first_bytes, 16)));
        a.received(n);
        BIO_write(rbio, buf.data(), static_cast<int>(n));
    }

    // TLS 1.3: the client's handshake is complete before the server has read our Certificate
    // and Finished (RFC 8446 §4.4.2.4 lets it refuse then). A server that requires a certificate
    // answers with an alert (certificate_required 116, ...) or closes; one that goes on sends
    // tickets or data. Wait for the first of these, within the attempt's deadline.
    if (a.obs.client_certificate_requested && a.obs.version == Version::tls1_3) {
        const bool refused = co_await await_client_certificate_verdict(a, ssl.get(), stream, rbio,
                                                                       buf, deadline, spec.timeout);
        if (refused) {
            stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            ERR_clear_error();
            co_return finish(a, out);
        }
    }

    out.resumed = SSL_session_reused(ssl.get()) == 1;
    if (early_data_sent)
        out.early_data = SSL_get_early_data_status(ssl.get()) == SSL_EARLY_DATA_ACCEPTED
                             ? EarlyDataStatus::accepted
                             : EarlyDataStatus::rejected;
    if (session.npn) {
        out.npn_advertised = npn_offer.advertised;
        out.npn_protocols = std::move(npn_offer.protocols);
    }
    if (session.certificate_transparency) out.scts = peer_scts(ssl.get());
    out.secure_renegotiation = SSL_get_secure_renegotiation_support(ssl.get()) == 1;
    if (session.status_request) {
        const unsigned char* ocsp = nullptr;
        const long ocsp_len = SSL_get_tlsext_status_ocsp_resp(ssl.get(), &ocsp);
        if (ocsp && ocsp_len > 0) out.ocsp_response.assign(ocsp, ocsp + ocsp_len);
    }
    co_await after_handshake(a, ssl.get(), stream, rbio, wbio, buf, session, out);
    if (SSL_SESSION* s = SSL_get1_session(ssl.get())) {
        if (SSL_SESSION_has_ticket(s) == 1) {
            const unsigned char* ticket = nullptr;
            std::size_t ticket_length = 0;
            SSL_SESSION_get0_ticket(s, &ticket, &ticket_length);
            if (ticket && ticket_length > 0) out.ticket.assign(ticket, ticket + ticket_length);
        }
        auto held = std::make_shared<TlsSession>();
        held->native = std::shared_ptr<void>(s, [](void* p) {
            SSL_SESSION_free(static_cast<SSL_SESSION*>(p));
        });
        out.max_early_data = SSL_SESSION_get_max_early_data(s);
        if (SSL_SESSION_is_resumable(s) == 1) out.session = std::move(held);
    }

    // Polite close: send close_notify, do not wait for the server's (RFC 8446 §6.1 allows it).
    SSL_shutdown(ssl.get());
    if (const int n = BIO_read(wbio, buf.data(), static_cast<int>(buf.size())); n > 0) {
        stream.expires_after(
            std::min<std::chrono::milliseconds>(spec.timeout, std::chrono::milliseconds(1000)));
        co_await asio::async_write(stream, asio::buffer(buf.data(), static_cast<std::size_t>(n)),
                                   asio::as_tuple(asio::use_awaitable));
    }
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    ERR_clear_error();
    co_return finish(a, out);
}

}  // namespace tlsprobe::engine
