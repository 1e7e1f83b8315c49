// A loopback farm for bench/scan.sh: N real TLS endpoints (lab::TlsServer, the "good" test
// chain, TLS 1.2-1.3), plus for the large case refused and silent ports, and the target
// lists the scanners read. Runs as its own process so its CPU and memory are not counted
// as the scanner's. Loopback only.
//
//   scan_farm --live 200 --dir DIR                      -> DIR/targets.txt, DIR/plain.txt
//   scan_farm --live 200 --targets 10000 --refused 30 --silent 10 --dir DIR
//   scan_farm --live 200 --rtt 20 --dir DIR            every live endpoint behind a delay proxy
//   scan_farm --live 200 --targets 1000000 --refused 99.5 --silent 0.2 --dir DIR   (1M case;
//                                                      the shares may have decimals)
//
// --rtt MS puts each live endpoint behind a proxy that holds every chunk MS/2 in each
// direction, so a request/response exchange costs MS as on a real network (the TCP handshake
// itself is answered by the kernel at once). Loopback has no latency otherwise, and without
// latency every scanner is CPU-bound and "one host after another" costs nothing.
//
// targets.txt is what `tlsprobe scan` reads: live endpoints repeat under distinct names
// ("liveN.tlsprobe.test:PORT,127.0.0.1") until the live share is filled; refused targets are
// port 9 on distinct 127.w.x.y addresses, w, x and y from 1 to 250 (nothing listens there,
// the kernel answers RST; up to 15.6 M of them are distinct);
// silent targets go to listeners that never accept (the kernel completes the TCP handshake
// from the backlog, then nothing ever answers the ClientHello).
// plain.txt lists each live endpoint once as 127.0.0.1:PORT, for sslscan / testssl.sh / nmap.
// DIR/ready is written last; the farm then runs until its standard input closes or SIGTERM.
#include <arpa/inet.h>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <openssl/ssl.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "lab/tls_server.hpp"

namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Copies `from` to `to`, holding each chunk `delay`; passes EOF on as a half-close.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, std::chrono::milliseconds delay) {
    std::array<char, 16384> buffer;
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer), kAwait);
        if (ec) break;
        asio::steady_timer timer(from.get_executor(), delay);
        co_await timer.async_wait(kAwait);
        auto [wec, written] =
            co_await asio::async_write(to, asio::buffer(buffer.data(), n), kAwait);
        if (wec) break;
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> relay(tcp::socket client, unsigned short upstream_port,
                            std::chrono::milliseconds delay) {
    using namespace asio::experimental::awaitable_operators;
    tcp::socket upstream(client.get_executor());
    auto [ec] =
        co_await upstream.async_connect({asio::ip::address_v4::loopback(), upstream_port}, kAwait);
    if (ec) co_return;
    co_await (pump(client, upstream, delay) && pump(upstream, client, delay));
}

asio::awaitable<void> proxy(tcp::acceptor acceptor, unsigned short upstream_port,
                            std::chrono::milliseconds delay) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(kAwait);
        if (ec) co_return;
        asio::co_spawn(acceptor.get_executor(), relay(std::move(socket), upstream_port, delay),
                       asio::detached);
    }
}

int silent_listener(unsigned short& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 4096) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        std::perror("silent listener");
        std::exit(1);
    }
    port = ntohs(addr.sin_port);
    return fd;
}

volatile std::sig_atomic_t dump_requested = 0;

}  // namespace

double seconds(const timespec& t) { return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9; }

double process_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return seconds(t);
}

double thread_cpu_seconds(std::thread& thread) {
    clockid_t clock{};
    timespec t{};
    if (::pthread_getcpuclockid(thread.native_handle(), &clock) != 0 ||
        ::clock_gettime(clock, &t) != 0)
        return 0;
    return seconds(t);
}

int main(int argc, char** argv) {
    std::size_t live = 200, targets = 0, rtt_ms = 0;
    double refused_pct = 0, silent_pct = 0;
    std::string dir = ".";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--live") live = std::stoul(value);
        else if (flag == "--targets") targets = std::stoul(value);
        else if (flag == "--refused") refused_pct = std::stod(value);
        else if (flag == "--silent") silent_pct = std::stod(value);
        else if (flag == "--dir") dir = value;
        else if (flag == "--rtt") rtt_ms = std::stoul(value);
        else {
            std::cerr << "usage: scan_farm --live N [--targets T --refused PCT --silent PCT] "
                         "[--rtt MS] --dir DIR\n";
            return 2;
        }
    }
    if (targets == 0) targets = live;
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::unique_ptr<tlsprobe::lab::TlsServer>> servers;
    for (std::size_t i = 0; i < live; ++i)
        servers.push_back(std::make_unique<tlsprobe::lab::TlsServer>(
            tlsprobe::lab::config_for_case("good", TLS1_2_VERSION)));
    // The ports the targets name: the servers', or their delay proxies'.
    std::vector<unsigned short> ports;
    for (const auto& server : servers) ports.push_back(server->port());
    asio::io_context proxy_io(1);
    if (rtt_ms)
        for (auto& port : ports) {
            tcp::acceptor acceptor(proxy_io, {asio::ip::address_v4::loopback(), 0});
            acceptor.listen(4096);
            const auto upstream = port;
            port = acceptor.local_endpoint().port();
            asio::co_spawn(
                proxy_io,
                proxy(std::move(acceptor), upstream, std::chrono::milliseconds(rtt_ms / 2)),
                asio::detached);
        }
    auto work = asio::make_work_guard(proxy_io);
    std::thread proxy_thread([&] { proxy_io.run(); });

    std::vector<unsigned short> silent_ports(silent_pct > 0 ? 10 : 0);
    std::vector<int> silent_fds;
    for (auto& p : silent_ports) silent_fds.push_back(silent_listener(p));

    const auto share = [&](double pct) {
        return static_cast<std::size_t>(static_cast<double>(targets) * pct / 100);
    };
    const std::size_t n_refused = share(refused_pct), n_silent = share(silent_pct);
    const std::size_t n_live = targets - n_refused - n_silent;
    {
        std::ofstream list(dir + "/targets.txt"), plain(dir + "/plain.txt");
        for (std::size_t i = 0; i < n_live; ++i) {
            const auto port = ports[i % ports.size()];
            if (targets == live) list << "127.0.0.1:" << port << '\n';
            else list << "live" << i << ".tlsprobe.test:" << port << ",127.0.0.1,tlsprobe.test\n";
        }
        for (std::size_t i = 0; i < n_refused; ++i)
            list << "127." << (i / 62500) % 250 + 1 << '.' << (i / 250) % 250 + 1 << '.'
                 << i % 250 + 1 << ":9\n";
        for (std::size_t i = 0; i < n_silent; ++i)
            list << "silent" << i << ".tlsprobe.test:" << silent_ports[i % silent_ports.size()]
                 << ",127.0.0.1\n";
        for (const auto port : ports) plain << "127.0.0.1:" << port << '\n';
    }
    std::signal(SIGUSR1, [](int) { dump_requested = 1; });  // any thread may take it
    std::ofstream(dir + "/pid") << ::getpid() << '\n';
    std::ofstream(dir + "/ready") << "live=" << n_live << " refused=" << n_refused
                                  << " silent=" << n_silent << '\n';
    std::cerr << "scan_farm: " << servers.size() << " TLS endpoints; targets: " << n_live
              << " live, " << n_refused << " refused, " << n_silent << " silent\n";
    // Until the parent closes our standard input (or kills us). SIGUSR1 writes the TLS
    // connections accepted so far, over every endpoint, to DIR/connections (connections per
    // host for bench/farm_full.sh: the difference around one tool's run).
    for (;;) {
        pollfd in{STDIN_FILENO, POLLIN, 0};
        const int ready = ::poll(&in, 1, 100);
        if (dump_requested) {
            dump_requested = 0;
            std::size_t accepted = 0;
            for (const auto& server : servers) accepted += server->connections();
            {
                // Also the CPU seconds the TLS endpoints spent so far: the whole process's
                // less the delay proxy's thread (the proxy stands in for the network).
                std::ofstream(dir + "/connections.tmp")
                    << accepted << ' ' << std::fixed << std::setprecision(3)
                    << process_cpu_seconds() - thread_cpu_seconds(proxy_thread) << '\n';
            }
            std::rename((dir + "/connections.tmp").c_str(), (dir + "/connections").c_str());
        }
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) continue;
        char c;
        if (ready < 0 || ::read(STDIN_FILENO, &c, 1) <= 0) break;
    }
    for (int fd : silent_fds) ::close(fd);
    proxy_io.stop();
    proxy_thread.join();
    return 0;
}
