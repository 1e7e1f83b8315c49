#include "check_fixtures.hpp"

#include <fstream>
#include <iterator>
#include <memory>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <utility>

#include "judge/verdict.hpp"
#include "lab/paths.hpp"
#include "probe/probe_target.hpp"
#include "x509/chain_analysis.hpp"

namespace tlsprobe::testing {

using core::Status;
using core::Version;

std::vector<core::Bytes> served_chain(const std::string& testcase) {
    std::ifstream in(lab::testcert(testcase + ".chain.pem"), std::ios::binary);
    return x509::pem_to_der_chain(
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

probe::TargetResult constructed_result(const std::string& testcase) {
    return constructed_result_for_chain(served_chain(testcase));
}

probe::TargetResult constructed_result_for_chain(std::vector<core::Bytes> served) {
    static const auto store =
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), "");
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
            vr.cipher =
                v == Version::tls1_3 ? "TLS_AES_256_GCM_SHA384" : "ECDHE-RSA-AES256-GCM-SHA384";
        }
    }
    probe::ProbeRecord rec;
    rec.spec.id = "offer_all";
    rec.spec.kind = probe::AttemptKind::offer_all;
    rec.spec.role = probe::ProbeRole::offer_all;
    rec.observation.status = Status::negotiated;
    rec.observation.chain = std::move(served);
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

core::Bytes same_name_impostor(const core::Bytes& like) {
    const auto model = x509::x509_from_der(like);
    if (!model) throw std::runtime_error("same_name_impostor: the model does not parse");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    x509::X509Ptr x(X509_new());
    std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> issuer(X509_NAME_new(), &X509_NAME_free);
    if (!key || !x || !issuer) throw std::runtime_error("same_name_impostor: out of memory");
    X509_NAME_add_entry_by_txt(issuer.get(), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tlsprobe Impostor Issuer"),
                               -1, -1, 0);
    const auto now = std::chrono::system_clock::to_time_t(kCheckNow);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
    X509_set_subject_name(x.get(), X509_get_subject_name(model.get()));
    X509_set_issuer_name(x.get(), issuer.get());
    ASN1_TIME_set(X509_getm_notBefore(x.get()), now - 86400L * 30);
    ASN1_TIME_set(X509_getm_notAfter(x.get()), now + 86400L * 365);
    X509_set_pubkey(x.get(), key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                                     std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                     std::pair{NID_subject_key_identifier, "hash"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) throw std::runtime_error("same_name_impostor: extension");
        X509_add_ext(x.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0)
        throw std::runtime_error("same_name_impostor: signing failed");
    const int n = i2d_X509(x.get(), nullptr);
    core::Bytes der(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    i2d_X509(x.get(), &out);
    return der;
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
