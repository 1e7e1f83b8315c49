#include "probe/checks/hello_features.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

#include "engine/scheduling.hpp"
#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "wire/cipher_suites.hpp"
#include "wire/constants.hpp"
#include "wire/hello_presets.hpp"

namespace tlsprobe::probe::checks {
namespace {

using core::Version;

constexpr std::uint8_t kInappropriateFallback = 86;  // RFC 7507 §2
constexpr std::uint8_t kDeflate = 1;                 // RFC 3749 §2

constexpr std::array<FindingKind, 5> kFindings{{
    {"vuln.crime", Severity::high,
     "CRIME (CVE-2012-4929): the server compresses TLS records (DEFLATE)"},
    {"tls.no_secure_renegotiation", Severity::medium,
     "The server does not support secure renegotiation (RFC 5746, CVE-2009-3555)"},
    {"tls.no_fallback_scsv", Severity::low,
     "The server ignores TLS_FALLBACK_SCSV: version downgrades are not detected (RFC 7507)"},
    {"tls.no_extended_master_secret", Severity::low,
     "The server does not use the extended master secret (RFC 7627)"},
    {"tls.no_encrypt_then_mac", Severity::info,
     "The server does not use encrypt-then-MAC with CBC suites (RFC 7366)"},
}};

Finding make(std::size_t i, std::string detail) {
    const auto& k = kFindings[i];
    return {std::string(k.id), k.severity, std::string(k.title), std::move(detail)};
}

bool is_cbc(std::uint16_t code) {
    const auto* s = wire::find_cipher_suite(code);
    if (!s) return false;
    switch (s->enc) {
        case wire::Encryption::rc2_cbc:
        case wire::Encryption::des_cbc:
        case wire::Encryption::triple_des_cbc:
        case wire::Encryption::idea_cbc:
        case wire::Encryption::seed_cbc:
        case wire::Encryption::aes_cbc:
        case wire::Encryption::camellia_cbc:
        case wire::Encryption::aria_cbc: return true;
        default: return false;
    }
}

// The ServerHello of a raw attempt that negotiated, or null with the reason in `why`.
const wire::ServerHello* hello_of(const engine::RawResult* r, std::string& why) {
    if (!r) {
        why = "not sent";
        return nullptr;
    }
    if (r->observation.status != core::Status::negotiated || !r->flight.hello) {
        why = fmt::format("the hello was not answered with a ServerHello: {}",
                          core::outcome_phrase(r->observation));
        return nullptr;
    }
    return &*r->flight.hello;
}

FeatureAnswer unknown(std::string why) { return {std::nullopt, std::move(why)}; }

std::string answer_text(const FeatureAnswer& a, std::string_view yes, std::string_view no) {
    if (!a.value) return fmt::format("unknown ({})", a.detail);
    return std::string(*a.value ? yes : no);
}

nlohmann::json answer_json(const FeatureAnswer& a) {
    nlohmann::json j = {{"value", a.value ? nlohmann::json(*a.value) : nlohmann::json()}};
    if (!a.detail.empty()) j["detail"] = a.detail;
    return j;
}

std::vector<std::uint16_t> tls_codes(const VersionResult& v) {
    std::vector<std::uint16_t> out;
    for (const auto& c : v.ciphers)
        if (c.code <= 0xFFFF) out.push_back(static_cast<std::uint16_t>(c.code));
    return out;
}

// The server answers a hello for `v` with a ServerHello: supported, or only the full OpenSSL
// handshake breaks afterwards (the hello-level checks need no more than the first flight).
bool answers_hello(const VersionResult& v) {
    return v.supported == std::optional<bool>(true) ||
           v.disagreement == Disagreement::handshake_broken;
}

std::optional<Version> features_version(const TargetResult& r) {
    for (auto v : {Version::tls1_2, Version::tls1_1, Version::tls1_0, Version::ssl3})
        if (answers_hello(r.version(v))) return v;
    return std::nullopt;
}

// The second-highest supported version (SSL 3.0 .. TLS 1.2) below the highest one.
std::optional<Version> fallback_version(const TargetResult& r) {
    std::vector<Version> supported;
    for (auto v : {Version::tls1_3, Version::tls1_2, Version::tls1_1, Version::tls1_0,
                   Version::ssl3})
        if (answers_hello(r.version(v))) supported.push_back(v);
    if (supported.size() < 2) return std::nullopt;
    return supported[1];
}

}  // namespace

std::vector<Finding> HelloFeaturesResult::findings() const {
    std::vector<Finding> out;
    const auto v = version ? std::string(core::display_name(*version)) : std::string("?");
    if (compression.value == true)
        out.push_back(make(0, fmt::format("CVE-2012-4929: the {} ServerHello chose DEFLATE "
                                          "compression ({})",
                                          v, suite)));
    if (secure_renegotiation.value == false)
        out.push_back(make(1, fmt::format("CVE-2009-3555: the {} ServerHello has no "
                                          "renegotiation_info although the hello offered it",
                                          v)));
    if (fallback_scsv.value == false && fallback_version)
        out.push_back(make(2, fmt::format("the {} hello with TLS_FALLBACK_SCSV was accepted "
                                          "instead of refused with inappropriate_fallback (86)",
                                          core::display_name(*fallback_version))));
    if (extended_master_secret.value == false)
        out.push_back(make(3, fmt::format("the {} ServerHello has no extended_master_secret", v)));
    if (encrypt_then_mac.value == false)
        out.push_back(make(4, fmt::format("the {} ServerHello for a CBC suite has no "
                                          "encrypt_then_mac",
                                          v)));
    return out;
}

nlohmann::json HelloFeaturesResult::to_json() const {
    return {
        {"version", version ? nlohmann::json(core::to_string(*version)) : nlohmann::json()},
        {"suite", suite},
        {"compression", answer_json(compression)},
        {"secure_renegotiation", answer_json(secure_renegotiation)},
        {"extended_master_secret", answer_json(extended_master_secret)},
        {"encrypt_then_mac", answer_json(encrypt_then_mac)},
        {"fallback_scsv", answer_json(fallback_scsv)},
        {"fallback_version",
         fallback_version ? nlohmann::json(core::to_string(*fallback_version)) : nlohmann::json()},
    };
}

std::vector<std::string> HelloFeaturesResult::text() const {
    std::vector<std::string> lines;
    lines.push_back(fmt::format("{} hello, {}", version ? core::display_name(*version) : "no",
                                suite.empty() ? "no suite chosen" : suite));
    lines.push_back("compression (CRIME): " +
                    answer_text(compression, "DEFLATE chosen: VULNERABLE", "none chosen"));
    lines.push_back("secure renegotiation (RFC 5746): " +
                    answer_text(secure_renegotiation, "supported", "NOT supported"));
    lines.push_back("extended master secret (RFC 7627): " +
                    answer_text(extended_master_secret, "yes", "no"));
    lines.push_back("encrypt-then-MAC (RFC 7366): " + answer_text(encrypt_then_mac, "yes", "no"));
    lines.push_back(
        "TLS_FALLBACK_SCSV (RFC 7507): " +
        answer_text(fallback_scsv,
                    fmt::format("a {} fallback is refused (inappropriate_fallback)",
                                fallback_version ? core::display_name(*fallback_version) : ""),
                    fmt::format("a {} fallback is ACCEPTED",
                                fallback_version ? core::display_name(*fallback_version) : "")));
    return lines;
}

std::span<const FindingKind> HelloFeaturesCheck::finding_kinds() const { return kFindings; }

bool HelloFeaturesCheck::applies(const TargetResult& result) const {
    return features_version(result).has_value();
}

std::shared_ptr<HelloFeaturesResult> HelloFeaturesCheck::judge(
    std::optional<Version> version, const engine::RawResult* features,
    const engine::RawResult* etm, std::optional<Version> fallback_version,
    const engine::RawResult* fallback, std::string etm_not_sent_reason) {
    auto out = std::make_shared<HelloFeaturesResult>();
    out->version = version;
    out->fallback_version = fallback_version;
    std::string why;
    if (const auto* h = hello_of(features, why)) {
        out->suite = wire::cipher_suite_name(h->cipher_suite);
        out->compression = {h->compression == kDeflate, {}};
        const bool extensions = !h->extensions.empty() || version != Version::ssl3;
        if (extensions) {
            out->secure_renegotiation = {h->renegotiation_info, {}};
            out->extended_master_secret = {h->extended_master_secret, {}};
        } else {
            out->secure_renegotiation = out->extended_master_secret =
                unknown("SSL 3.0 ServerHello without extensions");
        }
        if (is_cbc(h->cipher_suite) && extensions) {
            out->encrypt_then_mac = {h->has_extension(wire::ext::encrypt_then_mac), {}};
        } else if (const auto* e = hello_of(etm, why)) {
            out->encrypt_then_mac =
                is_cbc(e->cipher_suite)
                    ? FeatureAnswer{e->has_extension(wire::ext::encrypt_then_mac), {}}
                    : unknown("the CBC-only hello got a non-CBC suite");
        } else {
            out->encrypt_then_mac =
                unknown(etm ? "CBC-only hello: " + why : std::move(etm_not_sent_reason));
        }
    } else {
        out->compression = out->secure_renegotiation = out->extended_master_secret =
            out->encrypt_then_mac = unknown(why);
    }
    if (!fallback) {
        out->fallback_scsv = unknown("only one protocol version is supported: nothing to fall "
                                     "back to");
    } else if (fallback->observation.status == core::Status::rejected_alert &&
               fallback->observation.alert == kInappropriateFallback) {
        out->fallback_scsv = {true, {}};
    } else if (fallback->observation.status == core::Status::negotiated) {
        out->fallback_scsv = {false, {}};
    } else {
        out->fallback_scsv = unknown(core::outcome_phrase(fallback->observation));
    }
    return out;
}

boost::asio::awaitable<CheckResultPtr> HelloFeaturesCheck::run(CheckContext c) const {
    const auto version = features_version(c.result);
    const auto fallback = fallback_version(c.result);
    wire::HelloOptions base;
    base.server_name = c.result.target.sni;

    std::vector<engine::RawHello> hellos;  // features, then fallback and etm when sent
    std::optional<std::size_t> fallback_index, etm_index;
    {
        auto o = base;
        o.cipher_suites = tls_codes(c.result.version(*version));
        o.renegotiation = *version == Version::ssl3 ? wire::RenegotiationSignal::scsv
                                                    : wire::RenegotiationSignal::extension;
        auto spec = wire::preset_client_hello(*version, o);
        spec.compression_methods = {kDeflate, 0};
        spec.extended_master_secret = *version != Version::ssl3;
        spec.encrypt_then_mac = *version != Version::ssl3;
        hellos.push_back(engine::make_raw_hello(spec));
    }
    if (fallback) {
        auto o = base;
        o.cipher_suites = tls_codes(c.result.version(*fallback));
        auto spec = wire::preset_client_hello(*fallback, o);
        spec.fallback_scsv = true;
        fallback_index = hellos.size();
        hellos.push_back(engine::make_raw_hello(spec));
    }
    // The CBC suites to ask with: the enumerated ones, or (no enumeration for this version)
    // every CBC suite of the registry, at most 128 (the block size intolerant servers take).
    const auto& vr = c.result.version(*version);
    std::vector<std::uint16_t> cbc;
    if (vr.ciphers_enumerated) {
        for (auto code : tls_codes(vr))
            if (is_cbc(code)) cbc.push_back(code);
    } else {
        for (auto code : wire::cipher_suites_for(*version))
            if (code <= 0xFFFF && is_cbc(static_cast<std::uint16_t>(code)))
                cbc.push_back(static_cast<std::uint16_t>(code));
        // The common ones first (AES, then forward secrecy), then the rest by code point.
        const auto rank = [](std::uint16_t code) {
            const auto* s = wire::find_cipher_suite(code);
            return (s->enc == wire::Encryption::aes_cbc ? 0 : 2) + (s->forward_secrecy ? 0 : 1);
        };
        std::stable_sort(cbc.begin(), cbc.end(),
                         [&](std::uint16_t a, std::uint16_t b) { return rank(a) < rank(b); });
        if (cbc.size() > 128) cbc.resize(128);
    }
    std::string etm_reason = "the server accepts no CBC suite";
    // The features hello answers ETM only when the server picks a CBC suite for it; the
    // CBC-only hello asks whenever the enumeration saw one (judge() uses whichever answers).
    if (*version != Version::ssl3 && !cbc.empty()) {
        auto o = base;
        o.cipher_suites = cbc;
        o.renegotiation = wire::RenegotiationSignal::extension;
        auto spec = wire::preset_client_hello(*version, o);
        spec.encrypt_then_mac = true;
        etm_index = hellos.size();
        hellos.push_back(engine::make_raw_hello(spec));
    }

    std::vector<engine::RawResult> seen(hellos.size());
    engine::RawClientOptions options;
    options.timeout = c.options.timeout;
    co_await engine::for_each_bounded(hellos.size(), c.options.connections_per_target,
                                      [&](std::size_t i) -> boost::asio::awaitable<void> {
                                          seen[i] = co_await c.engines.raw(c.peer, hellos[i],
                                                                           options);
                                      });
    co_return judge(version, &seen[0], etm_index ? &seen[*etm_index] : nullptr, fallback,
                    fallback_index ? &seen[*fallback_index] : nullptr, std::move(etm_reason));
}

}  // namespace tlsprobe::probe::checks
