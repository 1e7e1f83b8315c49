// `tlsprobe check` (the pre-go-live gate) and `tlsprobe policy show|list`.
//
// Registered on the CLI::App by cli.cpp with one call; parsing stays in CLI11, running is
// a plain function so tests drive it through cli::run without a process.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tlsprobe::cli {

class CheckCommands {
public:
    virtual ~CheckCommands() = default;
    // True when the command line chose `check` or `policy ...`.
    virtual bool selected() const = 0;
    // Runs the chosen command; returns the exit code (check: 0 pass, 1 a rule failed, 2 bad
    // policy or usage, 3 a target could not be reached). Throws UsageError for bad input.
    virtual int run(std::ostream& out, std::ostream& err) = 0;
};

// Adds the `check` and `policy` subcommands to `app`; the object holds their options.
std::unique_ptr<CheckCommands> add_check_commands(CLI::App& app);

// --targets FILE: one target per line, blank lines and '#' comments skipped. Returns
// {line number, text}. A minimal reader: the full scan input parser (probe/scan_input, on
// another branch) replaces it on merge. Throws UsageError when the file cannot be read.
std::vector<std::pair<int, std::string>> read_targets_file(const std::string& path);

}  // namespace tlsprobe::cli
