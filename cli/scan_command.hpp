// `tlsprobe scan`: many targets from a file or standard input, streamed to JSONL/CSV, with a
// summary at the end. The options live in scan_command(), a row of the command table; the
// job itself (run_scan_job) takes the per-target work as a parameter so tests run it with a
// fake probe.
#pragma once

#include <atomic>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"
#include "cli/client_options.hpp"
#include "report/scan_report.hpp"
#include "scan/scan.hpp"

namespace tlsprobe::cli {

// The common probe options (cli_common.hpp: timeout, ca_file, ca_path, connections) plus
// the scan's own; a scan keeps 3 connections per target (memory and politeness at scale).
struct ScanArgs : CommonProbeArgs {
    ScanArgs() { connections = 3; }
    std::string input;              // a file, or "-" for standard input
    std::string jsonl;              // --jsonl FILE
    std::string csv;                // --csv FILE
    std::string html;               // --html FILE: the summary as one self-contained page
    bool resume = false;            // skip targets --jsonl already holds
    std::string shard;              // "K/N"; empty = all
    std::size_t concurrency = 256;  // targets in flight
    std::size_t threads = 0;        // io threads; 0 = one per core
    std::size_t max_connections = 0;  // --max-connections over all targets; 0 = from `ulimit -n`
    std::string deadline;  // per target; empty = derived from --timeout (see scan_deadline)
    std::string rate;      // "N", "N/s" or "N/m" new targets; empty = unlimited
    bool quick = false;    // protocols + chain (the default)
    bool full = false;     // plus enumeration, the safe checks and the client simulation
    std::optional<std::string> checks;  // --checks; unset = the non-intrusive ones with --full
    int expires_soon_days = 30;
    // --fetch: the aia and revocation checks may fetch over plain HTTP (off by default: a scan
    // of many hosts would hit the same CA servers many times); --no-fetch says so explicitly.
    bool fetch = false, no_fetch = false;
    bool quiet = false;  // no progress line
    bool no_color = false;
    std::string width;  // --width
    std::string starttls;  // --starttls PROTO for lines without a URL scheme; empty = none
    std::string xmpp_domain;  // --xmpp-domain NAME for XMPP lines; empty = each line's host
    ClientArgs clients;  // --clients, --client-data, --trust-store-dir (with --full)
};

// How the job talks to its surroundings.
struct ScanJobIo {
    bool progress = false;                    // draw the progress line on stderr (a terminal)
    const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM
    std::istream* standard_input = nullptr;   // what "-" reads; null = std::cin
};

// Runs a whole scan: returns the exit code (0 ok, 1 failures, 2 usage, 3 nothing reachable,
// 4 internal error), through run_guarded like every subcommand.
// `work` null = the real probe (probe::probe_target with options from `args`).
int run_scan_job(const ScanArgs& args, const scan::TargetWork* work, std::ostream& out,
                 std::ostream& err, const ScanJobIo& io = {});

// The exit code of a scan with this summary (also `tlsprobe merge`'s).
int scan_exit_code(const report::ScanSummary& summary);

// The row of the command table (cli.hpp). Its run installs SIGINT/SIGTERM handlers for the
// duration of the scan.
Command scan_command();

}  // namespace tlsprobe::cli
