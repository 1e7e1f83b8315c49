// The hello-features check: what the server's ServerHello answers to a raw ClientHello that
// offers the optional features of TLS <= 1.2, and whether it honours TLS_FALLBACK_SCSV. At most
// three raw connections, at most `connections_per_target` at a time; nothing is sent beyond
// the ClientHello.
//
//   features   the highest supported version <= TLS 1.2, compression {DEFLATE, null}, the
//              renegotiation_info extension (not the SCSV), extended_master_secret and
//              encrypt_then_mac: the ServerHello's compression method (DEFLATE = CRIME,
//              CVE-2012-4929), renegotiation_info (RFC 5746), extended_master_secret (RFC 7627)
//              and encrypt_then_mac (RFC 7366, answered only with a CBC suite)
//   etm        only when `features` got a non-CBC suite and the enumeration saw CBC suites:
//              the same hello with the CBC suites alone, for the ETM answer
//   fallback   the second-highest supported version with TLS_FALLBACK_SCSV: a server that knows
//              RFC 7507 answers inappropriate_fallback (86); one that negotiates lets an
//              attacker force old versions by failing the first handshakes
#pragma once

#include <optional>
#include <string>

#include "core/version.hpp"
#include "engine/raw_client.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

// A yes/no the ServerHello answered, or why it could not.
struct FeatureAnswer {
    std::optional<bool> value;  // nullopt: not seen (see detail)
    std::string detail;
};

class HelloFeaturesResult final : public CheckResult {
public:
    std::optional<core::Version> version;  // the version the features hello offered
    std::string suite;                     // the suite the server chose for it
    FeatureAnswer compression;             // true: DEFLATE chosen
    FeatureAnswer secure_renegotiation;    // renegotiation_info in the ServerHello
    FeatureAnswer extended_master_secret;
    FeatureAnswer encrypt_then_mac;
    FeatureAnswer fallback_scsv;  // true: inappropriate_fallback; false: the fallback negotiated
    std::optional<core::Version> fallback_version;  // the version the fallback hello offered

    std::string_view kind() const override { return "hello_features"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class HelloFeaturesCheck final : public CheckKind {
public:
    std::string_view id() const override { return "hello_features"; }
    std::string_view title() const override {
        return "Hello features (compression, renegotiation_info, EMS, ETM, fallback SCSV)";
    }
    std::span<const FindingKind> finding_kinds() const override;
    // The server answers a hello from SSL 3.0 to TLS 1.2 (supported, or only the OpenSSL
    // handshake breaks after its ServerHello): the features are theirs.
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the answers to the three hellos (null: not sent) to a result.
    static std::shared_ptr<HelloFeaturesResult> judge(
        std::optional<core::Version> version, const engine::RawResult* features,
        const engine::RawResult* etm, std::optional<core::Version> fallback_version,
        const engine::RawResult* fallback, std::string etm_not_sent_reason);
};

}  // namespace tlsprobe::probe::checks
