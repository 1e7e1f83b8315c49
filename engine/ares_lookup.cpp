#include "engine/ares_lookup.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tlsprobe::engine {
namespace {

namespace asio = boost::asio;

// ares_library_init once per process (it allocates nothing on Linux, so no cleanup is owed).
void init_library() {
    static const int status = ares_library_init(ARES_LIB_INIT_ALL);
    if (status != ARES_SUCCESS)
        throw std::runtime_error(fmt::format("c-ares: {}", ares_strerror(status)));
}

int family_of(AddressFamily family) {
    switch (family) {
    case AddressFamily::ipv4: return AF_INET;
    case AddressFamily::ipv6: return AF_INET6;
    case AddressFamily::any: break;
    }
    return AF_UNSPEC;
}

}  // namespace

struct AresLookup::State {
    struct Request {
        std::string host;
        Done done;
    };

    ares_channel channel = nullptr;
    int family = AF_UNSPEC;
    std::array<int, 2> wake{-1, -1};  // a pipe: start() and the destructor interrupt poll()
    std::mutex mutex;
    std::vector<std::unique_ptr<Request>> queue;  // started, not yet handed to c-ares
    bool stopping = false;
    std::thread thread;

    void notify() {
        const char byte = 1;
        // A full pipe already holds a wake-up: nothing is lost when this write fails.
        [[maybe_unused]] const auto n = ::write(wake[1], &byte, 1);
    }

    static void on_result(void* arg, int status, int /*timeouts*/, ares_addrinfo* info) {
        std::unique_ptr<Request> request(static_cast<Request*>(arg));
        std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> owned(info,
                                                                           &ares_freeaddrinfo);
        // Shutting down: nobody waits for the answer any more.
        if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) return;
        Resolution r;
        int ttl = INT_MAX;
        if (status == ARES_SUCCESS && info) {
            for (auto* node = info->nodes; node; node = node->ai_next) {
                asio::ip::address address;
                if (node->ai_family == AF_INET && node->ai_addr) {
                    sockaddr_in in{};
                    std::memcpy(&in, node->ai_addr, sizeof in);
                    address = asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
                } else if (node->ai_family == AF_INET6 && node->ai_addr) {
                    sockaddr_in6 in6{};
                    std::memcpy(&in6, node->ai_addr, sizeof in6);
                    asio::ip::address_v6::bytes_type bytes;
                    std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
                    address = asio::ip::address_v6(bytes, in6.sin6_scope_id);
                } else {
                    continue;
                }
                const asio::ip::tcp::endpoint endpoint(address, 0);
                if (std::find(r.endpoints.begin(), r.endpoints.end(), endpoint) ==
                    r.endpoints.end())
                    r.endpoints.push_back(endpoint);
                ttl = std::min(ttl, std::max(node->ai_ttl, 0));
            }
        }
        if (r.endpoints.empty()) {
            r.status = status == ARES_ETIMEOUT ? core::Status::timeout : core::Status::dns_failed;
            r.detail = fmt::format("'{}' does not resolve: {}", request->host,
                                   status == ARES_SUCCESS ? "no addresses" : ares_strerror(status));
            ttl = 0;
        }
        request->done(std::move(r), std::chrono::seconds(ttl));
    }

    void submit(std::unique_ptr<Request> request) {
        ares_addrinfo_hints hints{};
        hints.ai_family = family;
        hints.ai_socktype = SOCK_STREAM;
        const std::string host = request->host;
        // c-ares owns the request until on_result, which it calls exactly once.
        ares_getaddrinfo(channel, host.c_str(), nullptr, &hints, &State::on_result,
                         request.release());
    }

    void loop() {
        for (;;) {
            std::vector<std::unique_ptr<Request>> batch;
            {
                std::lock_guard lock(mutex);
                if (stopping) break;
                batch.swap(queue);
            }
            for (auto& request : batch) submit(std::move(request));

            std::array<ares_socket_t, ARES_GETSOCK_MAXNUM> sockets{};
            const int bits = ares_getsock(channel, sockets.data(), ARES_GETSOCK_MAXNUM);
            std::vector<pollfd> fds;
            fds.push_back({wake[0], POLLIN, 0});
            for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
                short events = 0;
                if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
                if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
                if (events) fds.push_back({sockets[static_cast<std::size_t>(i)], events, 0});
            }
            timeval most{1, 0};  // wake at least once a second
            timeval next{};
            const timeval* wait = ares_timeout(channel, &most, &next);
            const int ms = static_cast<int>(wait->tv_sec * 1000 + wait->tv_usec / 1000);
            const int ready = ::poll(fds.data(), fds.size(), std::max(ms, 1));
            if (ready > 0 && (fds[0].revents & POLLIN)) {
                std::array<char, 64> drain{};
                while (::read(wake[0], drain.data(), drain.size()) > 0) {
                }
            }
            bool processed = false;
            for (std::size_t i = 1; ready > 0 && i < fds.size(); ++i) {
                if (!fds[i].revents) continue;
                const bool readable = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
                const bool writable = fds[i].revents & POLLOUT;
                ares_process_fd(channel, readable ? fds[i].fd : ARES_SOCKET_BAD,
                                writable ? fds[i].fd : ARES_SOCKET_BAD);
                processed = true;
            }
            // Retries and timeouts of queries whose sockets stayed quiet.
            if (!processed) ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        }
        // Queries in flight end with ARES_ECANCELLED / ARES_EDESTRUCTION: their Done is not
        // called (on_result), the requests are freed.
        ares_cancel(channel);
        ares_destroy(channel);
        channel = nullptr;
    }
};

AresLookup::AresLookup(Options options) : state_(std::make_unique<State>()) {
    init_library();
    state_->family = family_of(options.family);
    ares_options o{};
    int mask = 0;
    o.timeout = static_cast<int>(options.query_timeout.count());
    mask |= ARES_OPT_TIMEOUTMS;
    o.tries = std::max(options.tries, 1);
    mask |= ARES_OPT_TRIES;
    std::string lookups = "fb";  // the hosts file first, then DNS, as the system resolver does
    o.lookups = lookups.data();
    mask |= ARES_OPT_LOOKUPS;
    if (const int status = ares_init_options(&state_->channel, &o, mask); status != ARES_SUCCESS)
        throw std::runtime_error(fmt::format("c-ares: {}", ares_strerror(status)));
    if (!options.servers.empty()) {
        std::string csv;
        for (const auto& s : options.servers) csv += (csv.empty() ? "" : ",") + s;
        if (const int status = ares_set_servers_ports_csv(state_->channel, csv.c_str());
            status != ARES_SUCCESS) {
            ares_destroy(state_->channel);
            throw std::runtime_error(
                fmt::format("DNS server list '{}' is not usable: {}", csv, ares_strerror(status)));
        }
    }
    if (::pipe2(state_->wake.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
        ares_destroy(state_->channel);
        throw std::runtime_error("c-ares: cannot create the wake-up pipe");
    }
    state_->thread = std::thread([state = state_.get()] { state->loop(); });
}

AresLookup::~AresLookup() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->notify();
    state_->thread.join();
    ::close(state_->wake[0]);
    ::close(state_->wake[1]);
}

void AresLookup::start(std::string host, Done done) {
    auto request = std::make_unique<State::Request>();
    request->host = std::move(host);
    request->done = std::move(done);
    {
        std::lock_guard lock(state_->mutex);
        state_->queue.push_back(std::move(request));
    }
    state_->notify();
}

}  // namespace tlsprobe::engine
