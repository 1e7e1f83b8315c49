#include "cli/scan_command.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <unordered_set>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "engine/connection_budget.hpp"
#include "engine/engines.hpp"
#include "engine/host_resolver.hpp"
#include "judge/verdict.hpp"
#include "probe/plan.hpp"
#include "probe/probe_target.hpp"
#include "report/html.hpp"
#include "report/scan_report.hpp"
#include "scan/key_set.hpp"
#include "scan/scan_input.hpp"
#include "core/text.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::cli {

namespace {

namespace fs = std::filesystem;

// "--rate 50", "50/s", "3000/m", "20/h" -> targets per second, from 1/h to 100000/s.
double parse_rate(const std::string& text) {
    constexpr double kMin = 1.0 / 3600, kMax = 100000;
    std::string number = text;
    double per = 1.0;
    if (text.ends_with("/s")) {
        number.resize(text.size() - 2);
    } else if (text.ends_with("/m")) {
        number.resize(text.size() - 2);
        per = 60.0;
    } else if (text.ends_with("/h")) {
        number.resize(text.size() - 2);
        per = 3600.0;
    }
    double v = 0;
    bool parsed = false;
    try {
        std::size_t used = 0;
        v = std::stod(number, &used) / per;
        parsed = used == number.size() && !number.empty() &&
                 std::isdigit(static_cast<unsigned char>(number.front()));
    } catch (const std::exception&) {
    }
    if (!parsed)
        throw UsageError(fmt::format(
            "--rate '{}': expected new targets per second, e.g. 50, 50/s, 3000/m or 20/h", text));
    // Written as a negation so NaN and infinities fail too; 1e-9 of slack for 1/h written as 1/h.
    if (!(std::isfinite(v) && v >= kMin * (1 - 1e-9) && v <= kMax))
        throw UsageError(fmt::format("--rate '{}': must be between 1/h and 100000/s", text));
    return v;
}

// The per-target deadline when none is given: the resolve, then each wave of connections
// (connect + handshake, each bounded by --timeout), plus a second of slack.
std::chrono::milliseconds default_deadline(std::chrono::milliseconds timeout,
                                           std::size_t connections, bool full) {
    probe::Target sample;
    sample.host = "example.com";
    // --full adds the enumeration: one connection per accepted suite plus one per block; 250
    // covers a server accepting every suite of every version (bench_enumerate: 231).
    const std::size_t attempts =
        probe::plan_probes(sample, probe::PlanOptions{}).size() + (full ? 250 : 0);
    const std::size_t waves = (attempts + connections - 1) / std::max<std::size_t>(1, connections);
    return timeout * static_cast<long>(1 + 2 * waves) + std::chrono::seconds(1);
}

// The soft open-file limit now (0 = unlimited or unknown).
std::size_t open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<std::size_t>(limit.rlim_cur);
}

// --max-connections, or what the open-file limit allows (raise_file_limit() has raised the
// soft limit to the hard one by then).
std::size_t max_connections(const ScanArgs& a) {
    return a.max_connections ? a.max_connections
                             : engine::default_max_connections(open_file_limit());
}

probe::ProbeOptions make_probe_options(const ScanArgs& a) {
    // Timeout, connections and one trust store for the whole scan: every target's chain is
    // checked against it.
    probe::ProbeOptions o = common_probe_options(a);
    o.expires_soon_days = a.expires_soon_days;
    o.enumerate_ciphers =
        a.full;  // --full: cipher suites, groups and server preference per version
    if (a.checks)  // as given
        o.checks = parse_checks(*a.checks);
    else if (a.full)  // and the check kinds that send nothing unusual
        o.checks = default_checks(false);
    // Both depths: one wave of essential attempts per target, and the follow-up evidence
    // (other_sni, narrow_ciphers, raw TLS 1.0-1.3) only for targets with a problem: on a
    // healthy server they add no fact and cost four signed handshakes. --full adds the
    // enumeration, the safe checks and the client simulation; `tlsprobe probe` makes every
    // attempt.
    o.adaptive = true;
    o.fetch = a.fetch && !a.no_fetch;
    // Lookups asynchronous and once per host (per TTL), shared by every thread of the scan.
    // Every connection of every target holds a slot of one budget (--max-connections).
    o.engines = engine::with_connection_budget(
        o.engines,  // common_probe_options: the network, with the c-ares resolver
        std::make_shared<engine::ConnectionBudget>(max_connections(a)));
    // The follow-up stage is for targets the first stage shows a problem on: no handshake,
    // or a diagnosis.
    o.follow_up = [](probe::TargetResult& r) {
        judge::assess(r);
        return !r.diagnosis.empty() || !r.facts.works;
    };
    // Client simulation and the platform trust stores: with --full (or --checks clients).
    if (a.full || std::find(o.checks.begin(), o.checks.end(), "clients") != o.checks.end())
        apply_client_options(o, a.clients, "current");
    return o;
}

// Opens --jsonl: for --resume, reads what it holds and cuts a torn last line (a kill in the
// middle of a write) so the next record starts on a line of its own.
// The records it holds go into `summary`, so the final summary covers the whole file.
std::ofstream open_jsonl(const ScanArgs& a, report::ResumeState& resume,
                         report::ScanSummary& summary, std::ostream& err) {
    auto mode = std::ios::binary | std::ios::app;
    if (a.resume && fs::exists(a.jsonl)) {
        {
            std::ifstream in(a.jsonl, std::ios::binary);
            if (!in) throw UsageError(fmt::format("--resume: cannot read '{}'", a.jsonl));
            resume = report::read_resume(in, &summary);
        }
        if (fs::file_size(a.jsonl) > resume.valid_bytes) {
            err << fmt::format("tlsprobe: {}: dropping {} byte(s) after the last complete record\n",
                               a.jsonl, fs::file_size(a.jsonl) - resume.valid_bytes);
            fs::resize_file(a.jsonl, resume.valid_bytes);
        }
    } else {
        mode = std::ios::binary | std::ios::trunc;
    }
    std::ofstream out(a.jsonl, mode);
    if (!out)
        throw UsageError(
            fmt::format("--jsonl: cannot write '{}': {}", a.jsonl, std::strerror(errno)));
    return out;
}

// Targets the scan will take from a regular file, for the progress line's total and ETA.
std::optional<std::size_t> count_targets(const std::string& path, const scan::Shard& shard,
                                         const scan::KeySet& done, wire::StartTls upgrade) {
    // A pipe or FIFO (`scan <(...)`) can be read once only: counting would eat the scan's input.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path);
    if (!in) return std::nullopt;
    scan::ScanInputReader reader(in);
    reader.set_upgrade(upgrade);
    scan::KeySet seen;
    std::size_t n = 0;
    while (auto item = reader.next())
        if (const auto* t = std::get_if<scan::ScanTarget>(&item->parsed))
            if (seen.insert(t->key) && scan::in_shard(t->key, shard) &&
                !done.contains(t->key))
                ++n;
    return n;
}

// --starttls PROTO of a scan: none when not given; a UsageError naming an unknown name.
wire::StartTls starttls_option(const std::string& name) {
    if (name.empty()) return wire::StartTls::none;
    if (const auto p = wire::parse_starttls(name)) return *p;
    std::string names;
    for (auto p : wire::starttls_protocols())
        names += (names.empty() ? "" : ", ") + std::string(wire::to_string(p));
    throw UsageError(fmt::format("--starttls '{}': unknown protocol (expected one of {})",
                                 core::to_safe_utf8(name), names));
}

// Redraws the progress line on stderr every 200 ms until stopped.
class Progress {
public:
    Progress(std::ostream& err, std::mutex& err_mutex, std::optional<std::size_t> total,
             const std::atomic<std::size_t>& done, const std::atomic<std::size_t>& failing)
        : thread_([&, total] {
              const auto t0 = std::chrono::steady_clock::now();
              std::unique_lock lock(mutex_);
              while (!cv_.wait_for(lock, std::chrono::milliseconds(200),
                                   [this] { return finished_; })) {
                  std::lock_guard out_lock(err_mutex);
                  err << '\r'
                      << report::progress_line(done, total, failing,
                                               std::chrono::steady_clock::now() - t0)
                      << "\033[K" << std::flush;
              }
              std::lock_guard out_lock(err_mutex);
              err << "\r\033[K" << std::flush;
          }) {}
    ~Progress() {
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool finished_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

int exit_code(const report::ScanSummary& s) {
    if (s.targets() == 0) return s.input_errors() && !s.resumed && !s.other_shards ? kUsage : kOk;
    if (s.reached() == 0) return kUnreachable;
    for (auto v :
         {scan::ScanVerdict::fail, scan::ScanVerdict::no_tls, scan::ScanVerdict::unreachable,
          scan::ScanVerdict::timeout, scan::ScanVerdict::error})
        if (s.count(v)) return kFindings;
    return kOk;
}

int run_job(const ScanArgs& a, const scan::TargetWork* work_override, std::ostream& out,
            std::ostream& err, const ScanJobIo& io) {
    const auto timeout = duration_option("--timeout", a.timeout);
    scan::ScanEngineOptions engine;
    engine.concurrency = a.concurrency;
    engine.threads = a.threads;
    engine.deadline = a.deadline.empty() ? default_deadline(timeout, a.connections, a.full)
                                         : duration_option("--deadline", a.deadline);
    engine.rate = a.rate.empty() ? 0.0 : parse_rate(a.rate);
    engine.stop = io.stop;
    scan::Shard shard;
    try {
        if (!a.shard.empty()) shard = scan::parse_shard(a.shard);
    } catch (const probe::TargetError& e) {
        throw UsageError(e.what());
    }
    if (a.resume && a.jsonl.empty())
        throw UsageError("--resume needs --jsonl FILE: it skips the targets that file holds");
    if (a.quick && a.full) throw UsageError("--quick and --full contradict each other; use one");
    const auto upgrade = starttls_option(a.starttls);

    const auto probe_options = make_probe_options(a);
    const scan::TargetWork real_work = [&probe_options](probe::Target t) {
        return probe_and_judge_async(std::move(t), probe_options);
    };
    const scan::TargetWork& base_work = work_override ? *work_override : real_work;
    // --xmpp-domain: the stream domain of every XMPP line (the SRV-style case: several servers
    // of one domain, each of which must present a certificate for the domain); also the SNI.
    std::string xmpp_domain;
    if (!a.xmpp_domain.empty()) {
        if (upgrade != wire::StartTls::none && upgrade != wire::StartTls::xmpp &&
            upgrade != wire::StartTls::xmpp_server)
            throw UsageError("--xmpp-domain applies to XMPP only (xmpp:// lines or --starttls xmpp)");
        try {
            xmpp_domain = probe::normalize_host_name(a.xmpp_domain).ascii;
        } catch (const probe::TargetError& e) {
            throw UsageError(fmt::format("--xmpp-domain {}", e.what()));
        }
    }
    const scan::TargetWork domain_work = [&base_work, xmpp_domain](probe::Target t) {
        if (t.starttls == wire::StartTls::xmpp || t.starttls == wire::StartTls::xmpp_server) {
            t.xmpp_domain = xmpp_domain;
            t.sni = xmpp_domain;
        }
        return base_work(std::move(t));
    };
    const scan::TargetWork& work = xmpp_domain.empty() ? base_work : domain_work;

    // Every output is checked before anything is read or written: a typo in a path is a
    // usage error now, not after an hour of scanning.
    if (!a.jsonl.empty()) check_output_path("--jsonl", a.jsonl);
    if (!a.csv.empty()) check_output_path("--csv", a.csv);
    if (!a.html.empty()) check_output_path("--html", a.html);
    const auto width = text_width(a.width);

    std::ifstream file;
    std::istream* in = io.standard_input ? io.standard_input : &std::cin;
    const std::string input_name = a.input == "-" ? "standard input" : fmt::format("'{}'", a.input);
    if (a.input != "-") {
        if (std::error_code ec; fs::is_directory(a.input, ec))
            throw UsageError(fmt::format(
                "the target list '{}' is a directory; expected a file with one target per line",
                a.input));
        file.open(a.input);
        if (!file)
            throw UsageError(
                fmt::format("cannot read the target list '{}': {}", a.input, std::strerror(errno)));
        in = &file;
    } else if (!io.standard_input) {
        // std::cin, synchronised with stdio, hands out one byte per call; a filebuf on the same
        // descriptor reads in blocks and says what a pipe has ready, so the reader gets chunks.
        file.open("/dev/stdin", std::ios::binary);
        if (file) in = &file;
    }
    report::ResumeState resume;
    report::ScanSummary summary;
    std::ofstream jsonl, csv;
    if (!a.jsonl.empty()) jsonl = open_jsonl(a, resume, summary, err);
    if (!a.csv.empty()) {
        const bool append = a.resume && fs::exists(a.csv) && fs::file_size(a.csv) > 0;
        csv.open(a.csv, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
        if (!csv)
            throw UsageError(
                fmt::format("--csv: cannot write '{}': {}", a.csv, std::strerror(errno)));
        if (!append) csv << report::csv_header() << std::flush;
    }

    std::mutex err_mutex;
    scan::KeySet seen;  // 8-byte hashes of the keys: the only thing kept per distinct target
    scan::ScanInputReader reader(*in, io.stop);  // an endless input ends on SIGINT/SIGTERM
    reader.set_upgrade(upgrade);
    const scan::ScanSource source = [&]() -> std::optional<scan::ScanItem> {
        while (auto item = reader.next()) {
            if (const auto* bad = std::get_if<scan::InputError>(&item->parsed)) {
                summary.add_input_error(item->line, *bad);
                std::lock_guard lock(err_mutex);
                err << fmt::format("{}tlsprobe: line {}: {}\n", io.progress ? "\r\033[K" : "",
                                   item->line, bad->reason);
                continue;
            }
            auto& t = std::get<scan::ScanTarget>(item->parsed);
            if (!seen.insert(t.key)) ++summary.duplicates;
            else if (!scan::in_shard(t.key, shard)) ++summary.other_shards;
            else if (resume.keys.contains(t.key)) ++summary.resumed;
            else return scan::ScanItem{item->line, std::move(t.key), std::move(t.target)};
        }
        return std::nullopt;
    };
    std::atomic<std::size_t> done{0}, failing{0};
    const scan::ScanSink sink = [&](scan::ScanRecord&& record) {
        if (jsonl.is_open()) {
            jsonl << report::scan_record_line(record) << '\n' << std::flush;
            if (!jsonl)
                throw std::runtime_error(
                    fmt::format("writing '{}' failed: {}", a.jsonl, std::strerror(errno)));
        }
        if (csv.is_open()) csv << report::csv_row(record) << std::flush;
        summary.add(record);
        if (scan::is_failure(record.verdict)) ++failing;
        ++done;
    };

    const auto t0 = std::chrono::steady_clock::now();
    scan::ScanTotals totals;
    {
        std::optional<Progress> progress;
        if (io.progress)
            progress.emplace(err, err_mutex,
                             a.input == "-"
                                 ? std::nullopt
                                 : count_targets(a.input, shard, resume.keys, upgrade),
                             done, failing);
        totals = scan::run_scan(source, work, sink, engine);
    }
    summary.elapsed = std::chrono::steady_clock::now() - t0;
    summary.stopped = totals.stopped || reader.stopped();
    summary.not_started = totals.dropped;
    // Count what an interrupt left unscanned: cheap for a regular file; a pipe may never end.
    reader.set_stop(nullptr);
    if (std::error_code ec;
        summary.stopped && a.input != "-" && std::filesystem::is_regular_file(a.input, ec))
        while (source()) ++summary.not_started;
    // No valid target line at all (empty, comments only, every line bad): nothing was meant.
    if (seen.empty() && !summary.stopped) {
        if (jsonl.is_open()) jsonl << summary.to_json().dump() << '\n' << std::flush;
        throw UsageError(
            fmt::format("no target in {}{}", input_name,
                        summary.input_errors()
                            ? fmt::format(": {} bad line(s), see above", summary.input_errors())
                            : " (empty or comments only)"));
    }
    if (jsonl.is_open()) jsonl << summary.to_json().dump() << '\n' << std::flush;
    out << report::render_scan_summary(summary,
                                       {.color = want_color(a.no_color), .width = width});
    if (!a.html.empty()) write_file(a.html, report::render_html(summary));
    if (summary.stopped)
        err << "tlsprobe: scan stopped; every completed target is in the output. "
               "Run again with --resume to finish.\n";
    return exit_code(summary);
}

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int) { g_stop.store(true); }

}  // namespace

int run_scan_job(const ScanArgs& args, const scan::TargetWork* work, std::ostream& out,
                 std::ostream& err, const ScanJobIo& io) {
    return run_guarded(err, [&] { return run_job(args, work, out, err, io); });
}

// Each target in flight holds up to --connections sockets, and all of them together at most
// --max-connections. Raise the soft open-file limit to the hard one (the soft default is
// often 1024): the default --max-connections is sized to it. Warn when an explicit
// --max-connections cannot be met.
static void raise_file_limit(const ScanArgs& a, std::ostream& err) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) (void)getrlimit(RLIMIT_NOFILE, &limit);
    }
    const std::size_t allowed = engine::default_max_connections(open_file_limit());
    const std::size_t wanted = std::min(a.max_connections, a.concurrency * a.connections);
    if (a.max_connections && wanted > allowed)
        err << fmt::format(
            "tlsprobe: warning: --max-connections {} needs about {} open files, the limit is {}; "
            "lower --max-connections or raise `ulimit -n`\n",
            a.max_connections, wanted + 64, limit.rlim_cur);
}

static int run_scan_command(const ScanArgs& args, std::ostream& out, std::ostream& err) {
    raise_file_limit(args, err);
    g_stop.store(false);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;  // a second Ctrl-C kills at once
    struct sigaction old_int {};
    struct sigaction old_term {};
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    ScanJobIo io;
    io.stop = &g_stop;
    io.progress = !args.quiet && isatty(STDERR_FILENO) != 0 && &err == &std::cerr;
    const int code = run_scan_job(args, nullptr, out, err, io);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    return code;
}

namespace {

CommandRun scan_options(CLI::App& command) {
    auto args = std::make_shared<ScanArgs>();
    auto& a = *args;
    auto* command_ = &command;
    command_->description(
        "Probe every target of FILE (or standard input with '-'), many at a time, with the same "
        "probe as\n"
        "`tlsprobe probe`. One target per line: host, host:port, [IPv6]:port or "
        "https://host:port/path,\n"
        "then optionally ,CONNECT-TO-ADDRESS[:PORT] and ,SNI ('-' = send none). '#' starts a "
        "comment.\n"
        "Bad lines are reported with their line number and skipped; duplicates are probed once.");
    command_->footer(
        "Examples:\n"
        "  tlsprobe scan hosts.txt                                   summary table at the end\n"
        "  tlsprobe scan hosts.txt --jsonl results.jsonl --csv summary.csv\n"
        "  cat hosts.txt | tlsprobe scan - --concurrency 500 --timeout 3s\n"
        "  tlsprobe scan hosts.txt --jsonl results.jsonl --resume    skip what results.jsonl "
        "already holds\n"
        "  tlsprobe scan hosts.txt --shard 3/16 --jsonl part-3.jsonl one of 16 machines\n"
        "  tlsprobe scan hosts.txt --rate 20/s --concurrency 50      go gently on a fragile "
        "network (1/h to 100000/s)\n"
        "\n"
        "Input lines:\n"
        "  example.com                      port 443, SNI example.com\n"
        "  mail.example.com:465\n"
        "  https://intranet.example.com:8443/login\n"
        "  [2001:db8::10]:443\n"
        "  www.example.com,192.0.2.10       connect to 192.0.2.10, SNI and name checks for "
        "www.example.com\n"
        "  192.0.2.20,,www.example.com      SNI www.example.com to an address\n"
        "\n"
        "Ctrl-C (SIGINT) or SIGTERM: no new targets; those in flight finish or hit --deadline; the "
        "summary\n"
        "is written. --shard K/N keeps the targets whose key's FNV-1a 64 hash modulo N is K-1.\n"
        "Exit codes: 0 all scanned, nothing high-severity; 1 some target has a high-severity "
        "finding, no TLS,\n"
        "or timed out; 2 usage error or no valid target; 3 no target reachable; 4 internal error.");
    command_->add_option("input", a.input, "Target list, one per line; '-' reads standard input")
        ->required();
    command_->add_option(
        "--jsonl", a.jsonl,
        "Write one JSON object per target per line to FILE, as each completes, then a summary "
        "line");
    command_->add_option("--csv", a.csv, "Write one CSV row per target to FILE");
    command_->add_option("--html", a.html,
                         "Write the summary (verdicts, versions, diagnoses, worst targets) as one "
                         "self-contained HTML page");
    command_->add_flag("--resume", a.resume,
                       "Skip the targets the --jsonl file already holds; append the rest");
    command_->add_option(
        "--shard", a.shard,
        "Scan only shard K of N (1-based), e.g. 3/16; the N shards partition the input");
    command_->add_option("--starttls", a.starttls,
                         "Upgrade lines without a URL scheme with this STARTTLS protocol (smtp, "
                         "imap, ...; their default port when the line names none); a line's "
                         "scheme wins");
    command_->add_option("--xmpp-domain", a.xmpp_domain,
                         "XMPP lines: the domain of the stream (default: each line's host); "
                         "also the SNI and the name the certificate must match");
    command_->add_option("--concurrency", a.concurrency, "Targets in flight at once")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    command_
        ->add_option("--threads", a.threads, "I/O threads, one io_context each (0 = one per core)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    command_
        ->add_option("--connections", a.connections,
                     "Concurrent connections to one target (the probe command uses 8; a scan keeps "
                     "3 so 512 targets in flight stay under ~150 MB)")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    command_
        ->add_option("--max-connections", a.max_connections,
                     "Connections open at once over all targets; a target waits for a free one "
                     "(default: the open-file limit less 64)")
        ->check(CLI::Range(1, 10000000));
    add_timeout_option(command, a);
    command_->add_option("--deadline", a.deadline,
                         "Per target: cancel its probe and record it as timed out after this long "
                         "(default: enough for every attempt at --timeout, plus 1s)");
    command_->add_option("--rate", a.rate,
                         "Start at most N new targets per second over all threads: 50, 50/s, "
                         "3000/m, 20/h (from 1/h to 100000/s)");
    command_->add_flag("--quick", a.quick,
                       "Protocol versions and the certificate chain (the default)");
    command_->add_flag("--full", a.full,
                       "Also enumerate cipher suites, groups and server preference per version "
                       "(many more connections per target)");
    command_->add_option("--checks", a.checks,
                         "Security checks per target: comma-separated ids, all, safe (the "
                         "non-intrusive ones) or none (default: safe with --full, else none)");
    auto* fetch = command_->add_flag(
        "--fetch", a.fetch,
        "Let the aia and revocation checks fetch over plain HTTP (the AIA intermediate, OCSP, "
        "CRLs); off by default in scans");
    command_->add_flag("--no-fetch", a.no_fetch, "Fetch nothing (the default for scans)")
        ->excludes(fetch);
    add_trust_options(command, a);
    add_client_options(command, a.clients);
    add_client_certificate_options(command, a);
    command_
        ->add_option("--expires-soon", a.expires_soon_days, "Report cert.expires_soon within DAYS")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    command_->add_flag("-q,--quiet", a.quiet,
                       "No progress line (it is drawn only when stderr is a terminal anyway)");
    command_->add_flag("--no-color", a.no_color, "No ANSI colours in the summary");
    add_width_option(*command_, a.width);
    return
        [args](std::ostream& out, std::ostream& err) { return run_scan_command(*args, out, err); };
}

}  // namespace

int scan_exit_code(const report::ScanSummary& summary) { return exit_code(summary); }

Command scan_command() {
    return {"scan", "Probe a list of targets concurrently; stream JSONL/CSV; summary at the end",
            scan_options};
}

}  // namespace tlsprobe::cli
