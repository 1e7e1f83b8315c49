// The command line: `tlsprobe probe`, `tlsprobe demo`. Parsing is separate from running so
// tests drive the CLI without starting a process.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tlsprobe::cli {

// Exit codes, the contract scripts and CI gates rely on.
enum ExitCode : int {
    kOk = 0,           // probe completed, nothing of high severity
    kFindings = 1,     // high-severity findings, or the target cannot do TLS
    kUsage = 2,        // bad command line or input
    kUnreachable = 3,  // DNS / refused / timeout on every attempt
    kInternal = 4,     // a bug or an unexpected local failure in tlsprobe itself
};

// Parses "5s", "500ms", "2.5s", "1m" or a bare number of seconds. Throws std::invalid_argument
// naming the value.
std::chrono::milliseconds parse_duration(std::string_view text);

// Runs the command line; returns the exit code. `out` gets the report, `err` messages.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tlsprobe::cli
