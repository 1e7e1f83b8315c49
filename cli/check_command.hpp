// `tlsprobe check` (the pre-go-live gate) and `tlsprobe policy show|list`.
//
// Registered on the CLI::App by cli.cpp with one call; parsing stays in CLI11, running is
// a plain function so tests drive it through cli::run without a process.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "probe/target.hpp"

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

// --targets FILE: the `tlsprobe scan` input format (probe/scan_input.hpp: host, host:port,
// URLs, optional ",connect-to,sni" columns, '#' comments). Throws UsageError when the file
// cannot be read or a line is bad ("FILE:LINE: 'text': reason"): a gate does not skip input.
std::vector<probe::Target> read_targets_file(const std::string& path);

}  // namespace tlsprobe::cli
