// A stand-in for the network (engine::Engines) for orchestration tests: it answers from
// functions the test sets and records every request it was given, so a test asserts on what
// the probe asked for (ninja's FakeCommandRunner shape). It opens no socket.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <functional>
#include <string>
#include <vector>

#include "engine/engines.hpp"

namespace tlsprobe::testing {

class FakeEngines final : public engine::Engines {
public:
    // What the fake answers; each defaults to "the connection was refused".
    std::function<engine::Resolution(const std::string& host, std::uint16_t port)> on_resolve =
        [](const std::string&, std::uint16_t port) {
            engine::Resolution r;
            r.endpoints.emplace_back(boost::asio::ip::make_address("192.0.2.10"), port);
            return r;
        };
    std::function<core::Observation(const engine::HandshakeSpec&)> on_handshake =
        [](const engine::HandshakeSpec&) { return refused(); };
    std::function<core::Observation(core::Version, const engine::RawProbeOptions&)> on_raw_version =
        [](core::Version, const engine::RawProbeOptions&) { return refused(); };
    std::function<engine::HttpCheck(std::uint16_t port)> on_http = [](std::uint16_t port) {
        engine::HttpCheck h;
        h.port = port;
        h.status = engine::HttpStatus::refused;
        return h;
    };
    std::function<engine::SessionResult(const engine::SessionSpec&)> on_session =
        [](const engine::SessionSpec&) {
            engine::SessionResult r;
            r.observation = refused();
            return r;
        };
    // Fetches (AIA, OCSP, CRL) default to "refused".
    std::function<engine::FetchResult(const engine::FetchRequest&)> on_fetch =
        [](const engine::FetchRequest& request) {
            engine::FetchResult r;
            r.url = r.final_url = request.url;
            r.status = engine::FetchStatus::refused;
            r.detail = "connection refused (fake)";
            return r;
        };

    // Every request, in the order it was made: "resolve shop.example:443",
    // "handshake sni=shop.example pin=tls1_2 alpn=h2,http/1.1", "raw tls1_3 sni=-", "http 80".
    std::vector<std::string> requests;
    int in_flight = 0, max_in_flight = 0;  // connections open at once (all on one thread)

    static core::Observation refused() {
        core::Observation o;
        o.status = core::Status::refused;
        o.phase = core::Phase::connect;
        o.detail = "connection refused (fake)";
        return o;
    }

    boost::asio::awaitable<engine::Resolution> resolve(std::string host, std::uint16_t port,
                                                       std::chrono::milliseconds) override {
        requests.push_back(fmt::format("resolve {}:{}", host, port));
        co_return on_resolve(host, port);
    }
    boost::asio::awaitable<core::Observation> handshake(engine::Endpoint,
                                                        engine::HandshakeSpec spec) override {
        requests.push_back(fmt::format("handshake sni={} pin={} alpn={}", spec.sni.value_or("-"),
                                       spec.pin ? core::to_string(*spec.pin) : "any",
                                       fmt::join(spec.alpn, ",")));
        co_await open();
        auto o = on_handshake(spec);
        --in_flight;
        co_return o;
    }
    boost::asio::awaitable<engine::RawResult> raw_version(
        engine::Endpoint, core::Version v, engine::RawProbeOptions options) override {
        requests.push_back(
            fmt::format("raw {} sni={}", core::to_string(v), options.sni.value_or("-")));
        co_await open();
        engine::RawResult r;
        r.observation = on_raw_version(v, options);
        --in_flight;
        co_return r;
    }
    boost::asio::awaitable<engine::RawResult> raw(engine::Endpoint, engine::RawHello hello,
                                                  engine::RawClientOptions) override {
        requests.push_back("raw hello " + hello.summary);
        engine::RawResult r;
        r.observation = refused();
        co_return r;
    }
    boost::asio::awaitable<engine::HttpCheck> http(engine::Endpoint peer, std::string,
                                                   std::chrono::milliseconds) override {
        requests.push_back(fmt::format("http {}", peer.port()));
        co_return on_http(peer.port());
    }

    // "session sni=shop.example pin=tls1_2 resume=no tickets=yes ticket_wait=no http=no
    // renegotiations=0"
    boost::asio::awaitable<engine::SessionResult> session(engine::Endpoint,
                                                          engine::SessionSpec spec) override {
        const auto& h = spec.handshake;
        requests.push_back(fmt::format(
            "session sni={} pin={} resume={} tickets={} ticket_wait={} http={} renegotiations={}",
            h.sni.value_or("-"), h.pin ? core::to_string(*h.pin) : "any",
            spec.resume ? "yes" : "no", spec.offer_tickets ? "yes" : "no",
            spec.wait_for_ticket ? "yes" : "no", spec.http_request.empty() ? "no" : "yes",
            spec.renegotiations));
        co_await open();
        auto r = on_session(spec);
        --in_flight;
        co_return r;
    }

    // "fetch GET http://ca.example/int.der", "fetch POST http://ocsp.example/"
    boost::asio::awaitable<engine::FetchResult> fetch(engine::FetchRequest request) override {
        requests.push_back(
            fmt::format("fetch {} {}", request.post ? "POST" : "GET", request.url));
        co_return on_fetch(request);
    }

    std::size_t count(std::string_view prefix) const {
        std::size_t n = 0;
        for (const auto& r : requests) n += r.starts_with(prefix) ? 1 : 0;
        return n;
    }

private:
    // A connection is "open" across one trip through the event loop, so concurrent attempts
    // overlap the way real ones do and max_in_flight measures the cap.
    boost::asio::awaitable<void> open() {
        max_in_flight = std::max(max_in_flight, ++in_flight);
        co_await boost::asio::post(co_await boost::asio::this_coro::executor,
                                   boost::asio::use_awaitable);
    }
};

}  // namespace tlsprobe::testing
