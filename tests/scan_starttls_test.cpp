// `tlsprobe scan --starttls PROTO`: lines without a URL scheme are upgraded with PROTO (and get
// its default port when they name none); a line's own scheme wins; an unknown protocol is a
// usage error. End to end against a loopback SMTP STARTTLS server.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <sstream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli/scan_command.hpp"
#include "lab/paths.hpp"
#include "lab/starttls_server.hpp"
#include "lab/tls_server.hpp"
#include "scan/scan.hpp"
#include "scan/scan_input.hpp"

using namespace tlsprobe;
namespace fs = std::filesystem;
using nlohmann::json;
using wire::StartTls;

namespace {

probe::Target target_of(const std::optional<scan::ParsedLine>& parsed) {
    REQUIRE(parsed);
    REQUIRE(std::holds_alternative<scan::ScanTarget>(*parsed));
    return std::get<scan::ScanTarget>(*parsed).target;
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "tlsprobe-scan-starttls-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

TEST_CASE("scan --starttls upgrades lines without a scheme and leaves schemes alone",
          "[scan][starttls]") {
    const auto plain = target_of(scan::parse_scan_line("mail.example", StartTls::smtp));
    CHECK(plain.starttls == StartTls::smtp);
    CHECK(plain.port == 25);  // SMTP's port, not 443

    const auto ported =
        target_of(scan::parse_scan_line("mail.example:587,192.0.2.1", StartTls::smtp));
    CHECK(ported.starttls == StartTls::smtp);
    CHECK(ported.port == 587);
    CHECK(ported.connect_to == "192.0.2.1");

    // A scheme says what the line is: https stays TLS from the first byte, imap stays IMAP.
    const auto web = target_of(scan::parse_scan_line("https://www.example", StartTls::smtp));
    CHECK(web.starttls == StartTls::none);
    CHECK(web.port == 443);
    const auto imap = target_of(scan::parse_scan_line("imap://mx.example", StartTls::smtp));
    CHECK(imap.starttls == StartTls::imap);
    CHECK(imap.port == 143);

    // Without --starttls nothing changes.
    const auto bare = target_of(scan::parse_scan_line("mail.example"));
    CHECK(bare.starttls == StartTls::none);
    CHECK(bare.port == 443);

    // The reader passes it to every line.
    std::istringstream in("a.example\nldaps://b.example\n");
    scan::ScanInputReader reader(in);
    reader.set_upgrade(StartTls::ldap);
    const auto first = reader.next();
    REQUIRE(first);
    CHECK(std::get<scan::ScanTarget>(first->parsed).key == "a.example:389");
    CHECK(std::get<scan::ScanTarget>(first->parsed).target.starttls == StartTls::ldap);
    const auto second = reader.next();
    REQUIRE(second);
    CHECK(std::get<scan::ScanTarget>(second->parsed).target.starttls == StartTls::none);
    CHECK(std::get<scan::ScanTarget>(second->parsed).target.port == 636);
}

TEST_CASE("scan --starttls: an unknown protocol is a usage error naming it", "[scan][starttls]") {
    TempDir dir;
    const auto input = dir.path / "hosts.txt";
    std::ofstream(input) << "mail.example\n";
    std::ostringstream out, err;
    const int code = cli::run({"scan", input.string(), "--starttls", "smtpx"}, out, err);
    CHECK(code == cli::kUsage);
    CHECK_THAT(err.str(), Catch::Contains("--starttls 'smtpx'") && Catch::Contains("smtp"));
}

TEST_CASE("scan --starttls smtp probes a loopback SMTP server through its STARTTLS dialogue",
          "[scan][starttls][loopback]") {
    auto config = lab::config_for_case("good", TLS1_2_VERSION, TLS1_3_VERSION);
    config.http_after_handshake = false;
    config.preamble = lab::upgrade_preamble(StartTls::smtp, lab::UpgradeBehaviour::good);
    lab::TlsServer server(config);
    TempDir dir;
    const auto input = dir.path / "hosts.txt";
    const auto jsonl = dir.path / "out.jsonl";
    std::ofstream(input) << "tlsprobe.test:" << server.port() << ",127.0.0.1\n";

    cli::ScanArgs a;
    a.input = input.string();
    a.jsonl = jsonl.string();
    a.ca_file = lab::testcert("root-ca.pem").string();
    a.timeout = "2s";
    a.starttls = "smtp";
    std::ostringstream out, err;
    const int code = cli::run_scan_job(a, nullptr, out, err);
    INFO(out.str() << err.str());
    std::ifstream in(jsonl);
    std::string line;
    REQUIRE(std::getline(in, line));
    const auto record = json::parse(line);
    CHECK(record["target"]["starttls"] == "smtp");
    CHECK(record["scan"]["verdict"] == "ok");
    CHECK(record["versions"]["tls1_2"]["supported"] == true);
    CHECK(code == cli::kOk);

    // The same line without --starttls: TLS from the first byte meets an SMTP greeting.
    a.starttls.clear();
    std::ostringstream out2, err2;
    (void)cli::run_scan_job(a, nullptr, out2, err2);
    std::ifstream in2(jsonl);
    REQUIRE(std::getline(in2, line));
    const auto plain = json::parse(line);
    CHECK(plain["target"]["starttls"].is_null());
    CHECK(plain["scan"]["verdict"] != "ok");
}

TEST_CASE("scan --xmpp-domain: every XMPP line speaks for the domain, other lines are untouched",
          "[scan][starttls][xmpp]") {
    TempDir dir;
    const auto input = dir.path / "hosts.txt";
    std::ofstream(input) << "xmpp://xmpp1.example.net\nsmtp://mx.example.net\n";
    std::mutex mutex;
    std::vector<probe::Target> seen;
    const scan::TargetWork record = [&](probe::Target t)
        -> boost::asio::awaitable<probe::TargetResult> {
        {
            std::lock_guard lock(mutex);
            seen.push_back(t);
        }
        probe::TargetResult r;
        r.target = std::move(t);
        co_return r;
    };
    cli::ScanArgs a;
    a.input = input.string();
    a.timeout = "2s";
    a.xmpp_domain = "Example.COM";
    std::ostringstream out, err;
    (void)cli::run_scan_job(a, &record, out, err);
    INFO(err.str());
    REQUIRE(seen.size() == 2);
    for (const auto& t : seen) {
        INFO(t.host);
        if (t.starttls == StartTls::xmpp) {
            CHECK(t.xmpp_domain == "example.com");
            CHECK(t.sni == std::optional<std::string>("example.com"));
        } else {
            CHECK(t.xmpp_domain.empty());
            CHECK(t.sni == std::optional<std::string>("mx.example.net"));
        }
    }

    // With a non-XMPP --starttls it is a usage error.
    std::ostringstream out2, err2;
    const int code =
        cli::run({"scan", input.string(), "--starttls", "smtp", "--xmpp-domain", "example.com"},
                 out2, err2);
    CHECK(code == cli::kUsage);
    CHECK_THAT(err2.str(), Catch::Contains("--xmpp-domain applies to XMPP only"));
}
