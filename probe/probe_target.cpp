#include "probe/probe_target.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include "engine/engines.hpp"
#include "engine/scheduling.hpp"
#include "probe/check.hpp"
#include "probe/cipher_enumeration.hpp"
#include "probe/plan.hpp"

namespace tlsprobe::probe {

using engine::endpoint_text;
using engine::Engines;
using engine::HttpCheck;
using engine::Resolution;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

PlanOptions local_capabilities() {
    PlanOptions p;
    for (auto v : core::all_versions)
        p.openssl_can[static_cast<std::size_t>(v)] = engine::openssl_supports(v);
    return p;
}

// One attempt of a plan, each kind in a coroutine of its own: a coroutine frame holds every
// local from its first instruction, and a scan keeps thousands of attempts waiting at once,
// so an OpenSSL attempt must not carry a raw attempt's result or the HTTP check's (and back).
asio::awaitable<void> run_http_check(Engines& engines, TargetResult& result,
                                     const tcp::endpoint& peer, std::uint16_t port,
                                     const ProbeOptions& options) {
    HttpCheck check = co_await engines.http(tcp::endpoint(peer.address(), port),
                                            result.target.host, options.timeout);
    result.http = std::move(check);
}

asio::awaitable<void> run_raw_attempt(Engines& engines, ProbeRecord& record,
                                      const ProbeSpec& spec, const tcp::endpoint& peer,
                                      const ProbeOptions& options) {
    engine::RawProbeOptions raw;
    raw.sni = spec.sni;
    raw.timeout = options.timeout;
    raw.trace = options.trace;
    engine::RawResult answer = co_await engines.raw_version(peer, *spec.version, raw);
    record.spec = spec;
    record.observation = std::move(answer.observation);
}

asio::awaitable<void> run_openssl_attempt(Engines& engines, ProbeRecord& record,
                                          const ProbeSpec& probe, const tcp::endpoint& peer,
                                          const ProbeOptions& options) {
    engine::HandshakeSpec spec;
    spec.pin = probe.version;
    spec.sni = probe.sni;
    spec.cipher_list = probe.cipher_list;
    spec.ciphersuites = probe.ciphersuites;
    spec.timeout = options.timeout;
    spec.trace = options.trace;
    spec.client_identity = options.client_identity;
    // Not `record = {probe, co_await ...}`: GCC 12 destroys temporaries of a braced
    // initialiser holding a co_await twice. Plain statements only.
    core::Observation observation = co_await engines.handshake(peer, spec);
    record.spec = probe;
    record.observation = std::move(observation);
}

// Runs `plan`'s attempts against `peer` (and the plain-HTTP check when asked), at most
// connections_per_target at a time, appending their records to result.probes in plan order.
asio::awaitable<void> run_attempts(Engines& engines, TargetResult& result,
                                   const std::vector<ProbeSpec>& plan, const tcp::endpoint& peer,
                                   const ProbeOptions& options,
                                   std::optional<std::uint16_t> http_port) {
    const std::size_t base = result.probes.size();
    result.probes.resize(base + plan.size());
    const std::size_t tasks = plan.size() + (http_port ? 1 : 0);
    // The lambda is no coroutine (no frame of its own): it returns the chosen attempt's.
    co_await engine::for_each_bounded(
        tasks, options.connections_per_target, [&](std::size_t i) -> asio::awaitable<void> {
            if (i == plan.size())  // the plain-HTTP check, concurrently with the handshakes
                return run_http_check(engines, result, peer, *http_port, options);
            auto& record = result.probes[base + i];
            if (plan[i].engine == Engine::raw)
                return run_raw_attempt(engines, record, plan[i], peer, options);
            return run_openssl_attempt(engines, record, plan[i], peer, options);
        });
}

// Cipher-suite enumeration for the versions the probes found supported, within the same
// per-target connection cap; the lists land in result.versions (conclude() keeps them).
asio::awaitable<void> enumerate(Engines& engines, TargetResult& result, const tcp::endpoint& peer,
                                const ProbeOptions& options) {
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
    const probe::CipherEnumeration e = co_await probe::enumerate_ciphers(engines, peer, raw, eo);
    for (auto v : eo.versions) {
        const auto& vc = e.version(v);
        auto& r = result.versions[static_cast<std::size_t>(v)];
        r.ciphers_enumerated = vc.enumerated;
        r.server_preference = vc.server_preference;
        r.groups = vc.group_names;
        r.group_server_preference = vc.group_server_preference;
        r.enumeration_errors = vc.errors;
        r.ciphers.clear();
        for (const auto& s : vc.suites)
            r.ciphers.push_back(
                {s.code, s.name, s.strength, s.forward_secrecy, s.group, s.dh_bits, s.dh});
    }
}

// A check that failed inside tlsprobe (a bug): its kind, and what went wrong, as data.
class FailedCheck final : public CheckResult {
public:
    FailedCheck(std::string kind, std::string error)
        : kind_(std::move(kind)), error_(std::move(error)) {}
    std::string_view kind() const override { return kind_; }
    std::vector<Finding> findings() const override { return {}; }
    nlohmann::json to_json() const override { return {{"internal_error", error_}}; }
    std::vector<std::string> text() const override {
        return {"internal error in this check: " + error_};
    }

private:
    std::string kind_, error_;
};

// The requested check kinds that apply, one after the other (each honours the per-target
// connection cap itself), in registry order. A check that throws is a bug: it becomes that
// check's missing result and an internal-error note, never the end of the probe.
asio::awaitable<void> run_checks(Engines& engines, TargetResult& result, const tcp::endpoint& peer,
                                 const ProbeOptions& options) {
    for (const CheckKind* kind : check_kinds()) {
        if (std::find(options.checks.begin(), options.checks.end(), kind->id()) ==
            options.checks.end())
            continue;
        if (!kind->applies(result)) continue;
        CheckResultPtr outcome;
        std::string failure;
        try {
            outcome = co_await kind->run(CheckContext{engines, peer, result, options});
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!failure.empty() || !outcome) {
            outcome = std::make_shared<FailedCheck>(std::string(kind->id()),
                                                    failure.empty() ? "no result" : failure);
        }
        result.checks.push_back(std::move(outcome));
    }
}

}  // namespace

engine::Upgrade upgrade_of(const Target& target) {
    engine::Upgrade u;
    u.protocol = target.starttls;
    if (target.starttls == wire::StartTls::xmpp || target.starttls == wire::StartTls::xmpp_server)
        u.name = target.xmpp_domain.empty() ? target.host : target.xmpp_domain;
    return u;
}

asio::awaitable<TargetResult> probe_target(Target target, ProbeOptions options) {
    if (!options.engines) options.engines = engine::network_engines();
    if (!options.trust) options.trust = x509::TrustStore::shared_system_default();
    if (target.starttls != wire::StartTls::none) {
        // Every connection of this probe makes the upgrade before its ClientHello: the
        // attempts, the cipher enumeration and the checks all go through these engines.
        options.engines = engine::with_upgrade(options.engines, upgrade_of(target));
        options.http_port.reset();  // a plain-HTTP check says nothing about a mail server
    }
    Engines& engines = *options.engines;
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
    Resolution resolution = co_await engines.resolve(connect_host, port, options.timeout);
    if (resolution.endpoints.empty()) {
        // A failed lookup is the result of every planned attempt.
        for (const auto& spec : plan) {
            core::Observation o;
            o.status = resolution.status == core::Status::timeout ? core::Status::dns_failed
                                                                  : resolution.status;
            o.phase = core::Phase::dns;
            o.detail = resolution.detail;
            result.probes.push_back({spec, std::move(o)});
        }
    } else {
        for (const auto& e : resolution.endpoints) result.resolved.push_back(endpoint_text(e));
        const auto peer = resolution.endpoints.front();
        result.address = endpoint_text(peer);
        co_await run_attempts(engines, result, plan, peer, options, options.http_port);
        if (options.adaptive) {
            conclude(result, options);
            // Reached, and something is wrong: collect the rest of the evidence. The caller
            // decides what "wrong" means (scans judge the first stage); by default, no
            // handshake for the requested name.
            const bool wanted = options.follow_up ? options.follow_up(result) : !result.facts.works;
            if (wanted && result.facts.reached) {
                plan_options.part = PlanOptions::Part::follow_up;
                const auto follow_up = plan_probes(result.target, plan_options);
                co_await run_attempts(engines, result, follow_up, peer, options, std::nullopt);
            }
        }
        if (options.enumerate_ciphers) co_await enumerate(engines, result, peer, options);
        if (!options.checks.empty()) {
            conclude(result, options);  // the checks read the facts and the version verdicts
            co_await run_checks(engines, result, peer, options);
        }
    }
    conclude(result, options);
    result.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    co_return result;
}

TargetResult probe_target_blocking(const Target& target, const ProbeOptions& options) {
    asio::io_context io;
    auto future = asio::co_spawn(io, probe_target(target, options), asio::use_future);
    io.run();
    return future.get();
}

}  // namespace tlsprobe::probe
