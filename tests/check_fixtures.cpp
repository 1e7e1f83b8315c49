#include "check_fixtures.hpp"

#include <fstream>
#include <iterator>

#include "judge/verdict.hpp"
#include "lab/paths.hpp"
#include "probe/probe_target.hpp"
#include "x509/chain_analysis.hpp"

namespace tlsprobe::testing {

using core::Status;
using core::Version;

std::vector<core::Bytes> served_chain(const std::string& testcase) {
    std::ifstream in(lab::testcert(testcase + ".chain.pem"), std::ios::binary);
    return x509::pem_to_der_chain(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

probe::TargetResult constructed_result(const std::string& testcase) {
    static const auto store = x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), "");
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:443");
    r.address = "127.0.0.1:443";
    r.started = kCheckNow;
    r.duration = std::chrono::milliseconds(42);
    for (auto v : core::all_versions) {
        auto& vr = r.versions[static_cast<std::size_t>(v)];
        vr.version = v;
        if (v <= Version::ssl3) {
            vr.status = Status::local_unsupported;
        } else if (v <= Version::tls1_1) {
            vr.supported = false;
            vr.status = Status::rejected_alert;
            vr.alert = 70;
        } else {
            vr.supported = true;
            vr.status = Status::negotiated;
            vr.cipher = v == Version::tls1_3 ? "TLS_AES_256_GCM_SHA384" : "ECDHE-RSA-AES256-GCM-SHA384";
        }
    }
    probe::ProbeRecord rec;
    rec.spec.id = "offer_all";
    rec.spec.kind = probe::AttemptKind::offer_all;
    rec.spec.role = probe::ProbeRole::offer_all;
    rec.observation.status = Status::negotiated;
    rec.observation.chain = served_chain(testcase);
    r.probes.push_back(rec);

    x509::ChainInput in;
    in.served = rec.observation.chain;
    in.hostname = "tlsprobe.test";
    in.now = kCheckNow;
    in.key_exchange = x509::KeyExchange::tls13;
    r.chain = x509::analyze_chain(in, store);
    r.chain_source = "offer_all";
    // As conclude() and judge::assess() would decide them (no findings are made up here).
    r.facts = probe::decide_facts(r);
    r.verdict = judge::decide_verdict(r);
    return r;
}

probe::TargetResult unreachable_result(const std::string& host) {
    probe::TargetResult r;
    r.target = probe::parse_target(host);
    r.started = kCheckNow;
    for (auto v : core::all_versions) {
        auto& vr = r.versions[static_cast<std::size_t>(v)];
        vr.version = v;
        vr.status = Status::refused;
    }
    probe::ProbeRecord refused;
    refused.spec.id = "offer_all";
    refused.spec.kind = probe::AttemptKind::offer_all;
    refused.spec.role = probe::ProbeRole::offer_all;
    refused.observation.status = Status::refused;
    refused.observation.detail = "connection refused";
    r.probes.push_back(refused);
    r.facts = probe::decide_facts(r);
    r.verdict = judge::decide_verdict(r);
    return r;
}

}  // namespace tlsprobe::testing
