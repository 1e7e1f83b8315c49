// The command line: one table of subcommands (probe, demo, scan, check, policy), one usage
// error type (cli_common.hpp), one mapping to exit codes. Parsing is separate from running so
// tests drive the CLI without starting a process.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace tlsprobe::cli {

// Exit codes, the contract scripts and CI gates rely on.
enum ExitCode : int {
    kOk = 0,           // probe completed, nothing of high severity
    kFindings = 1,     // high-severity findings, or the target cannot do TLS
    kUsage = 2,        // bad command line or input (UsageError)
    kUnreachable = 3,  // DNS / refused / timeout on every attempt
    kInternal = 4,     // a bug or an unexpected local failure in tlsprobe itself: any other
                       // exception escaping a subcommand ("tlsprobe: internal error: ...")
};

// "Exit codes: 0 ok, 1 ..., 4 internal error ...": the --help footer's list.
std::string exit_codes_help();
// "0.1.0-42-gabc1234" (git describe at configure time) or the project version; --version prints it.
std::string_view version_string();

// Parses "5s", "500ms", "2.5s", "1m". A bare number is refused ("3" could mean seconds or
// milliseconds). Throws std::invalid_argument naming the value.
std::chrono::milliseconds parse_duration(std::string_view text);

// Runs a parsed subcommand: returns its exit code; throws UsageError for bad input.
using CommandRun = std::function<int(std::ostream& out, std::ostream& err)>;

// One row of the command table. `options` adds the subcommand's options (and any nested
// subcommands) to the CLI::App made for it, bound to state it owns, and returns the run
// function that reads that state after parsing.
struct Command {
    std::string name;
    std::string description;
    std::function<CommandRun(CLI::App& command)> options;
};

// tlsprobe's subcommands, in --help order: probe, demo, scan, merge, check, policy.
std::vector<Command> commands();

// Runs the command line; returns the exit code. `out` gets the report, `err` messages.
// Never throws: a UsageError exits kUsage, any other exception kInternal (cli_common.hpp).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// The same over another command table (tests add a command that fails).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const std::vector<Command>& table);

}  // namespace tlsprobe::cli
