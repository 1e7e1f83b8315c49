// Client certificates (issue 12): a server that requires one is refused truthfully, never
// reported as working; one that only asks goes on; --client-cert/--client-key presents one.
// Engine level against lab servers, judgement on recorded attempts, the command line, and a
// real `openssl s_server -Verify 1`. Loopback only, every wait bounded.
#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli_run.hpp"
#include "engine/openssl_client.hpp"
#include "judge/diagnosis_rules.hpp"
#include "judge/finding.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "support.hpp"

extern char** environ;

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Status;
using core::Version;
namespace asio = boost::asio;

namespace {

core::Observation handshake(unsigned short port, engine::HandshakeSpec spec) {
    asio::io_context io;
    auto future = asio::co_spawn(
        io, engine::openssl_handshake({asio::ip::make_address("127.0.0.1"), port}, std::move(spec)),
        asio::use_future);
    io.run();
    return future.get();
}

engine::HandshakeSpec pinned(std::optional<Version> v) {
    engine::HandshakeSpec s;
    s.pin = v;
    s.sni = "tlsprobe.test";
    s.timeout = 3s;
    return s;
}

// A lab server for `good` that asks for a client certificate issued under the test root.
lab::TlsServerConfig asking_server(lab::ClientCertMode mode, int min_version = TLS1_2_VERSION,
                                   int max_version = TLS1_3_VERSION) {
    auto c = lab::config_for_case("good", min_version, max_version);
    c.client_cert = mode;
    c.client_ca_file = lab::testcert("root-ca.pem").string();
    return c;
}

// The test PKI's client certificate (EKU clientAuth, issued by the test intermediate).
std::shared_ptr<const engine::ClientIdentity> client_identity() {
    return engine::load_client_identity(lab::testcert("client-auth-eku.chain.pem").string(),
                                        lab::testcert("client-auth-eku.key").string());
}

bool has_finding(const probe::TargetResult& r, std::string_view id) {
    return std::ranges::any_of(r.findings, [&](const probe::Finding& f) { return f.id == id; });
}
bool has_diagnosis(const probe::TargetResult& r, std::string_view id) {
    return std::ranges::any_of(r.diagnosis, [&](const probe::Diagnosis& d) { return d.id == id; });
}

using Run = test::CliRun;
constexpr auto run = &test::run_cli;

}  // namespace

// ---- engine ---------------------------------------------------------------------------------

TEST_CASE(
    "engine: TLS 1.3, client certificate required: the handshake completes, then alert 116 "
    "is recorded as a refusal with the CA names asked for",
    "[engine][client_cert]") {
    lab::TlsServer server(asking_server(lab::ClientCertMode::required));
    const auto o = handshake(server.port(), pinned(Version::tls1_3));
    INFO(o.detail);
    CHECK(o.status == Status::negotiated);
    CHECK(o.version == std::optional<Version>(Version::tls1_3));
    CHECK(o.client_certificate_requested);
    CHECK_FALSE(o.client_certificate_presented);
    CHECK(o.client_certificate_refused);
    REQUIRE(o.alert.has_value());
    CHECK(*o.alert == 116);
    CHECK_THAT(o.detail,
               Catch::Contains("certificate_required (116)") && Catch::Contains("we sent none"));
    REQUIRE(o.client_ca_names.size() == 1);
    CHECK_THAT(o.client_ca_names[0], Catch::Contains("CN=tlsprobe Test Root CA"));
    CHECK_FALSE(o.chain.empty());  // the chain still arrived and can be analysed
}

TEST_CASE(
    "engine: TLS 1.2, client certificate required: alert 40 after our empty Certificate is "
    "a refusal, not 'no shared cipher'",
    "[engine][client_cert]") {
    lab::TlsServer server(asking_server(lab::ClientCertMode::required));
    const auto o = handshake(server.port(), pinned(Version::tls1_2));
    INFO(o.detail);
    CHECK(o.status == Status::rejected_alert);
    CHECK(o.client_certificate_requested);
    CHECK(o.client_certificate_refused);
    REQUIRE(o.alert.has_value());
    CHECK(*o.alert == 40);
    CHECK_THAT(o.detail, Catch::Contains("asked for a client certificate"));
    CHECK(o.detail.find("cipher") == std::string::npos);
    REQUIRE_FALSE(o.client_ca_names.empty());
    CHECK_THAT(o.client_ca_names[0], Catch::Contains("tlsprobe Test Root CA"));
}

TEST_CASE("engine: client certificate optional: TLS 1.2 and 1.3 complete without a refusal",
          "[engine][client_cert]") {
    lab::TlsServer server(asking_server(lab::ClientCertMode::optional));
    for (auto v : {Version::tls1_2, Version::tls1_3}) {
        const auto o = handshake(server.port(), pinned(v));
        INFO(core::display_name(v) << ": " << o.detail);
        CHECK(o.status == Status::negotiated);
        CHECK(o.client_certificate_requested);
        CHECK_FALSE(o.client_certificate_refused);
        CHECK_FALSE(o.alert.has_value());
    }
}

TEST_CASE(
    "engine: a server that asks for no certificate sets none of the client-certificate "
    "fields",
    "[engine][client_cert]") {
    lab::TlsServer server(lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION));
    const auto o = handshake(server.port(), pinned(std::nullopt));
    CHECK(o.status == Status::negotiated);
    CHECK_FALSE(o.client_certificate_requested);
    CHECK_FALSE(o.client_certificate_refused);
    CHECK(o.client_ca_names.empty());
}

TEST_CASE("engine: with a client identity the required server accepts the certificate",
          "[engine][client_cert]") {
    lab::TlsServer server(asking_server(lab::ClientCertMode::required));
    for (auto v : {Version::tls1_2, Version::tls1_3}) {
        auto spec = pinned(v);
        spec.client_identity = client_identity();
        const auto o = handshake(server.port(), spec);
        INFO(core::display_name(v) << ": " << o.detail);
        CHECK(o.status == Status::negotiated);
        CHECK(o.client_certificate_requested);
        CHECK(o.client_certificate_presented);
        CHECK_FALSE(o.client_certificate_refused);
    }
}

TEST_CASE("engine: loading a client identity names the bad file and OpenSSL's reason",
          "[engine][client_cert]") {
    const auto cert = lab::testcert("client-auth-eku.leaf.pem").string();
    const auto key = lab::testcert("client-auth-eku.key").string();
    CHECK_NOTHROW(engine::load_client_identity(cert, key));
    CHECK(engine::client_identity_subject(*engine::load_client_identity(cert, key)).find("CN=") !=
          std::string::npos);
    CHECK_THROWS_WITH(engine::load_client_identity("/nonexistent/client.pem", key),
                      Catch::Contains("/nonexistent/client.pem"));
    CHECK_THROWS_WITH(engine::load_client_identity(cert, "/nonexistent/client.key"),
                      Catch::Contains("/nonexistent/client.key"));
    // A key that is not the certificate's.
    CHECK_THROWS_WITH(engine::load_client_identity(cert, lab::testcert("good.key").string()),
                      Catch::Contains("good.key") && Catch::Contains("mismatch"));
}

// ---- judgement on recorded attempts ---------------------------------------------------------

namespace {

// tlsprobe.test:4433 requiring a client certificate as OpenSSL's s_server -Verify 1 does:
// TLS 1.3 completes and is then refused with 116, TLS 1.2 is refused with 40 after the
// CertificateRequest, the raw hellos get ServerHellos.
probe::TargetResult required_result(bool tls13) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:4433");
    r.address = "127.0.0.1:4433";
    auto refused13 = [](std::string id, std::optional<Version> pin) {
        auto rec = test::make_record(std::move(id), pin, Status::negotiated, core::Phase::done);
        auto& o = rec.observation;
        o.version = Version::tls1_3;
        o.cipher = "TLS_AES_256_GCM_SHA384";
        o.client_certificate_requested = true;
        o.client_certificate_refused = true;
        o.alert = 116;
        o.client_ca_names = {"CN=tlsprobe Test Root CA"};
        o.detail =
            "TLS 1.3 with TLS_AES_256_GCM_SHA384, then the server refused the connection "
            "with alert certificate_required (116)";
        return rec;
    };
    auto refused12 = [](std::string id, std::optional<Version> pin) {
        auto rec =
            test::make_record(std::move(id), pin, Status::rejected_alert, core::Phase::handshake);
        auto& o = rec.observation;
        o.client_certificate_requested = true;
        o.client_certificate_refused = true;
        o.alert = 40;
        o.client_ca_names = {"CN=tlsprobe Test Root CA"};
        o.detail =
            "the server asked for a client certificate (we sent none) and refused the "
            "connection with alert handshake_failure (40)";
        return rec;
    };
    auto raw = [](std::string id, Version v) {
        auto rec = test::make_record(std::move(id), v, Status::negotiated, core::Phase::handshake);
        rec.observation.version = v;
        rec.observation.client_certificate_requested = v != Version::tls1_3;  // 1.3: encrypted
        return rec;
    };
    r.probes.push_back(refused12("tls1_2", Version::tls1_2));
    if (tls13) {
        r.probes.push_back(refused13("tls1_3", Version::tls1_3));
        r.probes.push_back(refused13("offer_all", std::nullopt));
        r.probes.push_back(refused13("no_sni", std::nullopt));
    } else {
        r.probes.push_back(refused12("offer_all", std::nullopt));
        r.probes.push_back(refused12("no_sni", std::nullopt));
    }
    r.probes.push_back(raw("raw_tls1_2", Version::tls1_2));
    if (tls13) r.probes.push_back(raw("raw_tls1_3", Version::tls1_3));
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(x509::TrustStore::empty());
    test::conclude_and_judge(r, options);
    return r;
}

}  // namespace

TEST_CASE(
    "judge: a required client certificate is its own diagnosis, verdict fail, never "
    "'works'",
    "[judge][client_cert]") {
    for (const bool tls13 : {true, false}) {
        const auto r = required_result(tls13);
        INFO((tls13 ? "TLS 1.2 and 1.3" : "TLS 1.2 only") << ": " << r.summary);
        CHECK(r.facts.client_certificate == probe::ClientCertificate::required);
        CHECK_FALSE(r.facts.works);
        CHECK(r.verdict == probe::TargetVerdict::fail);
        REQUIRE_FALSE(r.diagnosis.empty());
        const auto& top = r.diagnosis.front();
        CHECK(top.id == "server.client_certificate_required");
        CHECK(top.confidence == probe::Confidence::high);
        CHECK_THAT(fmt::format("{}", fmt::join(top.evidence, "\n")),
                   Catch::Contains("certificate_required (116)") ||
                       Catch::Contains("handshake_failure (40)"));
        CHECK_THAT(fmt::format("{}", fmt::join(top.evidence, "\n")),
                   Catch::Contains("CN=tlsprobe Test Root CA"));
        CHECK_THAT(fmt::format("{}", fmt::join(top.client_sees, "\n")),
                   Catch::Contains("ERR_BAD_SSL_CLIENT_AUTH_CERT") && Catch::Contains("exit 56"));
        // The generic steps (the platform is unknown here), then each server's own.
        CHECK_THAT(fmt::format("{}", fmt::join(top.fix, "\n")), Catch::Contains("--client-cert"));
        auto advice = [&](std::string_view platform) {
            const auto it = std::find_if(top.advice.begin(), top.advice.end(),
                                         [&](const auto& a) { return a.platform == platform; });
            return it == top.advice.end() ? std::string("(none)")
                                          : fmt::format("{}\n{}", fmt::join(it->confirm, "\n"),
                                                        fmt::join(it->fix, "\n"));
        };
        CHECK_THAT(advice("nginx"), Catch::Contains("ssl_verify_client optional"));
        CHECK_THAT(advice("apache"), Catch::Contains("SSLVerifyClient optional"));
        CHECK_THAT(advice("iis"), Catch::Contains("Negotiate Client Certificate"));
        CHECK_THAT(advice("haproxy"), Catch::Contains("verify optional"));
        CHECK_THAT(advice("java"), Catch::Contains("certificateVerification"));
        CHECK(has_finding(r, "tls.client_certificate_required"));
        CHECK_FALSE(has_finding(r, "tls.client_certificate_requested"));
        CHECK_FALSE(has_finding(r, "tls.engines_disagree"));
        CHECK_FALSE(has_finding(r, "tls.unavailable"));
        CHECK_FALSE(has_diagnosis(r, "protocol.no_shared_cipher"));
        CHECK(r.version(Version::tls1_2).supported == true);
        CHECK(r.version(Version::tls1_2).disagreement == probe::Disagreement::none);
        CHECK_THAT(r.summary, Catch::Contains("client certificate"));
        CHECK(r.summary.find("works") == std::string::npos);
    }
}

TEST_CASE("judge: alert 40 without a CertificateRequest is still no shared cipher",
          "[judge][client_cert]") {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:4433");
    for (auto [id, pin] :
         {std::pair<std::string, std::optional<Version>>{"tls1_2", Version::tls1_2},
          {"offer_all", std::nullopt}}) {
        auto rec = test::make_record(id, pin, Status::rejected_alert, core::Phase::handshake);
        rec.observation.alert = 40;
        r.probes.push_back(rec);
    }
    test::conclude_and_judge(r, {});
    REQUIRE_FALSE(r.diagnosis.empty());
    CHECK(r.diagnosis.front().id == "protocol.no_shared_cipher");
    CHECK(r.facts.client_certificate == probe::ClientCertificate::not_requested);
    CHECK_FALSE(has_diagnosis(r, "server.client_certificate_required"));
}

TEST_CASE("judge: a CertificateRequest the server goes on without is only informational",
          "[judge][client_cert]") {
    probe::ProbeOptions options;
    options.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    auto r = test::served_result(test::chain_of("good"), options.trust);
    REQUIRE(r.verdict == probe::TargetVerdict::ok);
    r.probes.front().observation.client_certificate_requested = true;
    test::conclude_and_judge(r, options);
    CHECK(r.facts.client_certificate == probe::ClientCertificate::optional);
    CHECK(r.facts.works);
    CHECK(has_finding(r, "tls.client_certificate_requested"));
    CHECK_FALSE(has_finding(r, "tls.client_certificate_required"));
    CHECK_FALSE(has_diagnosis(r, "server.client_certificate_required"));
    CHECK(r.verdict == probe::TargetVerdict::ok);
}

TEST_CASE("judge: the client-certificate finding and diagnosis are registered",
          "[judge][client_cert]") {
    const auto* f = judge::find_finding_kind("tls.client_certificate_required");
    REQUIRE(f);
    CHECK(f->severity == probe::Severity::high);
    REQUIRE(judge::find_finding_kind("tls.client_certificate_requested"));
    CHECK(std::ranges::any_of(judge::diagnosis_kinds(), [](const judge::DiagnosisKind& k) {
        return k.id == "server.client_certificate_required";
    }));
}

// ---- command line ---------------------------------------------------------------------------

TEST_CASE(
    "cli: a server that requires a client certificate exits 1 with the diagnosis, and works "
    "with --client-cert and --client-key",
    "[cli][loopback][client_cert]") {
    lab::TlsServer server(asking_server(lab::ClientCertMode::required));
    const auto target = "tlsprobe.test:" + std::to_string(server.port());
    const std::vector<std::string> base{
        "probe",     target,      "--connect-to",
        "127.0.0.1", "--ca-file", lab::testcert("root-ca.pem").string(),
        "--timeout", "3s",        "--quick",
        "--no-http", "--format",  "json"};
    {
        auto r = run(base);
        INFO(r.out << r.err);
        CHECK(r.code == cli::kFindings);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["target_verdict"] == "fail");
        CHECK(j["client_certificate"] == "required");
        CHECK(j["diagnosis"][0]["id"] == "server.client_certificate_required");
        CHECK(j["versions"]["tls1_3"]["supported"] == true);
        CHECK(j["versions"]["tls1_2"]["supported"] == true);
    }
    {
        auto args = base;
        args.insert(args.end(),
                    {"--client-cert", lab::testcert("client-auth-eku.chain.pem").string(),
                     "--client-key", lab::testcert("client-auth-eku.key").string()});
        auto r = run(args);
        INFO(r.out << r.err);
        CHECK(r.code == cli::kOk);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["target_verdict"] == "ok");
        CHECK(j["client_certificate"] == "accepted");
        CHECK(j["diagnosis"].empty());
        CHECK_THAT(j["verdict"].get<std::string>(), Catch::Contains("--client-cert"));
    }
}

TEST_CASE("cli: a missing or mismatched client key, or half of the pair, is a usage error",
          "[cli][client_cert]") {
    const auto cert = lab::testcert("client-auth-eku.leaf.pem").string();
    const std::string target = "127.0.0.1:1";
    auto missing = run({"probe", target, "--client-cert", cert, "--client-key",
                        "/nonexistent/tlsprobe-client.key"});
    CHECK(missing.code == cli::kUsage);
    CHECK_THAT(missing.err, Catch::Contains("/nonexistent/tlsprobe-client.key"));
    auto mismatched = run({"probe", target, "--client-cert", cert, "--client-key",
                           lab::testcert("good.key").string()});
    CHECK(mismatched.code == cli::kUsage);
    CHECK_THAT(mismatched.err, Catch::Contains("good.key"));
    auto half = run({"probe", target, "--client-cert", cert});
    CHECK(half.code == cli::kUsage);
    CHECK_THAT(half.err, Catch::Contains("--client-key"));
    auto help = run({"probe", "--help"});
    CHECK_THAT(help.out, Catch::Contains("--client-cert") && Catch::Contains("--client-key"));
}

// ---- a real openssl s_server -Verify 1 ------------------------------------------------------

namespace {

// `openssl s_server` as a child process on 127.0.0.1, port chosen by the kernel; killed and
// reaped on destruction.
class SServer {
public:
    explicit SServer(std::vector<std::string> args) {
        int out[2];
        if (pipe(out) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        fd_ = out[0];
        if (rc != 0) pid_ = -1;
    }
    ~SServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
        if (fd_ >= 0) close(fd_);
    }
    SServer(const SServer&) = delete;
    SServer& operator=(const SServer&) = delete;

    // Waits (poll, bounded by `timeout`) for the "ACCEPT 127.0.0.1:PORT" line; 0 when none.
    unsigned short wait_for_port(std::chrono::milliseconds timeout) {
        if (pid_ <= 0 || fd_ < 0) return 0;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string seen;
        while (seen.size() < 4096) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return 0;
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
            std::array<char, 512> buf{};
            const auto n = read(fd_, buf.data(), buf.size());
            if (n <= 0) return 0;
            seen.append(buf.data(), static_cast<std::size_t>(n));
            const auto at = seen.find("ACCEPT 127.0.0.1:");
            if (at == std::string::npos) continue;
            const auto end = seen.find('\n', at);
            if (end == std::string::npos) continue;
            return static_cast<unsigned short>(std::stoi(seen.substr(at + 17, end - (at + 17))));
        }
        return 0;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
};

bool have_openssl_binary() { return std::system("openssl version >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("cli: a real openssl s_server -Verify 1 is diagnosed as requiring a client certificate",
          "[cli][loopback][client_cert][s_server]") {
    if (!have_openssl_binary()) {
        WARN("the openssl command is not installed: skipping the s_server test");
        return;
    }
    SServer server({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                    lab::testcert("good.leaf.pem").string(), "-key",
                    lab::testcert("good.key").string(), "-cert_chain",
                    lab::testcert("intermediate-ca.pem").string(), "-www", "-Verify", "1",
                    "-CAfile", lab::testcert("root-ca.pem").string()});
    const auto port = server.wait_for_port(10s);
    REQUIRE(port != 0);
    auto r = run({"probe", "tlsprobe.test:" + std::to_string(port), "--connect-to", "127.0.0.1",
                  "--ca-file", lab::testcert("root-ca.pem").string(), "--timeout", "3s", "--quick",
                  "--no-http", "--connections", "2", "--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.code == cli::kFindings);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["target_verdict"] == "fail");
    CHECK(j["diagnosis"][0]["id"] == "server.client_certificate_required");
    bool alert116 = false;
    for (const auto& p : j["probes"])
        if (p["client_certificate_refused"] == true && p["alert"].is_object() &&
            p["alert"]["code"] == 116)
            alert116 = true;
    CHECK(alert116);
    bool no_shared_cipher = false;
    for (const auto& d : j["diagnosis"])
        if (d["id"] == "protocol.no_shared_cipher") no_shared_cipher = true;
    CHECK_FALSE(no_shared_cipher);
}
