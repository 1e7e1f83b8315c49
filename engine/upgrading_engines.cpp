#include "engine/engines.hpp"

namespace tlsprobe::engine {
namespace {

namespace asio = boost::asio;

class UpgradingEngines final : public Engines {
public:
    UpgradingEngines(std::shared_ptr<Engines> inner, Upgrade upgrade)
        : inner_(std::move(inner)), upgrade_(std::move(upgrade)) {}

    asio::awaitable<Resolution> resolve(std::string host, std::uint16_t port,
                                        std::chrono::milliseconds timeout) override {
        co_return co_await inner_->resolve(std::move(host), port, timeout);
    }
    asio::awaitable<core::Observation> handshake(Endpoint peer, HandshakeSpec spec) override {
        spec.upgrade = upgrade_;
        if (const auto alpn = wire::fixed_alpn(upgrade_.protocol); !alpn.empty())
            spec.alpn = {std::string(alpn)};
        co_return co_await inner_->handshake(peer, std::move(spec));
    }
    asio::awaitable<RawResult> raw_version(Endpoint peer, core::Version version,
                                           RawProbeOptions options) override {
        options.upgrade = upgrade_;
        co_return co_await inner_->raw_version(peer, version, std::move(options));
    }
    asio::awaitable<RawResult> raw(Endpoint peer, RawHello hello,
                                   RawClientOptions options) override {
        options.upgrade = upgrade_;
        co_return co_await inner_->raw(peer, std::move(hello), std::move(options));
    }
    asio::awaitable<SessionResult> session(Endpoint peer, SessionSpec spec) override {
        spec.handshake.upgrade = upgrade_;
        if (const auto alpn = wire::fixed_alpn(upgrade_.protocol); !alpn.empty())
            spec.handshake.alpn = {std::string(alpn)};
        // A named awaitable (GCC 12 and temporaries in co_await: see openssl_handshake()).
        auto op = inner_->session(peer, std::move(spec));
        co_return co_await std::move(op);
    }
    // Plain HTTP has no upgrade: passed through (probe_target() does not ask for it on a
    // STARTTLS target).
    asio::awaitable<HttpCheck> http(Endpoint peer, std::string host_header,
                                    std::chrono::milliseconds timeout) override {
        co_return co_await inner_->http(peer, std::move(host_header), timeout);
    }
    // Fetching (AIA, OCSP, CRL) goes to other hosts over plain HTTP: not upgraded.
    asio::awaitable<FetchResult> fetch(FetchRequest request) override {
        co_return co_await inner_->fetch(std::move(request));
    }

private:
    std::shared_ptr<Engines> inner_;
    Upgrade upgrade_;
};

}  // namespace

std::shared_ptr<Engines> with_upgrade(std::shared_ptr<Engines> inner, Upgrade upgrade) {
    return std::make_shared<UpgradingEngines>(std::move(inner), std::move(upgrade));
}

}  // namespace tlsprobe::engine
