// The 0-RTT, NPN and Certificate Transparency checks (issue 13): each judged from recorded
// sessions, and on loopback with a positive and a negative lab server (Debian's
// `openssl s_server -early_data` for 0-RTT, the lab TLS server advertising NPN or sending an
// SCT list, a leaf with embedded SCTs made at test time).
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <unistd.h>

#include "async_run.hpp"
#include "judge/finding.hpp"
#include "lab/paths.hpp"
#include "lab/revocation_pki.hpp"
#include "lab/sct_list.hpp"
#include "lab/tls_server.hpp"
#include "probe/check.hpp"
#include "probe/checks/early_data.hpp"
#include "probe/checks/npn.hpp"
#include "probe/checks/sct.hpp"
#include "probe/probe_target.hpp"
#include "s_server.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Status;
using core::Version;
using probe::checks::EarlyDataOutcome;

namespace {

namespace fs = std::filesystem;

bool has(const std::vector<probe::Finding>& findings, std::string_view id) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

probe::TargetResult working_target(std::uint16_t port, std::vector<Version> versions) {
    probe::TargetResult r;
    r.target = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    r.facts.works = true;
    r.facts.reached = true;
    for (auto v : versions) r.versions[static_cast<std::size_t>(v)].supported = true;
    return r;
}

probe::CheckResultPtr run_check(const probe::CheckKind& kind, const probe::TargetResult& target,
                                std::uint16_t port) {
    auto engines = engine::network_engines();
    probe::ProbeOptions options;
    options.timeout = std::chrono::milliseconds(3000);
    options.connections_per_target = 2;
    const engine::Endpoint peer(boost::asio::ip::make_address("127.0.0.1"), port);
    REQUIRE(kind.applies(target));
    return testing::run_awaitable(kind.run(probe::CheckContext{*engines, peer, target, options}));
}

template <typename R>
const R& as(const probe::CheckResultPtr& p) {
    return dynamic_cast<const R&>(*p);
}

engine::SessionResult negotiated() {
    engine::SessionResult s;
    s.observation.status = Status::negotiated;
    s.observation.version = Version::tls1_3;
    return s;
}

struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() /
               ("tlsprobe-" + name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

// ---- 0-RTT early data ------------------------------------------------------------------------

TEST_CASE("early data check: only accepted early data is a finding", "[early_data]") {
    using probe::checks::EarlyDataCheck;
    auto first = negotiated();
    first.session = std::make_shared<engine::TlsSession>();
    first.max_early_data = 16384;
    auto second = negotiated();
    second.resumed = true;
    second.early_data_sent = 40;

    second.early_data = engine::EarlyDataStatus::accepted;
    const auto accepted = EarlyDataCheck::judge(first, &second);
    CHECK(accepted.outcome == EarlyDataOutcome::accepted);
    CHECK(has(accepted.findings(), "early_data.accepted"));
    CHECK(accepted.to_json()["outcome"] == "accepted");
    CHECK(accepted.to_json()["max_early_data"] == 16384);
    CHECK(accepted.to_json()["sent"] == 40);

    second.early_data = engine::EarlyDataStatus::rejected;
    const auto rejected = EarlyDataCheck::judge(first, &second);
    CHECK(rejected.outcome == EarlyDataOutcome::rejected);
    CHECK(rejected.findings().empty());

    auto failed_second = second;
    failed_second.observation.status = Status::rejected_alert;
    failed_second.early_data = engine::EarlyDataStatus::accepted;  // not evidence without a handshake
    const auto failed = EarlyDataCheck::judge(first, &failed_second);
    CHECK(failed.outcome == EarlyDataOutcome::failed);
    CHECK(failed.findings().empty());

    auto no_early = first;
    no_early.max_early_data = 0;
    CHECK(EarlyDataCheck::judge(no_early, nullptr).outcome == EarlyDataOutcome::not_allowed);
    auto no_ticket = first;
    no_ticket.session.reset();
    CHECK(EarlyDataCheck::judge(no_ticket, nullptr).outcome == EarlyDataOutcome::no_ticket);
    CHECK(judge::find_finding_kind("early_data.accepted") != nullptr);
}

TEST_CASE("early data check (loopback): openssl s_server -early_data accepts 0-RTT",
          "[early_data][loopback][s_server]") {
    if (!testing::have_openssl_binary()) {
        WARN("the openssl command is not installed: skipping the s_server test");
        return;
    }
    testing::OpenSslServer server({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                   lab::testcert("good.leaf.pem").string(), "-key",
                                   lab::testcert("good.key").string(), "-tls1_3", "-early_data",
                                   "-ign_eof"});
    const auto port = server.wait_for_port(10s);
    REQUIRE(port != 0);
    probe::checks::EarlyDataCheck check;
    const auto result = run_check(check, working_target(port, {Version::tls1_3}), port);
    const auto& r = as<probe::checks::EarlyDataResult>(result);
    INFO(r.detail);
    CHECK(r.outcome == EarlyDataOutcome::accepted);
    CHECK(r.max_early_data > 0);
    CHECK(r.sent > 0);
    CHECK(r.resumed);
    CHECK(has(r.findings(), "early_data.accepted"));
    CHECK_THAT(r.text().front(), Catch::StartsWith("accepted"));
}

TEST_CASE("early data check (loopback): a server with OpenSSL's defaults allows no 0-RTT",
          "[early_data][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    probe::checks::EarlyDataCheck check;
    const auto result =
        run_check(check, working_target(server.port(), {Version::tls1_2, Version::tls1_3}),
                  server.port());
    const auto& r = as<probe::checks::EarlyDataResult>(result);
    INFO(r.detail);
    CHECK(r.outcome == EarlyDataOutcome::not_allowed);
    CHECK(r.max_early_data == 0);
    CHECK(r.findings().empty());
    CHECK(server.connections() == 1);  // no second connection without an early-data ticket
    CHECK_FALSE(check.applies(working_target(server.port(), {Version::tls1_2})));
}

TEST_CASE("early data check (loopback): tickets allowing 0-RTT from a server that rejects it",
          "[early_data][loopback]") {
    auto config = lab::config_for_case("good");
    config.max_early_data = 4096;
    lab::TlsServer server(config);
    probe::checks::EarlyDataCheck check;
    const auto result =
        run_check(check, working_target(server.port(), {Version::tls1_2, Version::tls1_3}),
                  server.port());
    const auto& r = as<probe::checks::EarlyDataResult>(result);
    INFO(r.detail);
    CHECK(r.outcome == EarlyDataOutcome::rejected);
    CHECK(r.max_early_data == 4096);
    CHECK(r.sent > 0);
    CHECK(r.findings().empty());
    CHECK(server.connections() == 2);
}

// ---- NPN -------------------------------------------------------------------------------------

TEST_CASE("NPN check (loopback): a server advertising NPN is listed and reported",
          "[npn][loopback]") {
    auto config = lab::config_for_case("good");
    config.npn_protocols = {"h2", "http/1.1"};
    lab::TlsServer server(config);
    probe::checks::NpnCheck check;
    const auto result =
        run_check(check, working_target(server.port(), {Version::tls1_2, Version::tls1_3}),
                  server.port());
    const auto& r = as<probe::checks::NpnResult>(result);
    INFO(r.detail);
    CHECK(r.handshake);
    CHECK(r.advertised);
    CHECK(r.protocols == std::vector<std::string>{"h2", "http/1.1"});
    CHECK(r.version == Version::tls1_2);
    CHECK(has(r.findings(), "npn.advertised"));
    CHECK(r.to_json()["protocols"] == nlohmann::json::array({"h2", "http/1.1"}));
    CHECK(r.text().front() == "advertised: h2, http/1.1");
    CHECK(judge::find_finding_kind("npn.advertised") != nullptr);
}

TEST_CASE("NPN check (loopback): a server without NPN advertises nothing", "[npn][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    probe::checks::NpnCheck check;
    const auto result =
        run_check(check, working_target(server.port(), {Version::tls1_2, Version::tls1_3}),
                  server.port());
    const auto& r = as<probe::checks::NpnResult>(result);
    INFO(r.detail);
    CHECK(r.handshake);
    CHECK_FALSE(r.advertised);
    CHECK(r.protocols.empty());
    CHECK(r.findings().empty());
    CHECK(r.text().front() == "not advertised");
    // NPN does not exist in TLS 1.3: a TLS 1.3-only server is not asked.
    CHECK_FALSE(check.applies(working_target(server.port(), {Version::tls1_3})));
}

// ---- Certificate Transparency -----------------------------------------------------------------

TEST_CASE("SCT check (loopback): SCTs in the certificate and the TLS extension are counted",
          "[sct][loopback]") {
    TempDir dir("sct");
    const auto embedded = lab::make_sct_list(
        {lab::made_up_log_id(0x11), lab::made_up_log_id(0x22)}, 1'700'000'000'000);
    lab::UrlLeafSpec spec;
    spec.serial = 0x1313;
    spec.sct_list = embedded;
    const auto leaf = lab::make_url_leaf(spec, dir.path, "sct");
    for (const auto max : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        DYNAMIC_SECTION("up to " << (max == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2")) {
            lab::TlsServerConfig config;
            config.chain_pem_file = leaf.chain_pem_file.string();
            config.key_pem_file = leaf.key_file.string();
            config.max_version = max;
            config.sct_list = lab::make_sct_list({lab::made_up_log_id(0x33)}, 1'700'000'000'001);
            lab::TlsServer server(config);
            probe::checks::SctCheck check;
            const auto result = run_check(
                check, working_target(server.port(), {Version::tls1_2}), server.port());
            const auto& r = as<probe::checks::SctResult>(result);
            INFO(r.detail);
            CHECK(r.handshake);
            CHECK(r.count(engine::SctSource::certificate) == 2);
            CHECK(r.count(engine::SctSource::tls_extension) == 1);
            CHECK(r.count(engine::SctSource::ocsp_response) == 0);
            CHECK(r.findings().empty());
            const auto j = r.to_json();
            CHECK(j["count"] == 3);
            CHECK(j["sources"]["certificate"] == 2);
            bool log_33 = false;
            for (const auto& s : j["scts"])
                if (s["log_id"] == std::string(64, '3') && s["source"] == "tls_extension" &&
                    s["timestamp"] == 1'700'000'000'001)
                    log_33 = true;
            CHECK(log_33);
            CHECK_THAT(r.text().front(), Catch::Contains("2 SCTs in the certificate"));
        }
    }
}

TEST_CASE("SCT check (loopback): the lab's private-CA certificate has no SCT", "[sct][loopback]") {
    lab::TlsServer server(lab::config_for_case("good"));
    probe::checks::SctCheck check;
    const auto result = run_check(
        check, working_target(server.port(), {Version::tls1_2, Version::tls1_3}), server.port());
    const auto& r = as<probe::checks::SctResult>(result);
    INFO(r.detail);
    CHECK(r.handshake);
    CHECK(r.scts.empty());
    CHECK(has(r.findings(), "sct.none"));
    CHECK(r.to_json()["count"] == 0);
    CHECK(r.text().front() == "no SCT from any source");
    CHECK(judge::find_finding_kind("sct.none") != nullptr);
}

TEST_CASE("SCT check: a failed handshake is no evidence of missing SCTs", "[sct]") {
    engine::SessionResult s;
    s.observation.status = Status::timeout;
    const auto r = probe::checks::SctCheck::judge(s);
    CHECK_FALSE(r.handshake);
    CHECK(r.findings().empty());
    CHECK(r.to_json()["handshake"] == false);
}
