// `tlsprobe scan`: many targets from a file or standard input, streamed to JSONL/CSV, with a
// summary at the end. The parsing lives in ScanCommand; the job itself (run_scan_job) takes
// the per-target work as a parameter so tests run it with a fake probe.
#pragma once

#include <atomic>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "scan/scan.hpp"

namespace CLI {
class App;
}

namespace tlsprobe::cli {

struct ScanArgs {
    std::string input;             // a file, or "-" for standard input
    std::string jsonl;             // --jsonl FILE
    std::string csv;               // --csv FILE
    std::string html;              // --html FILE: the summary as one self-contained page
    bool resume = false;           // skip targets --jsonl already holds
    std::string shard;             // "K/N"; empty = all
    std::size_t concurrency = 256; // targets in flight
    std::size_t threads = 0;       // io threads; 0 = one per core
    std::size_t connections = 3;   // connections per target at once (memory and politeness at scale)
    std::string timeout = "5s";    // per connection phase
    std::string deadline;          // per target; empty = derived from --timeout (see scan_deadline)
    std::string rate;              // "N", "N/s" or "N/m" new targets; empty = unlimited
    bool quick = false;            // protocols + chain (the default)
    bool full = false;             // every attempt plus cipher-suite enumeration
    std::string ca_file, ca_path;
    int expires_soon_days = 30;
    bool quiet = false;            // no progress line
    bool no_color = false;
};

// How the job talks to its surroundings.
struct ScanJobIo {
    bool progress = false;                     // draw the progress line on stderr (a terminal)
    const std::atomic<bool>* stop = nullptr;   // SIGINT/SIGTERM
    std::istream* standard_input = nullptr;    // what "-" reads; null = std::cin
};

// Runs a whole scan: returns the exit code (0 ok, 1 failures, 2 usage, 3 nothing reachable).
// `work` null = the real probe (probe::probe_target with options from `args`).
int run_scan_job(const ScanArgs& args, const scan::TargetWork* work, std::ostream& out, std::ostream& err,
                 const ScanJobIo& io = {});

// The subcommand, registered on the top-level app by cli.cpp:
//   auto scan = add_scan_command(app);          before app.parse
//   if (scan->selected()) return scan->run(out, err);   after it
class ScanCommand {
public:
    explicit ScanCommand(CLI::App& app);
    bool selected() const;
    // Installs SIGINT/SIGTERM handlers for the duration of the scan, then runs it.
    int run(std::ostream& out, std::ostream& err);

private:
    CLI::App* command_ = nullptr;
    ScanArgs args_;
};
std::unique_ptr<ScanCommand> add_scan_command(CLI::App& app);

}  // namespace tlsprobe::cli
