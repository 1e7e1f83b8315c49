#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "cli/cert_command.hpp"
#include "cli/diff_command.hpp"
#include "cli/check_command.hpp"
#include "cli/cli_common.hpp"
#include "cli/client_options.hpp"
#include "cli/docs.hpp"
#include "cli/merge_command.hpp"
#include "cli/scan_command.hpp"
#include "lab/paths.hpp"
#include "lab/raw_server.hpp"
#include "lab/scenarios.hpp"
#include "probe/check.hpp"
#include "probe/probe_target.hpp"
#include "report/format_util.hpp"
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
    bool no_fetch = false;  // --no-fetch: no AIA, OCSP or CRL fetching
    bool quick = false;
    std::string html;
    std::string width;  // --width
    UpgradeArgs upgrade;
    std::optional<std::string> checks;  // --checks; unset = all, none with --quick
    ClientArgs clients;                 // --clients, --client-data, --trust-store-dir
};

struct DemoArgs {
    std::vector<std::string> only;
    bool list = false;
    bool no_color = false;
    bool verbose = false;
    bool trace = false;
    std::string width;  // --width
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

// Edit distance, for "did you mean" (short strings only: command and option names).
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The closest of `candidates` to `word`, when it is close enough to be a typo.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const auto d = distance(word, c);
        if (d < best_distance ||
            (c.starts_with(word) && word.size() >= 3 && d < best_distance + 3)) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

probe::Target build_target(const ProbeArgs& a) {
    auto t = make_target(a.target, a.sni, a.no_sni, a.connect_to);
    apply_upgrade(t, a.target, a.upgrade, !a.sni.empty() || a.no_sni);
    return t;
}

int run_probe(const ProbeArgs& a, std::ostream& out) {
    const auto target = build_target(a);
    // Before the probe: a report that cannot be written is a usage error now, not after it.
    const bool to_stdout = a.output.empty() || a.output == "-";  // `-o -`: standard output
    if (!to_stdout) check_output_path("--output", a.output);
    if (!a.html.empty()) check_output_path("--html", a.html);
    const auto width = text_width(a.width, a.output);
    auto options = common_probe_options(a);
    options.trace = a.trace;
    options.expires_soon_days = a.expires_soon_days;
    if (!a.no_http) options.http_port = a.http_port;
    options.fetch = !a.no_fetch;
    options.enumerate_ciphers = !a.quick;
    // --checks as given; else every registered check kind (probe/checks.cpp) unless --quick.
    options.checks = a.checks ? parse_checks(*a.checks) : a.quick ? std::vector<std::string>{}
                                                                   : default_checks(true);
    apply_client_options(options, a.clients, "current");

    const auto result = probe_and_judge(target, options);
    std::string report;
    if (a.format == "json") {
        report = report::render_json(result, {.include_trace = a.trace});
    } else {
        report = report::render_text(
            result,
            {.color = want_color(a.no_color, a.output),
             .verbose = a.verbose,
             .trace = a.trace,
             .width = width});
    }
    if (to_stdout) out << report;
    else write_file(a.output, report);
    if (!a.html.empty()) write_file(a.html, report::render_html(result));
    return exit_code_for(result);
}

// Starts every lab scenario on loopback, probes it, prints the report and stops it, then
// says whether each top diagnosis is the one the scenario reproduces.
int run_demo(const DemoArgs& a, std::ostream& out) {
    const auto width = text_width(a.width);
    if (a.list) {
        for (const auto& s : lab::scenarios())
            out << report::fit_text(fmt::format("{:<26} {:<9} {:<7} {:<36} {}\n", s.id,
                                                s.article_scenario, s.expected_verdict,
                                                s.expected_diagnosis, s.title),
                                    width);
        return kOk;
    }
    for (const auto& id : a.only) {
        if (lab::find_scenario(id)) continue;
        std::vector<std::string> ids;
        for (const auto& s : lab::scenarios()) ids.push_back(s.id);
        const auto guess = closest(id, ids);
        throw UsageError(
            fmt::format("demo: unknown scenario '{}'{}; `tlsprobe demo --list` shows "
                        "the ids",
                        id, guess ? fmt::format(" (did you mean '{}'?)", *guess) : ""));
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
        out << report::fit_text(fmt::format("=== scenario {}: {} (article scenario {})\n", s.id,
                                            s.title, s.article_scenario),
                                width);
        out << report::render_text(
            result, {.color = color, .verbose = a.verbose, .trace = a.trace, .width = width});
        const std::string top = result.diagnosis.empty() ? "works" : result.diagnosis.front().id;
        const std::string verdict(probe::to_string(result.verdict));
        std::vector<std::string> missing;
        for (const auto& id : s.expected_findings)
            if (std::none_of(result.findings.begin(), result.findings.end(),
                             [&](const probe::Finding& f) { return f.id == id; }))
                missing.push_back(id);
        if (top == s.expected_diagnosis && verdict == s.expected_verdict && missing.empty())
            out << report::fit_text(fmt::format(
                "--- expected: verdict {}, diagnosis {}{}: reached\n\n", verdict, top,
                s.expected_findings.empty()
                    ? ""
                    : fmt::format(", findings {}", fmt::join(s.expected_findings, " "))),
                width);
        else {
            out << report::fit_text(fmt::format(
                "--- expected: verdict {}, diagnosis {}{}; got verdict {}, diagnosis {}{}\n\n",
                s.expected_verdict, s.expected_diagnosis,
                s.expected_findings.empty()
                    ? ""
                    : fmt::format(", findings {}", fmt::join(s.expected_findings, " ")),
                verdict, top,
                missing.empty() ? "" : fmt::format(", missing {}", fmt::join(missing, " "))),
                width);
            mismatches.push_back(s.id);
        }
        ++scenarios_run;
    }
    if (scenarios_run == 0)
        throw UsageError("no scenario matches; `tlsprobe demo --list` shows the ids");
    out << report::fit_text(
        fmt::format("{} scenarios probed on loopback; {} reached the expected verdict and "
                    "diagnosis; the servers are stopped.\n",
                    scenarios_run, scenarios_run - static_cast<int>(mismatches.size())),
        width);
    if (!mismatches.empty()) {
        out << report::fit_text(
            fmt::format("unexpected judgement in: {}\n", fmt::join(mismatches, ", ")), width);
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
        "  tlsprobe probe smtp://mail.example.com              STARTTLS on port 25 (also imap://, "
        "pop3://, ftp://, ldap://, postgres://, mysql://, xmpp:// ...)\n"
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
    add_upgrade_options(cmd, a->upgrade);
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
    add_width_option(cmd, a->width);
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
    cmd.add_flag("--no-fetch", a->no_fetch,
                 "Fetch nothing the certificates point at (the AIA intermediate, OCSP "
                 "responders, CRLs: plain HTTP to the CA's servers)");
    cmd.add_flag("--quick", a->quick,
                 "Skip cipher-suite enumeration (versions, chain and diagnosis only: ~15 "
                 "connections instead of "
                 "one per accepted suite)");
    cmd.add_option("--checks", a->checks,
                   "Security checks to run: comma-separated ids (alpn,resumption,...), all, safe "
                   "(the non-intrusive ones) or none (default: all; none with --quick)");
    add_client_options(cmd, a->clients);
    return [a](std::ostream& out, std::ostream&) { return run_probe(*a, out); };
}

CommandRun demo_options(CLI::App& cmd) {
    auto a = std::make_shared<DemoArgs>();
    cmd.add_option("scenario", a->only, "Only these scenario ids (default: all)");
    cmd.add_flag("--list", a->list, "List the scenarios and exit");
    cmd.add_flag("--no-color", a->no_color, "No ANSI colours");
    add_width_option(cmd, a->width);
    cmd.add_flag("-v,--verbose", a->verbose, "Show every connection attempt");
    cmd.add_flag("--trace", a->trace, "Show each attempt's exchange, as a packet capture would");
    return [a](std::ostream& out, std::ostream&) { return run_demo(*a, out); };
}

}  // namespace

std::string_view version_string() {
#ifdef TLSPROBE_VERSION
    return TLSPROBE_VERSION;
#else
    return "unknown";
#endif
}

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
        merge_command(),
        check_command(),
        policy_command(),
        cert_command(),
        diff_command(),
    };
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    std::string s(text);
    double factor = 1000.0;
    if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s.back())) || s.back() == '.'))
        throw std::invalid_argument(
            fmt::format("'{}' needs a unit: {}s, {}ms or {}m (a bare number could mean either)",
                        text, text, text, text));
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

namespace {

std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* opt : app.get_options()) {
        for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
        for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    }
    return names;
}

// CLI11's parse errors, said the way the rest of tlsprobe speaks: one line with the
// `tlsprobe:` prefix, the offending word, a suggestion where a typo is likely.
std::string explain_parse_error(const CLI::ParseError& e, const CLI::App& app,
                                const std::vector<std::string>& args,
                                const std::vector<Command>& table) {
    const CLI::App* sub = nullptr;
    for (const auto* s : app.get_subcommands()) sub = s;  // the one that was parsed, if any
    std::vector<std::string> commands;
    for (const auto& c : table) commands.push_back(c.name);
    const auto command_list = fmt::format("{}", fmt::join(commands, ", "));
    if (!sub) {
        // No command: either nothing, an option first, or a misspelt command.
        const auto first = std::find_if(args.begin(), args.end(),
                                        [](const std::string& a) { return !a.starts_with("-"); });
        if (first == args.end())
            return fmt::format("a command is required ({}); `tlsprobe --help` explains them",
                               command_list);
        const auto guess = closest(*first, commands);
        return fmt::format("unknown command '{}'{}; the commands are {}", *first,
                           guess ? fmt::format(" (did you mean '{}'?)", *guess) : "", command_list);
    }
    const std::string help = fmt::format("`tlsprobe {} --help` lists the options", sub->get_name());
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
        std::vector<std::string> problems;
        for (const auto& extra : sub->remaining()) {
            if (extra.starts_with("-")) {
                const auto name = extra.substr(0, extra.find('='));
                const auto guess = closest(name, option_names(*sub));
                problems.push_back(
                    fmt::format("unknown option '{}'{}", name,
                                guess ? fmt::format(" (did you mean '{}'?)", *guess) : ""));
            } else {
                problems.push_back(fmt::format("unexpected argument '{}'", extra));
            }
        }
        // After an unknown option, CLI11 takes its value for the next positional, so the
        // "unexpected arguments" are that option's fallout: name the options only.
        const auto unknown = std::erase_if(
            problems, [](const std::string& p) { return p.starts_with("unexpected argument"); });
        if (problems.empty() && unknown > 0)
            return fmt::format("{}: unexpected argument '{}'; {}", sub->get_name(),
                               sub->remaining().front(), help);
        if (!problems.empty())
            return fmt::format("{}: {}; {}", sub->get_name(), fmt::join(problems, "; "), help);
    }
    return fmt::format("{}: {}; {}", sub->get_name(), e.what(), help);
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const std::vector<Command>& table) {
    return run_guarded(err, [&] {
        CLI::App app{
            "tlsprobe: find out from the outside why a server's HTTPS fails.\n"
            "Negotiates each TLS version separately, validates the served chain and reports "
            "findings.",
            "tlsprobe"};
        const std::string version = fmt::format("tlsprobe {}", version_string());
        app.set_version_flag("-V,--version", version);
        app.require_subcommand(1);

        std::vector<std::pair<const CLI::App*, CommandRun>> subcommands;
        for (const auto& command : table) {
            auto* sub = app.add_subcommand(command.name, command.description);
            sub->set_version_flag("-V,--version", version);
            subcommands.emplace_back(sub, command.options(*sub));
        }
        // Documentation from this same table: the man page and the shell completions.
        auto* man =
            app.add_subcommand("man", "Print the manual page (roff): tlsprobe man | man -l -");
        man->set_version_flag("-V,--version", version);
        auto* completion = app.add_subcommand(
            "completion", "Print a shell completion script: tlsprobe completion bash|zsh|fish");
        completion->set_version_flag("-V,--version", version);
        std::string shell;
        completion->add_option("shell", shell, "bash, zsh or fish")
            ->required()
            ->check(CLI::IsMember({"bash", "zsh", "fish"}));
        // After the subcommands: CLI11 copies a parent's footer into every subcommand created
        // after it, and the top-level exit codes do not apply to `policy` or `demo`.
        app.footer(exit_codes_help() +
                   "\nRun `tlsprobe demo` to see every fault the tool explains, on local servers.");

        std::vector<const char*> argv{"tlsprobe"};
        for (const auto& a : args) argv.push_back(a.c_str());
        try {
            app.parse(static_cast<int>(argv.size()), argv.data());
        } catch (const CLI::Success& e) {  // --help, --help-all, --version
            app.exit(e, out, err);
            return int{kOk};
        } catch (const CLI::ParseError& e) {
            err << "tlsprobe: " << explain_parse_error(e, app, args, table) << '\n';
            return int{kUsage};
        }
        if (man->parsed()) {
            out << render_man(app, version_string());
            return int{kOk};
        }
        if (completion->parsed()) {
            out << render_completion(app, shell);
            return int{kOk};
        }
        for (const auto& [sub, run_command] : subcommands)
            if (sub->parsed()) return run_command(out, err);
        return int{kUsage};
    });
}

}  // namespace tlsprobe::cli
