#include "probe/checks/clients.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iterator>
#include <map>

#include "core/alert.hpp"
#include "engine/scheduling.hpp"
#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/hello_offer.hpp"
#include "wire/key_share.hpp"
#include "x509/certificate.hpp"
#include "x509/chain_analysis.hpp"
#include "x509/platform_stores.hpp"

namespace tlsprobe::probe::checks {
namespace {

constexpr std::array<FindingKind, 2> kFindings{{
    {"clients.current_fail", Severity::low,
     "Clients still in use cannot connect (client simulation)"},
    {"clients.legacy_fail", Severity::info, "Older clients cannot connect (client simulation)"},
}};

constexpr std::uint8_t kHandshakeFailure = 40;
constexpr std::uint8_t kInsufficientSecurity = 71;
constexpr std::uint8_t kProtocolVersion = 70;
constexpr std::size_t kNamesInFinding = 8;

std::string range_text(core::Version lo, core::Version hi) {
    return lo == hi ? std::string(core::display_name(lo))
                    : fmt::format("{} to {}", core::display_name(lo), core::display_name(hi));
}

std::vector<core::Version> server_versions(const TargetResult& r) {
    std::vector<core::Version> out;
    for (const auto& v : r.versions)
        if (v.supported == true) out.push_back(v.version);
    return out;
}

std::string versions_text(const std::vector<core::Version>& vs) {
    std::vector<std::string_view> names;
    for (auto v : vs) names.push_back(core::display_name(v));
    return names.empty() ? std::string("no version") : fmt::format("{}", fmt::join(names, ", "));
}

// The certificates this client gets: its own answer's (TLS <= 1.2), else the probe's: the
// no-SNI attempt's for a client without SNI, the analysed chain for the others.
std::vector<x509::CertificateInfo> certificates_for(const engine::RawResult& answer,
                                                    bool sends_name, const TargetResult& r) {
    std::vector<x509::CertificateInfo> out;
    auto parse_all = [&](const std::vector<core::Bytes>& ders) {
        for (const auto& der : ders)
            if (auto c = x509::parse_certificate(der)) out.push_back(std::move(*c));
    };
    if (!answer.flight.certificates.empty()) {
        parse_all(answer.flight.certificates);
        return out;
    }
    if (!sends_name)
        for (const auto& p : r.probes)
            if (p.spec.kind == AttemptKind::no_sni &&
                p.observation.status == core::Status::negotiated && !p.observation.chain.empty()) {
                parse_all(p.observation.chain);
                return out;
            }
    if (r.chain) out = r.chain->certificates;
    return out;
}

// The verdict a client is judged with: its platform's store; the probe's own store when that
// one is not installed, and always when the user gave their own anchors (--ca-file: the
// clients that matter trust that root; the platform verdicts stay in `trust`).
const StoreVerdict* verdict_for(const TargetResult& r, std::string_view store) {
    if (!r.trust.empty() && r.trust.back().store == "ca-file") return &r.trust.back();
    for (const auto& v : r.trust)
        if (v.store == store) return &v;
    return r.trust.empty() ? nullptr : &r.trust.back();  // the probe's own store
}

// The chain a client without SNI was served (its own answer's, TLS <= 1.2; else the no-SNI
// attempt's) when it differs from the analysed chain; empty when it is the same or unknown.
std::vector<core::Bytes> default_chain_of(const engine::RawResult& answer, const TargetResult& r) {
    std::vector<core::Bytes> served = answer.flight.certificates;
    if (served.empty())
        for (const auto& p : r.probes)
            if (p.spec.kind == AttemptKind::no_sni &&
                p.observation.status == core::Status::negotiated && !p.observation.chain.empty())
                served = p.observation.chain;
    for (const auto& p : r.probes)
        if (p.spec.id == r.chain_source && p.observation.chain == served) return {};
    return served;
}

// `served` verified against the store a client named `client` is judged with (the same
// choice as verdict_for(): --ca-file, else its platform store, else the probe's own store).
// The path only: the name is judged on its own (default_certificate).
std::optional<StoreVerdict> verify_default_chain(const std::vector<core::Bytes>& served,
                                                 std::string_view client, const TargetResult& r,
                                                 const ProbeOptions& options) {
    const bool ca_file = !r.trust.empty() && r.trust.back().store == "ca-file";
    const x509::PlatformStore* platform =
        ca_file || !options.platform_stores ? nullptr
                                            : options.platform_stores->find(platform_store_of(client));
    const x509::TrustStore* store = platform ? platform->store.get() : options.trust.get();
    if (!store || r.trust.empty()) return std::nullopt;
    x509::ChainInput input;
    input.served = served;
    input.now = options.now.value_or(std::chrono::system_clock::now());
    input.expires_soon_days = options.expires_soon_days;
    const auto report = x509::analyze_chain(input, *store);
    StoreVerdict v;
    v.store = platform ? platform->name : r.trust.back().store;
    v.description = platform ? platform->file : r.trust.back().description;
    v.trusted = report.trusted;
    if (!report.trusted) v.error = report.verify_error_text;
    return v;
}

std::string names_list(const std::vector<const ClientOutcome*>& list) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < list.size() && i < kNamesInFinding; ++i)
        parts.push_back(fmt::format("{} ({})", list[i]->name, list[i]->detail));
    std::string out = fmt::format("{}", fmt::join(parts, "; "));
    if (list.size() > kNamesInFinding)
        out += fmt::format("; and {} more", list.size() - kNamesInFinding);
    return out;
}

}  // namespace

std::string_view to_string(ClientFailure f) {
    switch (f) {
        case ClientFailure::none: return "none";
        case ClientFailure::no_shared_version: return "no_shared_version";
        case ClientFailure::no_shared_suite: return "no_shared_suite";
        case ClientFailure::dh_too_small: return "dh_too_small";
        case ClientFailure::dh_too_large: return "dh_too_large";
        case ClientFailure::rsa_too_small: return "rsa_too_small";
        case ClientFailure::ecdsa_too_small: return "ecdsa_too_small";
        case ClientFailure::sha1_rejected: return "sha1_rejected";
        case ClientFailure::default_certificate: return "default_certificate";
        case ClientFailure::untrusted: return "untrusted";
        case ClientFailure::failed: return "failed";
    }
    return "failed";
}

std::string platform_store_of(std::string_view n) {
    auto has = [&](std::string_view s) { return n.find(s) != std::string_view::npos; };
    if (has("Firefox") || has("Thunderbird") || has("Tor ")) return "Mozilla";
    if (has("Safari") || has("Apple") || has("OS X") || has("macOS") || has("iOS"))
        return "Apple";
    if (has("Java")) return "Java";
    if (has("Chrome") || has("Edge") || has("IE ") || has("Opera") || has("Bing"))
        return "Microsoft";
    return "Linux";
}

std::vector<const ClientOutcome*> ClientsResult::failing(bool current_only) const {
    std::vector<const ClientOutcome*> out;
    for (const auto& c : clients)
        if (!c.connected && c.current == current_only) out.push_back(&c);
    return out;
}

std::vector<Finding> ClientsResult::findings() const {
    std::vector<Finding> out;
    for (const bool current : {true, false}) {
        const auto list = failing(current);
        if (list.empty()) continue;
        const auto& k = kFindings[current ? 0 : 1];
        out.push_back(Finding{std::string(k.id), k.severity, std::string(k.title),
                              fmt::format("{} {} client{} fail: {}", list.size(),
                                          current ? "current" : "older",
                                          list.size() == 1 ? "" : "s", names_list(list))});
    }
    return out;
}

nlohmann::json ClientsResult::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : clients) {
        nlohmann::json j = {{"name", c.name},           {"current", c.current},
                            {"store", c.store},         {"connected", c.connected},
                            {"failure", to_string(c.failure)}};
        if (c.version) j["version"] = core::to_string(*c.version);
        if (!c.suite.empty()) j["suite"] = c.suite;
        if (!c.key_exchange.empty()) j["key_exchange"] = c.key_exchange;
        if (c.key_exchange_bits) j["key_exchange_bits"] = *c.key_exchange_bits;
        if (!c.server_key.empty()) j["server_key"] = c.server_key;
        if (!c.detail.empty()) j["detail"] = c.detail;
        list.push_back(std::move(j));
    }
    nlohmann::json current_failing = nlohmann::json::array();
    for (const auto* c : failing(true)) current_failing.push_back(c->name);
    nlohmann::json j = {{"clients", list}, {"current_failing", current_failing}};
    if (!note.empty()) j["note"] = note;
    return j;
}

std::vector<ClientGroup> ClientsResult::connected_groups() const {
    std::vector<ClientGroup> groups;
    for (const auto& c : clients) {
        if (!c.current || !c.connected) continue;
        std::vector<std::string> parts;
        if (c.version) parts.emplace_back(core::display_name(*c.version));
        if (!c.suite.empty()) parts.push_back(c.suite);
        if (!c.key_exchange.empty()) parts.push_back(c.key_exchange);
        const auto negotiated =
            parts.empty() ? std::string("connected") : fmt::format("{}", fmt::join(parts, " "));
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const ClientGroup& g) { return g.negotiated == negotiated; });
        if (it == groups.end()) {
            ClientGroup g;
            g.negotiated = negotiated;
            groups.push_back(std::move(g));
            it = std::prev(groups.end());
        }
        it->names.push_back(c.name);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const ClientGroup& a, const ClientGroup& b) {
        return a.names.size() > b.names.size();
    });
    return groups;
}

std::vector<const ClientOutcome*> ClientsResult::report_order() const {
    std::vector<const ClientOutcome*> out;
    for (const bool connected : {false, true})
        for (const bool current : {true, false})
            for (const auto& c : clients)
                if (c.connected == connected && c.current == current) out.push_back(&c);
    return out;
}

std::vector<std::string> ClientsResult::text() const {
    if (!note.empty()) return {note};
    std::vector<std::string> lines;
    const auto current_fail = failing(true);
    std::size_t current = 0;
    for (const auto& c : clients) current += c.current ? 1 : 0;
    for (const auto* c : current_fail)
        lines.push_back(fmt::format("FAIL {}: {}", c->name, c->detail));
    if (current_fail.empty() && current > 0)
        lines.push_back(fmt::format("all {} current clients connect", current));
    else if (current > current_fail.size())
        lines.push_back(
            fmt::format("the other {} current clients connect", current - current_fail.size()));
    // The connected current clients, compacted: one line per protocol, suite and key exchange.
    for (const auto& g : connected_groups())
        lines.push_back(fmt::format("  {}: {}", g.negotiated, fmt::join(g.names, ", ")));
    // Older clients: one line per reason, names only.
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const auto* c : failing(false))
        by_reason[std::string(to_string(c->failure))].push_back(c->name);
    const std::size_t older = clients.size() - current;
    if (older > 0) {
        std::size_t n = 0;
        for (const auto& [reason, names] : by_reason) n += names.size();
        lines.push_back(fmt::format("older clients: {} of {} connect", older - n, older));
        for (const auto& [reason, names] : by_reason)
            lines.push_back(fmt::format("  {}: {}", reason, fmt::join(names, ", ")));
    }
    return lines;
}

std::optional<CheckTable> ClientsResult::table() const {
    if (!note.empty() || clients.empty()) return std::nullopt;
    CheckTable t;
    std::size_t current = 0, current_ok = 0, older_ok = 0;
    for (const auto& c : clients) {
        current += c.current ? 1 : 0;
        current_ok += c.current && c.connected ? 1 : 0;
        older_ok += !c.current && c.connected ? 1 : 0;
    }
    const auto older = clients.size() - current;
    t.caption = current > 0 ? fmt::format("{} of {} current clients connect", current_ok, current)
                            : std::string();
    if (older > 0)
        t.caption += fmt::format("{}{} of {} older clients connect", current > 0 ? "; " : "",
                                 older_ok, older);
    t.headers = {"client",       "result",     "protocol", "cipher suite",
                 "key exchange", "server key", "reason"};
    t.status_column = 1;
    for (const auto* c : report_order()) {
        CheckTable::Row row;
        row.status = c->connected ? CheckTable::Status::ok : CheckTable::Status::fail;
        row.cells = {c->current ? c->name : c->name + " (older)",
                     c->connected ? "ok" : "fail",
                     c->version ? std::string(core::display_name(*c->version)) : "",
                     c->suite,
                     c->key_exchange,
                     c->server_key,
                     c->detail};
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::span<const FindingKind> ClientsCheck::finding_kinds() const { return kFindings; }

bool ClientsCheck::applies(const TargetResult& result) const { return result.facts.reached; }

ClientOutcome ClientsCheck::judge(const wire::ClientProfile& profile,
                                  const engine::RawResult& answer, const TargetResult& r,
                                  const StoreVerdict* default_chain) {
    ClientOutcome out;
    out.name = profile.name;
    out.current = profile.current;
    out.store = platform_store_of(profile.name);
    const auto& o = answer.observation;
    auto fail = [&](ClientFailure f, std::string detail) {
        out.connected = false;
        out.failure = f;
        out.detail = std::move(detail);
        return out;
    };
    const auto spoken = server_versions(r);
    const auto client_range = range_text(profile.lowest, profile.highest);
    if (o.version && (*o.version < profile.lowest || *o.version > profile.highest))
        return fail(ClientFailure::no_shared_version,
                    fmt::format("the server chose {}, the client speaks {}",
                                core::display_name(*o.version), client_range));
    if (o.status != core::Status::negotiated) {
        const bool shared = std::any_of(spoken.begin(), spoken.end(), [&](core::Version v) {
            return v >= profile.lowest && v <= profile.highest;
        });
        if (!shared && (!spoken.empty() || (o.alert && *o.alert == kProtocolVersion)))
            return fail(ClientFailure::no_shared_version,
                        fmt::format("the server speaks {}, the client {}", versions_text(spoken),
                                    client_range));
        if (o.status == core::Status::rejected_alert && o.alert &&
            (*o.alert == kHandshakeFailure || *o.alert == kInsufficientSecurity))
            return fail(ClientFailure::no_shared_suite,
                        fmt::format("no cipher suite in common (alert {})",
                                    core::alert_name(*o.alert)));
        return fail(ClientFailure::failed, core::outcome_phrase(o));
    }

    out.version = o.version;
    out.suite = o.cipher;
    const auto* suite = wire::find_cipher_suite(o.cipher_id);
    std::optional<int> dh_bits;
    if (answer.flight.kx && answer.flight.kx->kind == wire::KeyExchangeInfo::Kind::dhe) {
        dh_bits = answer.flight.kx->dh_prime_bits;
        out.key_exchange = fmt::format("DHE {}", *dh_bits);
        out.key_exchange_bits = dh_bits;
    } else if (!o.group.empty()) {
        const bool ffdhe = o.group.rfind("ffdhe", 0) == 0;
        out.key_exchange = fmt::format("{} {}", ffdhe ? "DHE" : "ECDHE", o.group);
        if (ffdhe) {
            dh_bits = std::stoi(o.group.substr(5));
            out.key_exchange_bits = dh_bits;
        }
    } else if (suite && suite->kx == wire::KeyExchange::rsa) {
        out.key_exchange = "RSA";
    }
    if (dh_bits && profile.min_dh_bits && *dh_bits < *profile.min_dh_bits)
        return fail(ClientFailure::dh_too_small,
                    fmt::format("DH {} bits, the client requires at least {}", *dh_bits,
                                *profile.min_dh_bits));
    if (dh_bits && profile.max_dh_bits && *dh_bits > *profile.max_dh_bits)
        return fail(ClientFailure::dh_too_large,
                    fmt::format("DH {} bits, the client accepts at most {}", *dh_bits,
                                *profile.max_dh_bits));

    const bool sends_name = profile.sends_sni && r.target.sni.has_value();
    const auto certs = certificates_for(answer, sends_name, r);
    if (!certs.empty()) {
        const auto& leaf = certs.front();
        out.server_key = fmt::format("{} {}", leaf.key_type, leaf.key_bits);
        const bool rsa = leaf.key_type.rfind("RSA", 0) == 0;
        if (rsa && profile.min_rsa_bits && leaf.key_bits < *profile.min_rsa_bits)
            return fail(ClientFailure::rsa_too_small,
                        fmt::format("RSA key {} bits, the client requires at least {}",
                                    leaf.key_bits, *profile.min_rsa_bits));
        if (rsa && profile.max_rsa_bits && leaf.key_bits > *profile.max_rsa_bits)
            return fail(ClientFailure::rsa_too_small,
                        fmt::format("RSA key {} bits, the client accepts at most {}",
                                    leaf.key_bits, *profile.max_rsa_bits));
        if (leaf.key_type == "EC" && profile.min_ecdsa_bits &&
            leaf.key_bits < *profile.min_ecdsa_bits)
            return fail(ClientFailure::ecdsa_too_small,
                        fmt::format("ECDSA key {} bits, the client requires at least {}",
                                    leaf.key_bits, *profile.min_ecdsa_bits));
        if (profile.requires_sha2)
            for (const auto& c : certs)
                if (!c.self_signed &&
                    (c.signature_digest == "SHA1" || c.signature_digest == "MD5"))
                    return fail(ClientFailure::sha1_rejected,
                                fmt::format("'{}' is signed with {}, the client requires SHA-2",
                                            c.subject, c.signature_digest));
        if (!profile.sends_sni && r.target.sni &&
            x509::match_hostname(leaf, *r.target.sni) == x509::HostnameMatch::mismatch)
            return fail(ClientFailure::default_certificate,
                        fmt::format("it sends no SNI and gets the default certificate '{}', "
                                    "which does not cover {}",
                                    leaf.subject, *r.target.sni));
    }
    if (default_chain && !profile.sends_sni) {
        out.store = default_chain->store;
        if (!default_chain->trusted)
            return fail(ClientFailure::untrusted,
                        fmt::format("it sends no SNI and gets the default site's chain, which is "
                                    "not trusted in the {} store ({})",
                                    default_chain->store, default_chain->error));
    } else if (const auto* v = verdict_for(r, out.store)) {
        out.store = v->store;
        if (!v->trusted)
            return fail(ClientFailure::untrusted,
                        fmt::format("the chain is not trusted in the {} store ({})", v->store,
                                    v->problem.empty() ? v->error : v->problem));
    }
    out.connected = true;
    return out;
}

boost::asio::awaitable<CheckResultPtr> ClientsCheck::run(CheckContext c) const {
    auto result = std::make_shared<ClientsResult>();
    const auto& profiles = c.options.client_profiles;
    if (!profiles || profiles->empty()) {
        result->note = c.options.client_data_note.empty()
                           ? "client simulation skipped: no client data"
                           : c.options.client_data_note;
        co_return result;
    }
    std::vector<std::optional<engine::RawHello>> hellos(profiles->size());
    for (std::size_t i = 0; i < profiles->size(); ++i) {
        const auto& p = (*profiles)[i];
        auto bytes = wire::replay_client_hello(p.hello, c.result.target.sni, wire::random32());
        if (!bytes) continue;
        const auto parsed = wire::parse_client_hello(*bytes);
        if (parsed.kind != wire::ClientHelloParse::Kind::ok) continue;
        engine::RawHello h;
        h.min_version = p.lowest;
        h.max_version = p.highest;
        for (auto s : parsed.hello->cipher_suites)
            if (s != wire::empty_renegotiation_info_scsv && s != wire::fallback_scsv)
                h.cipher_suites.push_back(s);
        h.summary = p.name + ": " + wire::describe_client_hello(*parsed.hello, bytes->size());
        h.offer = wire::offer_of(*parsed.hello);
        h.bytes = std::move(*bytes);
        hellos[i] = std::move(h);
    }
    std::vector<engine::RawResult> seen(profiles->size());
    engine::RawClientOptions options;
    options.timeout = c.options.timeout;
    co_await engine::for_each_bounded(profiles->size(), c.options.connections_per_target,
                                      [&](std::size_t i) -> boost::asio::awaitable<void> {
                                          if (!hellos[i]) co_return;
                                          seen[i] = co_await c.engines.raw(c.peer, *hellos[i],
                                                                           options);
                                      });
    // Clients without SNI served another chain than the analysed one: that chain verified
    // against each one's store, once per chain and store.
    std::vector<std::pair<std::pair<std::vector<core::Bytes>, std::string>, StoreVerdict>> verified;
    for (std::size_t i = 0; i < profiles->size(); ++i) {
        if (!hellos[i]) continue;  // the parser accepted it, so this does not happen
        const auto& p = (*profiles)[i];
        std::optional<StoreVerdict> default_chain;
        if (!p.sends_sni && c.result.target.sni && seen[i].observation.status == core::Status::negotiated)
            if (auto served = default_chain_of(seen[i], c.result); !served.empty()) {
                auto key = std::make_pair(std::move(served), platform_store_of(p.name));
                const auto it = std::find_if(verified.begin(), verified.end(),
                                             [&](const auto& e) { return e.first == key; });
                if (it != verified.end()) default_chain = it->second;
                else if ((default_chain =
                              verify_default_chain(key.first, p.name, c.result, c.options)))
                    verified.emplace_back(std::move(key), *default_chain);
            }
        result->clients.push_back(
            judge(p, seen[i], c.result, default_chain ? &*default_chain : nullptr));
    }
    co_return result;
}

}  // namespace tlsprobe::probe::checks
