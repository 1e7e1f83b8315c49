#include "probe/probe_target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include "probe/diagnosis_rules.hpp"
#include "probe/findings_rules.hpp"
#include "probe/http_check.hpp"
#include "probe/plan.hpp"
#include "probe/scheduling.hpp"
#include "tls/openssl_client.hpp"

namespace tlsprobe::probe {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Resolution {
    std::vector<tcp::endpoint> endpoints;
    tls::Status status = tls::Status::negotiated;  // dns_failed / timeout on failure
    std::string detail;
};

asio::awaitable<Resolution> resolve(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
    using namespace asio::experimental::awaitable_operators;
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor, timeout);
    // getaddrinfo runs on Asio's resolver thread, so a slow DNS server does not stall
    // the other targets on this executor; the timer bounds it.
    auto result = co_await (resolver.async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable)) ||
                            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    Resolution r;
    if (result.index() == 1) {
        r.status = tls::Status::timeout;
        r.detail = fmt::format("DNS lookup of '{}' did not finish within {} ms", host, timeout.count());
        co_return r;
    }
    auto [ec, results] = std::get<0>(std::move(result));
    if (ec || results.empty()) {
        r.status = tls::Status::dns_failed;
        r.detail = fmt::format("'{}' does not resolve: {}", host, ec ? ec.message() : "no addresses");
        co_return r;
    }
    for (const auto& entry : results) r.endpoints.push_back(entry.endpoint());
    co_return r;
}

std::string endpoint_text(const tcp::endpoint& e) {
    return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                               : fmt::format("{}:{}", e.address().to_string(), e.port());
}

tls::KeyExchange key_exchange_of(const tls::Observation& o) {
    if (o.version == tls::Version::tls1_3) return tls::KeyExchange::tls13;
    if (o.cipher.find("_ECDHE_") != std::string::npos || o.cipher.find("_DHE_") != std::string::npos)
        return tls::KeyExchange::ecdhe_or_dhe;
    if (o.cipher.starts_with("TLS_RSA_WITH_")) return tls::KeyExchange::rsa;
    return tls::KeyExchange::unknown;
}

PlanOptions local_capabilities() {
    PlanOptions p;
    for (auto v : tls::all_versions) p.openssl_can[static_cast<std::size_t>(v)] = tls::openssl_supports(v);
    return p;
}

}  // namespace

void conclude(TargetResult& result, const ProbeOptions& options) {
    result.versions = summarize_versions(result.probes);
    result.chain.reset();
    result.chain_differs.clear();
    if (const auto* source = chain_probe(result.probes)) {
        result.chain_source = source->spec.id;
        tls::ChainInput input;
        input.served = source->observation.chain;
        input.hostname = result.target.sni.value_or(result.target.host);
        input.now = options.now.value_or(std::chrono::system_clock::now());
        input.key_exchange = key_exchange_of(source->observation);
        input.expires_soon_days = options.expires_soon_days;
        // A caller that did not choose a store gets the system one, as the CLI does.
        static const tls::TrustStore system_store = tls::TrustStore::system_default();
        result.chain = tls::analyze_chain(input, options.trust ? *options.trust : system_store);
        for (const auto& p : result.probes)
            if ((p.spec.role == ProbeRole::version || p.spec.role == ProbeRole::offer_all) &&
                p.observation.status == tls::Status::negotiated && !p.observation.chain.empty() &&
                p.observation.chain != source->observation.chain)
                result.chain_differs.push_back(p.spec.id);
    }
    result.findings = derive_findings(result);
    result.diagnosis = diagnose(result);
}

asio::awaitable<TargetResult> probe_target(Target target, const ProbeOptions& options) {
    static const PlanOptions capabilities = local_capabilities();
    TargetResult result;
    result.target = std::move(target);
    result.started = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    const auto plan = plan_probes(result.target, capabilities);

    const auto& t = result.target;
    const std::string& connect_host = t.connect_to.value_or(t.host);
    const auto resolution = co_await resolve(connect_host, t.connect_port ? t.connect_port : t.port, options.timeout);
    if (resolution.endpoints.empty()) {
        // A failed lookup is the result of every planned attempt.
        for (const auto& spec : plan) {
            tls::Observation o;
            o.status = resolution.status == tls::Status::timeout ? tls::Status::dns_failed : resolution.status;
            o.phase = tls::Phase::dns;
            o.detail = resolution.detail;
            result.probes.push_back({spec, std::move(o)});
        }
    } else {
        for (const auto& e : resolution.endpoints) result.resolved.push_back(endpoint_text(e));
        const auto peer = resolution.endpoints.front();
        result.address = endpoint_text(peer);
        result.probes.resize(plan.size());
        const std::size_t tasks = plan.size() + (options.http_port ? 1 : 0);
        co_await for_each_bounded(tasks, options.connections_per_target, [&](std::size_t i) -> asio::awaitable<void> {
            if (i == plan.size()) {  // the plain-HTTP check, concurrently with the handshakes
                HttpCheck check = co_await http_check(tcp::endpoint(peer.address(), *options.http_port), t.host, options.timeout);
                result.http = std::move(check);
                co_return;
            }
            tls::HandshakeSpec spec;
            spec.pin = plan[i].version;
            spec.sni = plan[i].sni;
            spec.cipher_list = plan[i].cipher_list;
            spec.ciphersuites = plan[i].ciphersuites;
            spec.timeout = options.timeout;
            spec.trace = options.trace;
            // Not `probes[i] = {plan[i], co_await ...}`: GCC 12 destroys temporaries of a
            // braced initialiser holding a co_await twice. Plain statements only.
            tls::Observation observation = co_await tls::openssl_handshake(peer, spec);
            result.probes[i].spec = plan[i];
            result.probes[i].observation = std::move(observation);
        });
    }
    conclude(result, options);
    result.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    co_return result;
}

TargetResult probe_target_blocking(const Target& target, const ProbeOptions& options) {
    asio::io_context io;
    auto future = asio::co_spawn(io, probe_target(target, options), asio::use_future);
    io.run();
    return future.get();
}

}  // namespace tlsprobe::probe
