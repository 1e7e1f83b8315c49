#include "cli/diff_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli/cli_common.hpp"
#include "cli/client_options.hpp"
#include "judge/diff.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "report/diff_report.hpp"
#include "report/json_report.hpp"

namespace tlsprobe::cli {

namespace {

namespace fs = std::filesystem;

struct DiffArgs : CommonProbeArgs {
    std::string old_side, new_side;
    std::string old_connect_to, new_connect_to;
    std::string sni;
    UpgradeArgs upgrade;
    bool quick = false;
    std::optional<std::string> checks;
    std::uint16_t http_port = 80;
    bool no_http = false;
    std::string format = "text";
    bool json = false;
    std::string output;
    std::string policy;             // --policy: builtin:NAME or a TOML file; empty = built-in rules
    std::string markdown, html;     // --markdown FILE, --html FILE
    ClientArgs clients;             // --clients, --client-data, --trust-store-dir
    bool no_color = false;
    std::string width;
};

// A side given as an existing file: the document `tlsprobe probe --json` wrote.
judge::DiffSnapshot read_side(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(fmt::format("{}: cannot be opened", path));
    const auto doc = nlohmann::json::parse(std::istreambuf_iterator<char>(in),
                                           std::istreambuf_iterator<char>(), nullptr, false);
    if (doc.is_discarded())
        throw UsageError(fmt::format("{}: not JSON (expected what `tlsprobe probe --json` "
                                     "writes)",
                                     path));
    try {
        return judge::snapshot_from_json(doc, path);
    } catch (const std::invalid_argument& e) {
        throw UsageError(fmt::format("{}: {}", path, e.what()));
    }
}

bool is_file(const std::string& side) {
    std::error_code ec;
    return fs::is_regular_file(side, ec);
}

struct Side {
    judge::DiffSnapshot snapshot;
    std::vector<judge::RuleResult> rules;  // the policy's rules on this side (with --policy)
};

Side probe_side(const DiffArgs& a, const std::string& text, const std::string& connect_to,
                const probe::ProbeOptions& options, const judge::Policy* policy) {
    auto target = make_target(text, a.sni, false, connect_to);
    apply_upgrade(target, text, a.upgrade, !a.sni.empty());
    const auto result = probe_and_judge(target, options);
    Side side;
    // Through the probe document, so a live side and a saved file compare the same way.
    side.snapshot = judge::snapshot_from_json(report::to_json(result));
    if (policy) side.rules = judge::evaluate(*policy, result);
    return side;
}

// The evidence the policy's rules read that the diff's own options may not collect (the
// same additions `tlsprobe check` makes).
void collect_policy_evidence(const judge::Policy& policy, probe::ProbeOptions& options) {
    auto want = [&](const char* id) {
        if (std::find(options.checks.begin(), options.checks.end(), id) == options.checks.end())
            options.checks.emplace_back(id);
    };
    if (policy.min_days_left) options.expires_soon_days = *policy.min_days_left;
    if (!policy.forbidden_ciphers.empty() || policy.forward_secrecy)
        options.enumerate_ciphers = true;
    if (policy.http_reachable && !options.http_port) options.http_port = 80;
    if (policy.no_vulnerabilities) {
        options.enumerate_ciphers = true;
        for (const char* id : {"vulnerabilities", "hello_features", "heartbleed", "ccs_injection",
                               "robot", "ticketbleed"})
            want(id);
    }
    if (policy.hsts_min_days) want("http");
    if (policy.ocsp_stapled) want("ocsp");
    if (policy.renegotiation_secure) want("renegotiation");
    if (policy.revocation_good)
        for (const char* id : {"ocsp", "revocation"}) want(id);
    if (policy.clients_current_ok) want("clients");
}

int run_diff(const DiffArgs& a, std::ostream& out) {
    const bool to_stdout = a.output.empty() || a.output == "-";
    if (!to_stdout) check_output_path("--output", a.output);
    const auto width = text_width(a.width, a.output);
    const bool old_file = is_file(a.old_side), new_file = is_file(a.new_side);
    if (old_file && !a.old_connect_to.empty())
        throw UsageError(fmt::format("--old-connect-to: OLD '{}' is a saved result, not an "
                                     "endpoint",
                                     a.old_side));
    if (new_file && !a.new_connect_to.empty())
        throw UsageError(fmt::format("--new-connect-to: NEW '{}' is a saved result, not an "
                                     "endpoint",
                                     a.new_side));
    // A bad policy exits 2 before anything is probed.
    std::optional<judge::Policy> policy;
    if (!a.policy.empty()) {
        try {
            policy = judge::load_policy(a.policy);
        } catch (const judge::PolicyError& e) {
            throw UsageError(fmt::format("bad policy: {}", e.what()));
        }
        // The rules read the probe's results, which a saved document does not carry whole.
        if (old_file || new_file)
            throw UsageError(fmt::format(
                "--policy: {} '{}' is a saved result; a policy is evaluated on live endpoints "
                "only (compare saved results without --policy)",
                old_file ? "OLD" : "NEW", old_file ? a.old_side : a.new_side));
    }
    if (!a.markdown.empty()) check_output_path("--markdown", a.markdown);
    if (!a.html.empty()) check_output_path("--html", a.html);
    std::optional<probe::ProbeOptions> options;
    if (!old_file || !new_file) {
        CommonProbeArgs common = a;
        if (policy && common.ca_file.empty()) common.ca_file = policy->ca_file;
        options = common_probe_options(common);
        if (!a.no_http) options->http_port = a.http_port;
        options->enumerate_ciphers = !a.quick;
        options->checks = a.checks ? parse_checks(*a.checks)
                          : a.quick ? std::vector<std::string>{}
                                    : default_checks(true);
        if (policy) collect_policy_evidence(*policy, *options);
        apply_client_options(*options, a.clients, "current");
    }
    const judge::Policy* rules = policy ? &*policy : nullptr;
    auto old_side = old_file ? Side{read_side(a.old_side), {}}
                             : probe_side(a, a.old_side, a.old_connect_to, *options, rules);
    auto new_side = new_file ? Side{read_side(a.new_side), {}}
                             : probe_side(a, a.new_side, a.new_connect_to, *options, rules);
    std::optional<judge::DiffPolicy> gate;
    if (policy)
        gate = judge::compare_policy(policy->name, a.policy, old_side.rules, new_side.rules);
    const auto diff = judge::diff_endpoints(std::move(old_side.snapshot),
                                            std::move(new_side.snapshot), std::move(gate));
    if (!a.markdown.empty()) write_file(a.markdown, report::render_diff_markdown(diff));
    if (!a.html.empty()) write_file(a.html, report::render_diff_html(diff));
    const std::string report =
        a.json || a.format == "json"
            ? report::render_diff_json(diff)
            : report::render_diff_text(diff, {.color = want_color(a.no_color, a.output),
                                              .width = width});
    if (to_stdout) out << report;
    else write_file(a.output, report);
    return diff.regression ? kFindings : kOk;
}

CommandRun diff_options(CLI::App& cmd) {
    auto a = std::make_shared<DiffArgs>();
    cmd.footer(
        "OLD and NEW are each an endpoint (host, host:port, URL) or a file written by "
        "`tlsprobe probe --json` (an existing file is read, anything else is probed).\n"
        "Compared: versions, suites, key-exchange groups, certificate, chain, SNI behaviour, the "
        "HTTP checks, simulated clients (when the clients check runs on both sides), findings, "
        "verdict.\n"
        "A regression (without --policy): NEW no longer accepts TLS 1.2 or 1.3, its chain is no "
        "longer trusted or no longer covers a name, a client without SNI connected to OLD and "
        "fails on NEW, plain HTTP answered on OLD only, a simulated client connected to OLD and "
        "fails on NEW, a new finding of medium or higher severity, or a worse verdict. Other "
        "changes (suites, groups, legacy versions, certificate replaced, HSTS) are listed.\n"
        "With --policy the policy is the gate instead: a rule that fails on NEW and not on OLD "
        "is a regression; a rule failing on both is reported as already failing and does not "
        "gate. --policy needs live endpoints (not saved results).\n"
        "Examples:\n"
        "  tlsprobe diff www.example.com www.example.com --old-connect-to 192.0.2.10 "
        "--new-connect-to 192.0.2.20\n"
        "  tlsprobe probe www.example.com --json -o before.json; ... tlsprobe diff before.json "
        "www.example.com\n"
        "  tlsprobe diff old.example new.example --policy builtin:intermediate --markdown "
        "diff.md --html diff.html\n"
        "Exit codes: 0 the same or no regression, 1 NEW regresses (a policy rule that passed on "
        "OLD fails on NEW, with --policy), 2 usage error or bad policy (or a file that is not a "
        "probe result), 4 internal error.");
    cmd.add_option("old", a->old_side, "The endpoint in service today, or its saved JSON result")
        ->required();
    cmd.add_option("new", a->new_side, "The endpoint that replaces it, or its saved JSON result")
        ->required();
    cmd.add_option("--old-connect-to", a->old_connect_to,
                   "Connect to this address[:port] for OLD instead of resolving its host");
    cmd.add_option("--new-connect-to", a->new_connect_to,
                   "Connect to this address[:port] for NEW instead of resolving its host");
    cmd.add_option("--sni", a->sni, "Server name to send to both (default: each host)");
    add_upgrade_options(cmd, a->upgrade);
    add_trust_options(cmd, *a);
    add_client_certificate_options(cmd, *a);
    add_timeout_option(cmd, *a);
    cmd.add_option("--connections", a->connections, "Concurrent connections to each endpoint")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd.add_option("--http-port", a->http_port, "Plain-HTTP check port, as for probe")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    cmd.add_flag("--no-http", a->no_http, "Skip the plain-HTTP check");
    cmd.add_flag("--quick", a->quick,
                 "Skip cipher-suite enumeration and the checks (suites are then not compared)");
    cmd.add_option("--checks", a->checks,
                   "Security checks to run on live endpoints, as for probe (default: all; none "
                   "with --quick)");
    cmd.add_option("--format", a->format, "Report format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd.add_flag("--json", a->json, "Same as --format json");
    cmd.add_option("--policy", a->policy,
                   "Gate on this policy (TOML file, or builtin:modern|intermediate|old): exit 1 "
                   "when a rule passing on OLD fails on NEW");
    cmd.add_option("--markdown", a->markdown, "Also write a Markdown report to FILE");
    cmd.add_option("--html", a->html, "Also write a self-contained HTML report to FILE");
    add_client_options(cmd, a->clients);
    cmd.add_option("-o,--output", a->output, "Write the report to FILE instead of standard output");
    cmd.add_flag("--no-color", a->no_color, "No ANSI colours");
    add_width_option(cmd, a->width);
    return [a](std::ostream& out, std::ostream&) { return run_diff(*a, out); };
}

}  // namespace

Command diff_command() {
    return {"diff",
            "Compare two endpoints (or saved results) before a cut-over: what NEW loses or changes",
            diff_options};
}

}  // namespace tlsprobe::cli
