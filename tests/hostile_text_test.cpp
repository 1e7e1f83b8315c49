// Bytes a server chose (certificate names, SAN entries) must reach every renderer as safe
// UTF-8: no throw from nlohmann's dump(), no terminal escape in the text report.
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string>

#include "core/text.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;

namespace {

struct KeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// A self-signed certificate whose CN, O and one SAN dNSName hold `raw` as they are
// (IA5Strings set with ASN1_STRING_set, no validation), plus a sane SAN.
core::Bytes hostile_certificate(const std::string& raw) {
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    x509::X509Ptr x(X509_new());
    X509_set_version(x.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * 30);
    X509_NAME* name = X509_get_subject_name(x.get());
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    const int len = static_cast<int>(raw.size());
    // IA5String: OpenSSL canonicalises names on encoding and decoding and would refuse an
    // invalid UTF8String outright; an IA5String carries any byte.
    REQUIRE(X509_NAME_add_entry_by_txt(name, "O", V_ASN1_IA5STRING, bytes, len, -1, 0));
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", V_ASN1_IA5STRING, bytes, len, -1, 0));
    X509_set_issuer_name(x.get(), name);
    X509_set_pubkey(x.get(), key.get());

    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME* hostile = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    ASN1_STRING_set(ia5, raw.data(), len);
    GENERAL_NAME_set0_value(hostile, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(names, hostile);
    GENERAL_NAME* sane = GENERAL_NAME_new();
    ASN1_IA5STRING* ok = ASN1_IA5STRING_new();
    ASN1_STRING_set(ok, "tlsprobe.test", -1);
    GENERAL_NAME_set0_value(sane, GEN_DNS, ok);
    sk_GENERAL_NAME_push(names, sane);
    REQUIRE(X509_add1_ext_i2d(x.get(), NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1);
    GENERAL_NAMES_free(names);
    REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);

    unsigned char* der = nullptr;
    const int der_len = i2d_X509(x.get(), &der);
    REQUIRE(der_len > 0);
    core::Bytes out(der, der + der_len);
    OPENSSL_free(der);
    return out;
}

probe::TargetResult result_with(const core::Bytes& der) {
    return test::served_result({der},
                               std::make_shared<x509::TrustStore>(x509::TrustStore::empty()));
}

}  // namespace

TEST_CASE("hostile certificate strings are made safe once and render everywhere",
          "[text][x509][report]") {
    const std::string raw =
        GENERATE(std::string("\xFF\xFE.example"), std::string("\x1B[2J\x1B]0;owned\x07.example"),
                 std::string("nul\0byte\xC3", 9));
    INFO(core::to_safe_utf8(raw));
    const auto der = hostile_certificate(raw);
    std::string error;
    const auto info = x509::parse_certificate(der, &error);
    REQUIRE(info);
    REQUIRE(info->san_dns.size() == 2);
    CHECK(info->san_dns[0] == core::to_safe_utf8(raw));
    CHECK(info->san_dns[1] == "tlsprobe.test");
    REQUIRE(info->common_name);
    CHECK(*info->common_name == core::to_safe_utf8(raw));
    for (const auto& s : {info->subject, info->issuer, *info->common_name, info->san_dns[0]}) {
        CHECK(core::is_safe_utf8(s));
        CHECK(s.find('\x1B') == std::string::npos);
    }

    const auto r = result_with(der);
    REQUIRE(r.chain);
    std::string json_text, text;
    REQUIRE_NOTHROW(json_text = report::render_json(r));
    REQUIRE_NOTHROW(text = report::render_text(r));
    CHECK(core::is_valid_utf8(json_text));
    CHECK(core::is_valid_utf8(text));
    CHECK(text.find('\x1B') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK(json_text.find('\x1B') == std::string::npos);
    const auto j = nlohmann::json::parse(json_text);
    CHECK(j.at("chain").at("certificates")[0].at("san")[0] == core::to_safe_utf8(raw));
}

TEST_CASE("render_json does not throw on invalid UTF-8 that slipped past the boundary",
          "[text][report]") {
    auto r = result_with(hostile_certificate("plain.example"));
    r.probes[0].observation.detail = "raw \xFF\xFE bytes";
    r.summary += " \xC3";
    std::string out;
    REQUIRE_NOTHROW(out = report::render_json(r));
    CHECK(core::is_valid_utf8(out));
}
