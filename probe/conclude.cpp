// The pure tail of a probe: what the attempts mean, decided once (see probe_target.hpp).
#include <algorithm>
#include <fmt/format.h>

#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "wire/cipher_suites.hpp"

namespace tlsprobe::probe {
namespace {

// What the negotiated suite needs from the leaf's keyUsage, from the cipher-suite registry.
x509::KeyExchange key_exchange_of(const core::Observation& o) {
    if (o.version == core::Version::tls1_3) return x509::KeyExchange::tls13;
    const auto* suite = o.cipher_id ? wire::find_cipher_suite(o.cipher_id)
                                    : wire::find_cipher_suite_by_iana_name(o.cipher);
    if (!suite) return x509::KeyExchange::unknown;
    switch (suite->kx) {
        case wire::KeyExchange::rsa: return x509::KeyExchange::rsa;
        case wire::KeyExchange::dhe:
        case wire::KeyExchange::ecdhe: return x509::KeyExchange::ecdhe_or_dhe;
        default: return x509::KeyExchange::unknown;
    }
}

bool never_reached(const core::Observation& o) {
    return o.status == core::Status::dns_failed || o.status == core::Status::refused ||
           o.status == core::Status::unreachable ||
           (o.status == core::Status::timeout && o.phase == core::Phase::connect) ||
           o.status == core::Status::local_unsupported;
}

// Any refusal after a CertificateRequest makes a client certificate required; else one we
// presented and the server took, else one it asked for and went on without.
ClientCertificate client_certificate_of(const std::vector<ProbeRecord>& probes) {
    bool requested = false, accepted = false;
    for (const auto& p : probes) {
        const auto& o = p.observation;
        if (!o.client_certificate_requested) continue;
        requested = true;
        if (p.spec.engine != Engine::openssl) continue;
        // Only the attempts that decide "TLS works" (the requested name, every suite) decide
        // "required": a default virtual host that wants a certificate from clients without
        // SNI says nothing about the named site.
        if (p.spec.role != ProbeRole::version && p.spec.role != ProbeRole::offer_all) continue;
        if (o.client_certificate_refused) return ClientCertificate::required;
        if (o.client_certificate_presented && o.status == core::Status::negotiated) accepted = true;
    }
    return accepted    ? ClientCertificate::accepted
           : requested ? ClientCertificate::optional
                       : ClientCertificate::not_requested;
}

// Clients without SNI get the server's default certificate: when it is not the one the
// named site serves, whether it still covers the name (the first certificate is the one a
// client checks).
std::optional<x509::HostnameMatch> no_sni_other_certificate(const TargetResult& r) {
    if (!r.chain || r.chain->certificates.empty()) return std::nullopt;
    const auto* p = r.probe(AttemptKind::no_sni);
    if (!p || p->observation.status != core::Status::negotiated || p->observation.chain.empty())
        return std::nullopt;
    const auto& first = p->observation.chain.front();
    if (first == r.chain->certificates[r.chain->leaf].der) return std::nullopt;
    const auto cert = x509::parse_certificate(first);
    if (!cert) return std::nullopt;
    return x509::match_hostname(*cert, r.target.sni.value_or(r.target.host));
}

// Every distinct DH group of the enumerated suites, analysed once (the costly part is the
// primality test, so a group seen with ten suites is tested once). The common-prime list is
// read only when there is a group to look up.
void conclude_dh_groups(TargetResult& result, const ProbeOptions& options) {
    struct Seen {
        const DhParams* first = nullptr;
        std::vector<core::Bytes> public_keys;
        std::vector<std::string> with;
    };
    std::vector<Seen> seen;
    std::vector<const DhParams*> distinct;  // every distinct (p, g), past the cap too
    for (const auto& v : result.versions)
        for (const auto& c : v.ciphers) {
            if (c.dh.empty()) continue;
            const auto same = [&](const DhParams* d) { return d->p == c.dh.p && d->g == c.dh.g; };
            if (std::none_of(distinct.begin(), distinct.end(), same)) distinct.push_back(&c.dh);
            auto it = std::find_if(seen.begin(), seen.end(),
                                   [&](const Seen& s) { return same(s.first); });
            if (it == seen.end()) {
                if (seen.size() >= kMaxDhGroups) continue;
                it = seen.insert(seen.end(), Seen{&c.dh, {}, {}});
            }
            if (!c.dh.ys.empty()) it->public_keys.push_back(c.dh.ys);
            it->with.push_back(fmt::format("{} ({})", c.name, core::display_name(v.version)));
        }
    // conclude() runs more than once per probe (after each stage, after the checks): a group
    // analysed before, with the same keys, is taken over instead of re-testing its primes.
    auto previous = std::move(result.dh_groups);
    result.dh_groups.clear();
    result.dh_groups_seen = distinct.size();
    if (seen.empty()) return;
    std::shared_ptr<const CommonPrimes> common;
    for (auto& s : seen) {
        const auto p_hex = big_hex(s.first->p), g_hex = big_hex(s.first->g);
        const auto reuse = std::find_if(previous.begin(), previous.end(), [&](const auto& d) {
            return !d.prime_hex.empty() && d.prime_hex == p_hex && d.generator_hex == g_hex &&
                   d.public_keys_checked == std::min(s.public_keys.size(), kMaxDhPublicKeys);
        });
        DhGroupFacts facts;
        if (reuse != previous.end()) {
            facts = std::move(*reuse);
        } else {
            if (!common) common = shared_common_primes(options.common_primes_file);
            facts = analyze_dh_group(s.first->p, s.first->g, s.public_keys, common.get());
        }
        facts.seen_with = std::move(s.with);
        result.dh_groups.push_back(std::move(facts));
    }
}

}  // namespace

Facts decide_facts(const TargetResult& r) {
    Facts f;
    const auto& p = r.probes;
    const bool all_unreached =
        std::all_of(p.begin(), p.end(),
                    [](const ProbeRecord& x) { return never_reached(x.observation); }) &&
        std::any_of(p.begin(), p.end(), [](const ProbeRecord& x) {
            return x.observation.status != core::Status::local_unsupported;
        });
    f.reached = !all_unreached;
    f.works = std::any_of(p.begin(), p.end(), completes_handshake);
    f.works_for_variant_only =
        !f.works && std::any_of(p.begin(), p.end(), [](const ProbeRecord& x) {
            return x.spec.engine == Engine::openssl &&
                   x.observation.status == core::Status::negotiated &&
                   !x.observation.client_certificate_refused;
        });
    f.modern_version = r.version(core::Version::tls1_2).supported == true ||
                       r.version(core::Version::tls1_3).supported == true;
    f.client_certificate = client_certificate_of(p);
    return f;
}

namespace {

// The chain problem that explains an untrusted verdict, as its stable id.
std::string trust_problem(const x509::ChainReport& report) {
    using K = x509::ChainProblemKind;
    for (const auto kind : {K::missing_intermediate, K::untrusted_root, K::self_signed,
                            K::expired, K::not_yet_valid, K::expired_intermediate,
                            K::no_server_auth_eku, K::path_length_exceeded,
                            K::name_constraints_violated, K::verify_failed})
        if (report.has(kind)) return std::string(x509::to_string(kind));
    return {};
}

StoreVerdict store_verdict(std::string name, std::string description,
                           const x509::ChainReport& report) {
    StoreVerdict v;
    v.store = std::move(name);
    v.description = std::move(description);
    v.trusted = report.trusted;
    if (!report.trusted) {
        v.error = report.verify_error_text;
        v.problem = trust_problem(report);
    }
    return v;
}

// The chain analysed against the probe's own store (the system store, or --ca-file /
// --ca-path) and every platform store, the served certificates parsed once. Sets the
// target's chain report (the own store's) and its per-store verdicts: platform stores first,
// then the own store.
void analyze_stores(TargetResult& result, const x509::ChainInput& input,
                    const ProbeOptions& options) {
    // No store, no anchors: probe_target() fills in the system store when the caller chose
    // none.
    static const x509::TrustStore no_anchors = x509::TrustStore::empty();
    std::vector<const x509::TrustStore*> stores{options.trust ? options.trust.get() : &no_anchors};
    if (options.platform_stores)
        for (const auto& s : options.platform_stores->stores) stores.push_back(s.store.get());
    auto reports = x509::analyze_chain(input, stores);
    result.trust.clear();
    if (options.platform_stores)
        for (std::size_t i = 0; i < options.platform_stores->stores.size(); ++i) {
            const auto& s = options.platform_stores->stores[i];
            result.trust.push_back(store_verdict(s.name, s.file, reports[i + 1]));
        }
    const bool system = !options.trust || options.trust->description() == "system trust store";
    result.trust.push_back(store_verdict(system ? "system" : "ca-file",
                                         options.trust ? options.trust->description() : "no anchors",
                                         reports.front()));
    result.chain = std::move(reports.front());
}

// FNV-1a over what analyze_stores() reads: the source attempt and its served certificates,
// the name, the stores and the options that change the analysis. The clock is left out when
// the caller fixed none: the first analysis's time stands for the whole probe.
std::uint64_t chain_input_key(const ProbeRecord& source, const Target& target,
                              const ProbeOptions& options) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const auto mix = [&h](const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) {
            h ^= p[i];
            h *= 0x100000001b3ULL;
        }
    };
    const auto mix_value = [&mix](const auto& v) { mix(&v, sizeof v); };
    const auto mix_text = [&](std::string_view s) {
        mix_value(s.size());
        mix(s.data(), s.size());
    };
    mix_text(source.spec.id);
    mix_value(source.observation.chain.size());
    for (const auto& der : source.observation.chain) {
        mix_value(der.size());
        mix(der.data(), der.size());
    }
    mix_text(target.sni.value_or(target.host));
    mix_value(options.trust.get());
    mix_value(options.platform_stores.get());
    mix_value(options.expires_soon_days);
    if (options.now) mix_value(options.now->time_since_epoch().count());
    return h;
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
        r.group_server_preference = previous[i].group_server_preference;
        r.enumeration_errors = previous[i].enumeration_errors;
    }
    conclude_dh_groups(result, options);
    result.chain_differs.clear();
    const auto* source = chain_probe(result.probes);
    const std::uint64_t key = source ? chain_input_key(*source, result.target, options) : 0;
    if (!source || key != result.chain_input_key || !result.chain) {
        result.chain.reset();
        result.trust.clear();
        result.chain_input_key = 0;
    }
    if (source) {
        result.chain_source = source->spec.id;
        if (!result.chain) {  // not analysed yet, or the chain or its inputs changed
            x509::ChainInput input;
            input.served = source->observation.chain;
            input.hostname = result.target.sni.value_or(result.target.host);
            input.now = options.now.value_or(std::chrono::system_clock::now());
            input.key_exchange = key_exchange_of(source->observation);
            input.expires_soon_days = options.expires_soon_days;
            analyze_stores(result, input, options);
            result.chain_input_key = key;
        }
        for (const auto& p : result.probes)
            if ((p.spec.role == ProbeRole::version || p.spec.role == ProbeRole::offer_all) &&
                p.observation.status == core::Status::negotiated && !p.observation.chain.empty() &&
                p.observation.chain != source->observation.chain)
                result.chain_differs.push_back(p.spec.id);
    }
    result.facts = decide_facts(result);
    result.facts.no_sni_other_certificate = no_sni_other_certificate(result);
}

}  // namespace tlsprobe::probe
