#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "cli/check_command.hpp"
#include "cli/cli_common.hpp"
#include "cli/scan_command.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "report/json_report.hpp"
#include "report/text_report.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::cli {

namespace {

struct ProbeArgs : CommonProbeArgs {
    std::string target;
    std::string sni;
    bool no_sni = false;
    std::string connect_to;
    std::string format = "text";
    std::string output;
    bool no_color = false;
    bool verbose = false;
    bool trace = false;
    int expires_soon_days = 30;
    std::uint16_t http_port = 80;
    bool no_http = false;
    bool quick = false;
    std::string html;
};

struct DemoArgs {
    std::vector<std::string> only;
    bool list = false;
    bool no_color = false;
    bool verbose = false;
    bool trace = false;
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

probe::Target build_target(const ProbeArgs& a) {
    return make_target(a.target, a.sni, a.no_sni, a.connect_to);
}

int run_probe(const ProbeArgs& a, std::ostream& out) {
    const auto target = build_target(a);
    // Before the probe: a report that cannot be written is a usage error now, not after it.
    if (!a.output.empty()) check_output_path("--output", a.output);
    if (!a.html.empty()) check_output_path("--html", a.html);
    auto options = common_probe_options(a);
    options.trace = a.trace;
    options.expires_soon_days = a.expires_soon_days;
    if (!a.no_http) options.http_port = a.http_port;
    options.enumerate_ciphers = !a.quick;
    if (!a.quick)  // every registered check kind (probe/checks.cpp)
        for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());

    const auto result = probe_and_judge(target, options);
    std::string report;
    if (a.format == "json") {
        report = report::render_json(result, {.include_trace = a.trace});
    } else {
        report = report::render_text(
            result,
            {.color = want_color(a.no_color, a.output), .verbose = a.verbose, .trace = a.trace});
    }
    if (a.output.empty()) out << report;
    else write_file(a.output, report);
    if (!a.html.empty()) write_file(a.html, report::render_html(result));
    return exit_code_for(result);
}

// Starts every lab scenario on loopback, probes it, prints the report and stops it, then
// says whether each top diagnosis is the one the scenario reproduces.
int run_demo(const DemoArgs& a, std::ostream& out) {
    if (a.list) {
        for (const auto& s : lab::scenarios())
            out << fmt::format("{:<22} {:<9} {}\n", s.id, s.article_scenario, s.title);
        return kOk;
    }
    CommonProbeArgs common;
    common.timeout = "2s";
    common.ca_file =
        lab::testcert("root-ca.pem").string();  // the lab's root, compiled into the binary
    const auto base_options = common_probe_options(common);
    const bool color = want_color(a.no_color, "");
    // The article's starting point: the site works over plain HTTP. One loopback HTTP
    // responder plays port 80 for every scenario.
    lab::RawServer http(lab::http_reply("HTTP/1.1 200 OK", "Microsoft-IIS/10.0"));
    int scenarios_run = 0;
    std::vector<std::string> mismatches;
    for (const auto& s : lab::scenarios()) {
        if (!a.only.empty() && std::find(a.only.begin(), a.only.end(), s.id) == a.only.end())
            continue;
        auto server = lab::ScenarioServer::start(s);
        probe::Target t;
        t.host = s.sni.empty() ? "127.0.0.1" : s.sni;
        t.port = server->port();
        t.connect_to = "127.0.0.1";
        if (!s.sni.empty()) t.sni = s.sni;
        auto options = base_options;
        options.trace = a.trace;
        options.http_port = http.port();
        // The full probe, as the accuracy matrix pins it (tests/scenarios_test.cpp).
        options.enumerate_ciphers = true;
        for (const auto* kind : probe::check_kinds()) options.checks.emplace_back(kind->id());
        const auto result = probe_and_judge(t, options);
        out << fmt::format("=== scenario {}: {} (article scenario {})\n", s.id, s.title,
                           s.article_scenario);
        out << report::render_text(result,
                                   {.color = color, .verbose = a.verbose, .trace = a.trace});
        const std::string top = result.diagnosis.empty() ? "works" : result.diagnosis.front().id;
        const std::string verdict(probe::to_string(result.verdict));
        std::vector<std::string> missing;
        for (const auto& id : s.expected_findings)
            if (std::none_of(result.findings.begin(), result.findings.end(),
                             [&](const probe::Finding& f) { return f.id == id; }))
                missing.push_back(id);
        if (top == s.expected_diagnosis && verdict == s.expected_verdict && missing.empty())
            out << fmt::format(
                "--- expected: verdict {}, diagnosis {}{}: reached\n\n", verdict, top,
                s.expected_findings.empty()
                    ? ""
                    : fmt::format(", findings {}", fmt::join(s.expected_findings, " ")));
        else {
            out << fmt::format(
                "--- expected: verdict {}, diagnosis {}{}; got verdict {}, diagnosis {}{}\n\n",
                s.expected_verdict, s.expected_diagnosis,
                s.expected_findings.empty()
                    ? ""
                    : fmt::format(", findings {}", fmt::join(s.expected_findings, " ")),
                verdict, top,
                missing.empty() ? "" : fmt::format(", missing {}", fmt::join(missing, " ")));
            mismatches.push_back(s.id);
        }
        ++scenarios_run;
    }
    if (scenarios_run == 0)
        throw UsageError("no scenario matches; `tlsprobe demo --list` shows the ids");
    out << fmt::format(
        "{} scenarios probed on loopback; {} reached the expected verdict and diagnosis; the "
        "servers are "
        "stopped.\n",
        scenarios_run, scenarios_run - static_cast<int>(mismatches.size()));
    if (!mismatches.empty()) {
        out << fmt::format("unexpected judgement in: {}\n", fmt::join(mismatches, ", "));
        return kFindings;
    }
    return kOk;
}

CommandRun probe_options(CLI::App& cmd) {
    auto a = std::make_shared<ProbeArgs>();
    cmd.footer(
        "Examples:\n"
        "  tlsprobe probe example.com                          port 443, SNI example.com\n"
        "  tlsprobe probe https://example.com:8443/            URL form\n"
        "  tlsprobe probe [2001:db8::1]:443 --sni www.example.com\n"
        "  tlsprobe probe www.example.com --connect-to 192.0.2.10   test a new server before the "
        "DNS cut-over\n"
        "  tlsprobe probe host:443 --ca-file corp-root.pem --format json --output result.json\n"
        "  tlsprobe probe mtls.example.com --client-cert me.pem --client-key me.key   a server "
        "that requires a client certificate");
    cmd.add_option("target", a->target, "host, host:port, [IPv6]:port or https://host:port/")
        ->required();
    cmd.add_option("--sni", a->sni,
                   "Server name to send (default: the host, none for an IP address)");
    cmd.add_flag("--no-sni", a->no_sni,
                 "Send no SNI (what a very old client, or a scanner by IP, does)");
    cmd.add_option("--connect-to", a->connect_to,
                   "Connect to this address[:port] instead of resolving the host");
    add_trust_options(cmd, *a);
    add_client_certificate_options(cmd, *a);
    add_timeout_option(cmd, *a);
    cmd.add_option("--format", a->format, "Report format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd.add_option("-o,--output", a->output, "Write the report to FILE instead of standard output");
    cmd.add_option("--html", a->html, "Also write a self-contained HTML report to FILE");
    cmd.add_flag("--no-color", a->no_color,
                 "No ANSI colours (also: NO_COLOR set, or output not a terminal)");
    cmd.add_flag("-v,--verbose", a->verbose,
                 "Show every connection attempt with its timing and evidence");
    cmd.add_flag("--trace", a->trace,
                 "Show each attempt's exchange: what was offered, what came back, when");
    cmd.add_option("--connections", a->connections, "Concurrent connections to the target")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd.add_option("--expires-soon", a->expires_soon_days,
                   "Warn when the certificate expires within DAYS")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    cmd.add_option("--http-port", a->http_port,
                   "Also send HEAD / over plain HTTP to this port (the article's first check)")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    cmd.add_flag("--no-http", a->no_http, "Skip the plain-HTTP check");
    cmd.add_flag("--quick", a->quick,
                 "Skip cipher-suite enumeration (versions, chain and diagnosis only: ~15 "
                 "connections instead of "
                 "one per accepted suite)");
    return [a](std::ostream& out, std::ostream&) { return run_probe(*a, out); };
}

CommandRun demo_options(CLI::App& cmd) {
    auto a = std::make_shared<DemoArgs>();
    cmd.add_option("scenario", a->only, "Only these scenario ids (default: all)");
    cmd.add_flag("--list", a->list, "List the scenarios and exit");
    cmd.add_flag("--no-color", a->no_color, "No ANSI colours");
    cmd.add_flag("-v,--verbose", a->verbose, "Show every connection attempt");
    cmd.add_flag("--trace", a->trace, "Show each attempt's exchange, as a packet capture would");
    return [a](std::ostream& out, std::ostream&) { return run_demo(*a, out); };
}

}  // namespace

std::string exit_codes_help() {
    return "Exit codes: 0 ok, 1 high-severity findings or no TLS, 2 usage error, 3 target "
           "unreachable,\n"
           "4 internal error (a bug in tlsprobe or an unexpected local failure; please report it).";
}

std::vector<Command> commands() {
    return {
        {"probe", "Probe one server: versions, chain, findings", probe_options},
        {"demo", "Start local faulty servers (loopback only), probe each and explain it",
         demo_options},
        scan_command(),
        check_command(),
        policy_command(),
    };
}

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
        throw std::invalid_argument(
            fmt::format("'{}' is not a duration (examples: 5s, 500ms, 1m)", text));
    }
    if (!(value > 0) || value * factor > 3600000.0)
        throw std::invalid_argument(
            fmt::format("'{}' is out of range (more than 0, at most 1 hour)", text));
    return std::chrono::milliseconds(static_cast<long long>(value * factor));
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    return run(args, out, err, commands());
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const std::vector<Command>& table) {
    return run_guarded(err, [&] {
        CLI::App app{
            "tlsprobe: find out from the outside why a server's HTTPS fails.\n"
            "Negotiates each TLS version separately, validates the served chain and reports "
            "findings.",
            "tlsprobe"};
        app.set_version_flag("--version", std::string("tlsprobe ") + "0.1.0");
        app.require_subcommand(1);
        app.footer(exit_codes_help() +
                   "\nRun `tlsprobe demo` to see every fault the tool explains, on local servers.");

        std::vector<std::pair<const CLI::App*, CommandRun>> subcommands;
        for (const auto& command : table) {
            auto* sub = app.add_subcommand(command.name, command.description);
            subcommands.emplace_back(sub, command.options(*sub));
        }

        std::vector<const char*> argv{"tlsprobe"};
        for (const auto& a : args) argv.push_back(a.c_str());
        try {
            app.parse(static_cast<int>(argv.size()), argv.data());
        } catch (const CLI::ParseError& e) {
            const int code = app.exit(e, out, err);
            return code == 0 ? int{kOk} : int{kUsage};
        }
        for (const auto& [sub, run_command] : subcommands)
            if (sub->parsed()) return run_command(out, err);
        return int{kUsage};
    });
}

}  // namespace tlsprobe::cli
