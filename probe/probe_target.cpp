#include "probe/probe_target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include "judge/diagnosis_rules.hpp"
#include "judge/findings_rules.hpp"
#include "engine/host_resolver.hpp"
#include "engine/http_check.hpp"
#include "probe/plan.hpp"
#include "engine/scheduling.hpp"
#include "probe/cipher_enumeration.hpp"
#include "engine/openssl_client.hpp"
#include "engine/raw_client.hpp"

namespace tlsprobe::probe {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

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
        r.status = core::Status::timeout;
        r.detail = fmt::format("DNS lookup of '{}' did not finish within {} ms", host, timeout.count());
        co_return r;
    }
    auto [ec, results] = std::get<0>(std::move(result));
    if (ec || results.empty()) {
        r.status = core::Status::dns_failed;
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

x509::KeyExchange key_exchange_of(const core::Observation& o) {
    if (o.version == core::Version::tls1_3) return x509::KeyExchange::tls13;
    if (o.cipher.find("_ECDHE_") != std::string::npos || o.cipher.find("_DHE_") != std::string::npos)
        return x509::KeyExchange::ecdhe_or_dhe;
    if (o.cipher.starts_with("TLS_RSA_WITH_")) return x509::KeyExchange::rsa;
    return x509::KeyExchange::unknown;
}

PlanOptions local_capabilities() {
    PlanOptions p;
    for (auto v : core::all_versions) p.openssl_can[static_cast<std::size_t>(v)] = engine::openssl_supports(v);
    return p;
}

// Runs `plan`'s attempts against `peer` (and the plain-HTTP check when asked), at most
// connections_per_target at a time, appending their records to result.probes in plan order.
asio::awaitable<void> run_attempts(TargetResult& result, const std::vector<ProbeSpec>& plan, const tcp::endpoint& peer,
                                   const ProbeOptions& options, std::optional<std::uint16_t> http_port) {
    const std::size_t base = result.probes.size();
    result.probes.resize(base + plan.size());
    const std::size_t tasks = plan.size() + (http_port ? 1 : 0);
    co_await engine::for_each_bounded(tasks, options.connections_per_target, [&](std::size_t i) -> asio::awaitable<void> {
        if (i == plan.size()) {  // the plain-HTTP check, concurrently with the handshakes
            HttpCheck check = co_await http_check(tcp::endpoint(peer.address(), *http_port), result.target.host, options.timeout);
            result.http = std::move(check);
            co_return;
        }
        auto& record = result.probes[base + i];
        if (plan[i].engine == Engine::raw) {
            engine::RawProbeOptions raw;
            raw.sni = plan[i].sni;
            raw.timeout = options.timeout;
            raw.trace = options.trace;
            engine::RawResult answer = co_await engine::raw_version_probe(peer, *plan[i].version, raw);
            record.spec = plan[i];
            record.observation = std::move(answer.observation);
            co_return;
        }
        engine::HandshakeSpec spec;
        spec.pin = plan[i].version;
        spec.sni = plan[i].sni;
        spec.cipher_list = plan[i].cipher_list;
        spec.ciphersuites = plan[i].ciphersuites;
        spec.timeout = options.timeout;
        spec.trace = options.trace;
        // Not `record = {plan[i], co_await ...}`: GCC 12 destroys temporaries of a braced
        // initialiser holding a co_await twice. Plain statements only.
        core::Observation observation = co_await engine::openssl_handshake(peer, spec);
        record.spec = plan[i];
        record.observation = std::move(observation);
    });
}

// Cipher-suite enumeration for the versions the probes found supported, within the same
// per-target connection cap; the lists land in result.versions (conclude() keeps them).
asio::awaitable<void> enumerate(TargetResult& result, const tcp::endpoint& peer, const ProbeOptions& options) {
    const auto versions = summarize_versions(result.probes);
    probe::EnumerationOptions eo;
    eo.versions.clear();
    for (const auto& v : versions)
        if (v.supported == true) eo.versions.push_back(v.version);
    if (eo.versions.empty()) co_return;
    eo.concurrency = options.connections_per_target;
    engine::RawProbeOptions raw;
    raw.sni = result.target.sni;
    raw.timeout = options.timeout;
    const probe::CipherEnumeration e = co_await probe::enumerate_ciphers(peer, raw, eo);
    for (auto v : eo.versions) {
        const auto& vc = e.version(v);
        auto& r = result.versions[static_cast<std::size_t>(v)];
        r.ciphers_enumerated = vc.enumerated;
        r.server_preference = vc.server_preference;
        r.groups = vc.group_names;
        r.enumeration_errors = vc.errors;
        r.ciphers.clear();
        for (const auto& s : vc.suites)
            r.ciphers.push_back({s.code, s.name, std::string(wire::to_string(s.strength)), s.forward_secrecy, s.group, s.dh_bits});
    }
}

}  // namespace

void conclude(TargetResult& result, const ProbeOptions& options) {
    // The verdicts are recomputed from the attempts; enumeration results are not attempts,
    // so they are carried over.
    const auto previous = result.versions;
    result.versions = summarize_versions(result.probes);
    for (std::size_t i = 0; i < previous.size(); ++i) {
        auto& r = result.versions[i];
        r.ciphers = previous[i].ciphers;
        r.ciphers_enumerated = previous[i].ciphers_enumerated;
        r.server_preference = previous[i].server_preference;
        r.groups = previous[i].groups;
        r.enumeration_errors = previous[i].enumeration_errors;
    }
    result.chain.reset();
    result.chain_differs.clear();
    if (const auto* source = chain_probe(result.probes)) {
        result.chain_source = source->spec.id;
        x509::ChainInput input;
        input.served = source->observation.chain;
        input.hostname = result.target.sni.value_or(result.target.host);
        input.now = options.now.value_or(std::chrono::system_clock::now());
        input.key_exchange = key_exchange_of(source->observation);
        input.expires_soon_days = options.expires_soon_days;
        // A caller that did not choose a store gets the system one, as the CLI does.
        static const x509::TrustStore system_store = x509::TrustStore::system_default();
        result.chain = x509::analyze_chain(input, options.trust ? *options.trust : system_store);
        for (const auto& p : result.probes)
            if ((p.spec.role == ProbeRole::version || p.spec.role == ProbeRole::offer_all) &&
                p.observation.status == core::Status::negotiated && !p.observation.chain.empty() &&
                p.observation.chain != source->observation.chain)
                result.chain_differs.push_back(p.spec.id);
    }
    result.findings = derive_findings(result);
    result.diagnosis = diagnose(result);
    result.diagnosed = true;
}

asio::awaitable<TargetResult> probe_target(Target target, const ProbeOptions& options) {
    static const PlanOptions capabilities = local_capabilities();
    TargetResult result;
    result.target = std::move(target);
    result.started = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    PlanOptions plan_options = capabilities;
    plan_options.variants = options.variants;
    plan_options.raw = options.raw;
    if (options.adaptive) plan_options.part = PlanOptions::Part::essential;
    const auto plan = plan_probes(result.target, plan_options);

    const auto& t = result.target;
    const std::string& connect_host = t.connect_to.value_or(t.host);
    const std::uint16_t port = t.connect_port ? t.connect_port : t.port;
    Resolution resolution;
    if (options.resolver) resolution = co_await options.resolver->resolve(connect_host, port, options.timeout);
    else resolution = co_await resolve(connect_host, port, options.timeout);
    if (resolution.endpoints.empty()) {
        // A failed lookup is the result of every planned attempt.
        for (const auto& spec : plan) {
            core::Observation o;
            o.status = resolution.status == core::Status::timeout ? core::Status::dns_failed : resolution.status;
            o.phase = core::Phase::dns;
            o.detail = resolution.detail;
            result.probes.push_back({spec, std::move(o)});
        }
    } else {
        for (const auto& e : resolution.endpoints) result.resolved.push_back(endpoint_text(e));
        const auto peer = resolution.endpoints.front();
        result.address = endpoint_text(peer);
        co_await run_attempts(result, plan, peer, options, options.http_port);
        if (options.adaptive) {
            conclude(result, options);
            // Reached, and something is wrong (a diagnosis, or no handshake at all): collect
            // the rest of the evidence.
            if ((!result.diagnosis.empty() || !result.any_negotiated()) && !result.unreachable()) {
                plan_options.part = PlanOptions::Part::follow_up;
                const auto follow_up = plan_probes(result.target, plan_options);
                co_await run_attempts(result, follow_up, peer, options, std::nullopt);
            }
        }
        if (options.enumerate_ciphers) co_await enumerate(result, peer, options);
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
