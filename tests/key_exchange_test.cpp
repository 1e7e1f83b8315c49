// Key-exchange judgement: the DH group analysis (probe/key_exchange), what conclude() makes of
// the enumerated DHE suites, the kex.* findings and the reports. Pure: no sockets. The groups
// are computed with libcrypto (lab/dh_groups.hpp) or read from testcerts/dh1024.pem.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include "judge/findings_rules.hpp"
#include "lab/dh_groups.hpp"
#include "lab/paths.hpp"
#include "probe/cipher_enumeration.hpp"
#include "probe/dh_text.hpp"
#include "probe/key_exchange.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "support.hpp"
#include "wire/constants.hpp"

using namespace tlsprobe;
using core::Bytes;

namespace {

struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bytes bytes_of(const BIGNUM* n) {
    Bytes out(static_cast<std::size_t>(BN_num_bytes(n)));
    BN_bn2bin(n, out.data());
    return out;
}

Bn bn_of(const Bytes& b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

// base^e mod p, all big-endian.
Bytes power(const Bytes& base, const Bytes& e, const Bytes& p) {
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), &BN_CTX_free);
    Bn r(BN_new());
    REQUIRE(BN_mod_exp(r.get(), bn_of(base).get(), bn_of(e).get(), bn_of(p).get(), ctx.get()) == 1);
    return bytes_of(r.get());
}

Bytes minus_one(const Bytes& p) {
    Bn n = bn_of(p);
    REQUIRE(BN_sub_word(n.get(), 1) == 1);
    return bytes_of(n.get());
}

// testcerts/dh1024.pem: a 1024-bit safe prime from `openssl dhparam`, in no list.
lab::DhGroup dh1024_from_pem() {
    BIO* bio = BIO_new_file(lab::testcert("dh1024.pem").c_str(), "r");
    REQUIRE(bio != nullptr);
    EVP_PKEY* key = PEM_read_bio_Parameters(bio, nullptr);
    BIO_free(bio);
    REQUIRE(key != nullptr);
    BIGNUM *p = nullptr, *g = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_P, &p) == 1);
    REQUIRE(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_G, &g) == 1);
    lab::DhGroup out{bytes_of(p), bytes_of(g)};
    BN_free(p);
    BN_free(g);
    EVP_PKEY_free(key);
    return out;
}

// A private temporary file, removed when the test ends.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& text) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "tlsprobe-kex-XXXXXX").string();
        const int fd = mkstemp(tmpl.data());
        REQUIRE(fd >= 0);
        close(fd);
        path = tmpl;
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

bool has_problem(const probe::DhGroupFacts& f, std::string_view text) {
    return std::ranges::any_of(f.problems,
                               [&](const std::string& p) { return p.find(text) != p.npos; });
}

const probe::Finding* finding(const std::vector<probe::Finding>& all, std::string_view id) {
    const auto it = std::ranges::find(all, id, &probe::Finding::id);
    return it == all.end() ? nullptr : &*it;
}

// A reached, working result whose TLS 1.2 enumeration saw `dh` with two DHE suites.
probe::TargetResult dhe_result(const lab::DhGroup& group, const Bytes& ys) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:4433");
    auto rec = test::make_record("tls1_2", core::Version::tls1_2, core::Status::negotiated,
                                 core::Phase::done);
    rec.observation.version = core::Version::tls1_2;
    r.probes = {rec};
    auto& v = r.versions[static_cast<std::size_t>(core::Version::tls1_2)];
    v.ciphers_enumerated = true;
    const probe::DhParams dh{group.p, group.g, ys};
    const int bits = static_cast<int>(group.p.size() * 8);
    v.ciphers.push_back({0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", wire::Strength::strong,
                         true, "", bits, dh});
    v.ciphers.push_back({0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", wire::Strength::strong,
                         true, "", bits, dh});
    return r;
}

}  // namespace

TEST_CASE("DH analysis: a fresh safe prime is tested and passes", "[kex]") {
    const auto g = dh1024_from_pem();
    const Bytes ys = power(g.g, {0x30, 0x39}, g.p);  // 2^12345: in the subgroup 2 generates
    const auto f = probe::analyze_dh_group(g.p, g.g, std::vector<Bytes>{ys}, nullptr);
    CHECK(f.bits == 1024);
    CHECK(f.standard_name.empty());
    CHECK(f.prime == true);
    CHECK(f.safe_prime == true);
    CHECK(f.generator_ok == true);
    CHECK(f.public_keys_ok == true);
    CHECK(f.public_keys_checked == 1);
    CHECK_FALSE(f.invalid());
    CHECK(f.prime_hex == probe::big_hex(g.p));
    CHECK(f.generator_hex == "2");
    CHECK_FALSE(f.common_prime_checked);
    CHECK(std::ranges::any_of(f.notes, [](const std::string& n) {
        return n.starts_with("common-prime check not done");
    }));
}

TEST_CASE("DH analysis: a composite modulus is invalid", "[kex]") {
    const auto g = lab::composite_2048();
    const auto f = probe::analyze_dh_group(g.p, g.g, std::vector<Bytes>{Bytes{0x05}}, nullptr);
    CHECK(f.bits == 2048);
    CHECK(f.prime == false);
    CHECK_FALSE(f.safe_prime.has_value());
    CHECK(f.invalid());
    CHECK(has_problem(f, "p is not prime"));
    // An even modulus needs no primality test to be refused.
    const auto even = probe::analyze_dh_group(Bytes{0x01, 0x00}, Bytes{0x02}, {}, nullptr);
    CHECK(even.prime == false);
    CHECK(has_problem(even, "even"));
}

TEST_CASE("DH analysis: the generator and Ys must lie in the prime-order subgroup", "[kex]") {
    const auto modp = lab::modp_2048();
    const Bytes p1 = minus_one(modp.p);
    SECTION("RFC 3526 group 14 with g = 2: recognised, valid") {
        const auto f = probe::analyze_dh_group(modp.p, modp.g, {}, nullptr);
        CHECK(f.standard_name == "modp_2048");
        CHECK(f.prime == true);
        CHECK(f.safe_prime == true);
        CHECK(f.generator_ok == true);
        CHECK_FALSE(f.public_keys_ok.has_value());  // no Ys given
        CHECK_FALSE(f.invalid());
        // 2 is a quadratic residue mod this p (p = 7 mod 8): the order-q subgroup, no note.
        CHECK(std::none_of(f.notes.begin(), f.notes.end(), [](const std::string& n) {
            return n.find("generates the whole group") != std::string::npos;
        }));
    }
    SECTION("a generator of the whole group (order 2q) of a safe prime is fine, with a note") {
        // OpenSSL before 3.0 made such groups on purpose: only the exponent's parity shows.
        const auto full = lab::modp_2048_full_group_generator();
        const auto f = probe::analyze_dh_group(full.p, full.g, {}, nullptr);
        CHECK(f.generator_ok == true);
        CHECK_FALSE(f.invalid());
        CHECK(std::any_of(f.notes.begin(), f.notes.end(), [&](const std::string& n) {
            return n.find("generator g = " + probe::short_number(probe::big_hex(full.g)) +
                          " generates the whole group") != std::string::npos;
        }));
        CHECK(probe::short_number("B") == "11");
        CHECK(probe::short_number("123456789") == "0x123456789...");
    }
    SECTION("g = 1 and g = p - 1 generate subgroups of order 1 and 2") {
        for (const auto& gen : {Bytes{0x01}, p1}) {
            const auto f = probe::analyze_dh_group(modp.p, gen, {}, nullptr);
            CHECK(f.generator_ok == false);
            CHECK(has_problem(f, "outside 1 < g < p-1"));
        }
    }
    SECTION("public keys: in range and in the subgroup") {
        const Bytes good = power(modp.g, {0x01, 0x00, 0x01}, modp.p);
        const Bytes non_residue = lab::modp_2048_full_group_generator().g;
        const std::vector<Bytes> keys{good, Bytes{0x01}, p1, non_residue};
        const auto f = probe::analyze_dh_group(modp.p, modp.g, keys, nullptr);
        CHECK(f.generator_ok == true);
        CHECK(f.public_keys_checked == 4);
        CHECK(f.public_keys_ok == false);
        CHECK(has_problem(f, "2 of 4 server public keys Ys outside 1 < Ys < p-1"));
        // A non-residue Ys lies in the order-2q group of a safe prime: not a fault.
        CHECK_FALSE(has_problem(f, "outside the prime-order subgroup"));
        const auto fine =
            probe::analyze_dh_group(modp.p, modp.g, std::vector<Bytes>{good}, nullptr);
        CHECK(fine.public_keys_ok == true);
    }
    SECTION("a prime that is not safe: subgroup order unknown, range checks only") {
        Bn prime(BN_new());
        REQUIRE(BN_generate_prime_ex(prime.get(), 256, 0, nullptr, nullptr, nullptr) == 1);
        const Bytes p = bytes_of(prime.get());
        const auto f = probe::analyze_dh_group(p, Bytes{0x02}, {}, nullptr);
        CHECK(f.prime == true);
        // A random 256-bit prime is a safe prime with probability about 1 in 90: the facts
        // must agree with BN_check_prime whichever it is.
        std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), &BN_CTX_free);
        Bn q(BN_new());
        REQUIRE(BN_rshift1(q.get(), prime.get()) == 1);
        const bool safe = BN_check_prime(q.get(), ctx.get(), nullptr) == 1;
        CHECK(f.safe_prime == safe);
        if (!safe) {
            CHECK(f.generator_ok == true);
            CHECK(std::ranges::any_of(f.notes, [](const std::string& n) {
                return n.find("not a safe prime") != n.npos;
            }));
        }
    }
}

TEST_CASE("DH analysis: above the primality cap only the size and ranges are judged", "[kex]") {
    Bytes p{0x03};
    p.resize(1 + static_cast<std::size_t>(probe::kMaxPrimalityBits) / 8, 0xff);  // odd, 2 bits over
    const auto f =
        probe::analyze_dh_group(p, Bytes{0x02}, std::vector<Bytes>{Bytes{0x01}}, nullptr);
    CHECK(f.bits == probe::kMaxPrimalityBits + 2);
    CHECK_FALSE(f.prime.has_value());
    CHECK_FALSE(f.safe_prime.has_value());
    CHECK_FALSE(f.generator_ok.has_value());
    CHECK(std::ranges::any_of(f.notes, [](const std::string& n) {
        return n == fmt::format("primality not tested above {} bits", probe::kMaxPrimalityBits);
    }));
    // Ys = 1 is out of range whatever p is.
    CHECK(f.public_keys_ok == false);
    CHECK(has_problem(f, "1 of 1 server public keys Ys outside 1 < Ys < p-1"));
    // Beyond kMaxAnalysedDhBits nothing but the size.
    Bytes huge(static_cast<std::size_t>(probe::kMaxAnalysedDhBits) / 8 + 1, 0xff);
    const auto h = probe::analyze_dh_group(huge, Bytes{0x02}, {}, nullptr);
    CHECK(h.bits == probe::kMaxAnalysedDhBits + 8);
    CHECK(h.prime_hex.empty());
    CHECK_FALSE(h.invalid());
}

TEST_CASE("common primes: parsed defensively, looked up by value", "[kex]") {
    const auto oakley = lab::oakley_group2();
    std::string hex = probe::big_hex(oakley.p);
    std::string lower = hex;
    std::ranges::transform(lower, lower.begin(),
                           [](char c) { return static_cast<char>(std::tolower(c)); });
    SECTION("the list format") {
        const auto list = probe::parse_common_primes(
            "## a header\n\n# \"first/64-bit\"\n00ABCDEF0123456789\n# no quotes here\nFF\n# "
            "\"long\"\n" +
            std::string(9000, 'A') + "\n# \"test/oakley\"\n" + lower + "\r\n");
        CHECK(list.loaded);
        REQUIRE(list.primes.size() == 3);
        CHECK(list.primes[0].name == "first/64-bit");
        CHECK(list.primes[0].prime_hex == "ABCDEF0123456789");
        CHECK(list.primes[1].name == "unnamed");
        CHECK(list.primes[2].name == "test/oakley");
        CHECK(list.primes[2].prime_hex == hex);
    }
    SECTION("a file found: the group is named") {
        const TempFile file("# \"test/oakley group 2\"\n" + lower + "\n");
        const auto list = probe::load_common_primes(file.path);
        REQUIRE(list.loaded);
        const auto f = probe::analyze_dh_group(oakley.p, oakley.g, {}, &list);
        CHECK(f.common_prime_checked);
        CHECK(f.common_prime == std::optional<std::string>("test/oakley group 2"));
        CHECK(f.standard_name == "rfc2409_1024");
        CHECK(f.safe_prime == true);
        CHECK(f.generator_ok == true);
        // Another group is not in it.
        const auto other = probe::analyze_dh_group(dh1024_from_pem().p, Bytes{0x02}, {}, &list);
        CHECK(other.common_prime_checked);
        CHECK_FALSE(other.common_prime.has_value());
    }
    SECTION("shared: read once while the file is unchanged, again when it changes") {
        const TempFile file("# \"test/oakley group 2\"\n" + lower + "\n");
        const auto first = probe::shared_common_primes(file.path);
        REQUIRE(first->loaded);
        CHECK(first->primes.size() == 1);
        CHECK(probe::shared_common_primes(file.path) == first);  // the same list, not re-read
        std::ofstream(file.path, std::ios::binary | std::ios::app) << "# \"second\"\nABCDEF\n";
        const auto changed = probe::shared_common_primes(file.path);
        CHECK(changed != first);
        REQUIRE(changed->primes.size() == 2);
        CHECK(changed->primes[1].name == "second");
        const auto missing = probe::shared_common_primes("/nonexistent/tlsprobe/common-primes.txt");
        CHECK_FALSE(missing->loaded);
    }
    SECTION("a missing file: not done, never an error") {
        const auto list = probe::load_common_primes("/nonexistent/tlsprobe/common-primes.txt");
        CHECK_FALSE(list.loaded);
        CHECK_FALSE(list.error.empty());
        const auto f = probe::analyze_dh_group(oakley.p, oakley.g, {}, &list);
        CHECK_FALSE(f.common_prime_checked);
        CHECK_FALSE(f.common_prime.has_value());
        CHECK(std::ranges::any_of(f.notes, [](const std::string& n) {
            return n.find("common-prime check not done") != n.npos &&
                   n.find("/nonexistent/tlsprobe") != n.npos;
        }));
    }
}

TEST_CASE("conclude() analyses each DH group once, with the suites it came with", "[kex]") {
    const auto oakley = lab::oakley_group2();
    const TempFile file("# \"test/oakley\"\n" + probe::big_hex(oakley.p) + "\n");
    auto r = dhe_result(oakley, power(oakley.g, {0x07}, oakley.p));
    probe::ProbeOptions options;
    options.common_primes_file = file.path;
    test::conclude_and_judge(r, options);
    REQUIRE(r.dh_groups.size() == 1);
    CHECK(r.dh_groups_seen == 1);
    const auto& g = r.dh_groups.front();
    CHECK(g.bits == 1024);
    CHECK(g.common_prime == std::optional<std::string>("test/oakley"));
    CHECK(g.public_keys_checked == 2);
    CHECK(g.seen_with == std::vector<std::string>{"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 (TLS 1.2)",
                                                  "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.2)"});
    // The findings: a weak group (LOGJAM size) and a shared 1024-bit prime, both high.
    const auto* weak = finding(r.findings, "kex.dh_weak_group");
    REQUIRE(weak);
    CHECK(weak->severity == probe::Severity::high);
    CHECK_THAT(weak->detail, Catch::Contains("1024 bits (<= 1024 bits: LOGJAM, CVE-2015-4000)"));
    CHECK_THAT(weak->detail, Catch::Contains("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"));
    const auto* common = finding(r.findings, "kex.dh_common_prime");
    REQUIRE(common);
    CHECK(common->severity == probe::Severity::high);
    CHECK_THAT(common->detail, Catch::Contains("\"test/oakley\""));
    CHECK(finding(r.findings, "kex.dh_invalid_group") == nullptr);
    CHECK(r.verdict == probe::TargetVerdict::fail);

    // The reports carry the facts.
    const auto j = report::to_json(r, {});
    REQUIRE(j["dh_groups"].size() == 1);
    CHECK(j["dh_groups"][0]["bits"] == 1024);
    CHECK(j["dh_groups"][0]["common_prime"] == "test/oakley");
    CHECK(j["dh_groups"][0]["safe_prime"] == true);
    CHECK(j["dh_groups"][0]["standard_group"] == "rfc2409_1024");
    const auto text = report::render_text(r, {});
    CHECK_THAT(text, Catch::Contains("DH groups (1 distinct)"));
    CHECK_THAT(text,
               Catch::Contains("1024 bits, g = 2, rfc2409_1024, common prime \"test/oakley\""));
}

TEST_CASE("kex findings: invalid groups, shared large primes, small curves", "[kex]") {
    SECTION("a composite modulus is critical and says which test failed") {
        const auto composite = lab::composite_2048();
        auto r = dhe_result(composite, Bytes{0x05});
        probe::ProbeOptions options;
        options.common_primes_file = "/nonexistent/common-primes.txt";
        test::conclude_and_judge(r, options);
        const auto* invalid = finding(r.findings, "kex.dh_invalid_group");
        REQUIRE(invalid);
        CHECK(invalid->severity == probe::Severity::critical);
        CHECK_THAT(invalid->detail, Catch::Contains("p is not prime"));
        CHECK(finding(r.findings, "kex.dh_weak_group") == nullptr);  // 2048 bits
        CHECK(r.findings.front().id == "kex.dh_invalid_group");      // most severe first
    }
    SECTION("a shared prime above 1024 bits is low") {
        const auto modp = lab::modp_2048();
        const TempFile file("# \"RFC3526/Oakley Group 14\"\n" + probe::big_hex(modp.p) + "\n");
        auto r = dhe_result(modp, power(modp.g, {0x11}, modp.p));
        probe::ProbeOptions options;
        options.common_primes_file = file.path;
        test::conclude_and_judge(r, options);
        const auto* common = finding(r.findings, "kex.dh_common_prime");
        REQUIRE(common);
        CHECK(common->severity == probe::Severity::low);
        CHECK(finding(r.findings, "kex.dh_weak_group") == nullptr);
        CHECK(finding(r.findings, "kex.dh_invalid_group") == nullptr);
    }
    SECTION("curves below 256 bits, once each") {
        probe::TargetResult r;
        r.facts.reached = r.facts.works = true;
        auto& v = r.versions[static_cast<std::size_t>(core::Version::tls1_2)];
        v.version = core::Version::tls1_2;
        v.supported = true;
        v.groups = {"x25519", "secp256r1", "secp224r1", "sect163k1"};
        v.ciphers.push_back({0xC02F,
                             "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                             wire::Strength::strong,
                             true,
                             "secp224r1",
                             std::nullopt,
                             {}});
        const auto findings = judge::derive_findings(r);
        const auto* curve = finding(findings, "kex.weak_curve");
        REQUIRE(curve);
        CHECK(curve->severity == probe::Severity::high);
        CHECK(curve->detail == "secp224r1 (224 bits, TLS 1.2), sect163k1 (163 bits, TLS 1.2)");
        // X25519 (a 255-bit field, 128-bit security) and P-256 are fine.
        v.groups = {"x25519", "secp256r1"};
        v.ciphers.clear();
        CHECK(finding(judge::derive_findings(r), "kex.weak_curve") == nullptr);
    }
}

TEST_CASE("wire: EC group sizes and the weak curves the enumeration adds", "[kex][wire]") {
    CHECK(wire::ec_group_size(wire::group::x25519)->security_bits == 128);
    CHECK(wire::ec_group_size(21)->field_bits == 224);
    CHECK(wire::ec_group_size(wire::group::sect163k1)->security_bits == 80);
    CHECK_FALSE(wire::ec_group_size(wire::group::ffdhe2048).has_value());
    CHECK(wire::group_code("secp192r1") == std::optional<std::uint16_t>(19));
    CHECK_FALSE(wire::group_code("nonsense").has_value());
    for (auto g : wire::weak_ec_groups()) {
        INFO("group " << g);
        REQUIRE(wire::ec_group_size(g));
        CHECK(wire::ec_group_size(g)->security_bits < 128);
    }
    const auto tls12 = probe::enumeration_groups(core::Version::tls1_2);
    const auto tls13 = probe::enumeration_groups(core::Version::tls1_3);
    CHECK(std::ranges::find(tls12, std::uint16_t{16}) != tls12.end());  // secp160r1
    CHECK(std::ranges::find(tls13, std::uint16_t{16}) == tls13.end());
}
