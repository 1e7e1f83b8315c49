#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "cli/check_command.hpp"
#include "cli/cli_common.hpp"
#include "probe/probe_target.hpp"
#include "cli/scan_command.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::cli {

namespace {

struct ProbeArgs {
    std::string target;
    std::string sni;
    bool no_sni = false;
    std::string connect_to;
    std::string ca_file, ca_path;
    std::string timeout = "5s";
    std::string format = "text";
    std::string output;
    bool no_color = false;
    bool verbose = false;
    bool trace = false;
    std::size_t connections = 8;
    int expires_soon_days = 30;
    std::uint16_t http_port = 80;
    bool no_http = false;
    bool quick = false;
    std::string html;
};

int exit_code_for(const probe::TargetResult& r) {
    switch (r.verdict) {
        case probe::TargetVerdict::unreachable: return kUnreachable;
        case probe::TargetVerdict::no_tls:
        case probe::TargetVerdict::fail: return kFindings;
        case probe::TargetVerdict::ok:
        case probe::TargetVerdict::warn: return kOk;
    }
    return kInternal;
}

probe::Target build_target(const ProbeArgs& a) { return make_target(a.target, a.sni, a.no_sni, a.connect_to); }

int run_probe(const ProbeArgs& a, std::ostream& out) {
    const auto target = build_target(a);
    probe::ProbeOptions options;
    try {
        options.timeout = parse_duration(a.timeout);
    } catch (const std::invalid_argument& e) {
        throw UsageError(fmt::format("--timeout: {}", e.what()));
    }
    options.connections_per_target = a.connections;
    options.trace = a.trace;
    options.expires_soon_days = a.expires_soon_days;
    options.trust = load_trust(a.ca_file, a.ca_path);
    if (!a.no_http) options.http_port = a.http_port;
    options.enumerate_ciphers = !a.quick;
    if (!a.quick)  // every registered check kind (probe/checks.cpp)
        for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());

    const auto result = probe_and_judge(target, options);
    std::string report;
    if (a.format == "json") {
        report = report::render_json(result, {.include_trace = a.trace});
    } else {
        report = report::render_text(result, {.color = want_color(a.no_color, a.output), .verbose = a.verbose, .trace = a.trace});
    }
    if (a.output.empty()) out << report;
    else write_file(a.output, report);
    if (!a.html.empty()) write_file(a.html, report::render_html(result));
    return exit_code_for(result);
}

// Starts every lab scenario on loopback, probes it, prints the report and stops it, then
// says whether each top diagnosis is the one the scenario reproduces.
int run_demo(const std::vector<std::string>& only, bool no_color, bool verbose, bool trace, std::ostream& out) {
    auto trust = load_trust((lab::testcerts_dir() / "root-ca.pem").string(), "");
    const bool color = want_color(no_color, "");
    // The article's starting point: the site works over plain HTTP. One loopback HTTP
    // responder plays port 80 for every scenario.
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    int scenarios_run = 0;
    std::vector<std::string> mismatches;
    for (const auto& s : lab::scenarios()) {
        if (!only.empty() && std::find(only.begin(), only.end(), s.id) == only.end()) continue;
        auto server = lab::ScenarioServer::start(s);
        probe::Target t;
        t.host = s.sni.empty() ? "127.0.0.1" : s.sni;
        t.port = server->port();
        t.connect_to = "127.0.0.1";
        if (!s.sni.empty()) t.sni = s.sni;
        probe::ProbeOptions options;
        options.timeout = std::chrono::milliseconds(2000);
        options.trust = trust;
        options.trace = trace;
        options.http_port = http.port();
        const auto result = probe_and_judge(t, options);
        out << fmt::format("=== scenario {}: {} (article scenario {})\n", s.id, s.title, s.article_scenario);
        out << report::render_text(result, {.color = color, .verbose = verbose, .trace = trace});
        const std::string top = result.diagnosis.empty() ? "works" : result.diagnosis.front().id;
        if (top == s.expected_diagnosis)
            out << fmt::format("--- expected diagnosis {}: reached\n\n", s.expected_diagnosis);
        else {
            out << fmt::format("--- expected diagnosis {}, but the top diagnosis is {}\n\n", s.expected_diagnosis, top);
            mismatches.push_back(s.id);
        }
        ++scenarios_run;
    }
    if (scenarios_run == 0) throw UsageError("no scenario matches; `tlsprobe demo --list` shows the ids");
    out << fmt::format("{} scenarios probed on loopback; {} reached the expected diagnosis; the servers are stopped.\n", scenarios_run,
                       scenarios_run - static_cast<int>(mismatches.size()));
    if (!mismatches.empty()) {
        out << fmt::format("unexpected diagnosis in: {}\n", fmt::join(mismatches, ", "));
        return kFindings;
    }
    return kOk;
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
    std::string s(text);
    double factor = 1000.0;  // seconds by default
    if (s.ends_with("ms")) {
        factor = 1.0;
        s.resize(s.size() - 2);
    } else if (s.ends_with("s")) {
        s.pop_back();
    } else if (s.ends_with("m")) {
        factor = 60000.0;
        s.pop_back();
    }
    double value = 0;
    try {
        std::size_t used = 0;
        value = std::stod(s, &used);
        if (used != s.size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
        throw std::invalid_argument(fmt::format("'{}' is not a duration (examples: 5s, 500ms, 1m)", text));
    }
    if (!(value > 0) || value * factor > 3600000.0)
        throw std::invalid_argument(fmt::format("'{}' is out of range (more than 0, at most 1 hour)", text));
    return std::chrono::milliseconds(static_cast<long long>(value * factor));
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CLI::App app{"tlsprobe: find out from the outside why a server's HTTPS fails.\n"
                 "Negotiates each TLS version separately, validates the served chain and reports findings.",
                 "tlsprobe"};
    app.set_version_flag("--version", std::string("tlsprobe ") + "0.1.0");
    app.require_subcommand(1);
    app.footer("Exit codes: 0 ok, 1 high-severity findings or no TLS, 2 usage error, 3 target unreachable.\n"
               "Run `tlsprobe demo` to see every fault the tool explains, on local servers.");

    ProbeArgs pa;
    auto* probe_cmd = app.add_subcommand("probe", "Probe one server: versions, chain, findings");
    probe_cmd->footer(
        "Examples:\n"
        "  tlsprobe probe example.com                          port 443, SNI example.com\n"
        "  tlsprobe probe https://example.com:8443/            URL form\n"
        "  tlsprobe probe [2001:db8::1]:443 --sni www.example.com\n"
        "  tlsprobe probe www.example.com --connect-to 192.0.2.10   test a new server before the DNS cut-over\n"
        "  tlsprobe probe host:443 --ca-file corp-root.pem --format json --output result.json");
    probe_cmd->add_option("target", pa.target, "host, host:port, [IPv6]:port or https://host:port/")->required();
    probe_cmd->add_option("--sni", pa.sni, "Server name to send (default: the host, none for an IP address)");
    probe_cmd->add_flag("--no-sni", pa.no_sni, "Send no SNI (what a very old client, or a scanner by IP, does)");
    probe_cmd->add_option("--connect-to", pa.connect_to, "Connect to this address[:port] instead of resolving the host");
    probe_cmd->add_option("--ca-file", pa.ca_file, "Trust anchors (PEM or DER) instead of the system store, e.g. a private root");
    probe_cmd->add_option("--ca-path", pa.ca_path, "Directory of hashed trust anchors (c_rehash layout)");
    probe_cmd->add_option("--timeout", pa.timeout, "Per connection phase (connect, handshake): 5s, 500ms ...")->capture_default_str();
    probe_cmd->add_option("--format", pa.format, "Report format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    probe_cmd->add_option("-o,--output", pa.output, "Write the report to FILE instead of standard output");
    probe_cmd->add_option("--html", pa.html, "Also write a self-contained HTML report to FILE");
    probe_cmd->add_flag("--no-color", pa.no_color, "No ANSI colours (also: NO_COLOR set, or output not a terminal)");
    probe_cmd->add_flag("-v,--verbose", pa.verbose, "Show every connection attempt with its timing and evidence");
    probe_cmd->add_flag("--trace", pa.trace, "Show each attempt's exchange: what was offered, what came back, when");
    probe_cmd->add_option("--connections", pa.connections, "Concurrent connections to the target")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    probe_cmd->add_option("--expires-soon", pa.expires_soon_days, "Warn when the certificate expires within DAYS")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    probe_cmd->add_option("--http-port", pa.http_port, "Also send HEAD / over plain HTTP to this port (the article's first check)")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    probe_cmd->add_flag("--no-http", pa.no_http, "Skip the plain-HTTP check");
    probe_cmd->add_flag("--quick", pa.quick,
                        "Skip cipher-suite enumeration (versions, chain and diagnosis only: ~15 connections instead of "
                        "one per accepted suite)");

    std::vector<std::string> demo_only;
    bool demo_list = false, demo_no_color = false, demo_verbose = false, demo_trace = false;
    auto* demo_cmd = app.add_subcommand("demo", "Start local faulty servers (loopback only), probe each and explain it");
    demo_cmd->add_option("scenario", demo_only, "Only these scenario ids (default: all)");
    demo_cmd->add_flag("--list", demo_list, "List the scenarios and exit");
    demo_cmd->add_flag("--no-color", demo_no_color, "No ANSI colours");
    demo_cmd->add_flag("-v,--verbose", demo_verbose, "Show every connection attempt");
    demo_cmd->add_flag("--trace", demo_trace, "Show each attempt's exchange, as a packet capture would");
    const auto scan_cmd = add_scan_command(app);

    const auto check_commands = add_check_commands(app);

    std::vector<const char*> argv{"tlsprobe"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e, out, err);
        return code == 0 ? kOk : kUsage;
    }

    try {
        if (*probe_cmd) return run_probe(pa, out);
        if (scan_cmd->selected()) return scan_cmd->run(out, err);
        if (check_commands->selected()) return check_commands->run(out, err);
        if (*demo_cmd) {
            if (demo_list) {
                for (const auto& s : lab::scenarios())
                    out << fmt::format("{:<22} {:<9} {}\n", s.id, s.article_scenario, s.title);
                return kOk;
            }
            return run_demo(demo_only, demo_no_color, demo_verbose, demo_trace, out);
        }
    } catch (const UsageError& e) {
        err << "tlsprobe: " << e.what() << '\n';
        return kUsage;
    } catch (const std::exception& e) {
        err << "tlsprobe: internal error: " << e.what() << '\n';
        return kFindings;
    }
    return kUsage;
}

}  // namespace tlsprobe::cli
