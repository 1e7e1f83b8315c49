#include "engine/engines.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace tlsprobe::engine {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::awaitable<Resolution> asio_resolve(const std::string& host, std::uint16_t port,
                                         std::chrono::milliseconds timeout) {
    using namespace asio::experimental::awaitable_operators;
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor, timeout);
    // getaddrinfo runs on Asio's resolver thread, so a slow DNS server does not stall the
    // other targets on this executor; the timer bounds it.
    auto result = co_await (
        resolver.async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable)) ||
        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    Resolution r;
    if (result.index() == 1) {
        r.status = core::Status::timeout;
        r.detail =
            fmt::format("DNS lookup of '{}' did not finish within {} ms", host, timeout.count());
        co_return r;
    }
    auto [ec, results] = std::get<0>(std::move(result));
    if (ec || results.empty()) {
        r.status = core::Status::dns_failed;
        r.detail =
            fmt::format("'{}' does not resolve: {}", host, ec ? ec.message() : "no addresses");
        co_return r;
    }
    for (const auto& entry : results) r.endpoints.push_back(entry.endpoint());
    co_return r;
}

class NetworkEngines final : public Engines {
public:
    explicit NetworkEngines(std::shared_ptr<HostResolver> resolver)
        : resolver_(std::move(resolver)) {}

    asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                        std::chrono::milliseconds timeout) override {
        if (resolver_) co_return co_await resolver_->resolve(std::move(host), port, timeout);
        co_return co_await asio_resolve(host, port, timeout);
    }
    asio::awaitable<core::Observation> handshake(Endpoint peer, HandshakeSpec spec) override {
        co_return co_await openssl_handshake(peer, std::move(spec));
    }
    asio::awaitable<RawResult> raw_version(Endpoint peer, core::Version version,
                                           RawProbeOptions options) override {
        co_return co_await raw_version_probe(peer, version, std::move(options));
    }
    asio::awaitable<RawResult> raw(Endpoint peer, RawHello hello,
                                   RawClientOptions options) override {
        co_return co_await raw_handshake(peer, std::move(hello), options);
    }
    asio::awaitable<HttpCheck> http(Endpoint peer, std::string host_header,
                                    std::chrono::milliseconds timeout) override {
        co_return co_await http_check(peer, std::move(host_header), timeout);
    }
    asio::awaitable<SessionResult> session(Endpoint peer, SessionSpec spec) override {
        co_return co_await openssl_session(peer, std::move(spec));
    }
    asio::awaitable<FetchResult> fetch(FetchRequest request) override {
        co_return co_await http_fetch(*this, std::move(request));
    }

private:
    std::shared_ptr<HostResolver> resolver_;
};

}  // namespace

std::shared_ptr<Engines> network_engines(std::shared_ptr<HostResolver> resolver) {
    return std::make_shared<NetworkEngines>(std::move(resolver));
}

}  // namespace tlsprobe::engine
