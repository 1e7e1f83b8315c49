// Builders for hand-made results, shared by the test files that feed recorded attempts to
// the pure code (conclude, rules, renderers) without sockets.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "judge/verdict.hpp"
#include "lab/paths.hpp"
#include "probe/probe_target.hpp"
#include "probe/result.hpp"
#include "x509/certificate.hpp"

namespace tlsprobe::test {

// A probed result with its judgement (what the CLI and the scan do after probing).
inline probe::TargetResult judged(probe::TargetResult r) {
    judge::assess(r);
    return r;
}

// The pure tail of a probe and its judgement, for recorded attempts.
inline void conclude_and_judge(probe::TargetResult& r, const probe::ProbeOptions& options) {
    probe::conclude(r, options);
    judge::assess(r);
}

// The role the plan gives each probe id.
inline probe::ProbeRole role_of(std::string_view id) {
    if (id == "offer_all") return probe::ProbeRole::offer_all;
    if (id == "no_sni" || id == "other_sni") return probe::ProbeRole::sni_variant;
    if (id == "narrow_ciphers") return probe::ProbeRole::cipher_variant;
    return probe::ProbeRole::version;
}

// A recorded attempt: id, pinned version, how it ended and where.
inline probe::ProbeRecord make_record(std::string id, std::optional<core::Version> pin,
                                      core::Status status, core::Phase phase) {
    probe::ProbeRecord r;
    r.spec.role = role_of(id);
    r.spec.kind = probe::attempt_kind_of(id).value_or(probe::AttemptKind::pinned);
    r.spec.engine = id.starts_with("raw_") ? probe::Engine::raw : probe::Engine::openssl;
    r.spec.id = std::move(id);
    r.spec.version = pin;
    r.observation.status = status;
    r.observation.phase = phase;
    return r;
}

// tlsprobe.test:4433 (via 127.0.0.1) where one offer_all attempt negotiated TLS 1.3 and was
// served `chain`, concluded against `trust` and judged: for chain and judgement tests.
inline probe::TargetResult served_result(std::vector<core::Bytes> chain,
                                         std::shared_ptr<const x509::TrustStore> trust) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:4433");
    r.target.connect_to = "127.0.0.1";
    r.address = "127.0.0.1:4433";
    r.resolved = {"127.0.0.1:4433"};
    r.started = std::chrono::system_clock::now();
    auto rec = make_record("offer_all", std::nullopt, core::Status::negotiated, core::Phase::done);
    rec.spec.sni = "tlsprobe.test";
    rec.observation.address = "127.0.0.1:4433";
    rec.observation.version = core::Version::tls1_3;
    rec.observation.cipher = "TLS_AES_128_GCM_SHA256";
    rec.observation.chain = std::move(chain);
    r.probes = {rec};
    probe::ProbeOptions options;
    options.trust = std::move(trust);
    conclude_and_judge(r, options);
    return r;
}

// The DER chain of a testcerts case ("good" -> testcerts/good.chain.pem).
inline std::vector<core::Bytes> chain_of(const std::string& test_case) {
    std::ifstream in(lab::testcert(test_case + ".chain.pem"), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return x509::pem_to_der_chain(s.str());
}

}  // namespace tlsprobe::test
