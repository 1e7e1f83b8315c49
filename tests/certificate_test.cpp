// X.509 parsing and PEM loading over the generated test PKI (testcerts/, see its README).
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <string>

#include "x509/certificate.hpp"

using namespace tlsprobe::core;
using namespace tlsprobe::x509;
using namespace std::chrono;

namespace {

const std::string kCerts = TLSPROBE_TESTS_DIR "/../testcerts/";

std::string slurp(const std::string& name) {
    std::ifstream in(kCerts + name, std::ios::binary);
    if (!in)
        throw std::runtime_error("missing test file " + kCerts + name +
                                 " (run testcerts/generate.sh)");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// First line of a file, as generate.sh writes the fingerprints.
std::string first_line(const std::string& name) {
    std::string s = slurp(name);
    return s.substr(0, s.find('\n'));
}

CertificateInfo parse_pem(const std::string& name, std::size_t index = 0) {
    const auto ders = pem_to_der_chain(slurp(name));
    REQUIRE(index < ders.size());
    std::string error;
    auto info = parse_certificate(ders[index], &error);
    INFO(error);
    REQUIRE(info.has_value());
    return *info;
}

sys_seconds utc(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

}  // namespace

TEST_CASE("the good leaf's names, usages and key are parsed", "[certificate]") {
    const auto c = parse_pem("good.leaf.pem");
    CHECK(c.subject == "CN=tlsprobe.test, O=tlsprobe");
    CHECK(c.issuer == "CN=tlsprobe Test Intermediate CA, O=tlsprobe");
    CHECK(c.san_dns == std::vector<std::string>{"tlsprobe.test", "www.tlsprobe.test", "localhost"});
    CHECK(c.san_ip == std::vector<std::string>{"127.0.0.1", "::1"});
    CHECK(c.common_name == std::optional<std::string>("tlsprobe.test"));
    REQUIRE(c.eku.has_value());
    CHECK(*c.eku == std::vector<std::string>{"serverAuth"});
    CHECK(c.key_usage ==
          std::optional<std::uint32_t>(X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_KEY_ENCIPHERMENT));
    CHECK(c.key_usage_names == std::vector<std::string>{"digitalSignature", "keyEncipherment"});
    CHECK(c.has_basic_constraints);
    CHECK_FALSE(c.is_ca);
    CHECK_FALSE(c.path_len.has_value());
    CHECK(c.key_type == "RSA");
    CHECK(c.key_bits == 2048);
    CHECK(c.curve.empty());
    CHECK(c.signature_algorithm == "sha256WithRSAEncryption");
    CHECK(c.signature_digest == "SHA256");
    CHECK_FALSE(c.self_issued);
    CHECK_FALSE(c.self_signed);
    CHECK(has_server_auth_eku(c));
}

TEST_CASE("validity dates come out as UTC seconds", "[certificate]") {
    const auto good = parse_pem("good.leaf.pem");
    CHECK(good.not_before == utc(2024, 1, 1));
    CHECK(good.not_after == utc(2124, 1, 1));
    const auto expired = parse_pem("expired.leaf.pem");
    CHECK(expired.not_before == utc(2019, 1, 1));
    CHECK(expired.not_after == utc(2020, 1, 1));
}

TEST_CASE("fingerprints match what openssl x509 -fingerprint printed", "[certificate]") {
    // generate.sh stores `openssl x509 -fingerprint -sha1/-sha256`, lower-cased without colons.
    for (std::string name : {"good", "good-ecdsa"}) {
        const auto c = parse_pem(name + ".leaf.pem");
        CHECK(c.sha1_hex == first_line(name + ".leaf.sha1"));
        CHECK(c.sha256_hex == first_line(name + ".leaf.sha256"));
        CHECK(c.sha1_hex.size() == 40);  // the Windows thumbprint certutil takes
        CHECK(c.sha256_hex.size() == 64);
    }
    const auto c = parse_pem("good.leaf.pem");
    CHECK(c.serial_hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK_FALSE(c.serial_hex.empty());
}

TEST_CASE("an EC leaf reports its curve", "[certificate]") {
    const auto c = parse_pem("good-ecdsa.leaf.pem");
    CHECK(c.key_type == "EC");
    CHECK(c.key_bits == 256);
    CHECK(c.curve == "prime256v1");
    CHECK(c.signature_algorithm == "sha256WithRSAEncryption");  // the issuer's key is RSA
}

TEST_CASE("CA certificates show basicConstraints and self-signature", "[certificate]") {
    const auto root = parse_pem("root-ca.pem");
    CHECK(root.is_ca);
    CHECK(root.self_issued);
    CHECK(root.self_signed);
    CHECK_FALSE(root.path_len.has_value());
    CHECK_FALSE(root.eku.has_value());
    CHECK(root.key_usage_names == std::vector<std::string>{"keyCertSign", "cRLSign"});
    CHECK(root.subject == "CN=tlsprobe Test Root CA, O=tlsprobe");

    const auto intermediate = parse_pem("intermediate-ca.pem");
    CHECK(intermediate.is_ca);
    CHECK(intermediate.path_len == std::optional<long>(0));
    CHECK_FALSE(intermediate.self_signed);

    const auto no_bc = parse_pem("no-bc-intermediate-ca.pem");
    CHECK_FALSE(no_bc.has_basic_constraints);
    CHECK_FALSE(no_bc.is_ca);

    const auto self = parse_pem("self-signed.leaf.pem");
    CHECK(self.self_signed);
    CHECK_FALSE(self.is_ca);
}

TEST_CASE("EKU absent, clientAuth only and weak parameters are visible", "[certificate]") {
    const auto no_eku = parse_pem("no-eku.leaf.pem");
    CHECK_FALSE(no_eku.eku.has_value());
    CHECK(has_server_auth_eku(no_eku));

    const auto client = parse_pem("client-auth-eku.leaf.pem");
    REQUIRE(client.eku.has_value());
    CHECK(*client.eku == std::vector<std::string>{"clientAuth"});
    CHECK_FALSE(has_server_auth_eku(client));

    const auto kenc = parse_pem("key-usage-keyencipherment-only.leaf.pem");
    CHECK(kenc.key_usage_names == std::vector<std::string>{"keyEncipherment"});
    CHECK_FALSE(has_key_usage(kenc, X509v3_KU_DIGITAL_SIGNATURE));
    CHECK(has_key_usage(kenc, X509v3_KU_KEY_ENCIPHERMENT));
    CHECK(has_key_usage(no_eku, X509v3_KU_KEY_AGREEMENT) == false);

    CHECK(parse_pem("rsa1024.leaf.pem").key_bits == 1024);
    const auto sha1 = parse_pem("sha1.leaf.pem");
    CHECK(sha1.signature_algorithm == "sha1WithRSAEncryption");
    CHECK(sha1.signature_digest == "SHA1");

    const auto wrong = parse_pem("wrong-host.leaf.pem");
    CHECK(wrong.san_dns == std::vector<std::string>{"other.example"});
    CHECK(wrong.san_ip.empty());
    const auto cn_only = parse_pem("cn-only.leaf.pem");
    CHECK(cn_only.san_dns.empty());
    CHECK(cn_only.common_name == std::optional<std::string>("tlsprobe.test"));
}

TEST_CASE("garbage DER is refused with a reason, never a crash", "[certificate]") {
    std::string error;
    CHECK_FALSE(parse_certificate(Bytes{}, &error).has_value());
    CHECK_FALSE(error.empty());

    error.clear();
    const Bytes junk{0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
    CHECK_FALSE(parse_certificate(junk, &error).has_value());
    CHECK_FALSE(error.empty());

    const Bytes der = pem_to_der_chain(slurp("good.leaf.pem")).at(0);
    for (std::size_t len : {std::size_t{1}, std::size_t{4}, der.size() / 2, der.size() - 1}) {
        INFO("prefix of " << len << " bytes");
        CHECK_FALSE(parse_certificate(ByteView(der.data(), len)).has_value());
    }
    Bytes trailing = der;
    trailing.push_back(0);
    error.clear();
    CHECK_FALSE(parse_certificate(trailing, &error).has_value());
    CHECK(error.find("trailing") != std::string::npos);
    CHECK(x509_from_der(trailing) == nullptr);
    CHECK(x509_from_der(der) != nullptr);
    CHECK(parse_certificate(der).has_value());
}

TEST_CASE("PEM bundles split into DER in file order", "[certificate]") {
    const auto chain = pem_to_der_chain(slurp("good.chain.pem"));
    REQUIRE(chain.size() == 2);
    CHECK(chain[0] == pem_to_der_chain(slurp("good.leaf.pem")).at(0));
    CHECK(chain[1] == pem_to_der_chain(slurp("intermediate-ca.pem")).at(0));
    CHECK(pem_to_der_chain(slurp("with-root.chain.pem")).size() == 3);

    // A key block next to the certificate is skipped, not an error.
    const auto mixed = pem_to_der_chain(slurp("good.key") + slurp("good.leaf.pem"));
    CHECK(mixed.size() == 1);
    CHECK(mixed[0] == chain[0]);
}

TEST_CASE("PEM without certificates or with a damaged block throws", "[certificate]") {
    CHECK_THROWS_WITH(pem_to_der_chain(slurp("good.key")), Catch::Contains("no PEM certificate"));
    CHECK_THROWS_WITH(pem_to_der_chain(""), Catch::Contains("no PEM certificate"));
    const std::string damaged =
        "-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n";
    CHECK_THROWS_WITH(pem_to_der_chain(damaged), Catch::Contains("damaged PEM block #1"));
}
