#include "cli/check_command.hpp"

#include "scan/scan_input.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "probe/probe_target.hpp"
#include "report/check_report.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/markdown.hpp"

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
    std::string timeout = "5s";
    std::string junit, markdown, html;
    std::string format = "text";
    bool strict = false;
    bool verbose = false;
};

class Commands final : public CheckCommands {
public:
    explicit Commands(CLI::App& app);
    bool selected() const override { return *check_ || *show_ || *list_; }
    int run(std::ostream& out, std::ostream& err) override;

private:
    int run_check(std::ostream& out, std::ostream& err);
    std::vector<probe::Target> targets() const;

    CheckArgs a_;
    std::string show_spec_;
    CLI::App* check_ = nullptr;
    CLI::App* show_ = nullptr;
    CLI::App* list_ = nullptr;
};

Commands::Commands(CLI::App& app) {
    check_ = app.add_subcommand("check", "Pre-go-live gate: probe targets and check them against a policy (exit 0 only if every rule passes)");
    check_->footer(
        "Examples:\n"
        "  tlsprobe check www.example.com --connect-to 192.0.2.10 --policy golive.toml --junit report.xml --html report.html\n"
        "  tlsprobe check --targets hosts.txt --policy builtin:intermediate --markdown summary.md\n"
        "Exit codes: 0 every rule passes on every target, 1 a rule fails, 2 bad policy or usage,\n"
        "3 a target could not be reached (and nothing failed).");
    check_->add_option("target", a_.target, "host, host:port, [IPv6]:port or https://host:port/");
    check_->add_option("--targets", a_.targets_file, "File with one target per line ('#' comments)");
    check_->add_option("--policy", a_.policy, "Policy TOML file, or builtin:modern|intermediate|old")->required();
    check_->add_option("--connect-to", a_.connect_to, "Connect to this address[:port] instead of resolving (every target)");
    check_->add_option("--sni", a_.sni, "Server name to send (default: the host)");
    check_->add_option("--ca-file", a_.ca_file, "Trust anchors (PEM/DER); overrides the policy's chain.ca_file");
    check_->add_option("--timeout", a_.timeout, "Per connection phase: 5s, 500ms ...")->capture_default_str();
    check_->add_option("--junit", a_.junit, "Write a JUnit XML report to FILE");
    check_->add_option("--markdown", a_.markdown, "Write a Markdown summary to FILE");
    check_->add_option("--html", a_.html, "Write a self-contained HTML report to FILE");
    check_->add_option("--format", a_.format, "Terminal output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    check_->add_flag("--strict", a_.strict, "A rule that could not be evaluated (n/a) counts as a failure");
    check_->add_flag("-v,--verbose", a_.verbose, "Show expected values and evidence for every rule");

    auto* policy = app.add_subcommand("policy", "Show the built-in policies, as TOML to start from");
    policy->require_subcommand(1);
    show_ = policy->add_subcommand("show", "Print a policy as TOML (builtin:NAME, or a file with its `extends` resolved)");
    show_->add_option("policy", show_spec_, "builtin:modern | builtin:intermediate | builtin:old | FILE")->required();
    list_ = policy->add_subcommand("list", "List the built-in policies");
}

int Commands::run(std::ostream& out, std::ostream& err) {
    try {
        if (*list_) {
            for (const auto name : judge::builtin_policy_names())
                out << fmt::format("builtin:{:<14} {}\n", name, judge::builtin_policy(name).description);
            return kOk;
        }
        if (*show_) {
            out << judge::to_toml(judge::load_policy(show_spec_));
            return kOk;
        }
        return run_check(out, err);
    } catch (const judge::PolicyError& e) {
        err << "tlsprobe: bad policy: " << e.what() << '\n';
        return kUsage;
    }
}

std::vector<probe::Target> Commands::targets() const {
    std::vector<probe::Target> out;
    if (!a_.target.empty()) out.push_back(make_target(a_.target, a_.sni, false, a_.connect_to));
    if (!a_.targets_file.empty()) {
        for (auto& target : read_targets_file(a_.targets_file)) {
            // A column in the file wins; otherwise --sni / --connect-to apply to every line.
            // (an IP line has no SNI by default, a name line its host; both take --sni)
            if (!a_.sni.empty() && (!target.sni || target.sni == target.host)) target.sni = a_.sni;
            if (!a_.connect_to.empty() && !target.connect_to) {
                const auto [host, port] = probe::parse_connect_to(a_.connect_to);
                target.connect_to = host;
                target.connect_port = port;
            }
            out.push_back(std::move(target));
        }
    }
    if (out.empty()) throw UsageError("check needs a target, or --targets FILE with at least one target");
    return out;
}

int Commands::run_check(std::ostream& out, std::ostream& err) {
    judge::CheckReport report;
    report.policy = judge::load_policy(a_.policy);  // before probing: a bad policy exits 2 at once
    report.policy_source = a_.policy;
    report.strict = a_.strict;
    if (!a_.ca_file.empty()) report.policy.ca_file = a_.ca_file;
    const auto list = targets();

    probe::ProbeOptions options;
    try {
        options.timeout = parse_duration(a_.timeout);
    } catch (const std::invalid_argument& e) {
        throw UsageError(fmt::format("--timeout: {}", e.what()));
    }
    options.trust = load_trust(report.policy.ca_file, "");
    if (report.policy.min_days_left) options.expires_soon_days = *report.policy.min_days_left;
    // Collect the evidence the policy's rules read, and no more: enumeration costs one
    // connection per accepted suite, the HTTP check one connection to port 80.
    options.enumerate_ciphers = !report.policy.forbidden_ciphers.empty() || report.policy.forward_secrecy;
    if (report.policy.http_reachable) options.http_port = 80;

    for (const auto& t : list) {
        if (list.size() > 1) err << fmt::format("tlsprobe: checking {}\n", t.display());
        judge::TargetCheck check;
        check.result = probe_and_judge(t, options);
        check.rules = judge::evaluate(report.policy, check.result);
        report.targets.push_back(std::move(check));
    }
    judge::finish(report);

    if (!a_.junit.empty()) write_file(a_.junit, report::render_junit(report));
    if (!a_.markdown.empty()) write_file(a_.markdown, report::render_markdown(report));
    if (!a_.html.empty()) write_file(a_.html, report::render_html(report));
    out << (a_.format == "json" ? report::render_check_json(report) : report::render_check_text(report, a_.verbose));
    return static_cast<int>(report.exit);
}

}  // namespace

std::unique_ptr<CheckCommands> add_check_commands(CLI::App& app) { return std::make_unique<Commands>(app); }

std::vector<probe::Target> read_targets_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError(fmt::format("--targets: cannot read '{}': {}", path, std::strerror(errno)));
    // The same line format as `tlsprobe scan`; a gate refuses a bad line instead of skipping it.
    scan::ScanInputReader reader(in);
    std::vector<probe::Target> out;
    while (auto item = reader.next()) {
        if (const auto* bad = std::get_if<scan::InputError>(&item->parsed))
            throw UsageError(fmt::format("{}:{}: '{}': {}", path, item->line, bad->text, bad->reason));
        out.push_back(std::get<scan::ScanTarget>(item->parsed).target);
    }
    return out;
}

}  // namespace tlsprobe::cli
