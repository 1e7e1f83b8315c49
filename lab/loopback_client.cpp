#include "lab/loopback_client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include "core/openssl_error.hpp"

namespace tlsprobe::lab {

using core::Bytes;
using core::ByteView;
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxKept = 64 * 1024;
constexpr int kMaxSteps = 10000;  // bounds every loop below independently of the deadline

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    void operator()(BIO* b) const { BIO_free(b); }
    void operator()(X509* x) const { X509_free(x); }
};

int remaining_ms(Clock::time_point deadline) {
    // Rounded up: poll() must not wake before the deadline, or "silent for 300 ms" is 299.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on `fd` until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    return r > 0;
}

// Non-blocking connect bounded by the deadline. Returns the end state on failure.
std::optional<PeerEnd> connect_to(Fd& s, Loopback where, unsigned short port,
                                  Clock::time_point deadline) {
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (where == Loopback::ipv6) {
        auto& a = reinterpret_cast<sockaddr_in6&>(addr);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        a.sin6_addr = in6addr_loopback;
        len = sizeof a;
    } else {
        auto& a = reinterpret_cast<sockaddr_in&>(addr);
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof a;
    }
    s.fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) return PeerEnd::reset;
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) return std::nullopt;
    if (errno == ECONNREFUSED) return PeerEnd::refused;
    if (errno != EINPROGRESS) return PeerEnd::reset;
    if (!wait_for(s.fd, POLLOUT, deadline)) return PeerEnd::timeout;
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err == 0) return std::nullopt;
    return err == ECONNREFUSED ? PeerEnd::refused : PeerEnd::reset;
}

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a reset peer and would
// kill the test binary; MSG_NOSIGNAL is not available through it.
void ignore_sigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                void* arg) {
    const auto* p = static_cast<const unsigned char*>(buf);
    if (!write_p && content_type == SSL3_RT_ALERT && len >= 2 && p[0] == 2)
        static_cast<TlsReply*>(arg)->alert = p[1];
}

// Drives one SSL call (connect, write, read) over the non-blocking socket until it completes,
// fails, or the deadline passes. Returns the call's result (> 0 success).
template <typename Call>
int drive(SSL* ssl, int fd, Clock::time_point deadline, TlsReply& reply, Call call) {
    for (int i = 0; i < kMaxSteps; ++i) {
        ERR_clear_error();
        errno = 0;
        const int r = call();
        if (r > 0) return r;
        const int err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            if (wait_for(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) continue;
            reply.end = PeerEnd::timeout;
            reply.error = "timed out";
            return r;
        }
        const unsigned long code = ERR_peek_error();
        if (err == SSL_ERROR_ZERO_RETURN ||
            (err == SSL_ERROR_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
            (err == SSL_ERROR_SYSCALL && errno == 0)) {
            reply.end = PeerEnd::fin;
        } else if (err == SSL_ERROR_SYSCALL && errno == ECONNRESET) {
            reply.end = PeerEnd::reset;
        }
        reply.error =
            err == SSL_ERROR_SYSCALL && errno ? std::strerror(errno) : core::take_openssl_error();
        return r;
    }
    reply.end = PeerEnd::timeout;
    return -1;
}

}  // namespace

std::string_view to_string(PeerEnd e) {
    switch (e) {
        case PeerEnd::none: return "none";
        case PeerEnd::refused: return "refused";
        case PeerEnd::fin: return "fin";
        case PeerEnd::reset: return "reset";
        case PeerEnd::timeout: return "timeout";
    }
    return "none";
}

RawReply raw_exchange(unsigned short port, ByteView send, std::chrono::milliseconds wait,
                      Loopback where) {
    RawReply reply;
    const auto deadline = Clock::now() + wait;
    Fd s;
    if (auto failed = connect_to(s, where, port, deadline)) {
        reply.end = *failed;
        return reply;
    }
    reply.connected = true;
    for (std::size_t sent = 0; sent < send.size() && wait_for(s.fd, POLLOUT, deadline);) {
        const auto n = ::send(s.fd, send.data() + sent, send.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server's verdict shows up in the reads below
        sent += static_cast<std::size_t>(n);
    }
    std::uint8_t chunk[4096];
    for (int i = 0; i < kMaxSteps; ++i) {
        if (!wait_for(s.fd, POLLIN, deadline)) {
            reply.end = PeerEnd::timeout;
            return reply;
        }
        const auto n = ::recv(s.fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            const auto keep = std::min(static_cast<std::size_t>(n),
                                       kMaxKept - std::min(kMaxKept, reply.received.size()));
            reply.received.insert(reply.received.end(), chunk, chunk + keep);
        } else if (n == 0) {
            reply.end = PeerEnd::fin;
            return reply;
        } else if (errno != EAGAIN && errno != EINTR) {
            reply.end = errno == ECONNRESET ? PeerEnd::reset : PeerEnd::fin;
            return reply;
        }
    }
    reply.end = PeerEnd::timeout;
    return reply;
}

TlsReply tls_exchange(unsigned short port, const TlsClientOptions& o) {
    ignore_sigpipe();
    TlsReply reply;
    const auto deadline = Clock::now() + o.timeout;
    Fd s;
    if (auto failed = connect_to(s, o.where, port, deadline)) {
        reply.end = *failed;
        return reply;
    }
    reply.connected = true;

    std::unique_ptr<SSL_CTX, SslFree> ctx(SSL_CTX_new(TLS_client_method()));
    // Level 0 and every suite: the lab's legacy servers must be reachable from here.
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(),
                            o.cipher_list.empty() ? "ALL:@SECLEVEL=0" : o.cipher_list.c_str());
    SSL_CTX_set_min_proto_version(ctx.get(), o.min_version.value_or(0));
    SSL_CTX_set_max_proto_version(ctx.get(), o.max_version.value_or(0));
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), s.fd);
    SSL_set_msg_callback(ssl.get(), on_message);
    SSL_set_msg_callback_arg(ssl.get(), &reply);
    if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl.get(), o.sni.c_str());

    if (drive(ssl.get(), s.fd, deadline, reply, [&] { return SSL_connect(ssl.get()); }) <= 0)
        return reply;
    reply.handshake_completed = true;
    reply.error.clear();
    reply.version = SSL_get_version(ssl.get());
    reply.cipher = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl.get()));
    // Client side, the "peer cert chain" starts with the leaf: exactly what was sent.
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get())) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            unsigned char* der = nullptr;
            const int len = i2d_X509(sk_X509_value(chain, i), &der);
            if (len > 0) reply.peer_chain.emplace_back(der, der + len);
            OPENSSL_free(der);
        }
    }
    if (o.send_http_request) {
        const std::string request =
            "GET / HTTP/1.1\r\nHost: " + (o.sni.empty() ? std::string("localhost") : o.sni) +
            "\r\nConnection: close\r\n\r\n";
        TlsReply io;  // the exchange after the handshake does not overwrite how it went
        if (drive(ssl.get(), s.fd, deadline, io, [&] {
                return SSL_write(ssl.get(), request.data(), static_cast<int>(request.size()));
            }) > 0) {
            char buf[4096];
            for (int i = 0; i < kMaxSteps && reply.http_response.size() < kMaxKept; ++i) {
                const int n = drive(ssl.get(), s.fd, deadline, io,
                                    [&] { return SSL_read(ssl.get(), buf, sizeof buf); });
                if (n <= 0) break;
                reply.http_response.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    SSL_shutdown(ssl.get());  // one close_notify, no waiting for the server's
    ERR_clear_error();
    return reply;
}

Bytes sample_client_hello(const std::string& sni) {
    std::unique_ptr<SSL_CTX, SslFree> ctx(SSL_CTX_new(TLS_client_method()));
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out);  // the SSL owns both now
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
    SSL_connect(ssl.get());  // writes the ClientHello, then wants to read
    ERR_clear_error();
    Bytes hello(static_cast<std::size_t>(BIO_ctrl_pending(out)));
    BIO_read(out, hello.data(), static_cast<int>(hello.size()));
    return hello;
}

std::vector<Bytes> pem_file_der(const std::string& path) {
    std::unique_ptr<BIO, SslFree> bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) throw std::runtime_error("cannot read " + path);
    std::vector<Bytes> out;
    for (int i = 0; i < 64; ++i) {
        std::unique_ptr<X509, SslFree> cert(
            PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        unsigned char* der = nullptr;
        const int len = i2d_X509(cert.get(), &der);
        if (len > 0) out.emplace_back(der, der + len);
        OPENSSL_free(der);
    }
    ERR_clear_error();  // PEM_read_bio_X509 leaves "no start line" at the end of the file
    if (out.empty()) throw std::runtime_error("no certificate in " + path);
    return out;
}

}  // namespace tlsprobe::lab
