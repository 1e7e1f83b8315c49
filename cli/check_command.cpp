#include "cli/check_command.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <ostream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli/client_options.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "probe/probe_target.hpp"
#include "report/check_report.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"
#include "scan/scan_input.hpp"

namespace tlsprobe::cli {

using judge::Policy;
namespace {

static_assert(static_cast<int>(judge::CheckExit::pass) == kOk);
static_assert(static_cast<int>(judge::CheckExit::fail) == kFindings);
static_assert(static_cast<int>(judge::CheckExit::bad_policy) == kUsage);
static_assert(static_cast<int>(judge::CheckExit::unreachable) == kUnreachable);

struct CheckArgs {
    std::string target;
    std::string targets_file;
    std::string policy;
    std::string connect_to;
    std::string sni;
    std::string ca_file;
    std::string client_cert, client_key;
    std::string timeout = "5s";
    std::string junit, markdown, html;
    std::string format = "text";
    bool strict = false;
    bool verbose = false;
    bool no_fetch = false;  // --no-fetch
    std::string width;  // --width
    UpgradeArgs upgrade;
    ClientArgs clients;  // --clients, --client-data, --trust-store-dir
};

// The JUnit <testsuite hostname>: the machine the check runs on.
report::JunitOptions junit_options() {
    report::JunitOptions o;
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) == 0 && name[0] != '\0')
        o.hostname = name.data();
    return o;
}

// A policy that does not load is bad input: the command line's one usage error, exit 2.
template <class F>
auto policy_input(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const judge::PolicyError& e) {
        throw UsageError(fmt::format("bad policy: {}", e.what()));
    }
}

std::vector<probe::Target> targets_of(const CheckArgs& a) {
    std::vector<probe::Target> out;
    if (!a.target.empty()) {
        out.push_back(make_target(a.target, a.sni, false, a.connect_to));
        apply_upgrade(out.back(), a.target, a.upgrade, !a.sni.empty());
    }
    if (!a.targets_file.empty()) {
        for (auto& target : read_targets_file(a.targets_file)) {
            // A column in the file wins; otherwise --sni / --connect-to apply to every line.
            // (an IP line has no SNI by default, a name line its host; both take --sni)
            if (!a.sni.empty() && (!target.sni || target.sni == target.host)) target.sni = a.sni;
            if (!a.connect_to.empty() && !target.connect_to) {
                const auto [host, port] = probe::parse_connect_to(a.connect_to);
                target.connect_to = host;
                target.connect_port = port;
            }
            out.push_back(std::move(target));
        }
    }
    if (out.empty())
        throw UsageError("check needs a target, or --targets FILE with at least one target");
    return out;
}

int run_check(const CheckArgs& a, std::ostream& out, std::ostream& err) {
    judge::CheckReport report;
    report.policy = judge::load_policy(a.policy);  // before probing: a bad policy exits 2 at once
    report.policy_source = a.policy;
    report.strict = a.strict;
    if (!a.ca_file.empty()) report.policy.ca_file = a.ca_file;
    const auto list = targets_of(a);
    const auto width = text_width(a.width);

    CommonProbeArgs common;
    common.timeout = a.timeout;
    common.ca_file = report.policy.ca_file;
    common.client_cert = a.client_cert;
    common.client_key = a.client_key;
    auto options = common_probe_options(common);
    if (report.policy.min_days_left) options.expires_soon_days = *report.policy.min_days_left;
    // Collect the evidence the policy's rules read, and no more: enumeration costs one
    // connection per accepted suite, the HTTP check one connection to port 80.
    options.enumerate_ciphers =
        !report.policy.forbidden_ciphers.empty() || report.policy.forward_secrecy;
    if (report.policy.http_reachable) options.http_port = 80;
    if (report.policy.no_vulnerabilities) {  // vuln.none: the vulnerability checks, enumerated
        options.enumerate_ciphers = true;
        for (const char* id :
             {"vulnerabilities", "hello_features", "heartbleed", "ccs_injection", "robot",
              "ticketbleed"})
            options.checks.emplace_back(id);
    }
    if (report.policy.hsts_min_days) options.checks.emplace_back("http");  // http.hsts
    if (report.policy.ocsp_stapled) options.checks.emplace_back("ocsp");  // ocsp.stapled
    if (report.policy.renegotiation_secure)  // renegotiation.secure
        options.checks.emplace_back("renegotiation");
    options.fetch = !a.no_fetch;
    if (report.policy.revocation_good)  // revocation.good: the staple, OCSP and CRL
        for (const char* id : {"ocsp", "revocation"}) options.checks.emplace_back(id);
    // clients.current_ok: the client simulation; trust.stores reads the platform stores,
    // which apply_client_options loads either way.
    if (report.policy.clients_current_ok) options.checks.emplace_back("clients");
    apply_client_options(options, a.clients, "current");

    for (const auto& t : list) {
        if (list.size() > 1) err << fmt::format("tlsprobe: checking {}\n", t.display());
        judge::TargetCheck check;
        check.result = probe_and_judge(t, options);
        check.rules = judge::evaluate(report.policy, check.result);
        report.targets.push_back(std::move(check));
    }
    judge::finish(report);

    if (!a.junit.empty()) write_file(a.junit, report::render_junit(report, junit_options()));
    if (!a.markdown.empty()) write_file(a.markdown, report::render_markdown(report));
    if (!a.html.empty()) write_file(a.html, report::render_html(report));
    out << (a.format == "json" ? report::render_check_json(report)
                               : report::render_check_text(report, a.verbose, width));
    return static_cast<int>(report.exit);
}

CommandRun check_options(CLI::App& check) {
    auto a = std::make_shared<CheckArgs>();
    check.footer(
        "Examples:\n"
        "  tlsprobe check www.example.com --connect-to 192.0.2.10 --policy golive.toml --junit "
        "report.xml --html report.html\n"
        "  tlsprobe check --targets hosts.txt --policy builtin:intermediate --markdown summary.md\n"
        "Exit codes: 0 every rule passes on every target, 1 a rule fails, 2 bad policy or usage,\n"
        "3 a target could not be reached (and nothing failed), 4 internal error.");
    check.add_option("target", a->target, "host, host:port, [IPv6]:port or https://host:port/");
    check.add_option("--targets", a->targets_file, "File with one target per line ('#' comments)");
    check.add_option("--policy", a->policy, "Policy TOML file, or builtin:modern|intermediate|old")
        ->required();
    check.add_option("--connect-to", a->connect_to,
                     "Connect to this address[:port] instead of resolving (every target)");
    check.add_option("--sni", a->sni, "Server name to send (default: the host)");
    add_upgrade_options(check, a->upgrade);
    check.add_option("--ca-file", a->ca_file,
                     "Trust anchors (PEM/DER); overrides the policy's chain.ca_file");
    check.add_option("--timeout", a->timeout, "Per connection phase: 5s, 500ms ...")
        ->capture_default_str();
    check.add_option("--client-cert", a->client_cert,
                     "Client certificate (PEM) to present when a server asks for one");
    check.add_option("--client-key", a->client_key, "Private key (PEM) of --client-cert");
    add_client_options(check, a->clients);
    check.add_option("--junit", a->junit, "Write a JUnit XML report to FILE");
    check.add_option("--markdown", a->markdown, "Write a Markdown summary to FILE");
    check.add_option("--html", a->html, "Write a self-contained HTML report to FILE");
    check.add_option("--format", a->format, "Terminal output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    check.add_flag("--strict", a->strict,
                   "A rule that could not be evaluated (n/a) counts as a failure");
    check.add_flag("-v,--verbose", a->verbose, "Show expected values and evidence for every rule");
    check.add_flag("--no-fetch", a->no_fetch,
                   "Fetch nothing the certificates point at (AIA intermediate, OCSP, CRLs)");
    add_width_option(check, a->width);
    return [a](std::ostream& out, std::ostream& err) {
        return policy_input([&] { return run_check(*a, out, err); });
    };
}

CommandRun policy_options(CLI::App& policy) {
    auto spec = std::make_shared<std::string>();
    policy.require_subcommand(1);
    auto* show = policy.add_subcommand(
        "show", "Print a policy as TOML (builtin:NAME, or a file with its `extends` resolved)");
    show->add_option("policy", *spec, "builtin:modern | builtin:intermediate | builtin:old | FILE")
        ->required();
    auto* list = policy.add_subcommand("list", "List the built-in policies");
    return [spec, show, list](std::ostream& out, std::ostream&) {
        if (*list) {
            for (const auto name : judge::builtin_policy_names())
                out << fmt::format("builtin:{:<14} {}\n", name,
                                   judge::builtin_policy(name).description);
            return int{kOk};
        }
        if (*show) {
            out << policy_input([&] { return judge::to_toml(judge::load_policy(*spec)); });
            return int{kOk};
        }
        return int{kUsage};
    };
}

}  // namespace

Command check_command() {
    return {"check",
            "Pre-go-live gate: probe targets and check them against a policy (exit 0 only if every "
            "rule passes)",
            check_options};
}

Command policy_command() {
    return {"policy", "Show the built-in policies, as TOML to start from", policy_options};
}

std::vector<probe::Target> read_targets_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw UsageError(
            fmt::format("--targets: cannot read '{}': {}", path, std::strerror(errno)));
    // The same line format as `tlsprobe scan`; a gate refuses a bad line instead of skipping it.
    scan::ScanInputReader reader(in);
    std::vector<probe::Target> out;
    while (auto item = reader.next()) {
        if (const auto* bad = std::get_if<scan::InputError>(&item->parsed))
            throw UsageError(
                fmt::format("{}:{}: '{}': {}", path, item->line, bad->text, bad->reason));
        out.push_back(std::get<scan::ScanTarget>(item->parsed).target);
    }
    return out;
}

}  // namespace tlsprobe::cli
