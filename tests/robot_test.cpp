// ROBOT (probe/checks/robot.*): the test vectors, the RSA encryption and the classification
// as pure code, then end to end against the scripted oracle servers (lab/robot_server.*:
// strong, weak, uniform) and a real OpenSSL 3 server (not vulnerable).
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lab/paths.hpp"
#include "lab/robot_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/checks/robot.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"
#include "x509/certificate.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Version;
using probe::checks::RobotAnswers;
using probe::checks::RobotCheck;
using probe::checks::RobotOracle;
using probe::checks::RobotVector;
using probe::checks::VulnStatus;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

core::Bytes good_leaf_der() {
    const auto chain = x509::pem_to_der_chain(slurp(lab::testcert("good.leaf.pem")));
    REQUIRE(!chain.empty());
    return chain.front();
}

// Raw RSA decryption with testcerts/good.key: what the server sees.
core::Bytes decrypt_with_good_key(core::ByteView in) {
    const auto pem = slurp(lab::testcert("good.key"));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                  BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    REQUIRE(key);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key.get(), nullptr),
                                                                    EVP_PKEY_CTX_free);
    REQUIRE(EVP_PKEY_decrypt_init(ctx.get()) > 0);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) > 0);
    std::size_t size = 0;
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in.data(), in.size()) > 0);
    core::Bytes out(size);
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), out.data(), &size, in.data(), in.size()) > 0);
    out.resize(size);
    return out;
}

RobotAnswers answers(std::initializer_list<const char*> list) {
    RobotAnswers a;
    std::size_t i = 0;
    for (const auto* s : list) a[i++] = s;
    return a;
}

probe::Target loopback_target(unsigned short port) {
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

probe::TargetResult probe_robot(unsigned short port) {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.enumerate_ciphers = true;
    o.checks = {"robot"};
    return test::judged(probe::probe_target_blocking(loopback_target(port), o));
}

const probe::checks::RobotResult* robot_of(const probe::TargetResult& r) {
    for (const auto& c : r.checks)
        if (c->kind() == "robot") return dynamic_cast<const probe::checks::RobotResult*>(c.get());
    return nullptr;
}

const probe::Finding* finding(const std::vector<probe::Finding>& fs, std::string_view id) {
    const auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.id == id; });
    return it == fs.end() ? nullptr : &*it;
}

lab::CipherPolicy rsa_policy() {
    lab::CipherPolicy p;
    p.suites = {0xC02F, 0x009C, 0x002F};  // ECDHE first; two RSA key-transport suites
    p.min_version = Version::tls1_0;
    p.max_version = Version::tls1_2;
    return p;
}

}  // namespace

TEST_CASE("robot: the five padding vectors have the published shapes", "[robot]") {
    constexpr std::size_t k = 256;
    const auto valid = RobotCheck::padded_block(RobotVector::valid, k, Version::tls1_2);
    REQUIRE(valid.size() == k);
    CHECK(valid[0] == 0x00);
    CHECK(valid[1] == 0x02);
    CHECK(std::count(valid.begin() + 2, valid.begin() + (k - 49), 0) == 0);  // non-zero padding
    CHECK(valid[k - 49] == 0x00);                                           // the separator
    CHECK(valid[k - 48] == 0x03);                                           // client version
    CHECK(valid[k - 47] == 0x03);

    const auto first = RobotCheck::padded_block(RobotVector::wrong_first_bytes, k, Version::tls1_2);
    CHECK(first[0] == 0x41);
    CHECK(first[1] == 0x17);
    CHECK(std::equal(first.begin() + 2, first.end(), valid.begin() + 2));

    const auto position = RobotCheck::padded_block(RobotVector::wrong_00_position, k, Version::tls1_2);
    REQUIRE(position.size() == k);
    CHECK(position[k - 2] == 0x00);  // the only zero past the prefix: a 1-byte message
    CHECK(std::count(position.begin() + 2, position.end(), 0) == 1);

    const auto none = RobotCheck::padded_block(RobotVector::no_00_separator, k, Version::tls1_2);
    REQUIRE(none.size() == k);
    CHECK(std::count(none.begin() + 2, none.end(), 0) == 0);

    const auto version = RobotCheck::padded_block(RobotVector::wrong_version, k, Version::tls1_1);
    CHECK(version[k - 49] == 0x00);
    CHECK(version[k - 48] == 0x02);
    CHECK(version[k - 47] == 0x02);
    CHECK(RobotCheck::padded_block(RobotVector::valid, k, Version::tls1_1)[k - 47] == 0x02);
}

TEST_CASE("robot: raw RSA encryption to the certificate's key decrypts to the block", "[robot]") {
    const auto der = good_leaf_der();
    REQUIRE(RobotCheck::modulus_bytes(der) == 256);
    const auto block = RobotCheck::padded_block(RobotVector::no_00_separator, 256, Version::tls1_2);
    const auto encrypted = RobotCheck::encrypt(der, block);
    REQUIRE(encrypted);
    CHECK(encrypted->size() == 256);
    CHECK(*encrypted != block);
    CHECK(decrypt_with_good_key(*encrypted) == block);
    // A block of the wrong size, or an EC key: nothing.
    CHECK_FALSE(RobotCheck::encrypt(der, core::ByteView(block).first(255)));
    const auto ec = x509::pem_to_der_chain(slurp(lab::testcert("good-ecdsa.leaf.pem")));
    REQUIRE(!ec.empty());
    CHECK(RobotCheck::modulus_bytes(ec.front()) == 0);
    CHECK_FALSE(RobotCheck::encrypt(ec.front(), block));
}

TEST_CASE("robot: the records after the flight", "[robot]") {
    const core::Bytes encrypted(256, 0x77);
    const auto full = RobotCheck::after_flight(encrypted, Version::tls1_2, true);
    // ClientKeyExchange: record header, handshake header, 2-byte length, ciphertext.
    REQUIRE(full.size() == 5 + 4 + 2 + 256 + 6 + 5 + 64);
    CHECK(full[0] == 22);
    CHECK(full[1] == 3);
    CHECK(full[2] == 3);
    CHECK(full[5] == 16);
    CHECK(full[9] == 1);  // 256 = 0x0100
    CHECK(full[10] == 0);
    CHECK(full[5 + 4 + 2 + 256] == 20);      // ChangeCipherSpec
    CHECK(full[5 + 4 + 2 + 256 + 6] == 22);  // the garbage Finished
    const auto bare = RobotCheck::after_flight(encrypted, Version::tls1_2, false);
    CHECK(bare.size() == 5 + 4 + 2 + 256);
    // SSL 3.0 sends the ciphertext without its length.
    CHECK(RobotCheck::after_flight(encrypted, Version::ssl3, false).size() == 5 + 4 + 256);
}

TEST_CASE("robot: classification of the answers", "[robot]") {
    const auto same = answers({"alert bad_record_mac (20)", "alert bad_record_mac (20)",
                               "alert bad_record_mac (20)", "alert bad_record_mac (20)",
                               "alert bad_record_mac (20)"});
    CHECK(RobotCheck::classify(same) == RobotOracle::none);
    // Only the prefix is checked: the malformed paddings answer differently from each other.
    CHECK(RobotCheck::classify(answers({"alert bad_record_mac (20)", "RST",
                                        "alert bad_record_mac (20)", "alert bad_record_mac (20)",
                                        "alert bad_record_mac (20)"})) == RobotOracle::strong);
    // Only a fully conforming message stands out.
    CHECK(RobotCheck::classify(answers({"alert bad_record_mac (20)", "alert decrypt_error (51)",
                                        "alert decrypt_error (51)", "alert decrypt_error (51)",
                                        "alert bad_record_mac (20)"})) == RobotOracle::weak);
    CHECK(RobotCheck::classify(answers({"silence", "silence", "silence", "silence", "FIN"})) ==
          RobotOracle::weak);
}

TEST_CASE("robot: a server that resets on a bad 00 02 prefix is a strong oracle",
          "[robot][e2e]") {
    lab::RawServer server(lab::robot_server(rsa_policy(), lab::RobotBehaviour::strong_oracle));
    const auto r = probe_robot(server.port());
    const auto* robot = robot_of(r);
    REQUIRE(robot);
    INFO(robot->to_json().dump());
    CHECK(robot->item.status == VulnStatus::vulnerable);
    CHECK(robot->oracle == RobotOracle::strong);
    // The highest version whose enumeration found an RSA key-transport suite.
    REQUIRE(robot->version);
    CHECK(*robot->version >= Version::tls1_0);
    CHECK(robot->modulus_bits == 2048);
    CHECK(robot->repeated);
    CHECK(robot->connections == 10);  // five vectors, five again; no short round
    CHECK_FALSE(robot->short_flight);
    REQUIRE(robot->full);
    CHECK((*robot->full)[1] == "RST");
    CHECK((*robot->full)[0] == "alert bad_record_mac (20)");
    const auto* f = finding(r.findings, "vuln.robot");
    REQUIRE(f);
    CHECK(f->severity == probe::Severity::high);
    CHECK(f->detail.find("CVE-2017-13099") != std::string::npos);
    CHECK(robot->to_json()["oracle"] == "strong");
    // Only RSA key-transport suites were offered (not the ECDHE one the server prefers).
    CHECK(robot->suite.find("TLS_RSA_WITH_") == 0);
}

TEST_CASE("robot: a server that only tells conforming messages apart is a weak oracle",
          "[robot][e2e]") {
    lab::RawServer server(lab::robot_server(rsa_policy(), lab::RobotBehaviour::weak_oracle));
    const auto r = probe_robot(server.port());
    const auto* robot = robot_of(r);
    REQUIRE(robot);
    INFO(robot->to_json().dump());
    CHECK(robot->item.status == VulnStatus::vulnerable);
    CHECK(robot->oracle == RobotOracle::weak);
    const auto* f = finding(r.findings, "vuln.robot");
    REQUIRE(f);
    CHECK(f->severity == probe::Severity::medium);
}

TEST_CASE("robot: a server that answers every padding alike is not vulnerable", "[robot][e2e]") {
    lab::RawServer server(lab::robot_server(rsa_policy(), lab::RobotBehaviour::uniform));
    const auto r = probe_robot(server.port());
    const auto* robot = robot_of(r);
    REQUIRE(robot);
    INFO(robot->to_json().dump());
    CHECK(robot->item.status == VulnStatus::not_vulnerable);
    CHECK(robot->oracle == RobotOracle::none);
    // Both rounds were needed: with the Finished (bad_record_mac), then without (silence),
    // where the same answer to valid and wrong_first_bytes ends it.
    REQUIRE(robot->full);
    REQUIRE(robot->short_flight);
    CHECK((*robot->full)[0] == "alert bad_record_mac (20)");
    CHECK((*robot->short_flight)[0] == "silence");
    CHECK((*robot->short_flight)[1] == "silence");
    CHECK((*robot->short_flight)[2] == "not sent");
    CHECK(robot->connections == 7);
    CHECK_FALSE(robot->repeated);
    CHECK_FALSE(finding(r.findings, "vuln.robot"));
}

TEST_CASE("robot: a real OpenSSL 3 server is not an oracle", "[robot][e2e][openssl]") {
    // The healthy scenario has no RSA key transport (so the check does not apply there).
    {
        auto healthy = lab::ScenarioServer::start(*lab::find_scenario("healthy"));
        CHECK_FALSE(robot_of(probe_robot(healthy->port())));
    }
    auto server = lab::ScenarioServer::start(*lab::find_scenario("rsa-key-transport"));
    const auto r = probe_robot(server->port());
    const auto* robot = robot_of(r);
    REQUIRE(robot);
    INFO(robot->to_json().dump());
    CHECK(robot->item.status == VulnStatus::not_vulnerable);
    CHECK(robot->oracle == RobotOracle::none);
    CHECK_FALSE(finding(r.findings, "vuln.robot"));
}

TEST_CASE("robot: a server without RSA key transport is not tested", "[robot][e2e]") {
    auto p = rsa_policy();
    p.suites = {0xC02F};
    lab::RawServer server(lab::robot_server(p, lab::RobotBehaviour::strong_oracle));
    const auto r = probe_robot(server.port());
    CHECK_FALSE(robot_of(r));
    CHECK_FALSE(finding(r.findings, "vuln.robot"));
}

TEST_CASE("robot: the wait without Finished follows the first round's answers", "[robot]") {
    using std::chrono::microseconds;
    using std::chrono::milliseconds;
    // 4x the slowest answered connection of the first round...
    CHECK(RobotCheck::short_wait(microseconds(50'000), milliseconds(5000)) == milliseconds(200));
    CHECK(RobotCheck::short_wait(microseconds(30'001), milliseconds(5000)) == milliseconds(121));
    // ...at least the floor (a loopback server answers in a millisecond)...
    CHECK(RobotCheck::short_wait(microseconds(900), milliseconds(5000)) ==
          RobotCheck::kShortWaitFloor);
    // ...at most the probe's timeout (a slow server far away)...
    CHECK(RobotCheck::short_wait(microseconds(2'000'000), milliseconds(3000)) == milliseconds(3000));
    // ...and the fixed default when no connection of the first round got an answer.
    CHECK(RobotCheck::short_wait(std::nullopt, milliseconds(5000)) ==
          RobotCheck::kShortWaitDefault);
    CHECK(RobotCheck::short_wait(std::nullopt, milliseconds(250)) == milliseconds(250));
}

TEST_CASE("robot: the round without Finished reports its wait", "[robot][e2e]") {
    lab::RawServer server(lab::robot_server(rsa_policy(), lab::RobotBehaviour::uniform));
    const auto r = probe_robot(server.port());
    const auto* robot = robot_of(r);
    REQUIRE(robot);
    REQUIRE(robot->short_wait);
    // The uniform server answered the first round (bad_record_mac), so the wait is derived
    // from it: within the floor and the 2 s timeout of probe_robot().
    CHECK(*robot->short_wait >= RobotCheck::kShortWaitFloor);
    CHECK(*robot->short_wait <= std::chrono::milliseconds(2000));
    CHECK(robot->to_json()["short_wait_ms"] == robot->short_wait->count());
    CHECK(robot->oracle == RobotOracle::none);
}
