// End to end on loopback: every demo scenario, probed exactly as `tlsprobe demo` does, reaches
// the diagnosis the scenario reproduces; plus the plain-HTTP check on its own.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "engine/http_check.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "junit_schema.hpp"
#include "lab/scenarios.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "report/format_util.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "report/text_report.hpp"
#include "support.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;

namespace {

probe::ProbeOptions lab_options(std::optional<std::uint16_t> http_port) {
    probe::ProbeOptions o;
    o.timeout = 1500ms;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.http_port = http_port;
    return o;
}

probe::Target lab_target(unsigned short port) {
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return t;
}

engine::HttpCheck run_http_check(unsigned short port) {
    boost::asio::io_context io;
    auto future =
        boost::asio::co_spawn(io,
                              engine::http_check({boost::asio::ip::make_address("127.0.0.1"), port},
                                                 "tlsprobe.test", 1500ms),
                              boost::asio::use_future);
    io.run();
    return future.get();
}

}  // namespace

TEST_CASE("every demo scenario reaches its expected verdict, top diagnosis and findings",
          "[scenario][diagnosis][e2e]") {
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    auto options = lab_options(http.port());
    // As `tlsprobe demo` probes: enumeration and every check kind.
    options.enumerate_ciphers = true;
    for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());
    for (const auto& s : lab::scenarios()) {
        INFO("scenario " << s.id);
        auto server = lab::ScenarioServer::start(s);
        const auto r =
            test::judged(probe::probe_target_blocking(lab_target(server->port()), options));
        const std::string top = r.diagnosis.empty() ? "works" : r.diagnosis.front().id;
        std::string ids;
        for (const auto& f : r.findings) ids += f.id + " ";
        INFO("findings: " << ids);
        CHECK(top == s.expected_diagnosis);
        CHECK(std::string(probe::to_string(r.verdict)) == s.expected_verdict);
        for (const auto& id : s.expected_findings) {
            INFO("expected finding " << id);
            CHECK(std::ranges::any_of(r.findings,
                                      [&](const probe::Finding& f) { return f.id == id; }));
        }
        // The severity model and the gate agree (README "Severities"): a target the probe fails
        // fails every built-in policy; one with nothing above low passes builtin:intermediate.
        for (const auto name : judge::builtin_policy_names()) {
            const auto rules = judge::evaluate(judge::builtin_policy(name), r);
            std::string failed;
            for (const auto& rule : rules)
                if (rule.status == judge::RuleStatus::fail) failed += rule.id + " ";
            INFO("builtin:" << name << " failed rules: " << failed);
            if (r.verdict == probe::TargetVerdict::fail ||
                r.verdict == probe::TargetVerdict::no_tls)
                CHECK_FALSE(failed.empty());
            if (r.verdict == probe::TargetVerdict::ok && name != "modern") CHECK(failed.empty());
        }
        REQUIRE(r.http.has_value());
        CHECK(r.http->http_status == 200);
        // Every planned attempt reached the server: 4 OpenSSL versions, offer_all, 3 variants,
        // 6 raw versions (enumeration and checks come on top).
        CHECK(r.probes.size() == 14);
        CHECK(server->connections() >= 14);
    }
}

TEST_CASE("a closed port is diagnosed port.closed, not a TLS fault", "[scenario][diagnosis][e2e]") {
    const auto port = lab::closed_port();
    const auto r =
        test::judged(probe::probe_target_blocking(lab_target(port), lab_options(std::nullopt)));
    REQUIRE_FALSE(r.diagnosis.empty());
    CHECK(r.diagnosis.front().id == "port.closed");
    CHECK(r.diagnosis.size() == 1);
}

TEST_CASE("http_check: status line and Server header of a plain-HTTP reply", "[http][e2e]") {
    SECTION("an HTTP server answers") {
        lab::RawServer http(
            lab::http_reply("HTTP/1.1 301 Moved Permanently", "Microsoft-IIS/10.0"));
        const auto h = run_http_check(http.port());
        CHECK(h.status == engine::HttpStatus::answered);
        CHECK(h.http_status == 301);
        CHECK(h.status_line == "HTTP/1.1 301 Moved Permanently");
        CHECK(h.server_header == "Microsoft-IIS/10.0");
        CHECK(h.port == http.port());
        // The request was a HEAD with our Host header.
        const auto received = http.received();
        REQUIRE(received.size() == 1);
        const std::string request(received[0].begin(), received[0].end());
        CHECK_THAT(request, Catch::StartsWith("HEAD / HTTP/1.1\r\n"));
        CHECK_THAT(request, Catch::Contains("Host: tlsprobe.test"));
    }
    SECTION("nothing listens") {
        const auto h = run_http_check(lab::closed_port());
        CHECK(h.status == engine::HttpStatus::refused);
        CHECK(h.http_status == 0);
        CHECK_FALSE(h.detail.empty());
    }
    SECTION("something else answers") {
        lab::RawServer ssh(lab::banner("SSH-2.0-OpenSSH_9.2p1\r\n"));
        const auto h = run_http_check(ssh.port());
        CHECK(h.status == engine::HttpStatus::not_http);
        CHECK(h.http_status == 0);
    }
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(' ');
    if (b == std::string_view::npos) return "";
    return std::string(s.substr(b, s.find_last_not_of(' ') - b + 1));
}

// The words of `text` in order. Commas and parentheses, which a command's own line may part
// from it ("(systemctl restart tomcat, or ..."), are not part of a word here.
std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text + " ") {
        if (c == ' ' || c == '\n' || c == ',' || c == '(' || c == ')') {
            if (!word.empty()) out.push_back(word);
            word.clear();
        } else
            word += c;
    }
    return out;
}

// Every command in the diagnosis advice, as split_advice_step() finds it.
std::vector<std::string> advice_commands(const probe::TargetResult& r, bool all_platforms) {
    std::vector<std::string> out;
    auto add = [&](const std::vector<std::string>& steps) {
        for (const auto& step : steps)
            for (const auto& part : report::split_advice_step(step))
                if (part.command) out.push_back(part.text);
    };
    for (const auto& d : r.diagnosis) {
        add(d.confirm);
        add(d.fix);
        if (all_platforms)
            for (const auto& a : d.advice) {
                add(a.confirm);
                add(a.fix);
            }
    }
    return out;
}

// A line wider than the width is allowed when it is one word, or one command, after its
// indent and bullet.
bool allowed_overflow(const std::string& line, const std::vector<std::string>& commands) {
    auto t = trimmed(line);
    for (const std::string label : {"- ", "check: ", "fix: "})
        if (t.starts_with(label)) t = trimmed(t.substr(label.size()));
    return t.find(' ') == std::string::npos ||
           std::find(commands.begin(), commands.end(), t) != commands.end();
}

// The Markdown tables: every row of a table has the header's number of cells (a '|' that is
// escaped does not separate cells).
std::string table_problems(const std::string& md) {
    std::string problems;
    std::size_t columns = 0;
    for (const auto& line : lines_of(md)) {
        if (!line.starts_with("|")) {
            columns = 0;
            continue;
        }
        std::size_t bars = 0;
        for (std::size_t i = 0; i < line.size(); ++i)
            if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++bars;
        if (columns == 0) columns = bars;
        else if (bars != columns) problems += line + "\n";
    }
    return problems;
}

}  // namespace

TEST_CASE("every demo scenario's text report fits 60, 80 and 200 columns, commands whole",
          "[scenario][wrap][e2e]") {
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    auto options = lab_options(http.port());
    options.enumerate_ciphers = true;
    for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());
    judge::CheckReport check;
    check.policy = judge::builtin_policy("intermediate");
    check.policy_source = "builtin:intermediate";
    std::size_t commands_seen = 0;
    for (const auto& s : lab::scenarios()) {
        INFO("scenario " << s.id);
        auto server = lab::ScenarioServer::start(s);
        const auto r =
            test::judged(probe::probe_target_blocking(lab_target(server->port()), options));
        const auto shown = advice_commands(r, false);
        const auto every = advice_commands(r, true);
        commands_seen += every.size();
        std::vector<std::string> reference;  // the words at 200 columns
        for (const std::size_t width : {200, 80, 60}) {
            for (const bool verbose : {false, true}) {
                INFO("width " << width << (verbose ? ", verbose" : ""));
                const auto text = report::render_text(r, {.verbose = verbose, .width = width});
                const auto lines = lines_of(text);
                for (const auto& line : lines)
                    if (report::visible_width(line) > width) {
                        INFO("line: " << line);
                        CHECK(allowed_overflow(line, every));
                    }
                // Each command the report shows is whole on one line (with --verbose: every
                // platform's).
                for (const auto& command : verbose ? every : shown) {
                    INFO("command: " << command);
                    CHECK(std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
                        return l.find(command) != std::string::npos;
                    }));
                }
                // No word is split: the report says the same words at every width.
                if (verbose) continue;  // --verbose's probe table has a narrow layout
                const auto words = words_of(text);
                if (reference.empty()) reference = words;
                else CHECK(words == reference);
            }
        }
        check.targets.push_back({r, judge::evaluate(check.policy, r)});
    }
    CHECK(commands_seen > 0);  // the scenarios' advice has commands to keep whole

    // The same results through the gate's reports: Markdown that reads as plain text and
    // keeps its tables, JUnit valid against the strict Ant schema.
    judge::finish(check);
    const auto md = report::render_markdown(check);
    for (const auto* entity : {"&gt;", "&lt;", "&amp;", "\\_"}) {
        INFO("entity or escape " << entity);
        CHECK(md.find(entity) == std::string::npos);
    }
    CHECK(table_problems(md) == "");
    CHECK(test::junit_schema_errors(report::render_junit(check)) == "");
}
